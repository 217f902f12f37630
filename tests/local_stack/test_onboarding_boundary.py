"""Onboarding's boundary is Shopify's clock, per level (moto server and DynamoDB Local, the Shopify
simulator): each opening balance keeps the level's `updatedAt` as read, and a Shopify sale is inside
the import exactly when its order's `createdAt` is at or before that instant. The operator's clock
decides nothing.

Shopify: InventoryLevel.updatedAt is "the date and time when the inventory level was updated"
(shopify.dev/docs/api/admin-graphql/latest/objects/InventoryLevel); an order's `created_at` is on
Shopify's clock (shopify.dev/docs/api/admin-rest/latest/resources/order)."""

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.drift import ShopifyLevel
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.domain.onboarding import ShopifyLocation, ShopifyVariant
from inventory_ledger.ports import ShopifyLevels
from inventory_ledger.service.onboarding import onboard_shop
from tests.support.simulated_merchant import SimulatedMerchant

pytestmark = pytest.mark.integration
SHOP = "boundary.myshopify.com"


@pytest.fixture
def merchant(seed_shop: Callable[[str], SimulatedMerchant]) -> SimulatedMerchant:
    return seed_shop(SHOP)


def shopify_time_passes(merchant: SimulatedMerchant, seconds: float = 2) -> None:
    httpx.post(f"{merchant.sim.base_url}/_control/clock/advance", json={"seconds": seconds}, timeout=10)


def sell(merchant: SimulatedMerchant, location: str, sku: str = "TEE-S") -> None:
    merchant.control("POST", "/orders", {"lines": [{"sku": sku, "quantity": 1}], "location": location})


def onboard(merchant: SimulatedMerchant, shopify: ShopifyLevels, operator_clock: timedelta) -> None:
    onboard_shop(SHOP, primary_location="Main Warehouse", ledger=bootstrap.ledger(),
                 directory=bootstrap.merchant_directory(), shopify=shopify,
                 now=lambda: datetime.now(UTC) + operator_clock)  # fmt: skip


def test_a_fast_operator_clock_drops_no_sale_made_after_the_import(merchant: SimulatedMerchant) -> None:
    """The operator's machine runs an hour fast. A POS sale a moment after the import (Shopify's clock)
    is a sale after onboarding: the ledger takes it (9 = Shopify 9), not 'sold before onboarding'."""
    onboard(merchant, bootstrap.shopify_levels_for(SHOP), operator_clock=timedelta(hours=1))
    shopify_time_passes(merchant)
    sell(merchant, "Main Warehouse")
    assert merchant.deliver_events("orders/create") == 1

    balance = merchant.balance("main-warehouse", "TEE-S")
    assert (
        (balance.quantity, balance.shopify_expected) == (9, 9) == (merchant.available("TEE-S", "Main Warehouse"),) * 2
    )
    [sale] = [e for e in bootstrap.ledger().entries(LevelKey(SHOP, "main-warehouse", "TEE-S"))
              if e.kind is MovementKind.SALE]  # fmt: skip
    assert (sale.quantity, sale.reason) == (-1, None)


class SalesDuringTheImport(ShopifyLevels):
    """Shopify sells TEE-S at both locations after the first location's levels were read and before
    the second's: the first location's import misses its sale, the second's holds it."""

    def __init__(self, inner: ShopifyLevels, merchant: SimulatedMerchant) -> None:
        self.inner, self.merchant, self.read_first = inner, merchant, ""

    def locations(self) -> list[ShopifyLocation]:
        return self.inner.locations()

    def variants(self) -> Iterator[ShopifyVariant]:
        return self.inner.variants()

    def levels(self, location_ids: Sequence[int], *, bulk: bool) -> Iterator[ShopifyLevel]:
        names = {location.id: location.name for location in self.inner.locations()}
        first, *rest = location_ids
        self.read_first = names[first]
        yield from self.inner.levels([first], bulk=False)
        shopify_time_passes(self.merchant)
        for location_id in location_ids:
            sell(self.merchant, names[location_id])
        yield from self.inner.levels(rest, bulk=False)


def test_a_sale_during_the_import_is_counted_once_at_either_side_of_its_level_s_read(
    merchant: SimulatedMerchant,
) -> None:
    """One sale at a level read before it (the import misses it: its webhook applies it) and one at a
    level read after it (the import holds it: its webhook is a no-op). Both levels end equal to Shopify,
    each sale counted once, whatever the operator's clock (here 10 minutes slow)."""
    during = SalesDuringTheImport(bootstrap.shopify_levels_for(SHOP), merchant)
    onboard(merchant, during, timedelta(minutes=-10))
    assert merchant.deliver_events("orders/create") == 2

    ledger_names = {"Main Warehouse": "main-warehouse", "Store": "store"}
    opening = {"Main Warehouse": 10, "Store": 4}
    for name, location in ledger_names.items():
        key = LevelKey(SHOP, location, "TEE-S")
        balance = merchant.balance(location, "TEE-S")
        assert (balance.quantity, balance.shopify_expected) == (opening[name] - 1,) * 2
        assert merchant.available("TEE-S", name) == opening[name] - 1
        entries = bootstrap.ledger().entries(key)
        [imported] = [e.balance_after for e in entries if e.kind is MovementKind.OPENING]
        [sale] = [e for e in entries if e.kind is MovementKind.SALE]
        if name == during.read_first:  # the import missed the sale: its webhook applies it
            assert (imported, sale.quantity) == (opening[name], -1)
        else:  # the import holds the sale: recorded, moving nothing
            assert (imported, sale.quantity) == (opening[name] - 1, 0)
            assert sale.reason == "sold before onboarding: already in the imported level"
