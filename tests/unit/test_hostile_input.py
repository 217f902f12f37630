"""Authentic but hostile bodies through the consumer: every one is applied or parked, none raises.

Ingress already refuses what is not authentic (tests/integration/test_webhook_ingress.py); these
reach the consumer because Shopify signed them, or a bug let them through, so nothing may be lost.
"""

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import ProblemKind
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.consume import UNREADABLE_SHOP, consume_message
from tests.support.fake_ledger import InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope, order

SHOP = "demo-shop.myshopify.com"
OTHER_SHOP = "other-shop.myshopify.com"
STORE = BIG + 101


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def ledger_with(skus: set[str]) -> InMemoryLedger:
    return InMemoryLedger(SHOP, primary_location="warehouse", locations={STORE: "store"}, skus=skus)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)
order_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "location_id": json_values,
        "line_items": st.lists(
            st.fixed_dictionaries({}, optional={"id": json_values, "sku": json_values, "quantity": json_values}),
            max_size=4,
        ),
        "refund_line_items": json_values,
        "order_id": json_values,
        "inventory_item_id": json_values,
        "available": json_values,
    },
)


@settings(max_examples=400, deadline=None)
@given(topic=st.sampled_from(list(Topic)), body=json_values | order_fields)
def test_any_authentic_body_is_applied_or_parked_and_never_raises(topic: Topic, body: Any) -> None:
    ledger = ledger_with({"A"})
    result = consume_message(
        envelope(topic, body if isinstance(body, dict) else {"value": body}, shop=SHOP, event_id="e").model_dump_json(),
        "m",
        ledger,
        now,
    )
    if result.parked is not None:
        assert ledger.parked_events(SHOP) == [result.parked]
        assert json.loads(result.parked.envelope)["body"]  # kept whole, replayable
    total = sum(balance.quantity for balance in ledger.balance_by_key.values())
    assert total == sum(entry.quantity for entry in result.applied)


@settings(max_examples=150, deadline=None)
@given(
    sku=st.text(min_size=1, max_size=30),
    order_id=st.integers(2**53 + 1, 2**63 - 1),
    line_id=st.integers(2**53 + 1, 2**63 - 1),
    quantity=st.integers(1, 1000),
)
def test_unicode_skus_and_ids_beyond_2_53_are_exact_end_to_end(
    sku: str, order_id: int, line_id: int, quantity: int
) -> None:
    ledger = ledger_with({sku})
    body = order(order_id, [(line_id, sku, quantity)], location_id=STORE)
    result = consume_message(
        envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id="e").model_dump_json(), "m", ledger, now
    )
    [entry] = result.applied
    assert (entry.source.order_id, entry.source.line_item_id) == (order_id, line_id)
    assert ledger.balance_by_key[LevelKey(SHOP, "store", sku)].quantity == -quantity


def test_a_message_that_is_not_an_envelope_is_parked_for_operators() -> None:
    ledger = ledger_with(set())
    result = consume_message('{"topic": "orders/create"}', "message-1", ledger, now)
    assert result.parked is not None
    assert ledger.parked_events(UNREADABLE_SHOP)[0].envelope == '{"topic": "orders/create"}'


def test_one_merchants_webhook_never_moves_another_merchants_stock() -> None:
    # The shop comes from the signed delivery's header, never from the body; a body naming another
    # shop's location or SKUs finds none of that shop's mappings and is parked under its own shop.
    ledger = ledger_with({"A"})
    victim = envelope(
        Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE), shop=SHOP, event_id="v"
    )
    consume_message(victim.model_dump_json(), "m1", ledger, now)
    before = dict(ledger.balance_by_key)
    attack = envelope(
        Topic.ORDERS_CREATE, order(BIG + 3, [(BIG + 4, "A", 50)], location_id=STORE), shop=OTHER_SHOP, event_id="a"
    )
    result = consume_message(attack.model_dump_json(), "m2", ledger, now)
    assert ledger.balance_by_key == before
    assert result.parked is not None
    assert result.parked.problems[0].kind is ProblemKind.UNKNOWN_SHOP
    assert ledger.parked_events(OTHER_SHOP)
