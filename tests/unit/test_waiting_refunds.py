"""The deadline rule for refunds waiting for their order (domain/waiting_refunds.py and
service/reconcile/waiting_refunds.py), on the in-memory ledger: lines it cannot place stay parked,
an unreadable parked item is left alone, a refund inside the deadline waits."""

import json
from datetime import UTC, datetime, timedelta

from inventory_ledger.domain.ledger import LevelKey, MovementKind
from inventory_ledger.domain.merchant import Problem, ProblemKind
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.reconcile.waiting_refunds import settle_waiting_refunds, waiting_refund_levels
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import envelope

SHOP = "w.myshopify.com"
STORE = 101
PARKED_AT = datetime(2026, 12, 1, 9, tzinfo=UTC)
LATE = PARKED_AT + timedelta(hours=24)


def refund_body(location_id: int | None, sku: str) -> dict[str, object]:
    return {"id": 900, "order_id": 800, "created_at": PARKED_AT.isoformat(), "refund_line_items": [
        {"id": 901, "line_item_id": 801, "quantity": 2, "restock_type": "return", "location_id": location_id,
         "line_item": {"id": 801, "sku": sku, "quantity": 2}},
        {"id": 902, "line_item_id": 802, "quantity": 1, "restock_type": "no_restock", "location_id": location_id,
         "line_item": {"id": 802, "sku": sku, "quantity": 1}},
    ]}  # fmt: skip


def parked(body: dict[str, object] | str, event_id: str = "evt-1") -> ParkedEvent:
    raw = (
        body
        if isinstance(body, str)
        else envelope(Topic.REFUNDS_CREATE, body, shop=SHOP, event_id=event_id).model_dump_json()
    )
    return ParkedEvent(SHOP, event_id, "refunds/create", PARKED_AT, PARKED_AT, raw,
                       (Problem(ProblemKind.WAITING_FOR_ORDER, "order 800"),), waiting_for_order=800)  # fmt: skip


def ledger() -> InMemoryLedger:
    return InMemoryLedger(SHOP, primary_location="store", locations={STORE: "store"}, skus=["TEE"])


def test_inside_the_deadline_a_refund_waits_and_its_level_is_in_flight() -> None:
    book = ledger()
    book.park(parked(refund_body(STORE, "TEE")))
    result = settle_waiting_refunds(SHOP, book, lambda: LATE - timedelta(seconds=1), timedelta(hours=24))
    assert (result.waiting, result.past_deadline, result.pending) == (1, 0, {LevelKey(SHOP, "store", "TEE")})
    assert waiting_refund_levels(SHOP, book) == {LevelKey(SHOP, "store", "TEE")}
    assert len(book.parked_events(SHOP)) == 1


def test_at_the_deadline_the_restocked_lines_go_back_where_shopify_restocked_them() -> None:
    book = ledger()
    book.park(parked(refund_body(STORE, "TEE")))
    result = settle_waiting_refunds(SHOP, book, lambda: LATE, timedelta(hours=24))
    assert (result.past_deadline, result.settled, result.entries_applied) == (1, 1, 1)
    [entry] = book.entries(LevelKey(SHOP, "store", "TEE"))
    assert (entry.kind, entry.quantity, entry.entry_id) == (MovementKind.REFUND_RESTOCK, 2, "refund/900/line/901")
    assert book.parked_events(SHOP) == []


def test_a_line_with_no_mapped_location_stays_parked_no_longer_waiting() -> None:
    book = ledger()
    book.park(parked(refund_body(555, "TEE")))
    result = settle_waiting_refunds(SHOP, book, lambda: LATE, timedelta(hours=24))
    assert (result.past_deadline, result.left_parked, result.settled) == (1, 1, 0)
    [left] = book.parked_events(SHOP)
    assert (left.waiting_for_order, left.is_waiting) == (None, False)
    assert "past the deadline" in left.reason


def test_an_unreadable_parked_item_is_left_alone() -> None:
    book = ledger()
    book.park(parked(json.dumps({"not": "an envelope"})))
    result = settle_waiting_refunds(SHOP, book, lambda: LATE, timedelta(hours=24))
    assert (result.past_deadline, result.settled, result.left_parked) == (1, 0, 0)
    assert len(book.parked_events(SHOP)) == 1
