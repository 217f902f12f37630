"""Ship-from-store's first assignment through moto server and the simulator: an online order that
Shopify's order routing sends to a store ends at the store in the ledger (docs/ledger.md
"Ship-from-store").

After an order is created Shopify routes it, assigns its fulfilment orders to locations and sends
`fulfillment_orders/order_routing_complete`, whose body names only the fulfilment order (gid and status:
https://shopify.dev/docs/api/webhooks/2026-07). The consumer reads the fulfilment order
(`fulfillmentOrder(id:)`) and applies the move rule: the units the ledger took at the primary go to the
location it is assigned to.
"""

import uuid
from datetime import UTC, datetime

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.adapters.shopify.client import CONSUMER_READ_RETRIES
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.webhooks import Topic, WebhookEnvelope
from inventory_ledger.service.apply_webhook import ApplyResult
from inventory_ledger.service.consume import consume_message
from inventory_ledger.service.reconcile import reconcile_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.simulated_merchant import SimulatedMerchant, create_merchant, mugs_at_two_shipping_locations, onboard
from tests.support.webhooks import sqs_event

pytestmark = pytest.mark.integration

SHOP = "routing.myshopify.com"
TOKEN = "shpat_routing_test"
ROUTING = "fulfillment_orders/order_routing_complete"


# A primary warehouse and a store that both ship online orders, 10 mugs at each; bags are not tracked.
LOCATIONS = ("Main Warehouse", "Store 2")
SPEC = mugs_at_two_shipping_locations(
    SHOP, TOKEN, LOCATIONS, [{"title": "Bag", "variants": [{"sku": "BAG", "tracked": False}]}]
)


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> SimulatedMerchant:
    shop = create_merchant(shopify_simulator, local_aws, monkeypatch, SPEC)
    onboard(shop)
    return shop


def envelope_of(event: dict[str, object], body: str | None = None) -> WebhookEnvelope:
    """A fresh delivery of the event (a new webhook id; the event id is Shopify's)."""
    return WebhookEnvelope(
        topic=Topic(str(event["topic"])), shop_domain=SHOP, webhook_id=str(uuid.uuid4()),
        event_id=str(event["event_id"]), triggered_at=datetime.fromtimestamp(float(str(event["triggered_at"])), UTC),
        api_version="2026-07", received_at=datetime.now(UTC), body=body if body is not None else str(event["body"]),
    )  # fmt: skip


def deliver(merchant: SimulatedMerchant, topic: str) -> list[ApplyResult]:
    """The shop's events of one topic, each delivered twice, through the consumer with Shopify's
    fulfilment orders (read with the shop's credentials)."""
    results = []
    for event in merchant.control("GET", "/events")["events"]:
        if event["topic"] == topic:
            for _ in range(2):
                body = envelope_of(event).model_dump_json()
                results.append(
                    consume_message(body, event["event_id"], bootstrap.ledger(), lambda: datetime.now(UTC),
                                    fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)
                )  # fmt: skip
    return results


def levels(merchant: SimulatedMerchant) -> tuple[tuple[int, int], tuple[int, int]]:
    """(ledger, Shopify) available mugs at (Main Warehouse, Store 2)."""
    ledger = bootstrap.ledger()
    keys = [LevelKey(SHOP, "main-warehouse", "MUG"), LevelKey(SHOP, "store-2", "MUG")]
    balances = ledger.balances(keys)
    first, second = (balances[key].quantity for key in keys)
    return (first, second), (merchant.available("MUG", "Main Warehouse"), merchant.available("MUG", "Store 2"))


def place_routed(merchant: SimulatedMerchant, quantity: int = 2) -> dict[str, object]:
    order: dict[str, object] = merchant.control(
        "POST", "/orders", {"lines": [{"sku": "MUG", "quantity": quantity}], "route_to": "Store 2"}
    )
    return order


def drifted() -> int:
    return reconcile_shop(SHOP, bootstrap.reconcile_dependencies()).total("drifted")


def test_a_routing_after_its_order_moves_the_units_to_the_store_and_a_duplicate_changes_nothing(
    merchant: SimulatedMerchant,
) -> None:
    place_routed(merchant)
    deliver(merchant, "orders/create")
    assert levels(merchant) == ((8, 10), (10, 8))  # the ledger took the sale at the primary
    first, duplicate = deliver(merchant, ROUTING)
    assert [(e.key.location, e.kind.value, e.quantity) for e in first.applied] == [
        ("main-warehouse", "transfer_in", 2),
        ("store-2", "transfer_out", -2),
    ]
    assert "/moved/" in first.applied[1].entry_id
    assert (duplicate.applied, duplicate.parked) == ([], None)
    assert levels(merchant) == ((10, 8), (10, 8))
    assert [r.applied for r in deliver(merchant, ROUTING)] == [[], []]  # redelivered later still: nothing
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_a_routing_before_its_order_waits_for_it_and_the_order_ends_at_the_store(
    merchant: SimulatedMerchant,
) -> None:
    place_routed(merchant)
    waiting = deliver(merchant, ROUTING)
    assert all(r.parked is not None and r.parked.is_waiting for r in waiting)
    assert levels(merchant)[1] == (10, 8)
    created = deliver(merchant, "orders/create")
    assert [len(r.applied) for r in created[0].released] == [2]
    assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_the_consumers_handler_applies_a_batch_holding_the_routing_before_its_order(
    merchant: SimulatedMerchant,
) -> None:
    """Through ledger_consumer's Lambda handler: the routing parks waiting, the order releases it
    reading the fulfilment order with the shop's credentials; the same batch again changes nothing."""
    place_routed(merchant)
    events = {e["topic"]: e for e in merchant.control("GET", "/events")["events"]}
    messages = [envelope_of(events[topic]).model_dump_json() for topic in (ROUTING, "orders/create")]
    consumer = load_handler("ledger_consumer")
    for _ in range(2):
        assert consumer.lambda_handler(sqs_event(messages), FakeLambdaContext()) == {"batchItemFailures": []}
        assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []


def test_a_routing_then_a_move_then_a_shipment_end_where_shopify_ships(merchant: SimulatedMerchant) -> None:
    """Routed to Store 2, moved back to the warehouse by the merchant, shipped from there: the move is
    the line's second (its own entries), the shipment moves nothing more, a late routing nothing."""
    order = place_routed(merchant)
    deliver(merchant, "orders/create")
    deliver(merchant, ROUTING)
    assert levels(merchant) == ((10, 8), (10, 8))
    merchant.control("POST", f"/orders/{order['id']}/move", {"location": "Main Warehouse"})
    moved = deliver(merchant, "fulfillment_orders/moved")
    assert [e.entry_id.rsplit("/", 2)[-2:] for e in moved[0].applied] == [["2", "back"], ["2", "out"]]
    assert moved[1].applied == []
    assert levels(merchant) == ((8, 10), (8, 10))
    merchant.control("POST", f"/orders/{order['id']}/fulfil", {})
    assert [r.applied for r in deliver(merchant, "orders/updated")] == [[], []]
    assert [r.applied for r in deliver(merchant, ROUTING)] == [[], []]
    assert levels(merchant) == ((8, 10), (8, 10))
    assert bootstrap.ledger().parked_events(SHOP) == []
    assert drifted() == 0


def test_a_malformed_or_unknown_routing_is_parked_with_its_reason(merchant: SimulatedMerchant) -> None:
    place_routed(merchant)
    [event] = [e for e in merchant.control("GET", "/events")["events"] if e["topic"] == ROUTING]
    ledger, now = bootstrap.ledger(), lambda: datetime.now(UTC)
    reads = bootstrap.shopify_fulfillment_orders_for
    malformed = envelope_of(event, '{"fulfillment_order": {"id": 1.5}}').model_dump_json()
    bad = consume_message(malformed, "m1", ledger, now, fulfillment_orders=reads)
    assert bad.parked is not None
    assert [p.kind for p in bad.parked.problems] == [ProblemKind.INVALID_PAYLOAD]
    assert "fulfillment_order" in bad.parked.reason
    unknown = envelope_of(event, '{"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/999"}}')
    missing = consume_message(unknown.model_dump_json(), "m2", ledger, now, fulfillment_orders=reads)
    assert missing.parked is not None
    assert "Shopify has no fulfilment order 999" in missing.parked.reason


def test_the_routing_of_an_order_of_nothing_the_ledger_holds_moves_nothing_and_never_waits(
    merchant: SimulatedMerchant,
) -> None:
    """Every online order is routed, also one of untracked items and custom lines only: the ledger holds
    none of its lines, so its routing, before or after the order, skips them and parks nothing."""
    lines = [{"sku": "BAG", "quantity": 1}, {"custom_title": "Gift wrapping", "quantity": 1}]
    merchant.control("POST", "/orders", {"lines": lines, "route_to": "Store 2"})
    early = deliver(merchant, ROUTING)
    assert [(r.applied, r.parked) for r in early] == [([], None), ([], None)]
    assert {line.reason.value for line in early[0].skipped_lines} == {"not_in_ledger"}
    deliver(merchant, "orders/create")
    assert [(r.applied, r.parked) for r in deliver(merchant, ROUTING)] == [([], None), ([], None)]
    assert levels(merchant) == ((10, 10), (10, 10))
    assert bootstrap.ledger().parked_events(SHOP) == []


def test_shopify_down_sends_the_routing_back_to_the_queue_early_and_never_holds_the_batchs_sale(
    merchant: SimulatedMerchant,
) -> None:
    """Shopify answering 503 to everything: in one batch the sale is applied and the routing is a batch
    item failure after at most CONSUMER_READ_RETRIES.max_attempts reads (the pushes' 10 attempts over up
    to 30 s, a read, held a batch's sales for minutes); once Shopify is back its redelivery applies it."""
    place_routed(merchant)
    events = {e["topic"]: e for e in merchant.control("GET", "/events")["events"]}
    sale, routing = (envelope_of(events[topic]).model_dump_json() for topic in ("orders/create", ROUTING))
    merchant.control("POST", "/faults", {"kind": "status", "status": 503, "count": 100})
    consumer = load_handler("ledger_consumer")
    answer = consumer.lambda_handler(sqs_event([sale, routing]), FakeLambdaContext())
    assert len(answer["batchItemFailures"]) == 1
    [fault] = merchant.control("GET", "/faults")["faults"]
    assert 100 - int(fault["remaining"]) <= CONSUMER_READ_RETRIES.max_attempts
    assert levels(merchant)[0] == (8, 10)  # the sale, at the primary until the routing is read
    merchant.control("DELETE", "/faults")
    assert consumer.lambda_handler(sqs_event([routing]), FakeLambdaContext()) == {"batchItemFailures": []}
    assert levels(merchant) == ((10, 8), (10, 8))
    assert bootstrap.ledger().parked_events(SHOP) == []
