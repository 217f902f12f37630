"""The consumer's port on Shopify after fulfillment_orders/moved: the moved fulfilment order as it is now."""

from typing import Any

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.ids import gid
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderLine, FulfillmentOrderRead
from inventory_ledger.ports import ShopifyFulfillmentOrders


class ShopifyFulfillmentOrdersReader(ShopifyFulfillmentOrders):
    def __init__(self, gateway: ShopifyAdminOperations) -> None:
        self.gateway = gateway

    def fulfillment_order(self, fulfillment_order_id: int) -> FulfillmentOrderRead | None:
        with as_port_errors():
            node = self.gateway.fulfillment_order(gid("FulfillmentOrder", fulfillment_order_id))
        return None if node is None else fulfillment_order_read(node)


def fulfillment_order_read(node: dict[str, Any]) -> FulfillmentOrderRead:
    """A FULFILLMENT_ORDER node as the domain reads it (ids from gids; pydantic refuses what is off)."""
    location = (node.get("assignedLocation") or {}).get("location") or {}
    return FulfillmentOrderRead(
        id=node["id"],
        order_id=(node.get("order") or {}).get("id"),
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
