"""Seed documents for the control API (`POST /_control/shops`, the `shops` of a simulator seed) that
the local stack, the demo and the chaos merchant start their shops with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# The topics the ledger subscribes to (its merchants' webhooks aimed at the stack).
LEDGER_TOPICS = (
    "orders/create",
    "orders/cancelled",
    "refunds/create",
    "inventory_levels/update",
    # ship-from-store: the consumer follows Shopify's routing and each move at once (reading the fulfilment
    # order); one read while Shopify refuses the credentials parks, and the pusher's sweep replays it
    "fulfillment_orders/order_routing_complete",
    "fulfillment_orders/moved",
)
# Not seeded: reverse_fulfillment_orders/dispose (shopify.app.toml subscribes to it): the demo and the
# chaos run make no returns; tests/integration/test_returns.py delivers the simulator's disposes itself.


def stocked_shop(
    domain: str,
    access_token: str,
    webhook_secret: str,
    *,
    locations: Sequence[str],
    skus: Sequence[str],
    available: Callable[[str, str], int],
    webhook_url: str,
    primary: str,
    plan: str | None = None,
) -> dict[str, Any]:
    """One shop: every SKU a product of its own (one tracked variant) stocked at every location with
    `available(sku, location)`; the primary location alone ships online orders (so Shopify's routing
    and the ledger's rule agree); the ledger's topics delivered to `webhook_url`."""
    shop: dict[str, Any] = {"domain": domain, "access_token": access_token, "webhook_secret": webhook_secret}
    if plan is not None:
        shop["plan"] = plan
    shop["locations"] = [
        {"name": name, "primary": name == primary, "fulfills_online_orders": name == primary} for name in locations
    ]
    shop["products"] = [{"title": sku.title(), "variants": [{"sku": sku, "tracked": True}]} for sku in skus]
    shop["levels"] = [
        {"sku": sku, "location": location, "available": available(sku, location)}
        for sku in skus
        for location in locations
    ]
    shop["webhooks"] = [{"topic": topic, "address": webhook_url} for topic in LEDGER_TOPICS]
    return shop
