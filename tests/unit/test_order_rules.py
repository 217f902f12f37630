"""The binding rules on Shopify's real payload shapes (shared/shopify/payloads), through the service."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.operations import AdjustmentReason
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope, replay_parked
from inventory_ledger.service.operations import record_operation
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope, order, refund

PAYLOADS = Path(__file__).resolve().parents[2] / "reference" / "shopify" / "payloads"
REST = PAYLOADS / "rest-resource-examples-shopify-app-js-2026-07"
SHOP = "demo-shop.myshopify.com"
STORE_A, STORE_B = 24826418, 487838322  # Shopify location ids (the second one is in the refund samples)
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def now() -> datetime:
    return NOW


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger(
        SHOP,
        primary_location="warehouse",
        locations={STORE_A: "store-a", STORE_B: "store-b"},
        skus={"IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK", "A", "B"},
    )


def level(ledger: InMemoryLedger, location: str, sku: str) -> int:
    return ledger.balance_by_key[LevelKey(SHOP, location, sku)].quantity


def deliver(ledger: InMemoryLedger, topic: Topic, body: dict[str, Any], event_id: str) -> ApplyResult:
    return apply_envelope(envelope(topic, body, shop=SHOP, event_id=event_id), ledger, now)


def sample(name: str, key: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REST / name).read_text())[key]
    return loaded


def test_an_online_order_takes_stock_from_the_primary_shipping_location(ledger: InMemoryLedger) -> None:
    result = deliver(ledger, Topic.ORDERS_CREATE, sample("order_get_450789469.json", "order"), "e1")
    assert {str(e.key) for e in result.applied} == {
        f"{SHOP}/warehouse/IPOD2008GREEN",
        f"{SHOP}/warehouse/IPOD2008RED",
        f"{SHOP}/warehouse/IPOD2008BLACK",
    }
    assert level(ledger, "warehouse", "IPOD2008RED") == -1
    assert all(entry.kind is MovementKind.SALE for entry in result.applied)


def test_a_pos_order_takes_stock_from_its_retail_location(ledger: InMemoryLedger) -> None:
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 2)], location_id=STORE_A), "e1")
    assert level(ledger, "store-a", "A") == -2
    assert LevelKey(SHOP, "warehouse", "A") not in ledger.balance_by_key


def test_the_primary_location_in_force_when_the_order_is_applied_is_used(ledger: InMemoryLedger) -> None:
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 1)]), "e1")
    ledger.primary_location = "store-b"
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 3, [(BIG + 4, "A", 1)]), "e2")
    # The first order's cancel restocks where its unit was taken, not at the new primary.
    deliver(ledger, Topic.ORDERS_CANCELLED, order(BIG + 1, [(BIG + 2, "A", 1)], cancelled=True), "e3")
    assert level(ledger, "warehouse", "A") == 0
    assert level(ledger, "store-b", "A") == -1


@pytest.mark.parametrize(("fulfillment_status", "green_after_cancel"), [("success", -1), ("failure", 0)])
def test_cancel_restocks_unfulfilled_units_only(
    ledger: InMemoryLedger, fulfillment_status: str, green_after_cancel: int
) -> None:
    # The sample's one fulfillment (of line 466157049, GREEN) has status "failure": nothing shipped.
    body = sample("order_get_450789469.json", "order")
    body["fulfillments"][0]["status"] = fulfillment_status
    deliver(ledger, Topic.ORDERS_CREATE, body, "e1")
    deliver(ledger, Topic.ORDERS_CANCELLED, {**body, "cancelled_at": "2026-11-23T09:00:00Z"}, "e2")
    assert level(ledger, "warehouse", "IPOD2008GREEN") == green_after_cancel
    assert level(ledger, "warehouse", "IPOD2008RED") == 0
    assert level(ledger, "warehouse", "IPOD2008BLACK") == 0


def test_a_cancel_before_its_order_ends_right_and_the_late_order_is_a_no_op(ledger: InMemoryLedger) -> None:
    cancelled = order(BIG + 1, [(BIG + 2, "A", 3)], location_id=STORE_A, fulfilled={BIG + 2: 1}, cancelled=True)
    first = deliver(ledger, Topic.ORDERS_CANCELLED, cancelled, "cancel")
    assert [e.kind for e in first.applied] == [MovementKind.SALE, MovementKind.CANCEL_RESTOCK]
    late = deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 3)], location_id=STORE_A), "create")
    assert late.applied == []
    assert level(ledger, "store-a", "A") == -1  # the shipped unit stays sold


def test_refund_restocks_only_restocked_lines_at_the_refund_location(ledger: InMemoryLedger) -> None:
    deliver(ledger, Topic.ORDERS_CREATE, sample("order_get_450789469.json", "order"), "e1")
    legacy: dict[str, Any] = json.loads((REST / "refunds_list_legacy_restock.json").read_text())["refunds"][0]
    result = deliver(ledger, Topic.REFUNDS_CREATE, legacy, "e2")
    assert {(e.key.location, e.key.sku, e.quantity) for e in result.applied} == {
        ("store-b", "IPOD2008BLACK", 1),
        ("store-b", "IPOD2008GREEN", 1),
    }
    assert result.applied[0].source.refund_line_id in (104689539, 709875399)


def test_a_refund_restock_names_its_order_line_its_refund_line_and_its_delivery(ledger: InMemoryLedger) -> None:
    deliver(ledger, Topic.ORDERS_CREATE, sample("order_get_450789469.json", "order"), "e1")
    legacy: dict[str, Any] = json.loads((REST / "refunds_list_legacy_restock.json").read_text())["refunds"][0]
    line_items = {line["id"]: line["line_item_id"] for line in legacy["refund_line_items"]}
    result = deliver(ledger, Topic.REFUNDS_CREATE, legacy, "e2")
    assert result.applied
    for entry in result.applied:
        source = entry.source
        assert (source.topic, source.order_id, source.refund_id, source.event_id) == (
            "refunds/create",
            legacy["order_id"],
            legacy["id"],
            "e2",
        )
        assert source.refund_line_id in line_items
        assert source.line_item_id == line_items[source.refund_line_id]
        assert source.webhook_id
        assert (source.operation_id, source.actor) == (None, None)


def test_a_no_restock_refund_changes_nothing(ledger: InMemoryLedger) -> None:
    body = sample("order_get_450789469.json", "order")
    deliver(ledger, Topic.ORDERS_CREATE, body, "e1")
    before = dict(ledger.balance_by_key)
    no_restock = sample("refund_create_no_restock_response.json", "refund")
    result = deliver(ledger, Topic.REFUNDS_CREATE, {**no_restock, "order_id": body["id"]}, "e2")
    assert result.applied == []
    assert result.parked is None
    assert ledger.balance_by_key == before


def test_a_refund_before_its_order_waits_and_is_applied_when_the_order_arrives(ledger: InMemoryLedger) -> None:
    early = deliver(
        ledger, Topic.REFUNDS_CREATE, refund(BIG + 9, BIG + 1, [(BIG + 10, BIG + 2, 1, "return", STORE_B, "A")]), "r"
    )
    assert early.parked is not None
    assert early.parked.is_waiting
    created = deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 2)], location_id=STORE_A), "o")
    assert [len(r.applied) for r in created.released] == [1]
    assert level(ledger, "store-a", "A") == -2
    assert level(ledger, "store-b", "A") == 1
    assert ledger.parked_events(SHOP) == []


def test_cancel_and_shopifys_cancel_refund_restock_the_same_units_once(ledger: InMemoryLedger) -> None:
    lines = [(BIG + 2, "A", 3)]
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, lines, location_id=STORE_A, fulfilled={BIG + 2: 1}), "o")
    deliver(
        ledger,
        Topic.ORDERS_CANCELLED,
        order(BIG + 1, lines, location_id=STORE_A, fulfilled={BIG + 2: 1}, cancelled=True),
        "c",
    )
    result = deliver(
        ledger, Topic.REFUNDS_CREATE, refund(BIG + 9, BIG + 1, [(BIG + 10, BIG + 2, 2, "cancel", STORE_A, "A")]), "r"
    )
    assert level(ledger, "store-a", "A") == -1
    [entry] = result.applied
    assert entry.quantity == 0
    assert entry.requested_quantity == 2


def test_a_line_is_never_restocked_past_what_was_sold(ledger: InMemoryLedger) -> None:
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE_A), "o")
    for n in range(3):  # three different refunds, each claiming the unit back
        deliver(
            ledger,
            Topic.REFUNDS_CREATE,
            refund(BIG + 20 + n, BIG + 1, [(BIG + 30 + n, BIG + 2, 1, "return", None, "A")]),
            f"r{n}",
        )
    assert level(ledger, "store-a", "A") == 0
    line = ledger.order_lines(SHOP, BIG + 1)[(BIG + 1, BIG + 2)]
    assert (line.sold, line.restocked) == (1, 1)


def test_a_redelivery_with_another_webhook_id_changes_nothing(ledger: InMemoryLedger) -> None:
    body = order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE_A)
    deliver(ledger, Topic.ORDERS_CREATE, body, "same-event")
    again = apply_envelope(
        envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id="other", webhook_id="w2"), ledger, now
    )
    assert again.applied == []
    assert len(ledger.entries(LevelKey(SHOP, "store-a", "A"))) == 1


def test_a_sale_beyond_stock_is_applied_and_flagged_as_an_oversell(ledger: InMemoryLedger) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "po-1"), ledger, now)
    deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE_A), "o1")
    result = deliver(ledger, Topic.ORDERS_CREATE, order(BIG + 3, [(BIG + 4, "A", 1)], location_id=STORE_A), "o2")
    [entry] = result.applied
    assert entry.oversell
    assert entry.balance_after == -1
    assert result.oversells == [entry]


def test_unmapped_sku_parks_the_event_applies_the_rest_and_replays_after_mapping(ledger: InMemoryLedger) -> None:
    body = order(BIG + 1, [(BIG + 2, "A", 1), (BIG + 3, "NEW-SKU", 2)], location_id=STORE_A)
    result = deliver(ledger, Topic.ORDERS_CREATE, body, "o")
    assert result.parked is not None
    assert [p.kind for p in result.parked.problems] == [ProblemKind.UNMAPPED_SKU]
    assert level(ledger, "store-a", "A") == -1
    ledger.skus.add("NEW-SKU")
    [parked] = ledger.parked_events(SHOP)
    replayed = replay_parked(parked, ledger, now)
    assert replayed.parked is None
    assert level(ledger, "store-a", "NEW-SKU") == -2
    assert level(ledger, "store-a", "A") == -1
    assert ledger.parked_events(SHOP) == []


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        ({"id": 1.5e18, "line_items": []}, ProblemKind.INVALID_PAYLOAD),
        ({"id": BIG, "line_items": [{"id": 1, "sku": "A", "quantity": "many"}]}, ProblemKind.INVALID_PAYLOAD),
        ({"line_items": []}, ProblemKind.INVALID_PAYLOAD),
        (order(BIG + 1, [(BIG + 2, "A", 1)], location_id=999), ProblemKind.UNMAPPED_LOCATION),
    ],
)
def test_what_cannot_be_applied_is_parked_whole_with_its_reason(
    ledger: InMemoryLedger, body: dict[str, Any], kind: ProblemKind
) -> None:
    result = deliver(ledger, Topic.ORDERS_CREATE, body, "bad")
    assert result.parked is not None
    assert result.parked.problems[0].kind is kind
    assert json.loads(json.loads(result.parked.envelope)["body"]) == body
    assert ledger.balance_by_key == {}


def test_an_unknown_shop_is_parked(ledger: InMemoryLedger) -> None:
    body = order(BIG + 1, [(BIG + 2, "A", 1)])
    result = apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop="other.myshopify.com", event_id="x"), ledger, now)
    assert result.parked is not None
    assert result.parked.problems[0].kind is ProblemKind.UNKNOWN_SHOP


def test_the_gid_wins_over_a_float_corrupted_numeric_id(ledger: InMemoryLedger) -> None:
    # As in the trigger.dev samples: the numeric id lost its last digits in a double, the gid did not.
    body = order(820982911946154508, [(866550311766439020, "A", 1)], location_id=STORE_A)
    body["id"] = 820982911946154500
    result = deliver(ledger, Topic.ORDERS_CREATE, body, "o")
    assert result.applied[0].source.order_id == 820982911946154508


def test_operator_movements_apply_once_per_operation_id(ledger: InMemoryLedger) -> None:
    record_operation(operations.receive(SHOP, "warehouse", "B", 10, "po-7"), ledger, now)
    record_operation(operations.transfer(SHOP, "B", "warehouse", "store-a", 4, "t-1"), ledger, now)
    assert record_operation(operations.transfer(SHOP, "B", "warehouse", "store-a", 4, "t-1"), ledger, now) == []
    [count] = record_operation(operations.count(SHOP, "store-a", "B", 3, "c-1"), ledger, now)
    assert count.quantity == -1  # recorded as the difference
    record_operation(operations.adjust(SHOP, "warehouse", "B", -2, AdjustmentReason.DAMAGED, "a-1"), ledger, now)
    assert level(ledger, "warehouse", "B") == 4
    assert level(ledger, "store-a", "B") == 3
    history = ledger.entries(LevelKey(SHOP, "warehouse", "B"))
    assert [(e.kind, e.quantity, e.balance_after) for e in history] == [
        (MovementKind.RECEIPT, 10, 10),
        (MovementKind.TRANSFER_OUT, -4, 6),
        (MovementKind.ADJUSTMENT, -2, 4),
    ]
    assert history[-1].reason == "damaged"
    # Shopify was not told about any of these yet: what we believe it shows has not moved.
    assert ledger.balance_by_key[LevelKey(SHOP, "warehouse", "B")].shopify_expected == 0


def test_invalid_operations_are_refused_with_a_reason() -> None:
    with pytest.raises(operations.InvalidOperation, match="two different"):
        operations.transfer(SHOP, "A", "x", "x", 1, "t")
    with pytest.raises(operations.InvalidOperation, match="negative"):
        operations.count(SHOP, "x", "A", -1, "c")


def test_an_order_from_before_onboarding_is_sold_without_moving_the_imported_level(ledger: InMemoryLedger) -> None:
    ledger.onboarded_at = datetime(2026, 11, 1, tzinfo=UTC)
    old = order(BIG + 1, [(BIG + 2, "A", 2)], location_id=STORE_A, created_at="2026-10-31T23:00:00+00:00")
    [entry] = deliver(ledger, Topic.ORDERS_CREATE, old, "late-old-order").applied
    assert (entry.quantity, level(ledger, "store-a", "A")) == (0, 0)
    assert entry.reason is not None
    assert "before onboarding" in entry.reason
    # Its cancel still restocks the units, which the imported level did not hold.
    deliver(ledger, Topic.ORDERS_CANCELLED, {**old, "cancelled_at": "2026-11-02T00:00:00+00:00"}, "cancel")
    assert level(ledger, "store-a", "A") == 2
