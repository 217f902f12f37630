"""Bulk query operations: validation, the concurrency limit, a JSONL result served by the simulator.

JSONL layout as documented at https://shopify.dev/docs/api/usage/bulk-operations/queries: one
line per object, nested connection items on their own lines after their parent, carrying
`__parentId`. Concurrency: 5 non-terminal query operations per app and shop from 2026-01, one
before (captures 2026-04_bulk-operations_* and 2025-01_bulk-operations_*).
"""

from __future__ import annotations

import json
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    parse,
    validate,
)

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
    problem = _operation_restriction(schema, document)
    if problem is not None:
        return None, problem
    return document, None


MAX_CONNECTIONS = 5
MAX_CONNECTION_DEPTH = 2


def _operation_restriction(schema: Any, document: Any) -> str | None:
    """Shopify's bulk query restrictions (https://shopify.dev/docs/api/usage/bulk-operations/queries,
    "Operation restrictions"): no top-level `node`/`nodes`, at most five connections, connections
    nested two levels deep at most, and a nested connection's parent must select `id` (the JSONL
    links children to it by `__parentId`). The wording is ours."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    root_fields = _fields(operation.selection_set, fragments)
    if any(f.name.value in ("node", "nodes") for f in root_fields):
        return "Bulk queries cannot contain a top-level `node` or `nodes` field."
    connections: list[tuple[str, int]] = []
    missing_id: list[str] = []

    def walk(parent: Any, fields: list[FieldNode], depth: int, parent_has_id: bool) -> None:
        for node in fields:
            fdef = getattr(parent, "fields", {}).get(node.name.value)
            if fdef is None:
                continue
            named = get_named_type(fdef.type)
            children = _fields(node.selection_set, fragments)
            if named.name.endswith("Connection"):
                connections.append((node.name.value, depth + 1))
                if depth >= 1 and not parent_has_id:
                    missing_id.append(node.name.value)
                for item_type, item_fields in _connection_items(named, children, fragments):
                    has_id = any(f.name.value == "id" for f in item_fields)
                    walk(item_type, item_fields, depth + 1, has_id)
            elif children:
                has_id = any(f.name.value == "id" for f in children)
                walk(named, children, depth, has_id)

    walk(schema.query_type, root_fields, 0, False)
    if len(connections) > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
    deepest = max(depth for _, depth in connections)
    if deepest > MAX_CONNECTION_DEPTH:
        return f"Bulk queries cannot contain connections nested more than {MAX_CONNECTION_DEPTH} levels deep."
    if missing_id:
        return (
            "The parent of a nested connection must select the `id` field. Connections without it: "
            + ", ".join(missing_id)
            + "."
        )
    return None


def _fields(selection_set: Any, fragments: dict[str, Any]) -> list[FieldNode]:
    out: list[FieldNode] = []
    for sel in selection_set.selections if selection_set else ():
        if isinstance(sel, FieldNode):
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            out.extend(_fields(sel.selection_set, fragments))
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
            out.extend(_fields(fragments[sel.name.value].selection_set, fragments))
    return out


def _connection_items(connection_type: Any, children: list[FieldNode], fragments: dict[str, Any]) -> list[Any]:
    """(node type, node's fields) for each `nodes { }` / `edges { node { } }` under a connection."""
    out = []
    for child in children:
        if child.name.value == "nodes":
            out.append((get_named_type(connection_type.fields["nodes"].type), _fields(child.selection_set, fragments)))
        elif child.name.value == "edges":
            edge_type = get_named_type(connection_type.fields["edges"].type)
            for grand in _fields(child.selection_set, fragments):
                if grand.name.value == "node":
                    node_type = get_named_type(edge_type.fields["node"].type)
                    out.append((node_type, _fields(grand.selection_set, fragments)))
    return out


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
