"""reverseFulfillmentOrderDispose: dispositions of returned units (commerce.py `dispose`).

Schema: `reverseFulfillmentOrderDispose(dispositionInputs: [ReverseFulfillmentOrderDisposeInput!]!)`
answering ReverseFulfillmentOrderDisposePayload {reverseFulfillmentOrderLineItems, userErrors
(ReturnUserError)}. Each input names a ReverseFulfillmentOrderLineItem, units, a
dispositionType and, for RESTOCKED, the locationId ("required when the disposition type is RESTOCKED").
The inputs of one call belong to one reverse fulfilment order here (one dispose webhook).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..commerce import Commerce, CommerceError
from ..graph import ExecContext, Obj
from ..ids import parse_gid_of
from ..queries_orders import reverse_line_obj
from .common import user_error

PAYLOAD = "ReverseFulfillmentOrderDisposePayload"


def dispose(info: GraphQLResolveInfo, dispositionInputs: list[dict[str, Any]]) -> Obj:
    ctx: ExecContext = info.context
    commerce = Commerce(ctx.state)
    wanted: list[tuple[int, int, str, int | None]] = []
    owners: set[int] = set()
    for n, entry in enumerate(dispositionInputs):
        line_id = parse_gid_of("ReverseFulfillmentOrderLineItem", entry["reverseFulfillmentOrderLineItemId"])
        location = entry.get("locationId")
        location_id = parse_gid_of("Location", location) if location is not None else None
        owner = _owner(ctx, line_id) if line_id is not None else None
        if line_id is None or owner is None:
            return _refused(["dispositionInputs", str(n), "reverseFulfillmentOrderLineItemId"], "Invalid id.")
        if entry["dispositionType"] == "RESTOCKED" and location_id is None:
            return _refused(["dispositionInputs", str(n), "locationId"], "Location is required to restock.")
        owners.add(owner)
        wanted.append((line_id, int(entry["quantity"]), str(entry["dispositionType"]), location_id))
    if len(owners) != 1:
        return _refused(["dispositionInputs"], "The line items belong to more than one reverse fulfillment order.")
    number = owners.pop()
    try:
        lines = commerce.dispose(ctx.shop, number, wanted)
    except CommerceError as error:
        return _refused(["dispositionInputs"], str(error))
    found = commerce.reverse_fulfillment_order(ctx.shop, number)
    assert found is not None
    nodes = [reverse_line_obj(ctx.shop, found[0], line) for line in {line.id: line for line in lines}.values()]
    return Obj(PAYLOAD, reverseFulfillmentOrderLineItems=nodes, userErrors=[])


def _owner(ctx: ExecContext, line_id: int) -> int | None:
    """The reverse fulfilment order holding the line."""
    for order in ctx.shop.orders.values():
        for made in order.returns:
            if any(line.id == line_id for line in made.lines):
                return made.reverse_fulfillment_order_id
    return None


def _refused(field: list[str], message: str) -> Obj:
    return Obj(PAYLOAD, reverseFulfillmentOrderLineItems=None,
               userErrors=[user_error("ReturnUserError", field, message, "INVALID")])  # fmt: skip
