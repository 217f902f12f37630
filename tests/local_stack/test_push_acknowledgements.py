"""The pusher's acknowledgements of one Shopify call, written as transactions of up to 100 levels, on
moto server and on DynamoDB Local: each level keeps its own condition, a transaction cancelled by one
level's condition is written again level by level, and nothing is acknowledged twice."""

from collections import Counter
from datetime import UTC, datetime

import pytest

from inventory_ledger.adapters.dynamodb.ledger_repository import ACK_TRANSACTION_ITEMS, DynamoDbLedger
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import Balance, LevelKey
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.service.operations import record_operation
from local_stack.aws import LocalResources
from tests.support.dynamodb_calls import counted_ledger
from tests.support.histories import LOCATIONS, SHOP, SKUS, onboard_history_merchant

pytestmark = pytest.mark.integration
# Three locations: 105 levels, so one call's acknowledgements are two transactions (100 and 5).
EXTRA_SKUS = [f"X{n}" for n in range(32)]


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def onboarded(resources: LocalResources) -> tuple[DynamoDbLedger, Counter[str]]:
    onboard_history_merchant(resources.table_name, extra_skus=EXTRA_SKUS)
    return counted_ledger(resources)


def received(ledger: DynamoDbLedger) -> dict[LevelKey, Balance]:
    keys = [LevelKey(SHOP, location, sku) for location in LOCATIONS.values() for sku in [*SKUS, *EXTRA_SKUS]]
    for n, key in enumerate(keys):
        record_operation(operations.receive(SHOP, key.location, key.sku, n + 1, f"r-{n}"), ledger, now)
    return ledger.balances(keys)


def push_of(balance: Balance, version: int | None = None, quantity: int | None = None) -> LevelPush:
    return LevelPush(
        balance.key,
        balance.version if version is None else version,
        balance.quantity if quantity is None else quantity,
        balance.shopify_expected,
        1,
        1,
    )


def test_one_call_s_acknowledgements_are_a_transaction_per_100_levels_and_a_replay_moves_nothing(
    backend_aws: LocalResources,
) -> None:
    ledger, calls = onboarded(backend_aws)
    balances = received(ledger)
    pushes = [push_of(balance) for balance in balances.values()]
    calls.clear()

    assert ledger.acknowledge_pushes(pushes, now()) == [True] * len(pushes)

    assert calls == Counter({"TransactWriteItems": -(-len(pushes) // ACK_TRANSACTION_ITEMS)})
    # A replayed stream batch, or a retried invocation: each level's own condition refuses it.
    assert ledger.acknowledge_pushes(pushes, now()) == [False] * len(pushes)
    after = ledger.balances(balances)
    for key, balance in balances.items():
        assert (after[key].pushed_version, after[key].shopify_expected) == (balance.version, balance.quantity), key


def test_a_level_whose_condition_fails_loses_only_its_own_acknowledgement(backend_aws: LocalResources) -> None:
    ledger, calls = onboarded(backend_aws)
    balances = received(ledger)
    ordered = list(balances.values())
    newer, behind = ordered[0], ordered[1:]
    # A later batch already acknowledged a newer version of the first level (5 more units pushed).
    assert ledger.acknowledge_push(push_of(newer, newer.version + 1, newer.quantity + 5), now())
    never_written = LevelKey(SHOP, "store-a", "NEVER-WRITTEN")
    pushes = [push_of(newer), push_of(Balance(never_written, 3, 1, 0)), *(push_of(b) for b in behind)]
    calls.clear()

    # Both fail their own condition in the first transaction; every other level is acknowledged.
    assert ledger.acknowledge_pushes(pushes, now()) == [False, False] + [True] * len(behind)

    # The first transaction was cancelled and its 100 levels written one by one; the second went through.
    assert calls == Counter({"TransactWriteItems": 2, "UpdateItem": ACK_TRANSACTION_ITEMS})
    after = ledger.balances([*balances, never_written])
    assert never_written not in after
    assert (after[newer.key].pushed_version, after[newer.key].shopify_expected) == (
        newer.version + 1,
        newer.quantity + 5,
    )
    for balance in behind:
        pushed = (after[balance.key].pushed_version, after[balance.key].shopify_expected)
        assert pushed == (balance.version, balance.quantity), balance.key


def test_with_one_item_a_transaction_every_level_is_its_own_conditional_update(backend_aws: LocalResources) -> None:
    """The local stack's setting on moto (LEDGER_ACK_TRANSACTION_ITEMS=1): no transaction at all."""
    onboard_history_merchant(backend_aws.table_name, extra_skus=EXTRA_SKUS)
    ledger, calls = counted_ledger(backend_aws, ack_transaction_items=1)
    balances = received(ledger)
    pushes = [push_of(balance) for balance in balances.values()]
    calls.clear()

    assert ledger.acknowledge_pushes(pushes, now()) == [True] * len(pushes)
    assert calls == Counter({"UpdateItem": len(pushes)})
    assert ledger.acknowledge_pushes(pushes, now()) == [False] * len(pushes)
