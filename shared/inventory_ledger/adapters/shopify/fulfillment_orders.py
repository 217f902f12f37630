"""The consumer's port on Shopify after fulfillment_orders/moved or /order_routing_complete: the
fulfilment order as it is now; after reverse_fulfillment_orders/dispose, the reverse fulfilment order."""

from typing import Any

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.catch_up import fulfillment_bodies
from inventory_ledger.domain.ids import gid
from inventory_ledger.domain.shopify_payloads import (
    Disposition,
    Fulfillment,
    FulfillmentOrderLine,
    FulfillmentOrderRead,
    ReverseFulfillmentOrderLine,
    ReverseFulfillmentOrderRead,
)
from inventory_ledger.observability import logger
from inventory_ledger.ports import ShopifyFulfillmentOrders, ShopifyOrders

# documents.FULFILLMENT_ORDER's `fulfillments(first: 10)`.
SHIPMENTS_READ = 10


def _nodes(value: Any) -> list[dict[str, Any]]:
    return [n for n in value if isinstance(n, dict)] if isinstance(value, list) else []


class ShopifyFulfillmentOrdersReader(ShopifyFulfillmentOrders):
    def __init__(self, gateway: ShopifyAdminOperations) -> None:
        self.gateway = gateway

    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        with as_port_errors():
            node = self.gateway.fulfillment_order(gid("FulfillmentOrder", fulfillment_order_id))
        if node is None:
            return None
        shipments = _nodes((node.get("order") or {}).get("fulfillments"))
        if len(shipments) >= SHIPMENTS_READ or any(
            ((s.get("fulfillmentLineItems") or {}).get("pageInfo") or {}).get("hasNextPage") for s in shipments
        ):
            logger.warning("fulfilment order's shipments truncated", extra={"fulfillment_order": node.get("id")})
        return fulfillment_order_read(node)

    def reverse_fulfillment_order(self, reverse_fulfillment_order_id: int) -> ReverseFulfillmentOrderRead | None:
        with as_port_errors():
            node = self.gateway.reverse_fulfillment_order(gid("ReverseFulfillmentOrder", reverse_fulfillment_order_id))
        return reverse_fulfillment_order_read(node) if node is not None else None

    def orders(self) -> ShopifyOrders:
        # Imported here: the orders reader hands out this one (ShopifyOrdersReader.fulfillment_orders).
        from inventory_ledger.adapters.shopify.orders import ShopifyOrdersReader

        return ShopifyOrdersReader(self.gateway)


def fulfillment_order_read(node: dict[str, Any]) -> FulfillmentOrderRead:
    """A FULFILLMENT_ORDER node as the domain reads it (ids from gids; pydantic refuses what is off)."""
    location = (node.get("assignedLocation") or {}).get("location") or {}
    order = node.get("order") or {}
    return FulfillmentOrderRead(
        id=node["id"],
        order_id=order.get("id"),
        fulfillments=[Fulfillment.model_validate(body) for body in fulfillment_bodies(order)],
        status=node.get("status"),
        location_id=location.get("id"),
        line_items=[
            FulfillmentOrderLine(
                line_item_id=(line.get("lineItem") or {}).get("id"),
                remaining_quantity=line.get("remainingQuantity"),
                total_quantity=line.get("totalQuantity"),
                variant_id=(line.get("variant") or {}).get("id"),
            )
            for line in (node.get("lineItems") or {}).get("nodes") or []
        ],
    )


def reverse_fulfillment_order_read(node: dict[str, Any]) -> ReverseFulfillmentOrderRead:
    """A REVERSE_FULFILLMENT_ORDER node as the domain reads it (ids from gids; pydantic refuses what is off)."""
    lines = []
    for line in (node.get("lineItems") or {}).get("nodes") or []:
        ordered = (line.get("fulfillmentLineItem") or {}).get("lineItem") or {}
        lines.append(
            ReverseFulfillmentOrderLine(
                id=line.get("id"),
                line_item_id=ordered.get("id"),
                total_quantity=line.get("totalQuantity"),
                variant_id=(ordered.get("variant") or {}).get("id"),
                dispositions=[_disposition(d) for d in _nodes(line.get("dispositions"))],
            )
        )
    return ReverseFulfillmentOrderRead(
        id=node["id"], order_id=(node.get("order") or {}).get("id"), status=node.get("status"), line_items=lines
    )


def _disposition(node: dict[str, Any]) -> Disposition:
    location = (node.get("location") or {}).get("id")
    return Disposition(id=node.get("id"), type=node.get("type"), quantity=node.get("quantity"), location_id=location)
