"""The catch-up's port on Shopify: orders updated since an instant, as the webhooks' REST bodies."""

from collections.abc import Iterator
from datetime import UTC, datetime

from pydantic import ValidationError

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.catch_up import FetchedOrder, fetched_order
from inventory_ledger.observability import logger
from inventory_ledger.ports import ShopifyOrders


def updated_since_search(since: datetime) -> str:
    # Shopify's search syntax takes a quoted ISO 8601 instant; UTC, to the second.
    return f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


class ShopifyOrdersReader(ShopifyOrders):
    def __init__(self, gateway: ShopifyAdminOperations) -> None:
        self.gateway = gateway

    def orders_updated_since(self, since: datetime) -> Iterator[FetchedOrder]:
        with as_port_errors():
            for node in self.gateway.orders_updated_since(updated_since_search(since)):
                try:
                    yield fetched_order(node)
                except (ValueError, KeyError, TypeError, ValidationError) as error:
                    logger.warning("order not readable", extra={"order": node.get("id"), "error": str(error)})
