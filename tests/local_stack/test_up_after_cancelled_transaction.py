"""`make up`'s stack keeps pushing after a cancelled DynamoDB transaction (issue 13, class 7).

Before the fix, on moto server the stream poller's iterator kept reading the stream shard moto had
discarded in its rollback: the cancelled change was read, the later one never was, and the driver's
drain answered drained while Shopify stayed behind.
"""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.service.operations import record_operation
from local_stack import example_shop
from local_stack.__main__ import onboard_example, up_stack
from local_stack.stack import BACKENDS, LocalStack

pytestmark = pytest.mark.e2e


def now() -> datetime:
    return datetime.now(UTC)


def drain(stack: LocalStack) -> None:
    assert stack.driver is not None
    answer = httpx.post(f"{stack.driver.base_url}/_driver/drain", params={"timeout": 60}, timeout=90)
    assert answer.status_code == 200, answer.text


def shopify_available(stack: LocalStack, location_id: str, sku: str) -> int:
    url = f"{stack.simulator.base_url}/_control/shops/{example_shop.SHOP}/levels"
    levels: list[dict[str, Any]] = httpx.get(url, timeout=10).json()["levels"]
    (level,) = [lv for lv in levels if lv["sku"] == sku and str(lv["location_id"]) == location_id]
    return int(level["quantities"]["available"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_change_after_a_cancelled_transaction_reaches_shopify(backend: str) -> None:
    with up_stack(backend, batching_window=0.1) as stack:
        onboarded = onboard_example(stack)
        assert onboarded is not None
        warehouse = str(onboarded.locations["warehouse"])
        key = LevelKey(example_shop.SHOP, "warehouse", "TEE")
        ledger = bootstrap.ledger()

        assert record_operation(operations.receive(key.shop, key.location, key.sku, 1, "delivery-1"), ledger, now)
        drain(stack)
        assert shopify_available(stack, warehouse, "TEE") == example_shop.OPENING + 1

        # The same delivery again: the ledger's transaction is cancelled (its entry exists), nothing moves.
        assert record_operation(operations.receive(key.shop, key.location, key.sku, 1, "delivery-1"), ledger, now) == []
        assert ledger.balances([key])[key].quantity == example_shop.OPENING + 1
        drain(stack)  # the stream read past the cancelled transaction before the next change is made
        assert record_operation(operations.receive(key.shop, key.location, key.sku, 2, "delivery-2"), ledger, now)
        drain(stack)

        assert ledger.balances([key])[key].quantity == example_shop.OPENING + 3
        assert shopify_available(stack, warehouse, "TEE") == example_shop.OPENING + 3
