"""Rules shared by the inventory mutations: @idempotent, explicit changeFromQuantity, replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, Node, VariableNode, value_from_ast_untyped

from ..graph import ExecContext, Obj
from ..schema import version_at_least
from ..state import IdempotentRecord

# From 2026-04 both rules are enforced at runtime (the schema cannot say so):
# https://shopify.dev/changelog/making-changefromquantity-field-required
# https://shopify.dev/changelog/making-idempotency-mandatory-for-inventory-adjustments-and-refund-mutations
STRICT_FROM = "2026-04"

IDEMPOTENT_REQUIRED = "The @idempotent directive is required for this mutation but was not provided."


def user_error(typename: str, field: list[str] | None, message: str, code: str | None) -> Obj:
    return Obj(typename, field=field, message=message, code=code)


def input_node(info: GraphQLResolveInfo, arg_name: str = "input") -> Node:
    """Where the argument came from: its variable definition, else the literal value."""
    field_node = info.field_nodes[0]
    for arg in field_node.arguments or ():
        if arg.name.value != arg_name:
            continue
        if isinstance(arg.value, VariableNode):
            for var_def in info.operation.variable_definitions or ():
                if var_def.variable.name.value == arg.value.name.value:
                    return var_def
        return arg.value
    return field_node


def require_change_from(
    info: GraphQLResolveInfo, ctx: ExecContext, entries: list[dict[str, Any]], input_type: str
) -> None:
    """2026-04+: every entry must carry changeFromQuantity, explicitly (null opts out of the check).

    Error shape from capture 2026-04_products_inventory-quantity-contracts-2026-04.json
    (missingSetChangeFromQuantity and friends): INVALID_FIELD_ARGUMENTS, located at the field and
    at the variable definition.
    """
    if not version_at_least(ctx.version, STRICT_FROM):
        return
    if all("changeFromQuantity" in entry for entry in entries):
        return
    raise GraphQLError(
        f"{input_type} must include the following argument: changeFromQuantity.",
        [info.field_nodes[0], input_node(info)],
        path=info.path.as_list(),
        extensions={"code": "INVALID_FIELD_ARGUMENTS"},
    )


def idempotency_key(info: GraphQLResolveInfo, ctx: ExecContext) -> str | None:
    """The @idempotent(key:) of this field; BAD_REQUEST when missing on 2026-04+ (capture shape)."""
    for directive in info.field_nodes[0].directives or ():
        if directive.name.value == "idempotent":
            for arg in directive.arguments or ():
                if arg.name.value == "key":
                    value = value_from_ast_untyped(arg.value, ctx.variables)
                    return str(value) if value is not None else None
    if version_at_least(ctx.version, STRICT_FROM):
        raise GraphQLError(
            IDEMPOTENT_REQUIRED,
            info.field_nodes,
            path=info.path.as_list(),
            extensions={"code": "BAD_REQUEST"},
        )
    return None


def with_idempotency(
    info: GraphQLResolveInfo,
    ctx: ExecContext,
    key: str | None,
    args: dict[str, Any],
    error_type: str,
    payload_type: str,
    run: Callable[[], tuple[Obj, bool]],
) -> Obj:
    """Replay the stored answer for a known key with the same arguments; refuse other arguments.

    `run` returns (payload, succeeded). Successful answers are stored always; answers with
    userErrors only when the shop says so (`record_failed_idempotent_attempts`), because whether
    Shopify keeps them is not documented.
    """
    if key is None:
        return run()[0]
    fingerprint = info.field_name + ":" + json.dumps(args, sort_keys=True, default=str)
    shop = ctx.shop
    record = shop.idempotency.get(key)
    if record is not None:
        if record.fingerprint == fingerprint:
            payload: Obj = record.payload
            return payload
        return Obj(
            payload_type,
            inventoryAdjustmentGroup=None,
            userErrors=[
                user_error(
                    error_type,
                    None,
                    "The same idempotency key cannot be used with different operation parameters.",
                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                )
            ],
        )
    payload, ok = run()
    if ok or shop.record_failed_idempotent_attempts:
        shop.idempotency[key] = IdempotentRecord(info.field_name, fingerprint, payload)
    return payload
