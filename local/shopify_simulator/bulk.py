"""Bulk query operations: validation, the concurrency limit, a JSONL result served by the simulator.

JSONL layout as documented at https://shopify.dev/docs/api/usage/bulk-operations/queries: one
line per object, nested connection items on their own lines after their parent, carrying
`__parentId`. Concurrency: 5 non-terminal query operations per app and shop from 2026-01, one
before (captures 2026-04_bulk-operations_* and 2025-01_bulk-operations_*).
"""

from __future__ import annotations

import json
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, get_named_type, parse, validate

from .ids import gid
from .state import BulkOperation, Shop

ACTIVE = ("CREATED", "RUNNING", "CANCELING")


def concurrency_limit(version: str) -> int:
    return 5 if version >= "2026-01" else 1


def refresh_bulk(state: Any, shop: Shop) -> None:
    """Advance operations whose time has come (the clock is injectable, so tests need no sleeps)."""
    now = state.clock.now()
    for op in shop.bulk_operations.values():
        if op.status == "CANCELING":
            op.status = "CANCELED"
            op.completed_at = now
        elif op.status in ("CREATED", "RUNNING") and op.complete_at is not None and now >= op.complete_at:
            op.status = "COMPLETED"
            op.completed_at = now


def in_progress_message(shop: Shop) -> str | None:
    active = [op for op in shop.bulk_operations.values() if op.type == "QUERY" and op.status in ACTIVE]
    if not active:
        return None
    ids = ", ".join(gid("BulkOperation", op.id) for op in sorted(active, key=lambda o: o.id))
    return f"A bulk query operation for this app and shop is already in progress: {ids}."


def flatten(data: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Result tree -> JSONL objects (parents before children) and the count of root objects."""
    lines: list[dict[str, Any]] = []
    roots = 0

    def items_of(value: Any) -> list[dict[str, Any]] | None:
        if not isinstance(value, dict) or not set(value) <= {"edges", "nodes", "pageInfo"}:
            return None
        if isinstance(value.get("nodes"), list):
            return [n for n in value["nodes"] if isinstance(n, dict)]
        if isinstance(value.get("edges"), list):
            return [e["node"] for e in value["edges"] if isinstance(e, dict) and isinstance(e.get("node"), dict)]
        return None

    def emit(node: dict[str, Any], parent_id: str | None) -> None:
        line: dict[str, Any] = {}
        children: list[list[dict[str, Any]]] = []
        for key, value in node.items():
            nested = items_of(value)
            if nested is not None:
                children.append(nested)
            else:
                line[key] = value
        if parent_id is not None:
            line["__parentId"] = parent_id
        lines.append(line)
        for group in children:
            for child in group:
                emit(child, node.get("id"))

    for value in data.values():
        nested = items_of(value)
        for node in nested or []:
            roots += 1
            emit(node, None)
    return lines, roots


def validate_bulk_query(schema: Any, query: str) -> tuple[Any, str | None]:
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, f"Invalid bulk query: {exc.message}"
    errors = validate(schema, document)
    if errors:
        return None, f"Invalid bulk query: {errors[0].message}"
    if not _has_connection(schema, document):
        return None, "Bulk queries must contain at least one connection."
    return document, None


def _has_connection(schema: Any, document: Any) -> bool:
    root = schema.query_type
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for sel in definition.selection_set.selections:
            if (
                isinstance(sel, FieldNode)
                and sel.name.value in root.fields
                and get_named_type(root.fields[sel.name.value].type).name.endswith("Connection")
            ):
                return True
    return False


def new_operation(state: Any, shop: Shop, query: str, lines: list[dict[str, Any]], roots: int) -> BulkOperation:
    now = state.clock.now()
    duration = shop.bulk_duration_s
    op = BulkOperation(
        id=state.ids.next(),
        query=query,
        status="CREATED",
        created_at=now,
        complete_at=None if duration is None else now + duration,
        jsonl="".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines),
        object_count=len(lines),
        root_object_count=roots,
    )
    shop.bulk_operations[op.id] = op
    return op
