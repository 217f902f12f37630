"""Refunds that wait for their order end right, on moto server and DynamoDB Local (Shopify simulator):
the order comes through the reconciler's catch-up, or, when Shopify no longer returns it, the refund is
settled by the deadline rule and counted for the RefundsPastDeadline alarm.

Shopify: a refund updates its order (`updated_at`), so `orders(query: "updated_at:>=...")` returns
it (shopify.dev/docs/api/admin-graphql/latest/queries/orders, the `updated_at` filter); refunds/create
carries each refund line's `location_id` and `restock_type` (shopify.dev/docs/api/admin-rest/latest/
resources/refund)."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.catch_up import FetchedOrder
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.ports import ShopifyOrders
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.reconcile import reconcile_shop, record_run_metrics
from tests.support.simulated_merchant import SimulatedMerchant, align_simulator_clock

pytestmark = pytest.mark.integration
SHOP = "returns.myshopify.com"


def onboard_after_a_shipped_order(merchant: SimulatedMerchant) -> tuple[int, int]:
    """An order of 2 TEE-S sold and shipped before onboarding (inside the imported level: 8)."""
    order = merchant.control("POST", "/orders", {"lines": [{"sku": "TEE-S", "quantity": 2}]})
    line_id = order["line_items"][0]["id"]
    merchant.control("POST", f"/orders/{order['id']}/fulfil", {"lines": [{"line_item_id": line_id, "quantity": 2}]})
    onboard_shop(SHOP, primary_location="Main Warehouse", ledger=bootstrap.ledger(),
                 directory=bootstrap.merchant_directory(), shopify=bootstrap.shopify_levels_for(SHOP),
                 now=lambda: datetime.now(UTC) + timedelta(seconds=5))  # fmt: skip
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 8
    align_simulator_clock(merchant.sim.base_url)
    # Shopify's clock moves on past the second of the import (the simulator's only when told).
    httpx.post(f"{merchant.sim.base_url}/_control/clock/advance", json={"seconds": 1}, timeout=10).raise_for_status()
    return order["id"], line_id


def return_one(merchant: SimulatedMerchant, order_id: int, line_id: int) -> None:
    merchant.control("POST", f"/orders/{order_id}/refunds",
                     {"lines": [{"line_item_id": line_id, "quantity": 1, "restock_type": "return"}]})  # fmt: skip
    assert merchant.deliver_events("refunds/create") == 1
    [waiting] = bootstrap.ledger().parked_events(SHOP)
    assert waiting.waiting_for_order == order_id


@pytest.fixture
def merchant(seed_shop: Callable[[str], SimulatedMerchant]) -> SimulatedMerchant:
    return seed_shop(SHOP)


KEY = LevelKey(SHOP, "main-warehouse", "TEE-S")


def test_a_return_of_a_pre_onboarding_order_gets_its_order_through_the_catch_up(merchant: SimulatedMerchant) -> None:
    order_id, line_id = onboard_after_a_shipped_order(merchant)
    return_one(merchant, order_id, line_id)

    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert run.waiting_refunds == {"waiting": 0, "past_deadline": 0, "settled": 0, "left_parked": 0,
                                   "entries_applied": 0}  # fmt: skip
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 9 == merchant.available("TEE-S", "Main Warehouse")
    assert run.rows == []
    kinds = [(e.kind, e.quantity) for e in bootstrap.ledger().entries(KEY)]
    assert kinds.count((MovementKind.REFUND_RESTOCK, 1)) == 1
    assert (MovementKind.SALE, 0) in kinds  # recorded, already inside the imported level


class WithoutOrder(ShopifyOrders):
    """Shopify no longer returns one order (deleted in its admin): the refund's order never comes."""

    def __init__(self, inner: ShopifyOrders, order_id: int) -> None:
        self.inner, self.order_id = inner, order_id

    def orders_updated_since(self, since: datetime) -> Iterator[FetchedOrder]:
        return (fetched for fetched in self.inner.orders_updated_since(since) if fetched.order.id != self.order_id)

    def order(self, order_id: int) -> FetchedOrder | None:
        return None if order_id == self.order_id else self.inner.order(order_id)


def test_a_refund_whose_order_never_comes_is_settled_and_alarmed_at_the_deadline(
    merchant: SimulatedMerchant, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the deadline the refund waits (the reconciler says so and settles nothing). A run 25 hours
    later finds it past the deadline: the returned unit goes back at the refund line's location, as
    Shopify restocked it (ledger 9 = Shopify 9), nothing waits, the summary and RefundsPastDeadline
    count it. The order's webhook arriving after all then changes nothing: the unit is counted once."""
    order_id, line_id = onboard_after_a_shipped_order(merchant)
    return_one(merchant, order_id, line_id)
    base = bootstrap.reconcile_dependencies()
    deps = replace(base, shopify_orders=lambda shop: WithoutOrder(bootstrap.shopify_orders_for(shop), order_id))

    early = reconcile_shop(SHOP, replace(deps, now=lambda: datetime.now(UTC) + timedelta(hours=23)))
    assert (early.waiting_refunds["waiting"], early.waiting_refunds["past_deadline"]) == (1, 0)
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 8
    assert len(bootstrap.ledger().parked_events(SHOP)) == 1

    late = reconcile_shop(SHOP, replace(deps, now=lambda: datetime.now(UTC) + timedelta(hours=25)))
    assert late.waiting_refunds == {"waiting": 0, "past_deadline": 1, "settled": 1, "left_parked": 0,
                                    "entries_applied": 1}  # fmt: skip
    assert bootstrap.ledger().parked_events(SHOP) == []
    balance = merchant.balance("main-warehouse", "TEE-S")
    assert (
        (balance.quantity, balance.shopify_expected) == (9, 9) == (merchant.available("TEE-S", "Main Warehouse"),) * 2
    )
    [restock] = [e for e in bootstrap.ledger().entries(KEY) if e.kind is MovementKind.REFUND_RESTOCK]
    assert restock.quantity == 1
    assert "settled at the deadline" in (restock.reason or "")
    capsys.readouterr()
    record_run_metrics([late])
    from inventory_ledger.observability import metrics

    flushed: dict[str, Any] = dict(metrics.serialize_metric_set())
    metrics.clear_metrics()
    assert flushed["RefundsPastDeadline"] == [1.0]

    merchant.deliver_events("orders/create")  # the order's webhook, long after
    assert merchant.balance("main-warehouse", "TEE-S").quantity == 9
    assert [e.kind for e in bootstrap.ledger().entries(KEY)].count(MovementKind.REFUND_RESTOCK) == 1
