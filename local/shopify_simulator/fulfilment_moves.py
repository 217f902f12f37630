"""A merchant (or an app) moving an order's fulfilment order to another location.

fulfillmentOrderMove re-assigns the unfulfilled line items of a fulfilment order: when none of its
line items is fulfilled (even partly) the fulfilment order itself moves, else a new one at the
destination takes the open units and the original keeps the fulfilled ones (closed once nothing is
open there); fulfilled units never move
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). The committed
units follow the assignment: released to available at the source, committed at the destination
(https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/inventory-states).
Emits `fulfillment_orders/moved`, one per source location (webhooks.fulfillment_orders_moved_body).
Played by the control API (`POST .../orders/{id}/move`: every open unit of the order) and by GraphQL
`fulfillmentOrderMove(id:, newLocationId:)` (one fulfilment order, all its unfulfilled line items;
mutations/fulfillment_orders.py). Fulfilment order ids are allocated when first named: a move, or
`Order.fulfillmentOrders` (open_fulfillment_orders).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .commerce import Commerce, CommerceError
from .state import LineItem, Order, Shop
from .webhooks import fulfillment_orders_moved_body


def move_fulfilment_orders(commerce: Commerce, shop: Shop, order_id: int, location_id: int) -> list[dict[str, Any]]:
    """Moves every open unit of the order to ``location_id``; returns the webhook bodies emitted."""
    state = commerce.state
    with state.lock:
        order = shop.orders.get(order_id)
        if order is None:
            raise CommerceError(f"unknown order {order_id}")
        if order.cancelled_at is not None:
            raise CommerceError("order is cancelled")
        destination = shop.locations.get(location_id)
        if destination is None or not destination.is_active:
            raise CommerceError(f"unknown or inactive location {location_id}")
        by_source: dict[int, list[LineItem]] = defaultdict(list)
        for line in order.line_items:
            if line.unfulfilled and line.location_id is not None and line.location_id != location_id:
                by_source[line.location_id].append(line)
        if not by_source:
            raise CommerceError("no open units to move to that location")
        bodies = [_move_from(commerce, shop, order, source, lines, location_id) for source, lines in by_source.items()]
        order.updated_at = state.clock.now()
        return bodies


def _move_from(
    commerce: Commerce, shop: Shop, order: Order, source: int, lines: list[LineItem], destination: int
) -> dict[str, Any]:
    state = commerce.state
    original_id = order.fulfillment_orders.pop(source, None) or state.ids.next()
    at_source = [li for li in order.line_items if li.location_id == source]
    whole = not any(li.fulfilled for li in at_source)
    moved_id = original_id if whole else state.ids.next()
    requested: list[tuple[int, int]] = []
    for line in lines:
        units = line.unfulfilled
        item = shop.item_of(line)
        if item is not None and item.tracked:
            commerce.shift(shop, item.id, source, committed=-units, available=units)
            commerce.shift(shop, item.id, destination, available=-units, committed=units)
        line.location_id = destination
        line_item_id = state.ids.next()
        order.fulfillment_order_lines[(moved_id, line.id)] = line_item_id
        requested.append((line_item_id, units))
    if not whole:
        order.fulfillment_orders[source] = original_id  # keeps the fulfilled units, nothing open: closed
    order.fulfillment_orders[destination] = moved_id
    original = (original_id, "open", destination) if whole else (original_id, "closed", source)
    body = fulfillment_orders_moved_body(original, (moved_id, destination), source, requested)
    state.emit(shop, "fulfillment_orders/moved", body)
    return body


def open_fulfillment_orders(commerce: Commerce, order: Order) -> dict[int, int]:
    """Location id -> the id of the order's fulfilment order there, for every location some of its lines
    are assigned to (ids allocated on first mention, kept after)."""
    for line in order.line_items:
        if line.location_id is not None and line.location_id not in order.fulfillment_orders:
            order.fulfillment_orders[line.location_id] = commerce.state.ids.next()
    return dict(order.fulfillment_orders)


def move_fulfilment_order(
    commerce: Commerce, shop: Shop, fulfillment_order_id: int, location_id: int
) -> tuple[Order, dict[str, Any]]:
    """fulfillmentOrderMove of one fulfilment order's unfulfilled line items to ``location_id``; the
    order and the webhook body emitted. CommerceError for what Shopify refuses."""
    state = commerce.state
    with state.lock:
        found = [
            (order, source)
            for order in shop.orders.values()
            for source, number in order.fulfillment_orders.items()
            if number == fulfillment_order_id
        ]
        if not found:
            raise CommerceError(f"unknown fulfillment order {fulfillment_order_id}")
        order, source = found[0]
        destination = shop.locations.get(location_id)
        if destination is None or not destination.is_active:
            raise CommerceError(f"unknown or inactive location {location_id}")
        if order.cancelled_at is not None:
            raise CommerceError("the fulfillment order is closed (its order is cancelled)")
        if location_id == source:
            raise CommerceError("the fulfillment order is already assigned to that location")
        lines = [li for li in order.line_items if li.location_id == source and li.unfulfilled]
        if not lines:
            raise CommerceError("the fulfillment order has no line items left to move")
        body = _move_from(commerce, shop, order, source, lines, location_id)
        order.updated_at = state.clock.now()
        return order, body
