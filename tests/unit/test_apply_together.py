"""A queue batch's order events applied together (service/apply_batch.py): one read, one commit, and
every rule of the one-by-one path kept: each fact applied once, versions and entries as separate
commits would write them, lost races planned again, anything else left to the one-by-one path."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_ledger.domain.ledger import LedgerChange, LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import ConcurrentChange, TransientFailure
from inventory_ledger.service import apply_batch
from inventory_ledger.service.consume import consume_message, consume_together
from tests.support.fake_ledger import InMemoryLedger
from tests.support.histories import LOCATIONS, PRIMARY, SHOP, SKUS, Phase, histories, now, play
from tests.support.shopify_payloads import BIG, envelope, order

STORE = BIG + 101
LEVEL = LevelKey(SHOP, LOCATIONS[STORE], "A")


class RacingLedger(InMemoryLedger):
    """Loses the race on its first ``losses`` commits that hold more than one entry (a group's)."""

    def __init__(self, losses: int = 0, fail_with: type[Exception] = ConcurrentChange) -> None:
        super().__init__(SHOP, primary_location=PRIMARY, locations=LOCATIONS, skus=SKUS)
        self.losses, self.fail_with, self.group_commits = losses, fail_with, 0

    def commit(self, change: LedgerChange) -> None:
        if len(change.entries) > 1:
            if self.losses:
                self.losses -= 1
                raise self.fail_with("lost")
            self.group_commits += 1
        super().commit(change)


def sales(count: int, first: int = 0) -> list[tuple[str, str]]:
    """(body, message id) of one-unit POS orders of SKU A at one store."""
    messages = []
    for n in range(first, first + count):
        order_id = BIG + 9_000_000 + 10 * n
        body = order(order_id, [(order_id + 1, "A", 1)], location_id=STORE)
        messages.append((envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id=f"e{n}").model_dump_json(), f"m{n}"))
    return messages


def deliver(ledger: InMemoryLedger, messages: list[tuple[str, str]]) -> set[str]:
    """As ledger_consumer does: together first, the rest one by one; the ids applied together."""
    together = consume_together(messages, ledger, now)
    for body, message_id in messages:
        if message_id not in together:
            consume_message(body, message_id, ledger, now)
    return set(together)


def test_ten_orders_of_one_level_are_one_commit_written_as_ten_would_be() -> None:
    ledger = RacingLedger()
    assert deliver(ledger, sales(10)) == {f"m{n}" for n in range(10)}
    assert ledger.commits == 1
    balance = ledger.balance_by_key[LEVEL]
    assert (balance.quantity, balance.version, balance.shopify_expected) == (-10, 10, -10)
    entries = ledger.entries(LEVEL)
    assert [e.version_after for e in entries] == list(range(1, 11))
    assert [e.balance_after for e in entries] == list(range(-1, -11, -1))
    assert [e.oversell for e in entries] == [True] * 10


def test_a_batch_delivered_again_applies_nothing_twice() -> None:
    ledger = RacingLedger()
    deliver(ledger, sales(10))
    assert deliver(ledger, sales(10)) == set()  # already applied: left to one by one, which finds that
    assert ledger.commits == 1
    assert len(ledger.entries(LEVEL)) == 10
    assert ledger.balance_by_key[LEVEL].quantity == -10


def test_half_a_batch_applied_before_applies_the_other_half_together_once() -> None:
    ledger = RacingLedger()
    deliver(ledger, sales(5))
    assert deliver(ledger, sales(10)) == {f"m{n}" for n in range(5, 10)}
    assert ledger.group_commits == 2
    assert len(ledger.entries(LEVEL)) == 10
    assert ledger.balance_by_key[LEVEL].version == 10


def test_a_lost_race_plans_the_group_again() -> None:
    ledger = RacingLedger(losses=apply_batch.GROUP_ATTEMPTS - 1)
    assert len(deliver(ledger, sales(4))) == 4
    assert ledger.group_commits == 1
    assert ledger.balance_by_key[LEVEL].quantity == -4


@pytest.mark.parametrize("failure", [ConcurrentChange, TransientFailure], ids=["races", "throttled"])
def test_a_group_that_cannot_commit_is_applied_one_by_one_each_once(failure: type[Exception]) -> None:
    ledger = RacingLedger(losses=apply_batch.GROUP_ATTEMPTS, fail_with=failure)
    assert deliver(ledger, sales(4)) == set()
    assert ledger.group_commits == 0
    assert ledger.commits == 4
    assert [e.version_after for e in ledger.entries(LEVEL)] == [1, 2, 3, 4]


def test_the_second_event_of_an_order_and_everything_after_it_go_one_by_one_in_order() -> None:
    ledger = RacingLedger()
    messages = sales(3)
    cancelled = json.loads(json.loads(messages[0][0])["body"]) | {"cancelled_at": "2026-11-23T09:00:00+00:00"}
    cancel = envelope(Topic.ORDERS_CANCELLED, cancelled, shop=SHOP, event_id="cancel").model_dump_json()
    together = deliver(ledger, [*messages[:2], (cancel, "cancel"), messages[2]])
    assert together == {"m0", "m1"}
    # The cancel saw the order applied (its restock is there), and the last order came after it.
    kinds = [e.kind.value for e in ledger.entries(LEVEL)]
    assert len(kinds) == 4
    assert ledger.balance_by_key[LEVEL].quantity == -2


@pytest.mark.parametrize("first", ["not json", '{"topic": "orders/create"}'], ids=["garbage", "not an envelope"])
def test_a_body_that_is_not_an_envelope_stops_the_run_and_is_parked_one_by_one(first: str) -> None:
    ledger = RacingLedger()
    assert deliver(ledger, [(first, "bad"), *sales(3)]) == set()
    assert ledger.balance_by_key[LEVEL].quantity == -3
    assert len(ledger.parked) == 1


def test_orders_of_an_unknown_shop_are_parked_and_the_others_applied_together() -> None:
    ledger = RacingLedger()
    stranger = order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE)
    parked = envelope(Topic.ORDERS_CREATE, stranger, shop="other.myshopify.com", event_id="x").model_dump_json()
    together = deliver(ledger, [*sales(2), (parked, "stranger"), *sales(2, first=2)])
    assert together == {"m0", "m1", "m2", "m3", "stranger"}
    assert ledger.group_commits == 1
    assert [event.shop for event in ledger.parked.values()] == ["other.myshopify.com"]


@settings(max_examples=200, deadline=None)
@given(history=histories(), batch=st.integers(min_value=2, max_value=10))
def test_any_history_delivered_in_batches_ends_where_one_by_one_does(history: list[Phase], batch: int) -> None:
    one_by_one = InMemoryLedger(SHOP, primary_location=PRIMARY, locations=LOCATIONS, skus=SKUS)
    batched = InMemoryLedger(SHOP, primary_location=PRIMARY, locations=LOCATIONS, skus=SKUS)
    play(one_by_one, history)
    reference = play(batched, history, batch=batch)

    assert {k: (b.quantity, b.shopify_expected) for k, b in batched.balance_by_key.items()} == {
        k: (b.quantity, b.shopify_expected) for k, b in one_by_one.balance_by_key.items()
    }
    assert {k: (line.sold, line.restocked, line.applied) for k, line in batched.lines.items()} == {
        k: (line.sold, line.restocked, line.applied) for k, line in one_by_one.lines.items()
    }
    assert sorted(entry_id for (_, entry_id) in batched.entry_by_id) == sorted(reference.entry_ids)
    for key, balance in batched.balance_by_key.items():  # one version per event, as separate commits count
        assert balance.version == one_by_one.balance_by_key[key].version, key
        assert {e.version_after for e in batched.entries(key)} == set(range(1, balance.version + 1)), key
    assert batched.parked_events(SHOP) == []
