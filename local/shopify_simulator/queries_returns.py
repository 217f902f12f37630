"""QueryRoot.reverseFulfillmentOrder(id:): a return's reverse fulfilment order, its lines (the shipped
order line each returns, its units) and the dispositions made of them (commerce.py `dispose`).

Status: CLOSED once every returned unit is disposed, else OPEN. Null for an unknown id, as Shopify's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo

from .clock import iso
from .commerce import Commerce
from .graph import ExecContext, Obj, connection
from .ids import gid, parse_gid_of
from .queries_orders import line_obj, order_obj
from .state import Order, Return, ReverseLine, Shop


def reverse_fulfillment_order_resolver(ctx: ExecContext) -> Callable[..., Obj | None]:
    shop: Shop = ctx.shop

    def reverse_fulfillment_order(info: GraphQLResolveInfo, id: str) -> Obj | None:
        number = parse_gid_of("ReverseFulfillmentOrder", id)
        found = Commerce(ctx.state).reverse_fulfillment_order(shop, number) if number is not None else None
        return reverse_fulfillment_order_obj(shop, *found) if found is not None else None

    return reverse_fulfillment_order


def reverse_fulfillment_order_obj(shop: Shop, order: Order, made: Return) -> Obj:
    def line_items(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = [(line.id, reverse_line_obj(shop, order, line)) for line in made.lines]
        return connection(info, "ReverseFulfillmentOrderLineItemConnection", nodes, **args)

    return Obj(
        "ReverseFulfillmentOrder",
        id=gid("ReverseFulfillmentOrder", made.reverse_fulfillment_order_id),
        status="OPEN" if any(line.undisposed for line in made.lines) else "CLOSED",
        order=order_obj(shop, order),
        lineItems=line_items,
    )


def reverse_line_obj(shop: Shop, order: Order, line: ReverseLine) -> Obj:
    ordered = order.line(line.line_item_id)
    return Obj(
        "ReverseFulfillmentOrderLineItem",
        id=gid("ReverseFulfillmentOrderLineItem", line.id),
        totalQuantity=line.quantity,
        fulfillmentLineItem=Obj(
            "FulfillmentLineItem",
            id=gid("FulfillmentLineItem", line.fulfillment_line_item_id),
            quantity=line.quantity,
            lineItem=line_obj(shop, ordered) if ordered is not None else None,
        ),
        dispositions=[
            Obj(
                "ReverseFulfillmentOrderDisposition",
                id=gid("ReverseFulfillmentOrderDisposition", d.id),
                type=d.type,
                quantity=d.quantity,
                createdAt=iso(d.created_at),
                location=Obj("Location", id=gid("Location", d.location_id)) if d.location_id is not None else None,
            )
            for d in line.dispositions
        ],
    )
