"""Ship-from-store: an online order's shipped units follow the location Shopify shipped them from.

Shopify commits an online order where its fulfilment order is assigned, not always the primary
location, and ships from there (fulfillments[].location_id of the REST order,
https://shopify.dev/docs/api/admin-rest/latest/resources/order); the REST order names no assigned
location, so the ledger learns it from the fulfilment (docs/ledger.md "Ship-from-store").
"""

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope, refund

SHOP = "demo-shop.myshopify.com"
WAREHOUSE, STORE, ELSEWHERE = BIG + 1, BIG + 2, BIG + 3
ORDER, LINE = BIG + 100, BIG + 101


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def ledger() -> InMemoryLedger:
    return InMemoryLedger(SHOP, primary_location="warehouse", locations={WAREHOUSE: "warehouse", STORE: "store"},
                          skus={"A"})  # fmt: skip


def online(shipped: int = 0, *, cancelled: bool = False, shipped_from: int = STORE) -> dict[str, Any]:
    fulfilled = [{"id": BIG + 7, "location_id": shipped_from, "status": "success",
                  "line_items": [{"id": LINE, "quantity": shipped}]}]  # fmt: skip
    return {"id": ORDER, "location_id": None, "source_name": "web", "created_at": "2026-11-23T08:00:00+00:00",
            "cancelled_at": "2026-11-23T09:00:00+00:00" if cancelled else None,
            "line_items": [{"id": LINE, "sku": "A", "variant_id": BIG + 9, "quantity": 2}],
            "fulfillments": fulfilled if shipped else []}  # fmt: skip


def deliver(book: InMemoryLedger, topic: Topic, body: dict[str, Any], event_id: str) -> ApplyResult:
    return apply_envelope(envelope(topic, body, shop=SHOP, event_id=event_id), book, now)


def levels(book: InMemoryLedger) -> tuple[int, int]:
    found = [book.balance_by_key.get(LevelKey(SHOP, name, "A")) for name in ("warehouse", "store")]
    return found[0].quantity if found[0] else 0, found[1].quantity if found[1] else 0


def test_units_shipped_from_a_store_are_taken_there_not_at_the_primary() -> None:
    book = ledger()
    deliver(book, Topic.ORDERS_CREATE, online(), "create")
    assert levels(book) == (-2, 0)  # the primary until Shopify says where it ships from
    for attempt in range(2):
        deliver(book, Topic.ORDERS_UPDATED, online(shipped=2), f"fulfilled-{attempt}")
    assert levels(book) == (0, -2)
    deliver(book, Topic.ORDERS_CANCELLED, online(shipped=2, cancelled=True), "cancel")
    assert levels(book) == (0, -2)  # shipped: nothing comes back


def test_a_partial_shipment_moves_its_units_and_a_cancel_restocks_the_rest_where_they_were_taken() -> None:
    """Shopify: both units committed at the store, one shipped, the other restocked there by the
    cancel; the ledger took both at the primary, moved the shipped one, restocks the other at the
    primary: each location's net change is Shopify's (store -1, primary 0)."""
    book = ledger()
    deliver(book, Topic.ORDERS_CANCELLED, online(shipped=1, cancelled=True), "cancel-first")
    # Shopify's own cancel refund line names the store: the open unit is where the ledger holds it.
    cancel_refund = refund(BIG + 200, ORDER, [(BIG + 201, LINE, 1, "cancel", STORE, "A")])
    deliver(book, Topic.REFUNDS_CREATE, cancel_refund, "refund")
    deliver(book, Topic.ORDERS_CREATE, online(), "create-late")
    assert levels(book) == (0, -1)
    assert all(state.restocked <= state.sold for state in book.lines.values())


def test_a_shipment_from_an_unmapped_location_is_parked_with_the_sale_applied() -> None:
    book = ledger()
    result = deliver(book, Topic.ORDERS_UPDATED, online(shipped=2, shipped_from=ELSEWHERE), "fulfilled")
    assert levels(book) == (-2, 0)
    assert result.parked is not None
    assert [p.kind for p in result.parked.problems] == [ProblemKind.UNMAPPED_LOCATION]


@settings(max_examples=200, deadline=None)
@given(shipped=st.integers(0, 2), data=st.data())
def test_any_delivery_of_a_store_shipped_order_and_its_cancel_ends_at_shopifys_levels(shipped: int, data: Any) -> None:
    """Shopify (order assigned to the store): the store loses the shipped units, the cancel restocks the
    rest there; the primary never moves. The ledger's net per location must be the same."""
    book = ledger()
    history: list[tuple[Topic, dict[str, Any]]] = [
        (Topic.ORDERS_CREATE, online()),
        (Topic.ORDERS_CANCELLED, online(shipped=shipped, cancelled=True)),
    ]
    if shipped:
        history.append((Topic.ORDERS_UPDATED, online(shipped=shipped)))
    if shipped < 2:
        history.append((Topic.REFUNDS_CREATE, refund(BIG + 200, ORDER, [(BIG + 201, LINE, 2 - shipped, "cancel",
                                                                         STORE, "A")])))  # fmt: skip
    order = data.draw(st.permutations(range(len(history))))
    extra = data.draw(st.lists(st.integers(0, len(history) - 1), max_size=3))
    for n, index in enumerate(list(order) + extra):
        topic, body = history[index]
        deliver(book, topic, body, f"e{n}")
    assert levels(book) == (0, -shipped)
    assert all(state.restocked <= state.sold for state in book.lines.values())
    assert book.parked_events(SHOP) == []
