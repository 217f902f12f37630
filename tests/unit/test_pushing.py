"""The pusher's decisions against a fake Shopify: coalescing, compare-and-swap, acknowledgement."""

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.pushing import LevelPush, PushOutcome, idempotency_key
from inventory_ledger.domain.shopify_payloads import InventoryLevel
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import ShopifyInventory, TransientFailure
from inventory_ledger.service.apply_webhook import apply_envelope, observe_shopify_level
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import PushReport, push_levels
from inventory_ledger.service.repush import repush_marked
from inventory_ledger.service.send_pushes import send_pushes
from tests.support.fake_ledger import InMemoryDirectory, InMemoryLedger
from tests.support.shopify_payloads import BIG, envelope, order

SHOP = "demo-shop.myshopify.com"
STORE_A = BIG + 101
KEY = LevelKey(SHOP, "store-a", "A")
KEY_B = LevelKey(SHOP, "store-a", "B")


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def later() -> datetime:
    return now() + timedelta(minutes=5)


class FakeShopify(ShopifyInventory):
    """Shopify's `available` per level, with its compare-and-swap and idempotent replay."""

    def __init__(self) -> None:
        self.available: dict[LevelKey, int] = {}
        self.calls: list[tuple[str, list[LevelPush]]] = []
        self.answers: dict[str, dict[LevelKey, PushOutcome]] = {}
        self.unavailable = False

    def set_available(self, pushes: Sequence[LevelPush], *, idempotency_key: str) -> dict[LevelKey, PushOutcome]:
        if self.unavailable:
            raise TransientFailure("503 after retries")
        self.calls.append((idempotency_key, list(pushes)))
        if idempotency_key in self.answers:
            return self.answers[idempotency_key]
        stale = {p.key for p in pushes if self.available.get(p.key, 0) != p.change_from}
        if stale:
            answer = {p.key: PushOutcome.STALE if p.key in stale else PushOutcome.NOT_APPLIED for p in pushes}
        else:
            self.available.update({p.key: p.quantity for p in pushes})
            answer = {p.key: PushOutcome.APPLIED for p in pushes}
        self.answers[idempotency_key] = answer
        return answer

    def read_available(self, pushes: Sequence[LevelPush]) -> dict[LevelKey, int | None]:
        if self.unavailable:
            raise TransientFailure("503 after retries")
        return {p.key: self.available.get(p.key) for p in pushes}


@pytest.fixture
def ledger() -> InMemoryLedger:
    return InMemoryLedger(SHOP, primary_location="warehouse", locations={STORE_A: "store-a"}, skus={"A", "B", "C"})


@pytest.fixture
def directory() -> InMemoryDirectory:
    return InMemoryDirectory({"store-a": STORE_A}, {"A": BIG + 1, "B": BIG + 2})


@pytest.fixture
def shopify() -> FakeShopify:
    return FakeShopify()


def push(ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify, *keys: LevelKey) -> PushReport:
    return push_levels(keys or ledger.balance_by_key, ledger, directory, lambda shop: shopify, now)


def test_many_changes_of_one_level_become_one_push_of_the_latest_quantity(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    for n in range(500):
        record_operation(
            operations.adjust(SHOP, "store-a", "A", 1, operations.AdjustmentReason.FOUND, f"a{n}"), ledger, now
        )
    report = push_levels([KEY] * 500, ledger, directory, lambda shop: shopify, now)
    assert len(shopify.calls) == 1
    assert [(p.key, p.quantity, p.change_from) for p in shopify.calls[0][1]] == [(KEY, 500, 0)]
    assert shopify.available[KEY] == 500
    assert ledger.balance_by_key[KEY].shopify_expected == 500
    assert len(report.pushed) == 1
    assert push(ledger, directory, shopify).already_agreeing == 1  # nothing left to push
    assert len(shopify.calls) == 1


def test_an_order_shopify_took_before_its_webhook_arrived_is_never_re_inflated(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 5, "po"), ledger, now)
    push(ledger, directory, shopify)
    assert shopify.available[KEY] == 5
    # A POS sale: Shopify moves its own available first; our ledger has not heard of it.
    shopify.available[KEY] = 4
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "po-2"), ledger, now)  # ledger now 6
    report = push(ledger, directory, shopify)
    assert [p.key for p in report.stale] == [KEY]
    assert shopify.available[KEY] == 4  # refused: a blind set would have written 6, re-inflating by one
    assert ledger.balance_by_key[KEY].push_status == "stale"
    # The order's webhook arrives: the ledger and shopify_expected both move, and the next push agrees.
    body = order(BIG + 50, [(BIG + 51, "A", 1)], location_id=STORE_A)
    apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id="o"), ledger, now)
    push(ledger, directory, shopify)
    assert shopify.available[KEY] == 5 == ledger.balance_by_key[KEY].quantity
    assert ledger.balance_by_key[KEY].push_status == "applied"


def test_levels_refused_alongside_a_stale_one_are_sent_again_under_a_new_key(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 2, "r1"), ledger, now)
    record_operation(operations.receive(SHOP, "store-a", "B", 3, "r2"), ledger, now)
    shopify.available[KEY] = 9  # A has changed at Shopify
    report = push(ledger, directory, shopify)
    assert [p.key.sku for p in report.stale] == ["A"]
    assert [p.key.sku for p in report.pushed] == ["B"]
    keys = [key for key, _ in shopify.calls]
    assert len(keys) == 2
    assert keys[0] != keys[1]


def test_a_replayed_old_version_never_moves_the_acknowledgement_backwards(ledger: InMemoryLedger) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 2, "r1"), ledger, now)
    newer = LevelPush(KEY, version=3, quantity=2, change_from=0, inventory_item_id=1, shopify_location_id=1)
    older = LevelPush(KEY, version=2, quantity=1, change_from=0, inventory_item_id=1, shopify_location_id=1)
    assert ledger.acknowledge_push(newer, now())
    assert not ledger.acknowledge_push(older, now())
    assert ledger.balance_by_key[KEY].pushed_version == 3
    assert ledger.balance_by_key[KEY].shopify_expected == 2


def test_idempotency_keys_follow_every_argument() -> None:
    push_a = LevelPush(KEY, 1, 5, 0, 1, 1)
    assert idempotency_key([push_a]) == idempotency_key([push_a])
    assert idempotency_key([push_a]) != idempotency_key([LevelPush(KEY, 2, 5, 0, 1, 1)])
    assert idempotency_key([push_a]) != idempotency_key([LevelPush(KEY, 1, 5, 1, 1, 1)])


def test_unmapped_levels_are_not_pushed_and_say_why(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "C", 1, "r"), ledger, now)  # C has no inventory item
    report = push(ledger, directory, shopify)
    assert "not mapped" in report.unpushable[LevelKey(SHOP, "store-a", "C")]
    assert shopify.calls == []


def test_an_unavailable_shopify_sets_the_levels_aside_for_the_sweep(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "r"), ledger, now)
    shopify.unavailable = True
    report = push(ledger, directory, shopify)
    assert report.failed == {}  # the stream batch succeeds
    assert KEY in report.set_aside
    assert ledger.repush_marks(SHOP) == [KEY]
    assert ledger.balance_by_key[KEY].push_status == "failed"
    assert repush_marked(ledger, directory, lambda shop: shopify, now, shops=[SHOP]).still_set_aside == 1
    shopify.unavailable = False
    sweep = repush_marked(ledger, directory, lambda shop: shopify, later, shops=[SHOP])
    assert (sweep.pushed, sweep.cleared, sweep.still_set_aside) == (1, 1, 0)
    assert shopify.available[KEY] == 1
    assert ledger.repush_marks(SHOP) == []
    assert ledger.balance_by_key[KEY].push_status == "applied"


def test_a_level_whose_mark_cannot_be_written_fails_its_record_for_a_retry(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "r"), ledger, now)
    shopify.unavailable = True

    def throttled(key: LevelKey, reason: str, at: datetime) -> None:
        raise TransientFailure("ProvisionedThroughputExceededException")

    monkeypatch.setattr(ledger, "mark_for_repush", throttled)
    report = push(ledger, directory, shopify)
    assert KEY in report.failed
    assert "not marked" in report.failed[KEY]


def test_a_mark_renewed_during_the_sweep_is_kept(ledger: InMemoryLedger) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 1, "r"), ledger, now)
    ledger.mark_for_repush(KEY, "503", later())
    assert not ledger.clear_repush(KEY, now())  # failed again after the sweep started
    assert ledger.repush_marks(SHOP) == [KEY]
    assert ledger.clear_repush(KEY, later() + timedelta(seconds=1))


def test_a_push_applied_whose_answer_was_lost_is_recognised_after_a_bisected_retry(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    """Shopify applied the call for A and B; the answer never came back (the invocation died). The
    bisected retry pushes A alone, under another key: Shopify answers stale, and Shopify's own level
    (the pushed value) shows the call was ours: A is acknowledged, not frozen."""
    record_operation(operations.receive(SHOP, "store-a", "A", 2, "r1"), ledger, now)
    record_operation(operations.receive(SHOP, "store-a", "B", 3, "r2"), ledger, now)
    balances = ledger.balances([KEY, KEY_B])
    lost = [LevelPush(k, balances[k].version, balances[k].quantity, 0, 1, STORE_A) for k in (KEY, KEY_B)]
    shopify.set_available(lost, idempotency_key=idempotency_key(lost))  # applied; nobody acknowledged it
    report = push(ledger, directory, shopify, KEY)  # the bisected half
    assert [p.key for p in report.recognised] == [KEY]
    assert report.stale == []
    assert ledger.balance_by_key[KEY].shopify_expected == 2
    assert ledger.balance_by_key[KEY].push_status == "applied"
    assert shopify.calls[-1][0] != idempotency_key(lost)  # it was another key: recognised by the read
    record_operation(operations.receive(SHOP, "store-a", "A", 4, "r3"), ledger, now)  # later receipts flow
    push(ledger, directory, shopify, KEY)
    assert shopify.available[KEY] == 6 == ledger.balance_by_key[KEY].quantity


def test_a_stale_level_showing_another_value_stays_stale(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    record_operation(operations.receive(SHOP, "store-a", "A", 2, "r1"), ledger, now)
    shopify.available[KEY] = 7  # an edit we never heard of: not our value
    report = push(ledger, directory, shopify, KEY)
    assert report.recognised == []
    assert [p.key for p in report.stale] == [KEY]
    assert shopify.available[KEY] == 7


def test_more_than_250_levels_are_pushed_250_per_call(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    for n in range(600):
        directory.map_sku(SHOP, f"S{n}", BIG + 1000 + n)
        record_operation(operations.receive(SHOP, "store-a", f"S{n}", 1, f"r{n}"), ledger, now)
    report = push(ledger, directory, shopify)
    assert [len(pushes) for _, pushes in shopify.calls] == [250, 250, 100]
    assert len(report.pushed) == 600


def test_shopify_reporting_our_own_push_back_changes_nothing(
    ledger: InMemoryLedger, directory: InMemoryDirectory, shopify: FakeShopify
) -> None:
    ledger.skus_by_item = {BIG + 1: "A"}
    record_operation(operations.receive(SHOP, "store-a", "A", 4, "r"), ledger, now)
    push(ledger, directory, shopify)
    before = ledger.balance_by_key[KEY]
    echo = InventoryLevel(inventory_item_id=BIG + 1, location_id=STORE_A, available=4)
    assert "agrees" in observe_shopify_level(echo, SHOP, ledger, now)
    assert ledger.balance_by_key[KEY] == before
    edit = InventoryLevel(inventory_item_id=BIG + 1, location_id=STORE_A, available=10)
    assert "disagrees" in observe_shopify_level(edit, SHOP, ledger, now)
    after = ledger.balance_by_key[KEY]
    assert (after.shopify_observed, after.shopify_expected, after.quantity) == (10, 4, 4)


def _pushes(count: int) -> list[LevelPush]:
    return [LevelPush(LevelKey(SHOP, "store-a", f"S{n}"), 1, 1, 0, BIG + 1000 + n, STORE_A) for n in range(count)]


def test_overlapped_acknowledgements_are_written_while_the_next_call_is_on_its_way_and_all_before_returning(
    shopify: FakeShopify,
) -> None:
    first_acknowledging, release = threading.Event(), threading.Event()
    acknowledged: list[list[LevelKey]] = []

    class SlowSecondCall(FakeShopify):
        def set_available(self, pushes: Sequence[LevelPush], *, idempotency_key: str) -> dict[LevelKey, PushOutcome]:
            if self.calls:  # the second call: answered only once the first call's acknowledgement began
                assert first_acknowledging.wait(timeout=10)
                release.set()
            return super().set_available(pushes, idempotency_key=idempotency_key)

    def acknowledge(applied: list[LevelPush]) -> None:
        if not acknowledged:
            first_acknowledging.set()
            assert release.wait(timeout=10)  # still writing while the second call is sent
        acknowledged.append([push.key for push in applied])

    pushes = _pushes(300)
    sent = send_pushes(pushes, SlowSecondCall(), acknowledge, overlapped=True)

    assert [len(keys) for keys in acknowledged] == [250, 50]
    assert [key for keys in acknowledged for key in keys] == [push.key for push in pushes]
    assert len(sent.applied) == 300


def test_an_overlapped_acknowledgement_that_fails_raises_and_only_applied_levels_are_acknowledged(
    shopify: FakeShopify,
) -> None:
    acknowledged: list[LevelKey] = []
    pushes = _pushes(600)
    shopify.available[pushes[300].key] = 7  # stale in the second call: the others of it are not applied first

    def acknowledge(applied: list[LevelPush]) -> None:
        acknowledged.extend(push.key for push in applied)
        if len(acknowledged) > 250:
            raise TransientFailure("throttled")

    with pytest.raises(TransientFailure):
        send_pushes(pushes, shopify, acknowledge, overlapped=True)

    applied_by_shopify = {key for key, available in shopify.available.items() if available == 1}
    assert set(acknowledged) <= applied_by_shopify
    assert pushes[300].key not in acknowledged
    # The failure raises at the next call's answer: the first call, the second (refused alongside the
    # stale level), its resend (whose acknowledgement fails) and the third; the third's levels, applied
    # by Shopify, are not acknowledged (the stream's retry recognises them as ours).
    assert [len(pushes) for _, pushes in shopify.calls] == [250, 250, 249, 100]
    assert not set(acknowledged) & {push.key for push in pushes[500:]}
