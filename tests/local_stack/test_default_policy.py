"""The default ownership policy converges: no level stays frozen unless the merchant chose `report`
(moto server and DynamoDB Local, with the Shopify simulator). A merchant who never set a policy gets
`adopt`: an established admin edit becomes a ledger adjustment, and the ledger's own pushes that did not
land are pushed again, whatever the policy."""

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import push_levels
from inventory_ledger.service.reconcile import ReconcileOptions, reconcile_shop
from inventory_ledger.service.repush import repush_marked
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.merchant import SHOP, DemoMerchant, create_demo_merchant, now
from tests.support.simulated_merchant import align_simulator_clock

pytestmark = pytest.mark.integration
KEY = LevelKey(SHOP, "store-a", "A")


@pytest.fixture
def merchant(backend_aws: LocalResources, shopify_on_backend: SimulatorServer) -> DemoMerchant:
    align_simulator_clock(shopify_on_backend.base_url)
    return create_demo_merchant(shopify_on_backend.base_url, backend_aws)


def test_a_merchant_who_chose_nothing_has_the_adopt_policy(merchant: DemoMerchant) -> None:
    assert bootstrap.merchant_directory().healing_policy(SHOP) == "adopt"


def test_a_stale_level_resolves_with_the_default_policy(merchant: DemoMerchant) -> None:
    """Someone sets the level to 4 in Shopify's admin (no webhook: shopify.dev, the
    inventory_levels/update topic is not subscribed here), then the warehouse receives 1: the push is
    refused as stale (changeFromQuantity 10, Shopify holds 4). The next sweep catches up (no order
    explains the 6 units), adopts the edit as an adjustment and pushes the receipt: ledger = Shopify
    = 5, the mark gone, and the activity says why."""
    merchant.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "po-1"), merchant.ledger, now)
    directory = bootstrap.merchant_directory()
    assert [p.key for p in push_levels([KEY], merchant.ledger, directory, bootstrap.shopify_for, now).stale] == [KEY]

    sweep = repush_marked(
        merchant.ledger, directory, bootstrap.shopify_for, now, orders_for=bootstrap.shopify_orders_for
    )
    assert (sweep.caught_up_shops, sweep.webhooks_missed, sweep.stale_adopted) == (1, 0, 1)
    balance = merchant.balance("store-a", "A")
    assert (merchant.shopify_available("store-a", "A"), balance.quantity, balance.shopify_expected) == (5, 5, 5)
    assert balance.push_status == "applied"
    assert merchant.ledger.repush_marks(SHOP) == []
    entries = merchant.ledger.entries(KEY)
    [adjustment] = [e for e in entries if e.kind is MovementKind.ADJUSTMENT]
    assert (adjustment.quantity, adjustment.balance_after) == (-6, 5)
    assert (adjustment.reason or "").startswith("shopify_edit")
    assert [e.quantity for e in entries if e.kind is MovementKind.RECEIPT][-1] == 1  # the receipt kept
    assert reconcile_shop(SHOP, bootstrap.reconcile_dependencies(), location="store-a").rows == []


def test_the_report_policy_still_re_pushes_the_ledger_s_own_push(merchant: DemoMerchant) -> None:
    """`report` judges no edit, but a push of ours that never landed (the receipt's stream record was
    lost: the ledger owes Shopify 3) is pushed again by the reconciler, compare-and-swap from its read."""
    bootstrap.merchant_directory().set_healing_policy(SHOP, "report")
    record_operation(operations.receive(SHOP, "store-a", "A", 3, "po-1"), merchant.ledger, now)
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies(), location="store-a",
                         options=ReconcileOptions(settle_window=ReconcileOptions().settle_window * 0))  # fmt: skip
    [row] = run.rows
    assert (row.cause.value, run.heal_notes[KEY]) == ("push_never_landed", "healed")
    assert merchant.shopify_available("store-a", "A") == 13 == merchant.balance("store-a", "A").quantity
    assert [e.kind for e in merchant.ledger.entries(KEY)].count(MovementKind.HEAL) == 1


def test_a_level_set_aside_then_found_stale_on_its_re_push_is_resolved_by_the_same_sweep(
    merchant: DemoMerchant,
) -> None:
    """Shopify refuses every call (401: shopify.dev, a revoked or invalid access token) when a receipt
    is pushed: the level is set aside. Meanwhile someone edits it in Shopify's admin (10 -> 4). Shopify
    answers again; the sweep's re-push is refused as stale, so the sweep catches up then (no order
    explains it) and the default policy adopts the edit: ledger = Shopify = 5, nothing left marked."""
    merchant.control("POST", "/faults", {"kind": "status", "status": 401, "count": 100})
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "po-1"), merchant.ledger, now)
    directory = bootstrap.merchant_directory()
    assert KEY in push_levels([KEY], merchant.ledger, directory, bootstrap.shopify_for, now).set_aside
    merchant.control("DELETE", "/faults")
    merchant.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})

    sweep = repush_marked(
        merchant.ledger, directory, bootstrap.shopify_for, now, orders_for=bootstrap.shopify_orders_for
    )
    assert (sweep.caught_up_shops, sweep.stale_adopted) == (1, 1)
    balance = merchant.balance("store-a", "A")
    assert (merchant.shopify_available("store-a", "A"), balance.quantity, balance.shopify_expected) == (5, 5, 5)
    assert merchant.ledger.repush_marks(SHOP) == []
