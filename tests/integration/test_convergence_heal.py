"""Heal that cannot re-inflate: the catch-up takes in Shopify's own orders before a level is judged,
and again before it is healed (moto server + the Shopify simulator)."""

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.catch_up import FetchedOrder
from inventory_ledger.domain.drift import ShopifyLevel
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.domain.onboarding import ShopifyLocation, ShopifyVariant
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import ShopifyLevels, ShopifyOrders, TransientFailure
from inventory_ledger.service.apply_webhook import apply_envelope
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.reconcile import ReconcileOptions, reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.merchant import SHOP, DemoMerchant, now
from tests.support.shopify_payloads import envelope
from tests.support.simulated_merchant import align_simulator_clock, seed_merchant

pytestmark = pytest.mark.integration


@pytest.fixture
def local_aws(backend_aws: LocalResources) -> LocalResources:
    """Each shape here runs on both DynamoDB backends: moto server and DynamoDB Local."""
    return backend_aws


KEY = LevelKey(SHOP, "store-a", "A")


@pytest.fixture
def shop(merchant: DemoMerchant, shopify_simulator: SimulatorServer) -> DemoMerchant:
    align_simulator_clock(shopify_simulator.base_url)  # Shopify's order timestamps on our clock
    bootstrap.merchant_directory().set_healing_policy(SHOP, "heal")
    return merchant


def deliver_late(merchant: DemoMerchant, topic: str) -> None:
    """The webhook Shopify kept retrying finally arrives."""
    event = merchant.events(topic)[-1]
    body = json.loads(event["body"]) if isinstance(event["body"], str) else event["body"]
    apply_envelope(envelope(Topic(topic), body, shop=SHOP, event_id=event["event_id"]), merchant.ledger, now)


def test_a_late_webhook_across_a_heal_never_re_inflates(shop: DemoMerchant) -> None:
    """Someone edits the level in Shopify's admin (10 -> 4); then Shopify sells 2 at the POS (4 -> 2)
    and the order's webhook is still being retried. The heal runs: the catch-up reads the order and
    applies the sale (ledger 8), the remaining difference is the edit, healed to the ledger's 8. When
    the webhook arrives at last it is a no-op: the sale is counted once, and the 2 units are not for
    sale again."""
    shop.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})
    shop.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 2}], "location": "Store A"})
    assert shop.shopify_available("store-a", "A") == 2

    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 1
    [row] = [row for row in run.rows if row.key == KEY]
    assert (row.cause.value, row.ledger_level, row.shopify_level) == ("admin_edit", 8, 2)
    assert run.heal_notes[KEY] == "healed"
    assert shop.shopify_available("store-a", "A") == 8

    deliver_late(shop, "orders/create")
    balance = shop.balance("store-a", "A")
    assert (balance.quantity, balance.shopify_expected) == (8, 8)
    assert shop.shopify_available("store-a", "A") == 8
    entries = shop.ledger.entries(KEY)
    assert [e.quantity for e in entries if e.kind is MovementKind.SALE] == [-2]  # once
    [heal] = [e for e in entries if e.kind is MovementKind.HEAL]
    assert "Shopify showed 2" in (heal.reason or "")
    again = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert [row for row in again.rows if row.key == KEY] == []


class SaleBeforeTheRead(ShopifyLevels):
    """Shopify takes an order after the catch-up's cut-off and before its levels are read."""

    def __init__(self, inner: ShopifyLevels, merchant: DemoMerchant) -> None:
        self.inner, self.merchant, self.sold = inner, merchant, False

    def locations(self) -> list[ShopifyLocation]:
        return self.inner.locations()

    def variants(self) -> Iterator[ShopifyVariant]:
        return self.inner.variants()

    def levels(self, location_ids: Sequence[int], *, bulk: bool) -> Iterator[ShopifyLevel]:
        if not self.sold:
            self.sold = True
            self.merchant.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 3}], "location": "Store A"})
        return self.inner.levels(location_ids, bulk=bulk)


def test_a_sale_between_the_catch_up_and_the_read_is_never_healed_away(shop: DemoMerchant) -> None:
    """The read shows a sale (10 -> 7) the ledger had not applied when it judged the level. Healing
    from that read would set Shopify back to 10. The second catch-up before the heal applies the sale
    and leaves the level alone: Shopify and the ledger agree at 7, nothing was rewritten."""
    deps = replace(
        bootstrap.reconcile_dependencies(),
        shopify_levels=lambda name: SaleBeforeTheRead(bootstrap.shopify_levels_for(name), shop),
    )
    run = reconcile_shop(SHOP, deps, location="store-a", options=ReconcileOptions(heal=True))
    assert run.heal_notes[KEY] == "not healed: Shopify moved it by an order since the read"
    assert run.total("healed") == 0
    assert shop.shopify_available("store-a", "A") == 7
    balance = shop.balance("store-a", "A")
    assert (balance.quantity, balance.shopify_expected) == (7, 7)
    assert [e.kind for e in shop.ledger.entries(KEY)].count(MovementKind.HEAL) == 0


def test_without_a_catch_up_nothing_is_healed(shop: DemoMerchant) -> None:
    """Shopify's orders cannot be read (the catch-up fails): the run reports, and heals nothing."""
    shop.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})

    class Unreadable(ShopifyOrders):
        def orders_updated_since(self, since: datetime) -> Iterator[FetchedOrder]:
            raise TransientFailure("503 after retries")

        def order(self, order_id: int) -> FetchedOrder | None:
            raise TransientFailure("503 after retries")

    deps = replace(bootstrap.reconcile_dependencies(), shopify_orders=lambda name: Unreadable())
    run = reconcile_shop(SHOP, deps, location="store-a")
    assert "failed" in run.catch_up
    [row] = [row for row in run.rows if row.key == KEY]
    assert row.cause.value == "webhook_never_received"  # without the catch-up, nothing better is known
    assert run.heal_notes[KEY] == "not healed: no complete catch-up from Shopify's orders this run"
    assert shop.shopify_available("store-a", "A") == 4


def test_a_return_of_an_order_placed_before_onboarding_gets_its_order_through_the_catch_up(
    shopify_simulator: SimulatorServer, local_aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An order sold and shipped before onboarding (inside the imported level); its return arrives
    after: the refund waits for an order the ledger never saw. The reconciler's catch-up reads the
    order (its refund updated it), applies it as sold before onboarding (no movement), and releases
    the refund: the returned unit is counted once, nothing waits, nothing drifts."""
    merchant = seed_merchant(shopify_simulator, local_aws, monkeypatch, shop="returns.myshopify.com")
    order = merchant.control("POST", "/orders", {"lines": [{"sku": "TEE-S", "quantity": 2}]})
    line_id = order["line_items"][0]["id"]
    merchant.control("POST", f"/orders/{order['id']}/fulfil", {"lines": [{"line_item_id": line_id, "quantity": 2}]})
    later = datetime.now(UTC) + timedelta(seconds=5)  # onboarded after the order, on both clocks
    onboard_shop(
        merchant.shop,
        primary_location="Main Warehouse",
        ledger=bootstrap.ledger(),
        directory=bootstrap.merchant_directory(),
        shopify=bootstrap.shopify_levels_for(merchant.shop),
        now=lambda: later,
    )
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 8  # the sale is inside the import
    align_simulator_clock(shopify_simulator.base_url)
    shopify_simulator.sim.advance(1)  # the refund comes after the second of the import
    merchant.control(
        "POST",
        f"/orders/{order['id']}/refunds",
        {"lines": [{"line_item_id": line_id, "quantity": 1, "restock_type": "return"}]},
    )
    assert merchant.deliver_events("refunds/create") == 1
    [waiting] = bootstrap.ledger().parked_events(merchant.shop)
    assert waiting.waiting_for_order == order["id"]

    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert bootstrap.ledger().parked_events(merchant.shop) == []
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 9 == merchant.available("TEE-S", "Main Warehouse")
    assert run.rows == []
    key = LevelKey(merchant.shop, "main-warehouse", "TEE-S")
    kinds = [(e.kind, e.quantity) for e in bootstrap.ledger().entries(key)]
    assert kinds.count((MovementKind.REFUND_RESTOCK, 1)) == 1
    assert (MovementKind.SALE, 0) in kinds  # recorded, already inside the imported level
