"""The catch-up's port on Shopify: orders updated since an instant, as the webhooks' REST bodies."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.fulfillment_orders import ShopifyFulfillmentOrdersReader
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.catch_up import (
    NESTED_LISTS,
    WHOLE_LISTS,
    FetchedOrder,
    fetched_order,
    lines_complete,
    order_truncated,
    whole_order,
)
from inventory_ledger.observability import logger
from inventory_ledger.ports import ShopifyOrders


def updated_since_search(since: datetime) -> str:
    # Shopify's search syntax takes a quoted ISO 8601 instant; UTC, to the second.
    return f"updated_at:>='{since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


class ShopifyOrdersReader(ShopifyOrders):
    def __init__(self, gateway: ShopifyAdminOperations) -> None:
        self.gateway = gateway

    def fulfillment_orders(self) -> ShopifyFulfillmentOrdersReader:
        return ShopifyFulfillmentOrdersReader(self.gateway)

    def orders_updated_since(self, since: datetime) -> Iterator[FetchedOrder]:
        with as_port_errors():
            for node in self.gateway.orders_updated_since(updated_since_search(since)):
                try:
                    yield self._fetched(node)
                except (ValueError, KeyError, TypeError, ValidationError) as error:
                    logger.warning("order not readable", extra={"order": node.get("id"), "error": str(error)})

    def order(self, order_id: int) -> FetchedOrder | None:
        """ORDERS_UPDATED_SINCE searched by `id:` (QueryRoot.orders filters by id), so the order is read
        in the catch-up's shape, and whole when the page cuts it; raises ValueError for one the ledger
        cannot read."""
        with as_port_errors():
            node = next(iter(self.gateway.orders_updated_since(f"id:{order_id}", page_size=1)), None)
            return self._fetched(node) if node is not None else None

    def _fetched(self, node: dict[str, Any]) -> FetchedOrder:
        lists_asked = NESTED_LISTS
        if order_truncated(node):
            node, lists_asked = self._read_whole(node), WHOLE_LISTS
        return fetched_order(node, lists_asked=lists_asked)

    def _read_whole(self, node: dict[str, Any]) -> dict[str, Any]:
        """A truncated order read again whole: its line items paged, its fulfilments and refunds listed,
        and the lines of each one the page cut (the others are kept as the page showed them)."""
        order_id = str(node["id"])
        shown = {
            owner["id"]: owner
            for name in ("fulfillments", "refunds")
            for owner in node.get(name) or []
            if isinstance(owner, dict)
        }
        lists = self.gateway.order_fulfillments_and_refunds(order_id, first=WHOLE_LISTS)
        fulfillments = [
            self._with_lines(f, shown, "fulfillmentLineItems", self.gateway.fulfillment_line_items)
            for f in lists["fulfillments"]
        ]
        refunds = [
            self._with_lines(r, shown, "refundLineItems", self.gateway.refund_line_items) for r in lists["refunds"]
        ]
        logger.info("order read whole", extra={"order": order_id, "fulfillments": len(fulfillments),
                                              "refunds": len(refunds)})  # fmt: skip
        return whole_order(node, list(self.gateway.order_line_items(order_id)), fulfillments, refunds)

    @staticmethod
    def _with_lines(
        owner: dict[str, Any],
        shown: dict[str, dict[str, Any]],
        connection: str,
        read: Callable[[str], Iterator[dict[str, Any]]],
    ) -> dict[str, Any]:
        page = shown.get(owner["id"])
        if page is not None and lines_complete(page, connection):
            return {**owner, connection: page[connection]}
        return {**owner, connection: {"nodes": list(read(str(owner["id"])))}}
