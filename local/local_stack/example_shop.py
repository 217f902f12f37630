"""The example shop `make up` starts with: in the Shopify simulator (webhooks aimed at the stack), its
secret where the functions look, and onboarded into the ledger, so README's commands work at once.

The credentials are the simulator's, printed by `make up`: not secrets.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inventory_ledger.service.onboarding import OnboardingResult

SHOP = "example.myshopify.com"
TOKEN = "shpat_example_token"  # noqa: S105 - the simulator's, not a secret
WEBHOOK_SECRET = "example-webhook-secret"  # noqa: S105 - the simulator's, not a secret
PRIMARY = "Warehouse"
LOCATIONS = ("Warehouse", "Store")
SKUS = ("TEE", "MUG")
OPENING = 10
TOPICS = (
    "orders/create",
    "orders/cancelled",
    "refunds/create",
    "inventory_levels/update",
    # ship-from-store: the consumer follows a move at once (reading the fulfilment order from the simulator)
    "fulfillment_orders/moved",
)


def simulator_seed(webhook_url: str) -> dict[str, Any]:
    return {
        "shops": [
            {
                "domain": SHOP,
                "access_token": TOKEN,
                "webhook_secret": WEBHOOK_SECRET,
                "locations": [
                    {"name": name, "primary": name == PRIMARY, "fulfills_online_orders": name == PRIMARY}
                    for name in LOCATIONS
                ],
                "products": [{"title": sku.title(), "variants": [{"sku": sku, "tracked": True}]} for sku in SKUS],
                "levels": [{"sku": sku, "location": name, "available": OPENING} for sku in SKUS for name in LOCATIONS],
                "webhooks": [{"topic": topic, "address": webhook_url} for topic in TOPICS],
            }
        ]
    }


def onboard(resources: Any) -> "OnboardingResult":
    """The shop's secret, then the ledger's own onboarding from the simulator (the stack must be active)."""
    from inventory_ledger import bootstrap
    from inventory_ledger.clock import utc_now
    from inventory_ledger.service.onboarding import onboard_shop

    resources.put_shop_secret(SHOP, [WEBHOOK_SECRET], TOKEN)
    return onboard_shop(
        SHOP,
        primary_location=PRIMARY,
        ledger=bootstrap.ledger(),
        directory=bootstrap.merchant_directory(),
        shopify=bootstrap.shopify_levels_for(SHOP),
        now=utc_now,
    )
