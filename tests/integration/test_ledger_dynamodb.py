"""The ledger on DynamoDB (moto server): conditional transactions, duplicates under concurrency,
oversells, parking and replay, one-to-one mappings, and the consumer's partial batch response."""

import json
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from inventory_ledger import bootstrap
from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LedgerChange, LevelKey
from inventory_ledger.domain.merchant import MappingQuery, ProblemKind
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import MappingConflict, TransientFailure
from inventory_ledger.service.apply_webhook import apply_envelope, replay_parked
from inventory_ledger.service.consume import consume_together
from inventory_ledger.service.operations import record_operation
from local_stack.aws import LocalResources, MotoServer, provision
from tests.support.dynamodb_calls import counted_ledger
from tests.support.handlers import load_handler
from tests.support.histories import LOCATIONS, PRIMARY, SHOP, SKUS, Phase, histories, onboard_history_merchant, play
from tests.support.lambda_context import FakeLambdaContext
from tests.support.shopify_payloads import BIG, envelope, order
from tests.support.webhooks import sqs_event

pytestmark = pytest.mark.integration
STORE_A = BIG + 101


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


@pytest.fixture
def ledger(local_aws: LocalResources) -> DynamoDbLedger:
    return onboarded_ledger(local_aws)


def onboarded_ledger(local_aws: LocalResources) -> DynamoDbLedger:
    return onboard_history_merchant(local_aws.table_name)


@pytest.fixture
def counted(local_aws: LocalResources) -> tuple[DynamoDbLedger, Counter[str]]:
    """The demo merchant's ledger on a client of its own, its DynamoDB calls counted."""
    onboard_history_merchant(local_aws.table_name)
    return counted_ledger(local_aws)


def quantity(ledger: DynamoDbLedger, location: str, sku: str) -> int:
    key = LevelKey(SHOP, location, sku)
    return ledger.balances([key])[key].quantity


def test_two_consumers_applying_the_same_batch_at_once_leave_one_entry_each(ledger: DynamoDbLedger) -> None:
    batch = [
        envelope(
            Topic.ORDERS_CREATE,
            order(BIG + n * 100, [(BIG + n * 100 + 1, "A", 1), (BIG + n * 100 + 2, "B", 2)], location_id=STORE_A),
            shop=SHOP,
            event_id=f"e{n}",
        )
        for n in range(1, 5)
    ]
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            for item in batch:
                apply_envelope(item, ledger, now)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=consume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert quantity(ledger, "store-a", "A") == -4
    assert quantity(ledger, "store-a", "B") == -8
    assert len(ledger.entries(LevelKey(SHOP, "store-a", "A"))) == 4
    assert [e.balance_after for e in ledger.entries(LevelKey(SHOP, "store-a", "B"))] == [-2, -4, -6, -8]


def test_an_oversell_is_applied_flagged_and_counted(ledger: DynamoDbLedger, capsys: pytest.CaptureFixture[str]) -> None:
    from inventory_ledger.service.consume import consume_message

    body = envelope(
        Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "C", 2)], location_id=STORE_A), shop=SHOP, event_id="o"
    )
    result = consume_message(body.model_dump_json(), "m1", ledger, now)
    [entry] = result.applied
    assert entry.oversell
    assert entry.balance_after == -2
    stored = ledger.entries(LevelKey(SHOP, "store-a", "C"))
    assert stored[0].oversell
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    oversell = [m for m in emitted if "Oversell" in m]
    assert oversell
    assert oversell[0]["Oversell"] == [1.0] or oversell[0]["Oversell"] == 1.0
    assert (oversell[0]["shop"], oversell[0]["location"]) == (SHOP, "store-a")


def test_a_parked_event_is_listed_and_after_the_mapping_is_added_replays_to_the_right_balance(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    body = order(BIG + 1, [(BIG + 2, "A", 1), (BIG + 3, "NEW", 3)], location_id=STORE_A)
    result = apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id="o"), ledger, now)
    [parked] = ledger.parked_events(SHOP)
    assert parked.problems[0].kind is ProblemKind.UNMAPPED_SKU
    assert json.loads(json.loads(parked.envelope)["body"]) == body
    assert result.applied[0].key.sku == "A"

    DynamoDbMerchantDirectory(local_aws.table_name).map_sku(SHOP, "NEW", BIG + 999)
    replayed = replay_parked(parked, ledger, now)
    assert replayed.parked is None
    assert quantity(ledger, "store-a", "NEW") == -3
    assert quantity(ledger, "store-a", "A") == -1
    assert ledger.parked_events(SHOP) == []


def test_a_refund_waits_for_its_order_in_the_table(ledger: DynamoDbLedger) -> None:
    from tests.support.shopify_payloads import refund

    early = refund(BIG + 9, BIG + 1, [(BIG + 10, BIG + 2, 1, "return", None, "A")])
    assert apply_envelope(envelope(Topic.REFUNDS_CREATE, early, shop=SHOP, event_id="r"), ledger, now).parked
    apply_envelope(
        envelope(Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 2)]), shop=SHOP, event_id="o"), ledger, now
    )
    assert quantity(ledger, PRIMARY, "A") == -1
    assert ledger.parked_events(SHOP) == []
    assert ledger.waiting_for_order(SHOP, BIG + 1) == []


def test_mappings_are_one_to_one_in_both_directions(local_aws: LocalResources) -> None:
    directory = DynamoDbMerchantDirectory(local_aws.table_name)
    directory.register_shop(SHOP, onboarded_at=now())
    directory.map_location(SHOP, "store-a", 11)
    directory.map_location(SHOP, "store-a", 11)  # the same mapping again is fine
    with pytest.raises(MappingConflict, match="LOCATION#store-a"):
        directory.map_location(SHOP, "store-a", 12)
    with pytest.raises(MappingConflict, match="SHOPIFY_LOCATION#11"):
        directory.map_location(SHOP, "store-z", 11)
    directory.map_sku(SHOP, "A", 100)
    with pytest.raises(MappingConflict):
        directory.map_sku(SHOP, "B", 100)
    assert directory.locations(SHOP) == {"store-a": 11}
    with pytest.raises(LookupError):
        directory.set_primary_location(SHOP, "nowhere")


def test_the_consumer_applies_parks_and_reports_only_transient_failures(
    ledger: DynamoDbLedger, local_aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = load_handler("ledger_consumer")
    good = envelope(
        Topic.ORDERS_CREATE, order(BIG + 1, [(BIG + 2, "A", 1)], location_id=STORE_A), shop=SHOP, event_id="g"
    )
    response = handler.lambda_handler(sqs_event([good.model_dump_json(), "not an envelope"]), FakeLambdaContext())
    assert response == {"batchItemFailures": []}
    assert quantity(ledger, "store-a", "A") == -1
    assert len(ledger.parked_events("unreadable")) == 1

    # The table gone (a deploy gone wrong): nothing can be applied, so every record goes back.
    monkeypatch.setenv("LEDGER_TABLE_NAME", "no-such-table")
    from tests.conftest import forget_cached_clients

    forget_cached_clients()
    response = handler.lambda_handler(sqs_event([good.model_dump_json()]), FakeLambdaContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": "m0"}]}
    bootstrap.reset()


def test_the_consumer_applies_a_batch_of_one_levels_orders_in_one_transaction_and_reports_each_failure(
    ledger: DynamoDbLedger, local_aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = load_handler("ledger_consumer")
    bodies = [
        envelope(Topic.ORDERS_CREATE, order(BIG + 100 * n, [(BIG + 100 * n + 1, "A", 1)], location_id=STORE_A),
                 shop=SHOP, event_id=f"o{n}").model_dump_json()
        for n in range(1, 6)
    ]  # fmt: skip
    commits: list[int] = []  # entries per commit that went through
    failing = {BIG + 300}  # order 3 cannot be written for now
    real_commit = DynamoDbLedger.commit

    def commit(self: DynamoDbLedger, change: LedgerChange) -> None:
        if any(entry.source.order_id in failing for entry in change.entries):
            raise TransientFailure("throttled")
        commits.append(len(change.entries))
        real_commit(self, change)

    monkeypatch.setattr(DynamoDbLedger, "commit", commit)
    response = handler.lambda_handler(sqs_event(bodies), FakeLambdaContext())
    # The group held order 3, so it went one by one: only order 3 goes back to the queue.
    assert response == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert quantity(ledger, "store-a", "A") == -4
    assert commits == [1, 1, 1, 1]

    failing.clear()
    commits.clear()
    # Redelivered with four more: order 3 and the new ones in one transaction, the rest found applied.
    more = [
        envelope(Topic.ORDERS_CREATE, order(BIG + 100 * n, [(BIG + 100 * n + 1, "A", 1)], location_id=STORE_A),
                 shop=SHOP, event_id=f"o{n}").model_dump_json()
        for n in range(6, 10)
    ]  # fmt: skip
    response = handler.lambda_handler(sqs_event([bodies[2], *more]), FakeLambdaContext())
    assert response == {"batchItemFailures": []}
    assert commits == [5]
    level = LevelKey(SHOP, "store-a", "A")
    entries = ledger.entries(level)
    assert sorted(entry.source.order_id or 0 for entry in entries) == [BIG + 100 * n for n in range(1, 10)]
    balance = ledger.balances([level])[level]
    assert (balance.quantity, balance.version) == (-9, 9)
    assert sorted(entry.version_after for entry in entries) == list(range(1, 10))
    # A whole batch delivered again changes nothing.
    assert handler.lambda_handler(sqs_event(bodies + more), FakeLambdaContext()) == {"batchItemFailures": []}
    assert ledger.balances([level])[level].version == 9


@pytest.mark.parametrize("batch", [0, 10], ids=["one by one", "queue batches of 10"])
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(max_phases=2, max_stories=2))
def test_the_property_holds_on_dynamodb_too(
    moto_server: MotoServer, local_aws: LocalResources, history: list[Phase], batch: int
) -> None:
    moto_server.reset()  # each example starts from an empty table, as the unit property does
    ledger = onboarded_ledger(provision(moto_server.endpoint_url))
    reference = play(ledger, history, batch=batch)  # the same player as the unit property
    keys = [LevelKey(SHOP, location, sku) for location in LOCATIONS.values() for sku in SKUS]
    balances = ledger.balances(keys)
    for key in keys:
        assert (balances[key].quantity if key in balances else 0) == reference.levels[(key.location, key.sku)], key
    written = [entry.entry_id for key in keys for entry in ledger.entries(key)]
    assert sorted(written) == sorted(reference.entry_ids)


def test_acknowledgements_written_at_once_each_keep_their_own_level_and_never_go_backwards(
    ledger: DynamoDbLedger,
) -> None:
    keys = [LevelKey(SHOP, location, sku) for location in LOCATIONS.values() for sku in SKUS]
    for n, key in enumerate(keys):
        record_operation(operations.receive(SHOP, key.location, key.sku, n + 1, f"r-{n}"), ledger, now)
    balances = ledger.balances(keys)
    pushes = [
        LevelPush(key, balances[key].version, balances[key].quantity, balances[key].shopify_expected, n, n)
        for n, key in enumerate(keys)
    ]

    assert ledger.acknowledge_pushes(pushes, now()) == [True] * len(keys)
    # A replay of the same versions (a late stream record) is refused level by level.
    assert ledger.acknowledge_pushes(pushes, now()) == [False] * len(keys)
    after = ledger.balances(keys)
    for key in keys:
        pushed = (after[key].pushed_version, after[key].shopify_expected)
        assert pushed == (balances[key].version, balances[key].quantity), key


def test_the_mapping_cache_reads_a_mapping_added_later_and_expires(local_aws: LocalResources) -> None:
    from inventory_ledger.adapters.dynamodb import ledger_repository

    ledger = onboard_history_merchant(local_aws.table_name)
    directory = DynamoDbMerchantDirectory(local_aws.table_name)
    # Given a view read once (its items now cached), and a SKU not mapped yet
    first = ledger.merchant_view(SHOP, MappingQuery.of(skus=["A", "LATE"]))
    assert first is not None
    assert first.known_skus == frozenset({"A"})
    # When the SKU is mapped, Then the next view reads it (a miss is never cached)
    directory.map_sku(SHOP, "LATE", 2**60 + 999)
    second = ledger.merchant_view(SHOP, MappingQuery.of(skus=["A", "LATE"]))
    assert second is not None
    assert second.known_skus == frozenset({"A", "LATE"})
    # And a change to a cached item is seen once the TTL has passed, not before
    directory.set_primary_location(SHOP, "store-a")
    assert ledger.merchant_view(SHOP).primary_location == PRIMARY  # type: ignore[union-attr]
    original = ledger_repository.MAPPING_TTL_SECONDS
    ledger_repository.MAPPING_TTL_SECONDS = 0.0
    try:
        assert ledger.merchant_view(SHOP).primary_location == "store-a"  # type: ignore[union-attr]
    finally:
        ledger_repository.MAPPING_TTL_SECONDS = original
    # And an unknown shop is still None, however often it is asked for
    assert ledger.merchant_view("nobody.myshopify.com") is None
    assert ledger.merchant_view("nobody.myshopify.com") is None


def test_merchant_views_are_one_read_and_each_holds_only_what_its_request_asked_for(
    counted: tuple[DynamoDbLedger, Counter[str]],
) -> None:
    ledger, calls = counted
    requests = [
        MappingQuery(skus=frozenset({"A"})),
        MappingQuery(shopify_location_ids=frozenset({STORE_A}), skus=frozenset({"B", "LATE"})),
    ]

    first, second = ledger.merchant_views(SHOP, requests)

    assert calls == Counter({"BatchGetItem": 1})
    assert first is not None
    assert second is not None
    assert (first.known_skus, first.locations_by_shopify_id) == (frozenset({"A"}), {})
    assert (second.known_skus, second.locations_by_shopify_id) == (frozenset({"B"}), {STORE_A: "store-a"})
    assert first.primary_location == second.primary_location == PRIMARY
    assert ledger.merchant_views("nobody.myshopify.com", requests) == [None, None]


def test_a_queue_batch_of_orders_reads_its_mappings_lines_and_balances_once(
    counted: tuple[DynamoDbLedger, Counter[str]],
) -> None:
    ledger, calls = counted

    def batch(first: int) -> list[tuple[str, str]]:
        return [
            (
                envelope(Topic.ORDERS_CREATE, order(BIG + 100 * n, [(BIG + 100 * n + 1, SKUS[n % 3], 1)],
                         location_id=STORE_A), shop=SHOP, event_id=f"b{n}").model_dump_json(),
                f"m{n}",
            )
            for n in range(first, first + 10)
        ]  # fmt: skip

    messages = batch(0)
    results = consume_together(messages, ledger, now)

    assert sorted(results) == sorted(message_id for _, message_id in messages)
    assert all(len(result.applied) == 1 for result in results.values())
    # The shop's mappings not cached yet: the views, then the lines and balances, then one commit;
    # each order's waiting refunds looked up.
    assert calls == Counter({"BatchGetItem": 2, "TransactWriteItems": 1, "Query": 10})
    assert [quantity(ledger, "store-a", sku) for sku in SKUS] == [-4, -3, -3]
    # Once cached: the mappings not cached, the lines and the balances are one read.
    calls.clear()
    messages = batch(10)
    results = consume_together(messages, ledger, now)
    assert all(len(result.applied) == 1 for result in results.values())
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 1, "Query": 10})
    assert [quantity(ledger, "store-a", sku) for sku in SKUS] == [-7, -7, -6]


def test_one_order_reads_its_mappings_lines_and_balances_in_one_round_trip_once_its_shop_is_cached(
    counted: tuple[DynamoDbLedger, Counter[str]], local_aws: LocalResources
) -> None:
    ledger, calls = counted

    def sale(n: int, sku: str) -> None:
        body = order(BIG + 100 * n, [(BIG + 100 * n + 1, sku, 1)], location_id=STORE_A)  # variant BIG + 100n + 2
        calls.clear()
        result = apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id=f"r{n}"), ledger, now)
        assert len(result.applied) == 1

    sale(1, "A")  # the shop's mappings not cached yet: its view first, then the lines and balances
    assert calls == Counter({"BatchGetItem": 2, "TransactWriteItems": 1, "Query": 1})
    sale(2, "A")  # the variant not mapped (asked for again each time): read with the lines and balances
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 1, "Query": 1})
    # A variant mapped to another level since: the read finds it, and that level is read after.
    DynamoDbMerchantDirectory(local_aws.table_name).map_sku(SHOP, "LATE", BIG + 999, variant_id=BIG + 302)
    sale(3, "A")
    assert calls == Counter({"BatchGetItem": 2, "TransactWriteItems": 1, "Query": 1})
    assert (quantity(ledger, "store-a", "A"), quantity(ledger, "store-a", "LATE")) == (-2, -1)
    assert [entry.source.order_id for entry in ledger.entries(LevelKey(SHOP, "store-a", "LATE"))] == [BIG + 300]


def test_lines_and_balances_come_back_in_one_read_and_absent_ones_are_absent(local_aws: LocalResources) -> None:
    ledger = onboard_history_merchant(local_aws.table_name)
    order_id = BIG + 4242
    body = order(order_id, [(order_id + 1, "A", 2), (order_id + 2, "B", 1)], location_id=BIG + 101)
    apply_envelope(envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id="one-read"), ledger, now)
    level_a, level_c = LevelKey(SHOP, "store-a", "A"), LevelKey(SHOP, "store-a", "C")
    lines, balances = ledger.lines_and_balances(SHOP, order_id, [order_id + 1, order_id + 9], [level_a, level_c])
    # Only the lines asked for that exist, and only the levels ever written
    assert set(lines) == {(order_id, order_id + 1)}
    assert lines[(order_id, order_id + 1)].sold == 2
    assert set(balances) == {level_a}
    assert balances[level_a].quantity == -2


def test_a_balance_is_stamped_with_the_use_cases_clock_not_the_adapters(ledger: DynamoDbLedger) -> None:
    # The settle window (domain/drift.push_in_flight) compares updated_at with the reconciler's `now`:
    # both must come from the clock the use cases are given, as in the in-memory ledger.
    then = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    key = LevelKey(SHOP, next(iter(LOCATIONS.values())), SKUS[0])
    record_operation(operations.receive(SHOP, key.location, key.sku, 3, "stamped-1"), ledger, lambda: then)
    assert ledger.balances([key])[key].updated_at == then
