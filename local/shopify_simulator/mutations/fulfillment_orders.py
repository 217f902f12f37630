"""fulfillmentOrderMove: one fulfilment order's unfulfilled line items re-assigned to another location.

Schema: `fulfillmentOrderMove(id: ID!, newLocationId: ID!, fulfillmentOrderLineItems: [...])` answering
FulfillmentOrderMovePayload {movedFulfillmentOrder, originalFulfillmentOrder, remainingFulfillmentOrder
(deprecated), userErrors} (https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove).
The move itself, its quantities and its webhook: fulfilment_moves.py. Moving a subset of the line items
(`fulfillmentOrderLineItems`) is not served.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from ..commerce import Commerce, CommerceError
from ..fulfilment_moves import move_fulfilment_order
from ..graph import NOT_IMPLEMENTED_CODE, ExecContext, Obj
from ..ids import parse_gid_of
from ..queries_orders import fulfillment_order_obj
from .common import user_error

PAYLOAD = "FulfillmentOrderMovePayload"
ERROR = "FulfillmentOrderMoveFulfillmentOrderMoveUserError"


def move(info: GraphQLResolveInfo, id: str, newLocationId: str, **args: Any) -> Obj:
    ctx: ExecContext = info.context
    if args.get("fulfillmentOrderLineItems"):
        raise GraphQLError(
            "fulfillmentOrderMove of some line items (fulfillmentOrderLineItems) is not implemented by the "
            "Shopify simulator.",
            info.field_nodes,
            path=info.path.as_list(),
            extensions={"code": NOT_IMPLEMENTED_CODE},
        )
    number, location = parse_gid_of("FulfillmentOrder", id), parse_gid_of("Location", newLocationId)
    if number is None or location is None:
        return _refused(["id" if number is None else "newLocationId"], "Invalid id.")
    try:
        order, body = move_fulfilment_order(Commerce(ctx.state), ctx.shop, number, location)
    except CommerceError as error:
        return _refused(["id"], str(error))
    original = parse_gid_of("FulfillmentOrder", body["original_fulfillment_order"]["id"])
    moved = parse_gid_of("FulfillmentOrder", body["moved_fulfillment_order"]["id"])
    assert original is not None
    assert moved is not None

    def located(number: int) -> Obj:
        at = next(loc for loc, fo in order.fulfillment_orders.items() if fo == number)
        return fulfillment_order_obj(ctx, ctx.shop, order, at, number)

    return Obj(PAYLOAD, movedFulfillmentOrder=located(moved), originalFulfillmentOrder=located(original),
               remainingFulfillmentOrder=None, userErrors=[])  # fmt: skip


def _refused(field: list[str], message: str) -> Obj:
    return Obj(
        PAYLOAD,
        movedFulfillmentOrder=None,
        originalFulfillmentOrder=None,
        remainingFulfillmentOrder=None,
        userErrors=[user_error(ERROR, field, message, None)],
    )
