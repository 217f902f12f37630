"""Shopify's own record of its orders, in the shapes the webhook apply path reads.

The reconciler's catch-up reads orders (GraphQL Admin `orders`) created or updated since the last
caught-up instant minus a margin, and feeds each through the same apply path as its webhooks: the
order (orders/create), its cancellation (orders/cancelled) and each refund (refunds/create). Entry
ids are business ids (order line, refund line), so what the ledger applied already is a no-op.
Pure: the GraphQL node is a dict, translated here into the REST bodies Shopify's webhooks carry.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from inventory_ledger.domain.ids import id_from_gid
from inventory_ledger.domain.shopify_payloads import Order, Refund

# Shopify's `updated_at` and our clock differ, and an order may be written a moment after its
# `updated_at`: every catch-up reads from this long before the last caught-up instant.
CATCH_UP_MARGIN = timedelta(minutes=10)
# With nothing caught up yet, a catch-up reads back this far (Shopify retries a webhook for 4 hours).
FIRST_CATCH_UP = timedelta(hours=6)
# How long one catch-up may read Shopify's orders: a backlog bigger than that (weeks of orders on a
# first run, a shop down for days) is read over several runs, each reporting it did not finish.
CATCH_UP_WINDOW = timedelta(minutes=5)

# How many fulfilments and refunds ORDERS_UPDATED_SINCE asks of each order (adapters/shopify/
# documents.py), and a whole re-read (ORDER_FULFILLMENTS_AND_REFUNDS): an order showing that many may
# hold more still (Shopify's lists are truncated to `first`, with no page info).
NESTED_LISTS = 4
WHOLE_LISTS = 250


@dataclass(frozen=True)
class FetchedOrder:
    """One order as Shopify holds it now: the order body, its refunds, when Shopify last changed it."""

    order: Order
    refunds: tuple[Refund, ...]
    updated_at: datetime
    # The REST body of the order, as orders/create and orders/cancelled carry it (for the envelope).
    body: dict[str, Any]
    refund_bodies: tuple[dict[str, Any], ...]
    # Shopify holds more of it than was read, even whole (more fulfilments or refunds than WHOLE_LISTS):
    # what was read is applied, the rest is left to its webhooks, and the catch-up vouches for none of
    # the order's SKUs (for no SKU at all when its lines were cut).
    truncated: bool = False
    lines_truncated: bool = False
    # The reverse fulfilment orders of the order's returns: their dispositions are read and applied
    # as a reverse_fulfillment_orders/dispose would be (domain/returns.py).
    reverse_fulfillment_orders: tuple[int, ...] = ()

    @property
    def skus(self) -> frozenset[str]:
        return frozenset(line.sku for line in self.order.line_items if line.sku)

    @property
    def cancelled(self) -> bool:
        return self.order.cancelled_at is not None


def _numeric(node: dict[str, Any] | None) -> int | None:
    if not node or not isinstance(node.get("id"), str):
        return None
    return id_from_gid(node["id"])


def _nodes(connection: Any) -> list[dict[str, Any]]:
    if isinstance(connection, dict):
        return [n for n in connection.get("nodes") or [] if isinstance(n, dict)]
    if isinstance(connection, list):
        return [n for n in connection if isinstance(n, dict)]
    return []


def fulfillment_bodies(order_node: dict[str, Any]) -> list[dict[str, Any]]:
    """An order node's `fulfillments` as the REST order's (id, location_id, status, line_items)."""
    return [
        {
            "id": id_from_gid(f["id"]),
            "location_id": _numeric(f.get("location")),
            "status": str(f.get("status") or "").lower() or None,
            "line_items": [
                {"id": _numeric(fl.get("lineItem")), "quantity": fl.get("quantity", 0)}
                for fl in _nodes(f.get("fulfillmentLineItems"))
            ],
        }
        for f in _nodes(order_node.get("fulfillments"))
    ]


def fetched_order(node: dict[str, Any], *, lists_asked: int = NESTED_LISTS) -> FetchedOrder:
    """A node of ORDERS_UPDATED_SINCE (or one read whole: ``lists_asked=WHOLE_LISTS``) as the REST
    bodies of its webhooks; raises ValueError (pydantic's ValidationError included) for a node the
    ledger cannot read."""
    order_id = id_from_gid(node["id"])
    lines = []
    for line in _nodes(node.get("lineItems")):
        variant = line.get("variant") or {}
        item = variant.get("inventoryItem") or {}
        lines.append(
            {
                "id": id_from_gid(line["id"]),
                "admin_graphql_api_id": line["id"],
                "sku": line.get("sku"),
                "variant_id": _numeric(variant),
                "quantity": line.get("quantity", 0),
                "fulfillable_quantity": line.get("unfulfilledQuantity"),
                "inventory_item_id": _numeric(item),
                "tracked": item.get("tracked"),
                "gift_card": bool(line.get("isGiftCard")),
            }
        )
    lines_by_id = {line["id"]: line for line in lines}
    fulfillments = fulfillment_bodies(node)
    body = {
        "id": order_id,
        "admin_graphql_api_id": node["id"],
        "name": node.get("name"),
        "location_id": _numeric(node.get("retailLocation")),
        "source_name": node.get("sourceName"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "line_items": lines,
        "fulfillments": fulfillments,
    }
    refund_bodies = tuple(
        {
            "id": id_from_gid(r["id"]),
            "admin_graphql_api_id": r["id"],
            "order_id": order_id,
            "created_at": r.get("createdAt"),
            # A refund of a return restocks nothing itself: the return's dispositions do (returns.py).
            "return": r.get("return"),
            "refund_line_items": [
                {
                    "id": id_from_gid(rl["id"]),
                    "line_item_id": _numeric(rl.get("lineItem")),
                    "quantity": rl.get("quantity", 0),
                    "restock_type": str(rl.get("restockType") or "no_restock").lower(),
                    "location_id": _numeric(rl.get("location")),
                    # As the webhook's refund line carries its line item: a gift card's return waits for nothing.
                    "line_item": lines_by_id.get(_numeric(rl.get("lineItem"))),
                }
                for rl in _nodes(r.get("refundLineItems"))
            ],
        }
        for r in _nodes(node.get("refunds"))
    )
    return FetchedOrder(
        order=Order.model_validate(body),
        refunds=tuple(Refund.model_validate(r) for r in refund_bodies),
        updated_at=datetime.fromisoformat(node["updatedAt"]),
        body=body,
        refund_bodies=refund_bodies,
        truncated=order_truncated(node, lists_asked),
        lines_truncated=_more(node.get("lineItems")),
        reverse_fulfillment_orders=tuple(
            id_from_gid(reverse["id"])
            for made in _nodes(node.get("returns"))
            for reverse in _nodes(made.get("reverseFulfillmentOrders"))
        ),
    )


def _more(connection: Any) -> bool:
    return isinstance(connection, dict) and bool((connection.get("pageInfo") or {}).get("hasNextPage"))


def order_truncated(node: dict[str, Any], lists_asked: int = NESTED_LISTS) -> bool:
    """Whether the node holds less than the order: a nested connection with a next page, or as many
    fulfilments or refunds as were asked for (a list without page info: there may be more)."""
    fulfillments = _nodes(node.get("fulfillments"))
    refunds = _nodes(node.get("refunds"))
    return (
        _more(node.get("lineItems"))
        or len(fulfillments) >= lists_asked
        or len(refunds) >= lists_asked
        or any(_more(f.get("fulfillmentLineItems")) for f in fulfillments)
        or any(_more(r.get("refundLineItems")) for r in refunds)
        or _more(node.get("returns"))
        or any(_more(r.get("reverseFulfillmentOrders")) for r in _nodes(node.get("returns")))
    )


def lines_complete(owner: dict[str, Any], connection: str) -> bool:
    """Whether a fulfilment's or refund's lines, as the page showed them, are all of them."""
    return isinstance(owner.get(connection), dict) and not _more(owner.get(connection))


def whole_order(
    node: dict[str, Any],
    line_items: list[dict[str, Any]],
    fulfillments: list[dict[str, Any]],
    refunds: list[dict[str, Any]],
) -> dict[str, Any]:
    """The node with its nested lists as read whole: every line item; every fulfilment and refund, each
    with every one of its lines (under its connection's name, as ORDERS_UPDATED_SINCE shows them)."""
    return {**node, "lineItems": {"nodes": line_items}, "fulfillments": fulfillments, "refunds": refunds}


def catch_up_from(caught_up_at: datetime | None, onboarded_at: datetime | None, now: datetime) -> datetime:
    """Where a catch-up starts reading: the last caught-up instant minus the margin, never before
    onboarding (earlier orders are inside the imported levels)."""
    start = (caught_up_at or now - FIRST_CATCH_UP) - CATCH_UP_MARGIN
    if onboarded_at is not None:
        start = max(start, onboarded_at - CATCH_UP_MARGIN)
    return start
