"""The example shop `make up` starts with: in the Shopify simulator (webhooks aimed at the stack), its
secret where the functions look, and onboarded into the ledger, so README's commands work at once.

The credentials are the simulator's, printed by `make up`: not secrets.
"""

from typing import TYPE_CHECKING, Any

from shopify_simulator.seeds import stocked_shop

if TYPE_CHECKING:
    from inventory_ledger.service.onboarding import OnboardingResult

SHOP = "example.myshopify.com"
TOKEN = "shpat_example_token"  # noqa: S105 - the simulator's, not a secret
WEBHOOK_SECRET = "example-webhook-secret"  # noqa: S105 - the simulator's, not a secret
PRIMARY = "Warehouse"
LOCATIONS = ("Warehouse", "Store")
SKUS = ("TEE", "MUG")
OPENING = 10


def simulator_seed(webhook_url: str) -> dict[str, Any]:
    shop = stocked_shop(
        SHOP,
        TOKEN,
        WEBHOOK_SECRET,
        locations=LOCATIONS,
        skus=SKUS,
        available=lambda _sku, _location: OPENING,
        webhook_url=webhook_url,
        primary=PRIMARY,
    )
    return {"shops": [shop]}


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
