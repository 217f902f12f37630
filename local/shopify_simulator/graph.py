"""The objects the executor resolves: a typename plus fields, where a field is a value or a callable.

Any field the simulator does not implement raises a GraphQL error naming it, never a silent null.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from graphql import GraphQLAbstractType, GraphQLError, GraphQLResolveInfo

from .ids import gid
from .jsonish import JsonObject, JsonValue
from .obj import Obj
from .state import Shop, SimulatorState

__all__ = [
    "NOT_IMPLEMENTED_CODE",
    "ExecContext",
    "Obj",
    "connection",
    "decode_cursor",
    "encode_cursor",
    "field_resolver",
    "lazy",
    "node",
    "resource",
    "type_resolver",
]

NOT_IMPLEMENTED_CODE = "NOT_IMPLEMENTED_BY_SIMULATOR"


def node(typename: str, num: int, **fields: object) -> Obj:
    """A Node: its `id` is the gid of its typename and number."""
    return Obj(typename, id=gid(typename, num), **fields)


def resource(typename: str, num: int, **fields: object) -> Obj:
    """A Node that also has a `legacyResourceId` (LegacyInteroperability): the same number, as text."""
    return node(typename, num, legacyResourceId=str(num), **fields)


def field_resolver(source: object, info: GraphQLResolveInfo, **args: object) -> object:
    if isinstance(source, Obj):
        if info.field_name in source.fields:
            value = source.fields[info.field_name]
            return value(info, **args) if callable(value) else value
        raise GraphQLError(
            f"Field '{info.parent_type.name}.{info.field_name}' is not implemented by the Shopify simulator.",
            info.field_nodes,
            path=info.path.as_list(),
            extensions={"code": NOT_IMPLEMENTED_CODE},
        )
    if isinstance(source, dict):
        return source.get(info.field_name)
    return getattr(source, info.field_name, None)


def type_resolver(value: object, info: GraphQLResolveInfo, abstract_type: GraphQLAbstractType) -> str | None:
    return value.typename if isinstance(value, Obj) else None


@dataclass
class ExecContext:
    """Per-request context: the shop, the API version and whether this run serves a bulk query."""

    state: SimulatorState
    shop: Shop
    version: str
    variables: dict[str, JsonValue] = field(default_factory=dict)
    bulk: bool = False
    # Shopify's search warnings (`extensions.search`), collected by resolvers of `query:` arguments.
    search: list[JsonObject] = field(default_factory=list)


def encode_cursor(key: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"last_id": key}).encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return int(data["last_id"])
    except (ValueError, KeyError, TypeError):
        return None


def connection(
    info: GraphQLResolveInfo,
    typename: str,
    items: Sequence[tuple[int, Obj]],
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool | None = False,
    presorted: bool = False,
    **_: object,
) -> Obj:
    """A Relay connection over (key, node) pairs, paged like Shopify's (cursor after a key).

    Sorted by key unless `presorted` (the caller's order, e.g. locations by name); keys stay the
    cursors either way.
    """
    ctx: ExecContext = info.context
    if presorted:
        ordered = list(reversed(items)) if reverse else list(items)
    else:
        ordered = sorted(items, key=lambda kv: kv[0], reverse=bool(reverse))
    if not ctx.bulk and first is None and last is None:
        raise GraphQLError("you must provide one of first or last", info.field_nodes, path=info.path.as_list())
    keys = [k for k, _ in ordered]
    start, end = 0, len(ordered)
    if after is not None:
        key = decode_cursor(after)
        if key in keys:
            start = keys.index(key) + 1
    if before is not None:
        key = decode_cursor(before)
        if key in keys:
            end = keys.index(key)
    window = ordered[start:end]
    has_next = has_prev = False
    if first is not None and not ctx.bulk:
        has_next = len(window) > first or end < len(ordered)
        window = window[:first]
        has_prev = start > 0
    elif last is not None and not ctx.bulk:
        has_prev = len(window) > last or start > 0
        window = window[-last:] if last else []
        has_next = end < len(ordered)
    edge_type = typename.removesuffix("Connection") + "Edge"
    edges = [Obj(edge_type, cursor=encode_cursor(k), node=node) for k, node in window]
    page_info = Obj(
        "PageInfo",
        hasNextPage=has_next,
        hasPreviousPage=has_prev,
        startCursor=edges[0].fields["cursor"] if edges else None,
        endCursor=edges[-1].fields["cursor"] if edges else None,
    )
    return Obj(typename, edges=edges, nodes=[n for _, n in window], pageInfo=page_info)


def lazy[T](fn: Callable[[], T]) -> Callable[..., T]:
    """A field computed on demand, ignoring arguments."""
    return lambda info, **args: fn()
