"""A flash sale: 300 one-unit orders of one level, four consumers applying them at once.

Every consumer races the others for the same balance item. Each lost race backs off with jitter and
plans again, so none gives up: no message fails (none would be redelivered, none reaches the DLQ),
and every order is applied exactly once (one entry each, the balance down by exactly 300). One
message at a time, and in the ingest queue's batches of 10, several orders applied in one
transaction (service/apply_batch.py).
"""

import pytest

from local_stack.aws import LocalResources
from local_stack.event_sources import read_event_sources
from tests.support.flash_sale import LEVEL, run_flash_sale

ORDERS, CONSUMERS = 300, 4


@pytest.mark.parametrize("batch", [1, read_event_sources().ingest_queue.batch_size], ids=["one by one", "batches"])
def test_a_flash_sale_on_one_level_applies_every_order_once_and_dead_letters_none(
    backend_aws: LocalResources, batch: int
) -> None:
    sale, ledger = run_flash_sale(backend_aws.table_name, ORDERS, CONSUMERS, receives=1, batch=batch)
    # Then no message failed, so none was redelivered and none is on its way to the DLQ
    assert sale.failures == []
    assert sale.dead_lettered == []
    assert len(sale.latencies_ms) == ORDERS
    # And each order is in the ledger once: one sale entry per order, the balance down by one each
    entries = ledger.entries(LEVEL)
    assert len(entries) == ORDERS
    assert {entry.source.order_id for entry in entries} == {order_id for order_id in sale.order_ids}
    assert sorted(entry.version_after for entry in entries) == list(range(1, ORDERS + 1))
    balance = ledger.balances([LEVEL])[LEVEL]
    assert balance.quantity == -ORDERS
    assert balance.version == ORDERS
    # And a redelivery of every message changes nothing (exactly once by business keys)
    again, _ = run_flash_sale(backend_aws.table_name, ORDERS, CONSUMERS, receives=1, batch=batch)
    assert again.failures == []
    assert len(ledger.entries(LEVEL)) == ORDERS
    assert ledger.balances([LEVEL])[LEVEL].quantity == -ORDERS
