"""Returns through moto server, DynamoDB Local and the simulator: a return's units are restocked by its
reverse fulfilment order's dispositions (docs/ledger.md "Returns and exchanges").

Shopify restocks a processed return by the dispositions on its reverse fulfilment order's line items,
not by its refund (Shopify support, quoted in github.com/microsoft/ALAppExtensions/issues/26215).
`reverse_fulfillment_orders/dispose` names only the reverse fulfilment order and the dispositions just
made, without their ids; the consumer reads the reverse fulfilment order (`reverseFulfillmentOrder(id:)`)
and restocks every RESTOCKED disposition once, keyed by its id. An exchange's new line items are sold
when Shopify processes the return (`returns/process`): the consumer reads the order named and applies it
as the reconciler's catch-up does.
"""

from datetime import UTC, datetime
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.service.reconcile import reconcile_shop
from inventory_ledger.service.replay_unreadable import replay_unreadable
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.simulated_merchant import SimulatedMerchant, mugs_at_two_shipping_locations, onboarded_merchant

pytestmark = pytest.mark.integration

SHOP = "returns.myshopify.com"
TOKEN = "shpat_returns_test"
DISPOSE = "reverse_fulfillment_orders/dispose"
PROCESS = "returns/process"
LOCATIONS = ("Main Warehouse", "Store 2")
SPEC = mugs_at_two_shipping_locations(SHOP, TOKEN, LOCATIONS)
DISPOSE_MUTATION = """
mutation Dispose($inputs: [ReverseFulfillmentOrderDisposeInput!]!) {
  reverseFulfillmentOrderDispose(dispositionInputs: $inputs) { userErrors { field message } }
}
"""


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    return onboarded_merchant(shopify_simulator, local_aws, monkeypatch, SPEC)


def levels(merchant: SimulatedMerchant) -> tuple[tuple[int, int], tuple[int, int]]:
    """(ledger, Shopify) available mugs at (Main Warehouse, Store 2)."""
    keys = [LevelKey(SHOP, "main-warehouse", "MUG"), LevelKey(SHOP, "store-2", "MUG")]
    balances = bootstrap.ledger().balances(keys)
    ledger = (balances[keys[0]].quantity, balances[keys[1]].quantity)
    return ledger, (merchant.available("MUG", "Main Warehouse"), merchant.available("MUG", "Store 2"))


def shipped_online(merchant: SimulatedMerchant, quantity: int = 2) -> dict[str, Any]:
    """An online order shipped from the primary, every one of its events applied."""
    order: dict[str, Any] = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": quantity}]})
    merchant.control("POST", f"/orders/{order['id']}/fulfil", {})
    for topic in ("orders/create", "fulfillment_orders/order_routing_complete", "orders/updated"):
        merchant.consume(topic)
    return order


def shipped_at_the_store(merchant: SimulatedMerchant) -> dict[str, Any]:
    """A POS order of 2 mugs at Store 2, handed over (fulfilled) there; none of its events applied."""
    order: dict[str, Any] = merchant.control("POST", "/orders", {"lines": [{"sku": "MUG", "quantity": 2}],
                                                                  "location": "Store 2"})  # fmt: skip
    merchant.control("POST", f"/orders/{order['id']}/fulfil", {})
    return order


def return_units(merchant: SimulatedMerchant, order: dict[str, Any], quantity: int, **how: Any) -> dict[str, Any]:
    line = order["line_items"][0]["id"]
    made: dict[str, Any] = merchant.control(
        "POST", f"/orders/{order['id']}/returns", {"returned": [{"line_item_id": line, "quantity": quantity}], **how}
    )
    return made


def location_gid(merchant: SimulatedMerchant, name: str) -> str:
    found = next(loc["id"] for loc in merchant.control("GET", "")["locations"] if loc["name"] == name)
    return f"gid://shopify/Location/{found}"


def parked_delivery(merchant: SimulatedMerchant, topic: str, body: str, message_id: str) -> ParkedEvent:
    """``body`` delivered as the shop's one ``topic`` event (at its instant): what it parked."""
    [event] = [e for e in merchant.control("GET", "/events")["events"] if e["topic"] == topic]
    result = merchant.consume_body(topic, body, message_id, event["triggered_at"])
    assert result.parked is not None
    return result.parked


def drifted() -> int:
    return reconcile_shop(SHOP, bootstrap.reconcile_dependencies()).total("drifted")


def test_a_shipped_order_returned_and_restocked_at_another_location_ends_at_shopifys_levels(
    merchant: SimulatedMerchant,
) -> None:
    """Returned to Store 2 and refunded: the refund of the return moves nothing, the dispose restocks the
    units at Store 2 once however often it is delivered."""
    order = shipped_online(merchant)
    assert levels(merchant) == ((8, 10), (8, 10))
    return_units(merchant, order, 2, location="Store 2", refund=True)
    assert [r.applied for r in merchant.consume("refunds/create")] == [[], []]
    first, duplicate = merchant.consume(DISPOSE)
    assert [(e.key.location, e.kind.value, e.quantity) for e in first.applied] == [("store-2", "return_restock", 2)]
    assert "/disposed/" in first.applied[0].entry_id
    assert (duplicate.applied, duplicate.parked) == ([], None)
    assert levels(merchant) == ((8, 12), (8, 12))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_units_disposed_not_restocked_move_nothing(merchant: SimulatedMerchant) -> None:
    order = shipped_online(merchant)
    return_units(merchant, order, 1, disposition="NOT_RESTOCKED", refund=True)
    results = merchant.consume(DISPOSE) + merchant.consume("refunds/create")
    assert [(r.applied, r.parked) for r in results] == [([], None)] * 4
    assert levels(merchant) == ((8, 10), (8, 10))
    assert drifted() == 0


def test_a_later_dispose_of_the_same_return_restocks_only_its_own_units(merchant: SimulatedMerchant) -> None:
    """The second dispose reads both dispositions again: the first one's units are not restocked twice."""
    order = shipped_online(merchant)
    made = return_units(merchant, order, 2, disposition=None)
    reverse_line = made["line_items"][0]["id"]
    for location in LOCATIONS:
        inputs = [{"reverseFulfillmentOrderLineItemId": reverse_line, "quantity": 1, "dispositionType": "RESTOCKED",
                   "locationId": location_gid(merchant, location)}]  # fmt: skip
        answer = merchant.graphql(TOKEN, DISPOSE_MUTATION, {"inputs": inputs})
        assert answer["reverseFulfillmentOrderDispose"]["userErrors"] == []
    results = merchant.consume(DISPOSE)
    assert [len(r.applied) for r in results] == [2, 0, 0, 0]  # the first read sees both dispositions
    assert levels(merchant) == ((9, 11), (9, 11))
    assert drifted() == 0


def test_a_pos_exchange_restocks_the_returned_unit_at_the_till_once(merchant: SimulatedMerchant) -> None:
    order = shipped_at_the_store(merchant)
    merchant.consume("orders/create")
    returned = [{"line_item_id": order["line_items"][0]["id"], "quantity": 1}]
    merchant.control("POST", f"/orders/{order['id']}/exchanges", {"location": "Store 2", "returned": returned})
    for topic in ("refunds/create", DISPOSE, "refunds/create"):
        merchant.consume(topic)
    assert levels(merchant) == ((10, 9), (10, 9))
    assert drifted() == 0


def test_a_dispose_before_its_order_waits_and_the_order_releases_it(merchant: SimulatedMerchant) -> None:
    order = shipped_at_the_store(merchant)
    return_units(merchant, order, 1, location="Main Warehouse")
    waiting = merchant.consume(DISPOSE)
    assert all(r.parked is not None and r.parked.is_waiting for r in waiting)
    created = merchant.consume("orders/create")
    assert [[e.quantity for e in r.applied] for r in created[0].released] == [[1]]
    assert levels(merchant) == ((11, 8), (11, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_a_malformed_or_unknown_dispose_is_parked_with_its_reason(merchant: SimulatedMerchant) -> None:
    order = shipped_online(merchant)
    return_units(merchant, order, 1, location="Store 2")
    bad = parked_delivery(merchant, DISPOSE, '{"id": 1.5, "dispositions": []}', "m1")
    assert [p.kind for p in bad.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "first at id" in bad.reason
    unknown = '{"id": 999, "admin_graphql_api_id": "gid://shopify/ReverseFulfillmentOrder/999", "dispositions": []}'
    assert "Shopify has no reverse fulfilment order 999" in parked_delivery(merchant, DISPOSE, unknown, "m2").reason
    assert levels(merchant) == ((8, 10), (8, 11))  # nothing applied yet: the real dispose is not delivered


def test_a_lost_dispose_is_caught_up_by_the_reconciler_and_a_late_one_changes_nothing(
    merchant: SimulatedMerchant,
) -> None:
    """The dispose never arrived: the ledger is below Shopify until the catch-up reads the order's
    returns and applies its reverse fulfilment order's dispositions (a webhook missed, no drift); the
    dispose delivered after that finds its entries applied."""
    order = shipped_online(merchant)
    return_units(merchant, order, 2, location="Store 2", refund=True)
    merchant.consume("refunds/create")
    assert levels(merchant) == ((8, 10), (8, 12))
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 1
    assert (run.total("drifted"), run.total("adopted")) == (0, 0)
    assert levels(merchant) == ((8, 12), (8, 12))
    assert [r.applied for r in merchant.consume(DISPOSE)] == [[], []]
    assert levels(merchant) == ((8, 12), (8, 12))
    assert bootstrap.ledger().parked_events(SHOP) == []


@pytest.fixture
def exchanging(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    """SPEC's shop with tees besides, 5 at each location: what a mug is exchanged for."""
    spec = {
        **SPEC,
        "products": [*SPEC["products"], {"title": "Tee", "variants": [{"sku": "TEE"}]}],
        "levels": [*SPEC["levels"], *({"sku": "TEE", "location": name, "available": 5} for name in LOCATIONS)],
    }
    return onboarded_merchant(shopify_simulator, local_aws, monkeypatch, spec)  # fmt: skip


def at_store_2(merchant: SimulatedMerchant) -> dict[str, tuple[int, int]]:
    """(ledger, Shopify) available at Store 2, by SKU."""
    keys = [LevelKey(SHOP, "store-2", sku) for sku in ("MUG", "TEE")]
    balances = bootstrap.ledger().balances(keys)
    return {k.sku: (balances[k].quantity, merchant.available(k.sku, "Store 2")) for k in keys}


def exchange_a_mug_for_a_tee(merchant: SimulatedMerchant) -> dict[str, Any]:
    """A POS order of 2 mugs at Store 2, its sale applied; then 1 mug exchanged there for 1 tee."""
    order = shipped_at_the_store(merchant)
    merchant.consume("orders/create")
    returned = [{"line_item_id": order["line_items"][0]["id"], "quantity": 1}]
    tee = [{"sku": "TEE", "quantity": 1}]
    merchant.control("POST", f"/orders/{order['id']}/exchanges", {"location": "Store 2", "returned": returned,
                                                                  "exchange": tee})  # fmt: skip
    return order


def test_a_pos_exchange_sells_its_new_item_on_returns_process_without_orders_updated(
    exchanging: SimulatedMerchant,
) -> None:
    """Only returns/process (twice) and the dispose are delivered: the first reads the order and sells
    the tee at Store 2 (and restocks the mug, as the catch-up would); the duplicate, the dispose and a
    later catch-up find everything applied."""
    exchange_a_mug_for_a_tee(exchanging)
    assert at_store_2(exchanging) == {"MUG": (8, 9), "TEE": (5, 4)}  # the tee oversellable until now
    first, duplicate = exchanging.consume(PROCESS)
    moved = sorted((e.key.sku, e.kind.value, e.quantity) for e in first.applied)
    assert moved == [("MUG", "return_restock", 1), ("TEE", "sale", -1)]
    assert (duplicate.applied, duplicate.parked) == ([], None)
    assert [(r.applied, r.parked) for r in exchanging.consume(DISPOSE)] == [([], None)] * 2
    assert at_store_2(exchanging) == {"MUG": (9, 9), "TEE": (4, 4)}
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert (run.catch_up["webhooks_missed"], run.total("drifted")) == (0, 0)
    assert at_store_2(exchanging) == {"MUG": (9, 9), "TEE": (4, 4)}
    assert bootstrap.ledger().parked_events(SHOP) == []


def test_a_malformed_or_unknown_returns_process_is_parked_with_its_reason(exchanging: SimulatedMerchant) -> None:
    exchange_a_mug_for_a_tee(exchanging)
    bad = parked_delivery(exchanging, PROCESS, '{"id": 1, "order": {"id": "x"}}', "m1")
    assert [p.kind for p in bad.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "first at order.id" in bad.reason
    unknown = '{"id": 2, "order": {"id": 999, "admin_graphql_api_id": "gid://shopify/Order/999"}}'
    missing = parked_delivery(exchanging, PROCESS, unknown, "m2")
    assert [p.kind for p in missing.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "Shopify has no order 999" in missing.reason
    assert at_store_2(exchanging) == {"MUG": (8, 9), "TEE": (5, 4)}  # the real one is not delivered


def test_a_returns_process_refused_by_shopify_is_parked_unreadable_and_replayed_once_it_reads(
    exchanging: SimulatedMerchant, shopify_simulator: SimulatorServer
) -> None:
    exchange_a_mug_for_a_tee(exchanging)
    shop = shopify_simulator.state.shop(SHOP)
    assert shop is not None
    shop.access_token = "shpat_reissued_elsewhere"
    [refused] = exchanging.consume(PROCESS, times=1)
    assert refused.parked is not None
    assert refused.parked.shopify_unreadable
    assert at_store_2(exchanging)["TEE"] == (5, 4)
    shop.access_token = TOKEN
    report = replay_unreadable(bootstrap.ledger(), [SHOP], bootstrap.shopify_fulfillment_orders_for,
                               lambda: datetime.now(UTC))  # fmt: skip
    assert report.replayed == 1
    assert at_store_2(exchanging) == {"MUG": (9, 9), "TEE": (4, 4)}
    assert bootstrap.ledger().parked_events(SHOP) == []


def test_a_lost_returns_process_is_caught_up_and_a_late_one_changes_nothing(exchanging: SimulatedMerchant) -> None:
    """Neither returns/process nor the dispose arrived: the next catch-up reads the order (the exchange
    moved its updatedAt) and sells the tee and restocks the mug; returns/process delivered after that
    finds both applied."""
    exchange_a_mug_for_a_tee(exchanging)
    run = reconcile_shop(SHOP, bootstrap.reconcile_dependencies())
    assert run.catch_up["webhooks_missed"] == 2  # the order's new line, and its reverse fulfilment order
    assert at_store_2(exchanging) == {"MUG": (9, 9), "TEE": (4, 4)}
    assert [(r.applied, r.parked) for r in exchanging.consume(PROCESS)] == [([], None)] * 2
    assert at_store_2(exchanging) == {"MUG": (9, 9), "TEE": (4, 4)}
