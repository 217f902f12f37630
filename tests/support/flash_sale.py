"""A flash sale: one level, many one-unit orders, several consumers applying them at once.

Each consumer is a thread taking the next queued message (or the next ``batch`` of them, as the
ingest queue's BatchSize hands them over) and applying it as ledger_consumer does (consume_together,
then consume_message for the rest). A message whose apply raises goes back once more, then counts as
dead-lettered: with the template's redrive policy it would be on its way to the DLQ. Used by the
flash-sale test (tests/local_stack) and the bench row (scripts/bench).
"""

import queue
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.domain.ledger import LedgerChange, LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.ports import ConcurrentChange
from inventory_ledger.service.consume import consume_message, consume_together
from tests.support.histories import LOCATIONS, SHOP, onboard_history_merchant
from tests.support.shopify_payloads import BIG, envelope, order

STORE = BIG + 101
SKU = "A"
LEVEL = LevelKey(SHOP, LOCATIONS[STORE], SKU)


class CountingLedger(DynamoDbLedger):
    """The DynamoDB ledger, counting the commits that lost a race (each one a re-plan)."""

    def __init__(self, table_name: str) -> None:
        super().__init__(table_name)
        self.lost_races = 0
        self._lock = threading.Lock()

    def commit(self, change: LedgerChange) -> None:
        try:
            super().commit(change)
        except ConcurrentChange:
            with self._lock:
                self.lost_races += 1
            raise


@dataclass
class FlashSale:
    orders: int
    consumers: int
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    dead_lettered: list[str] = field(default_factory=list)
    lost_races: int = 0
    order_ids: list[int] = field(default_factory=list)

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def order_id_of(n: int) -> int:
    return BIG + 7_000_000 + 10 * n


def flash_sale_messages(orders: int) -> list[tuple[str, str]]:
    """(message id, ingest envelope) of ``orders`` one-unit POS orders of one SKU at one store."""
    messages = []
    for n in range(orders):
        order_id = order_id_of(n)
        body = order(order_id, [(order_id + 1, SKU, 1)], location_id=STORE)
        queued = envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id=f"flash-{n}")
        messages.append((f"flash-{n}", queued.model_dump_json()))
    return messages


def run_flash_sale(
    table_name: str, orders: int, consumers: int, receives: int = 2, batch: int = 1
) -> tuple[FlashSale, CountingLedger]:
    onboard_history_merchant(table_name)
    ledger = CountingLedger(table_name)
    pending: queue.Queue[tuple[str, str, int]] = queue.Queue()
    for message_id, body in flash_sale_messages(orders):
        pending.put((message_id, body, 1))
    sale = FlashSale(orders, consumers, order_ids=[order_id_of(n) for n in range(orders)])
    lock = threading.Lock()

    def consume() -> None:
        while taken := _take(pending, batch):
            _apply_batch(taken, ledger, sale, pending, lock, receives)

    started = time.perf_counter()
    threads = [threading.Thread(target=consume, name=f"consumer-{n}") for n in range(consumers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sale.seconds = time.perf_counter() - started
    sale.lost_races = ledger.lost_races
    return sale, ledger


def _take(pending: "queue.Queue[tuple[str, str, int]]", batch: int) -> list[tuple[str, str, int]]:
    taken: list[tuple[str, str, int]] = []
    while len(taken) < batch:
        try:
            taken.append(pending.get_nowait())
        except queue.Empty:
            break
    return taken


def _apply_batch(
    taken: list[tuple[str, str, int]],
    ledger: CountingLedger,
    sale: FlashSale,
    pending: "queue.Queue[tuple[str, str, int]]",
    lock: threading.Lock,
    receives: int,
) -> None:
    """As ledger_consumer applies a queue batch: together where it can, the rest one by one."""
    start = time.perf_counter()
    together = consume_together([(body, message_id) for message_id, body, _ in taken], ledger, _now)
    for message_id, body, receive in taken:
        try:
            if message_id not in together:
                consume_message(body, message_id, ledger, _now)
        except Exception as error:  # what the record handler would report failed
            with lock:
                sale.failures.append(f"{message_id}: {type(error).__name__}: {error}")
                if receive >= receives:
                    sale.dead_lettered.append(message_id)
                else:
                    pending.put((message_id, body, receive + 1))
            continue
        with lock:  # a message is done when its record handler returns
            sale.latencies_ms.append((time.perf_counter() - start) * 1000)


def _now() -> datetime:
    return datetime.now(UTC)
