"""Pushes that converge whatever happens to their answers: lost acknowledgements, a Shopify down past
every retry, and one merchant down while another sells (moto server + the Shopify simulator)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.inventory_writer import ShopifyInventoryWriter
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.pushing import LevelPush, idempotency_key
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import ShopBreaker, push_levels
from inventory_ledger.service.repush import repush_marked
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.merchant import SHOP, TOKEN, DemoMerchant, create_demo_merchant, now
from tests.support.simulated_merchant import align_simulator_clock

pytestmark = pytest.mark.integration


@pytest.fixture
def local_aws(backend_aws: LocalResources) -> LocalResources:
    """Each shape here runs on both DynamoDB backends: moto server and DynamoDB Local."""
    return backend_aws


OTHER_SHOP = "other-shop.myshopify.com"


def impatient(shopify_simulator: SimulatorServer, shop: str = SHOP) -> ShopifyInventoryWriter:
    """A client that gives up after three quick attempts: 'down past every retry' in milliseconds."""
    url = shopify_simulator.graphql_url_template.format(shop=shop, version="2026-07")
    client = ShopifyAdminClient(shop, TOKEN, url, max_attempts=3, backoff_base_seconds=0.01, backoff_cap_seconds=0.02)
    return ShopifyInventoryWriter(ShopifyAdminOperations(client))


def receive(merchant: DemoMerchant, location: str, sku: str, units: int, ref: str) -> None:
    record_operation(operations.receive(merchant.shop, location, sku, units, ref), merchant.ledger, now)


def test_a_lost_acknowledgement_then_a_bisected_retry_leaves_nothing_frozen(merchant: DemoMerchant) -> None:
    """Shopify applies a call for two levels; the answer is lost (the invocation died before the
    acknowledgement). Lambda bisects the batch: the retry carries one level, so another idempotency key,
    and Shopify answers CHANGE_FROM_QUANTITY_STALE. The pusher reads Shopify's level, finds the value
    it pushed and acknowledges it; later receipts reach Shopify."""
    receive(merchant, "store-a", "A", 5, "po-1")
    receive(merchant, "store-a", "B", 2, "po-2")
    key_a, key_b = LevelKey(SHOP, "store-a", "A"), LevelKey(SHOP, "store-a", "B")
    balances = merchant.ledger.balances([key_a, key_b])
    lost = [
        LevelPush(
            key,
            balances[key].version,
            balances[key].quantity,
            balances[key].shopify_expected,
            merchant.item_ids[key.sku],
            merchant.location_ids["store-a"],
        )
        for key in (key_a, key_b)
    ]
    bootstrap.shopify_for(SHOP).set_available(lost, idempotency_key=idempotency_key(lost))  # answer dropped
    assert merchant.shopify_available("store-a", "A") == 15

    first_half = push_levels([key_a], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    assert [p.key for p in first_half.recognised] == [key_a]
    assert first_half.stale == []
    second_half = push_levels([key_b], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    assert [p.key for p in second_half.recognised] == [key_b]
    for key, shown in ((key_a, 15), (key_b, 12)):
        balance = merchant.ledger.balances([key])[key]
        assert (balance.quantity, balance.shopify_expected, balance.push_status) == (shown, shown, "applied")
    assert merchant.shopify_available("store-a", "A") == 15  # nothing applied twice

    receive(merchant, "store-a", "A", 3, "po-3")
    report = push_levels([key_a], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    assert len(report.pushed) == 1
    assert report.recognised == []
    assert merchant.shopify_available("store-a", "A") == 18 == merchant.balance("store-a", "A").quantity


def test_a_push_failing_past_every_retry_converges_once_shopify_recovers(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """Shopify answers 503 to every attempt: the level is set aside (marked on its balance), the stream
    batch succeeds, and the re-push sweep pushes it from the balance once Shopify answers again."""
    receive(merchant, "warehouse", "C", 3, "po-1")
    key = LevelKey(SHOP, "warehouse", "C")
    merchant.control("POST", "/faults", {"kind": "status", "status": 503, "count": 500})
    report = push_levels(
        [key], merchant.ledger, bootstrap.merchant_directory(), lambda shop: impatient(shopify_simulator), now
    )
    assert report.failed == {}
    assert key in report.set_aside
    assert merchant.ledger.repush_marks(SHOP) == [key]
    assert merchant.balance("warehouse", "C").push_status == "failed"
    still_down = repush_marked(
        merchant.ledger, bootstrap.merchant_directory(), lambda shop: impatient(shopify_simulator), now
    )
    assert (still_down.still_set_aside, still_down.cleared) == (1, 0)
    assert merchant.shopify_available("warehouse", "C") == 10

    merchant.control("DELETE", "/faults")
    # The pusher's own schedule: the Lambda handler's Scheduled Event runs the sweep.
    summary = load_handler("level_pusher").lambda_handler(
        {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, FakeLambdaContext()
    )
    assert summary["pushed"] == 1
    assert summary["cleared"] == 1
    assert merchant.shopify_available("warehouse", "C") == 13 == merchant.balance("warehouse", "C").quantity
    assert merchant.ledger.repush_marks(SHOP) == []
    assert merchant.balance("warehouse", "C").push_status == "applied"


def test_the_pusher_refuses_an_event_it_does_not_know(merchant: DemoMerchant) -> None:
    with pytest.raises(ValueError, match="Scheduled Event"):
        load_handler("level_pusher").lambda_handler({"shop": SHOP}, FakeLambdaContext())


class SimulatedClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 1, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def test_one_merchant_down_for_an_hour_never_holds_back_another(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer, local_aws: LocalResources
) -> None:
    """Two merchants share the stream. The first one's Shopify answers 503 for an hour of simulated
    time (a batch every five minutes, both merchants selling and receiving); each batch succeeds, the
    other merchant's level is in Shopify when its batch returns, and the down shop is called once per
    cool-down, not once per batch. When it recovers, the sweep brings its levels back."""
    other = create_demo_merchant(shopify_simulator.base_url, local_aws, shop_domain=OTHER_SHOP)
    clock = SimulatedClock()
    breaker = ShopBreaker(cool_down=timedelta(minutes=15))
    down_attempts = 500
    merchant.control("POST", "/faults", {"kind": "status", "status": 503, "count": down_attempts})
    clients: dict[str, Callable[[], Any]] = {
        SHOP: lambda: impatient(shopify_simulator, SHOP),
        OTHER_SHOP: lambda: impatient(shopify_simulator, OTHER_SHOP),
    }
    directory = bootstrap.merchant_directory()
    for batch in range(12):
        receive(merchant, "store-b", "A", 1, f"down-{batch}")
        receive(other, "store-b", "A", 1, f"up-{batch}")
        keys = [LevelKey(SHOP, "store-b", "A"), LevelKey(OTHER_SHOP, "store-b", "A")]
        report = push_levels(keys, merchant.ledger, directory, lambda shop: clients[shop](), clock, breaker)
        assert report.failed == {}  # the batch succeeds for everyone
        assert [p.key.shop for p in report.pushed] == [OTHER_SHOP]
        assert list(report.set_aside) == [LevelKey(SHOP, "store-b", "A")]
        assert other.shopify_available("store-b", "A") == 10 + batch + 1 == other.balance("store-b", "A").quantity
        clock.at += timedelta(minutes=5)
    remaining = merchant.control("GET", "/faults")["faults"][0]["remaining"]
    # One probe (three attempts) per 15-minute cool-down over the hour: 4 probes, not 12.
    assert down_attempts - remaining == 4 * 3
    assert merchant.shopify_available("store-b", "A") == 10

    merchant.control("DELETE", "/faults")
    sweep = repush_marked(merchant.ledger, directory, lambda shop: clients[shop](), clock)
    assert (sweep.pushed, sweep.cleared, sweep.still_set_aside) == (1, 1, 0)
    assert merchant.shopify_available("store-b", "A") == 22 == merchant.balance("store-b", "A").quantity
    assert other.shopify_available("store-b", "A") == 22


def sweep(shop: DemoMerchant) -> dict[str, Any]:
    """The pusher's schedule, as EventBridge invokes it."""
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    return dict(load_handler("level_pusher").lambda_handler(event, FakeLambdaContext()))


def test_a_stale_push_from_a_lost_webhook_is_resolved_by_the_next_sweep(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """A POS sale whose webhook never comes (10 -> 8 at Shopify), then a receipt of 5: the push is
    stale. Minutes later, not at night, the sweep catches up on the shop's orders (the sale: ledger
    13), and the push that follows lands: Shopify 13."""
    align_simulator_clock(shopify_simulator.base_url)
    merchant.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 2}], "location": "Store A"})
    receive(merchant, "store-a", "A", 5, "po-1")
    key = LevelKey(SHOP, "store-a", "A")
    report = push_levels([key], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)
    assert [p.key for p in report.stale] == [key]
    assert merchant.ledger.repush_marks(SHOP) == [key]

    summary = sweep(merchant)
    assert (summary["caught_up_shops"], summary["webhooks_missed"], summary["pushed"]) == (1, 1, 1)
    assert merchant.shopify_available("store-a", "A") == 13 == merchant.balance("store-a", "A").quantity
    assert merchant.balance("store-a", "A").push_status == "applied"
    assert merchant.ledger.repush_marks(SHOP) == []


@pytest.mark.parametrize("policy", ["heal", "adopt", "report"])
def test_a_stale_push_from_an_admin_edit_is_resolved_by_the_merchant_s_policy(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer, policy: str
) -> None:
    """An edit in Shopify's admin (10 -> 4, no webhook), then a receipt of 1: stale. The sweep's
    catch-up finds no order; the policy decides: heal sets Shopify to the ledger's 11, adopt takes the
    edit (-6) as an adjustment and pushes the receipt on top (5), report leaves both for the nightly
    report."""
    align_simulator_clock(shopify_simulator.base_url)
    bootstrap.merchant_directory().set_healing_policy(SHOP, policy)
    merchant.control("POST", "/admin/levels", {"sku": "A", "location": "Store A", "available": 4})
    receive(merchant, "store-a", "A", 1, "po-1")
    key = LevelKey(SHOP, "store-a", "A")
    assert push_levels([key], merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now).stale

    summary = sweep(merchant)
    balance = merchant.balance("store-a", "A")
    shown = merchant.shopify_available("store-a", "A")
    if policy == "heal":
        assert summary["stale_healed"] == 1
        assert (shown, balance.quantity, balance.shopify_expected) == (11, 11, 11)
    elif policy == "adopt":
        assert summary["stale_adopted"] == 1
        assert (shown, balance.quantity, balance.shopify_expected) == (5, 5, 5)
    else:
        assert summary["stale_reported"] == 1
        assert (shown, balance.quantity, balance.push_status) == (4, 11, "stale")
    assert merchant.ledger.repush_marks(SHOP) == []  # resolved or reported: the sweep does not loop on it
