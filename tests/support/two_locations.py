"""One merchant of two mapped locations (a primary warehouse and a store) and one tracked variant `A`,
as the fulfilment-move and return unit tests use it."""

from datetime import UTC, datetime

from inventory_ledger.domain.merchant import MerchantView, VariantLevel
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG

SHOP = "demo-shop.myshopify.com"
WAREHOUSE, STORE = BIG + 1, BIG + 2
NAMES = {WAREHOUSE: "warehouse", STORE: "store"}
VARIANT, ITEM = BIG + 9, BIG + 8
MERCHANT = MerchantView(
    SHOP, "warehouse", locations_by_shopify_id=NAMES, levels_by_variant={VARIANT: VariantLevel("A", ITEM, True)}
)


def ledger() -> InMemoryLedger:
    """The merchant as onboarding maps it: two locations, the variant's tracked level `A`."""
    book = InMemoryLedger(SHOP, primary_location="warehouse", locations=dict(NAMES), skus={"A"})
    book.map_variant("A", ITEM, VARIANT)
    return book


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)
