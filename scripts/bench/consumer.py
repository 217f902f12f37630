"""ledger_consumer's throughput and DynamoDB write units per order line."""

import json
import math
import time

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.clock import utc_now as now
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.consume import consume_message, consume_together
from local_stack.aws import LocalResources
from local_stack.event_sources import read_event_sources
from scripts.bench.table import Row
from tests.support.histories import SHOP, SKUS, onboard_history_merchant
from tests.support.shopify_payloads import BIG, envelope, order

# A transactional write costs 2 WCU per KB of each item (docs.aws.amazon.com, "Capacity units for
# transactions"); a line writes its balance, its order-line record and its entry: 6 WCU at best.
IDEAL_WCU_PER_LINE = 6.0


def _onboard(resources: LocalResources) -> DynamoDbLedger:
    return onboard_history_merchant(resources.table_name, extra_skus=[f"L{number}" for number in range(60)])


def _raw_transaction_rate(resources: LocalResources, count: int) -> float:
    """The backend's own rate for two-item transactions: what the consumer can at best approach."""
    client = resources.client("dynamodb")
    start = time.perf_counter()
    for n in range(count):
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": resources.table_name, "Item": {"pk": {"S": f"RAW#{n}"}, "sk": {"S": "a"}}}},
                {"Put": {"TableName": resources.table_name, "Item": {"pk": {"S": f"RAW#{n}"}, "sk": {"S": "b"}}}},
            ]
        )
    return count / (time.perf_counter() - start)


def _sales(first: int, count: int) -> list[tuple[str, str]]:
    """(body, message id) of one-line orders over three levels."""
    messages = []
    for n in range(first, first + count):
        sale = order(BIG + 10_000 * (n + 1), [(BIG + 10_000 * (n + 1) + 1, SKUS[n % 3], 1)], location_id=BIG + 101)
        messages.append((envelope(Topic.ORDERS_CREATE, sale, shop=SHOP, event_id=f"m{n}").model_dump_json(), f"m{n}"))
    return messages


def measure(resources: LocalResources, backend: str, movements: int = 60) -> list[Row]:
    ledger = _onboard(resources)
    raw = _raw_transaction_rate(resources, movements)
    batch = read_event_sources().ingest_queue.batch_size
    # As ledger_consumer takes a queue batch: applied together where it can, the rest one by one.
    start = time.perf_counter()
    for first in range(0, movements, batch):
        messages = _sales(first, batch)
        together = consume_together(messages, ledger, now)
        for message, message_id in messages:
            if message_id not in together:
                consume_message(message, message_id, ledger, now)
    rate = movements / (time.perf_counter() - start)
    # One message at a time, as when the queue holds one message per poll (light traffic).
    start = time.perf_counter()
    for message, message_id in _sales(movements, movements):
        consume_message(message, message_id, ledger, now)
    single = movements / (time.perf_counter() - start)
    ideal = "the backend's own 2-item transaction rate, same run"
    rows = [
        Row("consumer", f"movements applied per second (1-line orders, {movements}, queue batches of {batch})",
            rate, "/s", raw, ideal, backend, better="higher"),
        Row("consumer", "  same, one message per batch (light traffic: a read and a commit each)", single, "/s", raw,
            ideal, backend, better="higher"),
    ]  # fmt: skip

    for lines in (1, 10, 50):
        order_id = BIG + 5_000_000 + lines
        body = order(order_id, [(order_id + i + 1, f"L{i}", 1) for i in range(lines)], location_id=BIG + 102)
        before = ledger.write_units
        result = consume_message(
            envelope(Topic.ORDERS_CREATE, body, shop=SHOP, event_id=f"w{lines}").model_dump_json(),
            f"w{lines}",
            ledger,
            now,
        )
        assert len(result.applied) == lines
        reported = ledger.write_units - before
        rows.append(
            Row(
                "consumer",
                f"write units per line ({lines}-line order, 2 WCU per KB per item)",
                _wcu_from_sizes(resources, order_id, lines) / lines,
                "WCU",
                IDEAL_WCU_PER_LINE,
                "3 items x 2 WCU",
                backend,
            )
        )
        if reported:
            # DynamoDB Local's figure for a transaction is flat, not DynamoDB's per-item charge: shown, not trusted.
            rows.append(
                Row(
                    "consumer",
                    f"  as DynamoDB Local reports it ({lines}-line order, per line)",
                    reported / lines,
                    "WCU",
                    None,
                    "a flat figure per transaction: not DynamoDB's charge",
                    backend,
                )
            )
    return rows


def _wcu_from_sizes(resources: LocalResources, order_id: int, lines: int) -> float:
    """2 WCU per started KB of each item a line wrote (balance, line record, entry)."""
    client = resources.client("dynamodb")
    total = 0.0
    found = client.query(
        TableName=resources.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ORDER#{SHOP}#{order_id}"}},
    )["Items"]
    for line in found:
        total += 2 * math.ceil(len(json.dumps(line)) / 1024)
        level = f"LEVEL#{SHOP}#{line['location']['S']}#{line['sku']['S']}"
        for item in client.query(
            TableName=resources.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": level}},
        )["Items"]:
            total += 2 * math.ceil(len(json.dumps(item)) / 1024)
    return total
