"""The demo merchant as the Shopify simulator starts it: a warehouse that ships online orders (and has
a trade counter with a till), two retail stores, a few dozen SKUs."""

from collections.abc import Callable, Sequence
from typing import Any

from shopify_simulator.seeds import stocked_shop

SHOP = "demo-shop.myshopify.com"
# The simulator's demo credentials, printed by `make up`: not secrets.
TOKEN = "shpat_demo_admin_token"  # noqa: S105
WEBHOOK_SECRET = "demo-webhook-secret"  # noqa: S105
LOCATIONS = ("Warehouse", "Store North", "Store South")
COLOURS, SIZES = ("BLACK", "WHITE", "GREY"), ("S", "M", "L")
EXTRAS = ("MUG", "CAP", "SOCKS", "TOTE", "POSTER", "STICKER", "LAST-ONE")


def skus() -> list[str]:
    return (
        [f"TEE-{c}-{s}" for c in COLOURS for s in SIZES]
        + [f"HOODIE-{c}-{s}" for c in COLOURS for s in SIZES]
        + list(EXTRAS)
    )


def opening(sku: str, location: str) -> int:
    if sku == "LAST-ONE":
        return 1 if location == "Warehouse" else 0
    return 20 if location == "Warehouse" else 5


def shop_seed(
    webhook_url: str, locations: Sequence[str], skus: Sequence[str], opening: Callable[[str, str], int]
) -> dict[str, Any]:
    """The demo's shop with these locations and SKUs: the Warehouse is primary and alone ships online
    orders (so Shopify's routing and the ledger's rule agree), every webhook aimed at the stack."""
    shop = stocked_shop(
        SHOP,
        TOKEN,
        WEBHOOK_SECRET,
        locations=locations,
        skus=skus,
        available=opening,
        webhook_url=webhook_url,
        primary="Warehouse",
        plan="standard",
    )
    return {"shops": [shop]}


def simulator_seed(webhook_url: str) -> dict[str, Any]:
    return shop_seed(webhook_url, LOCATIONS, skus(), opening)
