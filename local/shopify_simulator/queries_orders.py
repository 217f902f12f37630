"""QueryRoot.orders: what the ledger's catch-up reads (orders updated since an instant).

Served: the search term `updated_at:>=<ISO>` (or `>`, and `created_at:` alike), `id:<n>` (other terms
are ignored), Shopify's fields the catch-up asks for (line items with variant and inventory item,
fulfilments with their lines, cancellation, refunds with their lines). Pages follow the order id,
whatever `sortKey` says: the catch-up does not depend on the page order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from graphql import GraphQLResolveInfo

from .clock import iso
from .commerce import Commerce
from .fulfilment_moves import open_fulfillment_orders
from .graph import ExecContext, Obj, connection
from .ids import gid, parse_gid_of
from .state import Fulfillment, LineItem, Order, Refund, Return, ReverseLine, Shop

_TERM = re.compile(r"\b(updated_at|created_at):(>=|>)'?\"?([0-9T:.\-+Z]+)")
# `id:<n>`: one order by its id (the consumer's read after returns/process).
_ID_TERM = re.compile(r"(?<![\w.])id:(\d+)\b")


def orders_resolver(ctx: ExecContext) -> Callable[..., Obj]:
    shop: Shop = ctx.shop

    def orders(info: GraphQLResolveInfo, **args: Any) -> Obj:
        search = args.pop("query", None) or ""
        terms = _TERM.findall(search)
        bounds = [(name, op, datetime.fromisoformat(value).timestamp()) for name, op, value in terms]
        ids = {int(number) for number in _ID_TERM.findall(search)}
        args.pop("sortKey", None)

        def wanted(order: Order) -> bool:
            if ids and order.id not in ids:
                return False
            for name, op, bound in bounds:
                value = order.updated_at if name == "updated_at" else order.created_at
                if value < bound or (op == ">" and value == bound):
                    return False
            return True

        items = [(order.id, order_obj(shop, order)) for order in shop.orders.values() if wanted(order)]
        return connection(info, "OrderConnection", items, **args)

    return orders


def order_part_by_id(shop: Shop, kind: str, num: int) -> Obj | None:
    """An Order, Fulfillment or Refund by its id (QueryRoot.order, .fulfillment, .refund and node)."""
    if kind == "Order":
        order = shop.orders.get(num)
        return order_obj(shop, order) if order is not None else None
    for order in shop.orders.values():
        if kind == "Fulfillment":
            found = next((f for f in order.fulfillments if f.id == num), None)
            if found is not None:
                return _fulfillment_obj(found)
        if kind == "Refund":
            refund = next((r for r in order.refunds if r.id == num), None)
            if refund is not None:
                return _refund_obj(refund)
    return None


def order_obj(shop: Shop, order: Order) -> Obj:
    def line_items(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return connection(info, "LineItemConnection", [(li.id, line_obj(shop, li)) for li in order.line_items], **args)

    def fulfillments(info: GraphQLResolveInfo, first: int | None = None, **_: Any) -> list[Obj]:
        return [_fulfillment_obj(f) for f in order.fulfillments][: first or None]

    def refunds(info: GraphQLResolveInfo, first: int | None = None, **_: Any) -> list[Obj]:
        return [_refund_obj(r) for r in order.refunds][: first or None]

    def returns(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = [(made.id, _return_obj(shop, order, made)) for made in order.returns]
        return connection(info, "ReturnConnection", nodes, **args)

    def fulfillment_orders(info: GraphQLResolveInfo, **args: Any) -> Obj:
        ctx: ExecContext = info.context
        args.pop("displayable", None)
        args.pop("query", None)
        assigned = open_fulfillment_orders(Commerce(ctx.state), order)
        nodes = [(n, fulfillment_order_obj(ctx, shop, order, at, n)) for at, n in assigned.items()]
        return connection(info, "FulfillmentOrderConnection", nodes, **args)

    return Obj(
        "Order",
        id=gid("Order", order.id),
        legacyResourceId=str(order.id),
        name=f"#{order.number}",
        createdAt=iso(order.created_at),
        updatedAt=iso(order.updated_at),
        cancelledAt=iso(order.cancelled_at) if order.cancelled_at is not None else None,
        sourceName=order.source_name,
        retailLocation=Obj("Location", id=gid("Location", order.location_id)) if order.location_id else None,
        lineItems=line_items,
        fulfillments=fulfillments,
        refunds=refunds,
        fulfillmentOrders=fulfillment_orders,
        returns=returns,
    )


def line_obj(shop: Shop, line: LineItem) -> Obj:
    variant = shop.variants.get(line.variant_id) if line.variant_id is not None else None
    item = shop.item_of(line)
    item_obj = Obj("InventoryItem", id=gid("InventoryItem", item.id), tracked=item.tracked) if item else None
    return Obj(
        "LineItem",
        id=gid("LineItem", line.id),
        sku=line.sku,
        quantity=line.quantity,
        unfulfilledQuantity=line.unfulfilled,
        isGiftCard=bool(item is not None and variant is not None and shop.products[variant.product_id].is_gift_card),
        variant=Obj("ProductVariant", id=gid("ProductVariant", variant.id), inventoryItem=item_obj)
        if variant is not None
        else None,
    )


def _fulfillment_obj(fulfillment: Fulfillment) -> Obj:
    def lines(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = []
        for n, (line_id, quantity) in enumerate(fulfillment.lines):
            line = Obj("LineItem", id=gid("LineItem", line_id))
            nodes.append((n, Obj("FulfillmentLineItem", quantity=quantity, lineItem=line)))
        return connection(info, "FulfillmentLineItemConnection", nodes, **args)

    return Obj(
        "Fulfillment",
        id=gid("Fulfillment", fulfillment.id),
        status="SUCCESS",
        location=Obj("Location", id=gid("Location", fulfillment.location_id)),
        fulfillmentLineItems=lines,
        createdAt=iso(fulfillment.created_at),
    )


def _refund_obj(refund: Refund) -> Obj:
    def lines(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = [
            (
                line.id,
                Obj(
                    "RefundLineItem",
                    id=gid("RefundLineItem", line.id),
                    quantity=line.quantity,
                    restockType=line.restock_type.upper(),
                    location=Obj("Location", id=gid("Location", line.location_id)) if line.location_id else None,
                    lineItem=Obj("LineItem", id=gid("LineItem", line.line_item_id)),
                ),
            )
            for line in refund.lines
        ]
        return connection(info, "RefundLineItemConnection", nodes, **args)

    made = Obj("Return", id=gid("Return", refund.return_id)) if refund.return_id is not None else None
    return Obj("Refund", id=gid("Refund", refund.id), createdAt=iso(refund.created_at), refundLineItems=lines,
               **{"return": made})  # fmt: skip


def fulfillment_order_resolver(ctx: ExecContext) -> Callable[..., Obj | None]:
    """QueryRoot.fulfillmentOrder(id:): a fulfilment order the simulator has allocated (fulfilment_moves.py:
    ids exist once an order's fulfilment was moved), from the order and its lines. Its lines are the
    order's lines assigned to its location (`remainingQuantity` their open units, `totalQuantity` those
    plus the units fulfilled there) and lines fulfilled there and moved away since (nothing remaining).
    Status: CANCELLED with the order, OPEN while units remain, else CLOSED. Null for an unknown id, as
    Shopify's."""
    shop: Shop = ctx.shop

    def fulfillment_order(info: GraphQLResolveInfo, id: str) -> Obj | None:
        number = parse_gid_of("FulfillmentOrder", id)
        for order in shop.orders.values():
            for location_id, fulfillment_order_id in order.fulfillment_orders.items():
                if fulfillment_order_id == number:
                    return fulfillment_order_obj(ctx, shop, order, location_id, fulfillment_order_id)
        return None

    return fulfillment_order


def fulfillment_order_obj(ctx: ExecContext, shop: Shop, order: Order, location_id: int, number: int) -> Obj:
    shipped: dict[int, int] = {}
    for fulfillment in order.fulfillments:
        if fulfillment.location_id == location_id:
            for line_id, quantity in fulfillment.lines:
                shipped[line_id] = shipped.get(line_id, 0) + quantity
    lines = [
        (line, line.unfulfilled if line.location_id == location_id else 0, shipped.get(line.id, 0))
        for line in order.line_items
        if line.location_id == location_id or line.id in shipped
    ]

    def line_items(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = []
        for line, remaining, fulfilled in lines:
            key = (number, line.id)
            if key not in order.fulfillment_order_lines:
                order.fulfillment_order_lines[key] = ctx.state.ids.next()
            variant = shop.variants.get(line.variant_id) if line.variant_id is not None else None
            node = Obj(
                "FulfillmentOrderLineItem",
                id=gid("FulfillmentOrderLineItem", order.fulfillment_order_lines[key]),
                lineItem=line_obj(shop, line),
                remainingQuantity=remaining,
                totalQuantity=remaining + fulfilled,
                sku=line.sku,
                variant=Obj("ProductVariant", id=gid("ProductVariant", variant.id)) if variant is not None else None,
            )
            nodes.append((order.fulfillment_order_lines[key], node))
        return connection(info, "FulfillmentOrderLineItemConnection", nodes, **args)

    location = shop.locations.get(location_id)
    status = "CANCELLED" if order.cancelled_at is not None else "OPEN" if any(r for _, r, _ in lines) else "CLOSED"
    return Obj(
        "FulfillmentOrder",
        id=gid("FulfillmentOrder", number),
        status=status,
        orderId=gid("Order", order.id),
        order=order_obj(shop, order),
        assignedLocation=Obj(
            "FulfillmentOrderAssignedLocation",
            name=location.name if location is not None else "",
            location=Obj("Location", id=gid("Location", location_id)),
        ),
        lineItems=line_items,
    )


def _return_obj(shop: Shop, order: Order, made: Return) -> Obj:
    def reverse_fulfillment_orders(info: GraphQLResolveInfo, **args: Any) -> Obj:
        nodes = [(made.reverse_fulfillment_order_id, reverse_fulfillment_order_obj(shop, order, made))]
        return connection(info, "ReverseFulfillmentOrderConnection", nodes, **args)

    return Obj("Return", id=gid("Return", made.id), reverseFulfillmentOrders=reverse_fulfillment_orders)


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
