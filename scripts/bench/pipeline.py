"""The whole pipeline in the local stack: webhook → Shopify level latency, and levels pushed per second.

Latency. A webhook only leads to a Shopify write when the ledger holds a change Shopify has not
taken: an operator's receipt whose push Shopify refused as stale because it had taken an order whose
webhook had not reached us yet (docs/pushing.md). Each sample sets that up for its own SKU, then
delivers the order's webhook, signed as Shopify signs it, and measures from the ingress's 200 to the
moment Shopify applied the pusher's write (the `inventory_levels/update` it raised, on the simulator's
clock, which is this machine's). In between: API Gateway → webhook_ingress → SQS → ledger_consumer →
DynamoDB → stream → level_pusher → Shopify. Run once with the template's batching windows (Lambda
waits out a window when traffic is light, so their sum is the floor) and once with none (the work
alone).

Throughput. Levels changed in the ledger before the pusher reads the stream (a backlog, as after a
delivery is received), then the stream drained by the real level_pusher through the driver: levels
written to Shopify per second against the plan's limit (100 points/s, 10 points per 250-level call),
timed from the pusher's start to the simulator's record of the last level written; a second figure
times it until the stack is idle again, which adds the driver reading the stream to its end.
"""

import contextlib
import json
import math
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import batched
from typing import Any

import httpx

from inventory_ledger import bootstrap, config
from inventory_ledger.adapters.dynamodb.ledger_repository import ACK_CONCURRENCY, ACK_TRANSACTION_ITEMS
from inventory_ledger.clock import utc_now as now
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.operations import record_operation
from local_stack.driver import LambdaDriver
from local_stack.event_sources import read_event_sources
from local_stack.functions import Handler, load_shipped_handler
from local_stack.processes import ChildServer
from local_stack.stack import LocalStack
from scripts.bench.table import Row
from shopify_simulator.webhooks import sign

SHOP = "pipeline-bench.myshopify.com"
TOKEN = "shpat_pipeline_bench"  # noqa: S105  (the simulator's, not a secret)
SECRET = "pipeline-bench-secret"  # noqa: S105
STORE = "Store"
OPENING, RECEIVED = 10, 5
SUSTAINED_LEVELS_PER_SECOND = 100.0 / 10.0 * 250
GOAL_MS = 1000.0
SPACING_VARIABLE = "PUSH_SPACING_SECONDS"
BURST_GOAL = 3


def _seed(skus: list[str], locations: list[str]) -> Callable[[str], dict[str, Any]]:
    # No webhook subscriptions: the latency samples deliver their webhook themselves, one at a time.
    def seed(webhook_url: str) -> dict[str, Any]:
        return {
            "shops": [
                {
                    "domain": SHOP,
                    "access_token": TOKEN,
                    "webhook_secret": SECRET,
                    "plan": "standard",
                    "locations": [{"name": name, "primary": n == 0} for n, name in enumerate(locations)],
                    "products": [
                        {"title": f"P{i}", "variants": [{"sku": sku, "tracked": True} for sku in skus[i : i + 100]]}
                        for i in range(0, len(skus), 100)
                    ],
                    "levels": [
                        {"sku": sku, "location": name, "available": OPENING} for name in locations for sku in skus
                    ],
                }
            ]
        }

    return seed


@contextlib.contextmanager
def _pusher_spacing(seconds: float) -> Iterator[None]:
    """The pusher's PUSH_SPACING_SECONDS, as the template sets it (the local environment leaves it out)."""
    before = os.environ.get(SPACING_VARIABLE)
    os.environ[SPACING_VARIABLE] = f"{seconds:g}"
    config.clear_cached_settings()
    bootstrap.reset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SPACING_VARIABLE, None)
        else:
            os.environ[SPACING_VARIABLE] = before
        config.clear_cached_settings()
        bootstrap.reset()


@contextlib.contextmanager
def _stack(backend: str, skus: list[str], locations: list[str], **options: Any) -> Iterator[LocalStack]:
    spacing = options.pop("spacing", read_event_sources().push_spacing_seconds)
    with (
        _pusher_spacing(spacing),
        LocalStack(dynamodb=backend, simulator_seed=_seed(skus, locations), **options) as stack,
    ):
        stack.resources.put_shop_secret(SHOP, [SECRET], TOKEN)
        onboard_shop(
            SHOP,
            primary_location=locations[0],
            ledger=bootstrap.ledger(),
            directory=bootstrap.merchant_directory(),
            shopify=bootstrap.shopify_levels_for(SHOP),
            now=now,
            actor="bench",
        )
        _next_whole_second()
        yield stack


def _next_whole_second() -> None:
    """Shopify stamps orders to the second, and an order stamped before onboarding's instant counts as
    already inside the imported levels (docs/ledger.md): orders placed in onboarding's own second would
    be taken for that. Real merchants' first orders come later; the bench's must too."""
    onboarded = int(time.time())
    while int(time.time()) <= onboarded:
        time.sleep(0.01)  # polling interval; the loop ends within a second


def _control(stack: LocalStack, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{stack.simulator.base_url}/_control/shops/{SHOP}{path}"
    response = httpx.request(method, url, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def _deliver(stack: LocalStack, event: dict[str, Any]) -> float:
    """POST one event to the webhook URL as Shopify would; the time its 200 came back."""
    body = event["body"].encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": event["topic"],
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-07",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event["event_id"],
        "X-Shopify-Hmac-Sha256": sign(body, SECRET),
        "X-Shopify-Triggered-At": datetime.fromtimestamp(event["triggered_at"], UTC).isoformat(),
    }
    response = httpx.post(stack.webhook_url, content=body, headers=headers, timeout=30)
    accepted = time.time()
    if response.status_code != 200:
        raise RuntimeError(f"the ingress answered {response.status_code}: {response.text}")
    return accepted


def _written_at(stack: LocalStack, item_id: int, location_id: int, available: int, deadline: float) -> float:
    """When Shopify applied the write that set the level to `available` (polled, with a deadline)."""
    while time.monotonic() < deadline:
        for event in reversed(stack.simulator.sim.delivery.events(SHOP)):
            if event.topic != "inventory_levels/update":
                continue
            body = json.loads(event.body)
            if (body["inventory_item_id"], body["location_id"], body["available"]) == (item_id, location_id, available):
                return float(event.triggered_at)
        time.sleep(0.002)  # polling interval, with the deadline above
    raise TimeoutError(f"Shopify never showed {available} for item {item_id}")


def latency(backend: str, samples: int, windows: float | None) -> list[float]:
    """Seconds from webhook accepted to Shopify level written, one per sample."""
    skus = [f"LAT-{n:03d}" for n in range(samples)]
    with _stack(backend, skus, ["Warehouse", STORE], batching_window=windows) as stack:
        assert stack.driver is not None
        summary = _control(stack, "GET", "")
        store_id = next(int(loc["id"]) for loc in summary["locations"] if loc["name"] == STORE)
        items = {v["sku"]: int(v["inventory_item_id"]) for v in summary["variants"]}
        ledger_locations = bootstrap.merchant_directory().locations(SHOP)
        ledger_store = next(name for name, shopify_id in ledger_locations.items() if shopify_id == store_id)
        # Shopify takes one unit of each SKU at the store; the webhooks wait. The ledger receives five.
        for sku in skus:
            _control(stack, "POST", "/orders", {"lines": [{"sku": sku, "quantity": 1}], "location": STORE})
            record_operation(
                operations.receive(SHOP, ledger_store, sku, RECEIVED, f"bench-{sku}"), bootstrap.ledger(), now
            )
        stack.driver.drain(timeout=300)
        stale = bootstrap.ledger().balances([LevelKey(SHOP, ledger_store, sku) for sku in skus])
        assert all(b.push_status == "stale" for b in stale.values()), "the setup must leave every push stale"
        orders = {e["body"]: e for e in _control(stack, "GET", "/events")["events"] if e["topic"] == "orders/create"}
        by_sku = {next(sku for sku in skus if f'"sku":"{sku}"' in body): event for body, event in orders.items()}
        seconds = []
        for sku in skus:
            accepted = _deliver(stack, by_sku[sku])
            written = _written_at(stack, items[sku], store_id, OPENING - 1 + RECEIVED, time.monotonic() + 60)
            seconds.append(written - accepted)
            stack.driver.drain(timeout=60)
        return seconds


def _ack_shaped(table: str, n: int) -> dict[str, Any]:
    return {
        "TableName": table,
        "Key": {"pk": {"S": f"RAW#{n}"}, "sk": {"S": "BALANCE"}},
        "UpdateExpression": "SET pushed_version = :v ADD shopify_expected :one",
        "ConditionExpression": "attribute_exists(pk) AND (attribute_not_exists(pushed_version) OR pushed_version < :v)",
        "ExpressionAttributeValues": {":v": {"N": "1"}, ":one": {"N": "1"}},
    }


def _write_all(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    while requests:
        requests = client.batch_write_item(RequestItems={table: requests}).get("UnprocessedItems", {}).get(table, [])


def _raw_update_rate(stack: LocalStack, count: int = 1000) -> tuple[float, str]:
    """The backend's own best rate of ack-shaped conditional writes, the way the pusher writes them (one
    UpdateItem each, or TransactWriteItems of ACK_TRANSACTION_ITEMS), as many in flight as the pusher's
    acks: one acknowledgement per level pushed is the least the drain writes, so this bounds it."""
    client, table = stack.resources.client("dynamodb"), stack.resources.table_name
    # The items exist first, as the balances an acknowledgement updates do (untimed).
    seeds = [{"PutRequest": {"Item": {"pk": {"S": f"RAW#{n}"}, "sk": {"S": "BALANCE"}}}} for n in range(2 * count)]
    with ThreadPoolExecutor(max_workers=ACK_CONCURRENCY) as pool:
        list(pool.map(lambda chunk: _write_all(client, table, list(chunk)), batched(seeds, 25)))

    def rate(write: Callable[[int], object], writes: range, items: int) -> float:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=ACK_CONCURRENCY) as pool:
            list(pool.map(write, writes))
        return items / (time.perf_counter() - started)

    single = rate(lambda n: client.update_item(**_ack_shaped(table, n)), range(count), count)
    shapes = f"{ACK_CONCURRENCY} in flight: UpdateItems {single:,.0f}/s, "
    try:
        together = rate(
            lambda start: client.transact_write_items(
                TransactItems=[{"Update": _ack_shaped(table, n)} for n in range(start, start + ACK_TRANSACTION_ITEMS)],
                ClientRequestToken=uuid.uuid4().hex,  # a retried call is the same transaction, not a second one
            ),
            range(count, 2 * count, ACK_TRANSACTION_ITEMS),
            count,
        )
    except client.exceptions.TransactionCanceledException:
        # moto server: a transaction retried after a conflict between concurrent ones finds itself
        # already applied (it keeps no request tokens), so that shape has no rate there.
        return single, shapes + f"{ACK_TRANSACTION_ITEMS}-item transactions cancelled in flight together"
    return max(single, together), shapes + f"{ACK_TRANSACTION_ITEMS}-item transactions {together:,.0f}/s"


@dataclass(frozen=True)
class Drain:
    levels: int
    written_seconds: float  # from the pusher's start until Shopify held the last level
    idle_seconds: float  # until the stack was idle again (the driver read the stream to its end)
    raw_rate: float  # the backend's own best rate of ack-shaped conditional writes
    raw_shapes: str  # each way of writing them, with its rate
    invocation_seconds: float  # the pusher's invocations, summed: the function's own time
    invocations: int
    process_cpu_seconds: float  # this process: the pusher, the local stream poller, the simulator
    backend_cpu_seconds: float | None  # DynamoDB Local's or moto's own process, where it is one


def _timed(handler: Handler, spent: list[float]) -> Handler:
    def timed(event: Any, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return handler(event, context)
        finally:
            spent.append(time.perf_counter() - started)

    return timed


def _backend_cpu(stack: LocalStack) -> float | None:
    server = stack.dynamodb_local or stack.moto
    return server.cpu_seconds() if isinstance(server, ChildServer) else None


def throughput(backend: str, skus: int, locations: int) -> Drain:
    """A backlog of one change per level drained by the real pusher. Beside what a merchant waits for
    (until Shopify held the last level) and the time until the stack is idle again, the pusher's own
    invocation time (on AWS, reading the stream is Lambda's work, not the function's) and the CPU this
    process and the backend used: on a machine of two cores they share, that is what bounds the drain."""
    names = [f"Location {n}" for n in range(locations)]
    sku_names = [f"TP-{n:04d}" for n in range(skus)]
    with _stack(backend, sku_names, names, handlers={"level_pusher": None}) as stack:
        ledger, directory = bootstrap.ledger(), bootstrap.merchant_directory()
        keys = [LevelKey(SHOP, location, sku) for location in directory.locations(SHOP) for sku in sku_names]
        for key in keys:
            record_operation(
                operations.receive(SHOP, key.location, key.sku, RECEIVED, f"tp-{key.location}-{key.sku}"), ledger, now
            )
        raw, shapes = _raw_update_rate(stack)
        spent: list[float] = []
        handlers = {"webhook_ingress": None, "ledger_consumer": None, "level_pusher": _timed(
            load_shipped_handler("level_pusher"), spent)}  # fmt: skip
        pusher = LambdaDriver(stack.resources, handlers=handlers)
        cpu_before, backend_before = os.times(), _backend_cpu(stack)
        started, started_at = time.perf_counter(), time.time()  # the simulator's clock is the wall clock here
        with pusher:
            pusher.drain(timeout=900)
            idle = time.perf_counter() - started
        cpu_after, backend_after = os.times(), _backend_cpu(stack)
        levels = _control(stack, "GET", "/levels")["levels"]
        shopify = {(level["location_id"], level["sku"]): level["quantities"]["available"] for level in levels}
        ids = directory.locations(SHOP)
        wrong = [key for key in keys if shopify[(ids[key.location], key.sku)] != OPENING + RECEIVED]
        if wrong:
            raise AssertionError(f"{len(wrong)} levels not pushed, e.g. {wrong[:3]}")
        pushed = {(ids[key.location], key.sku) for key in keys}
        written = max(level["changed_at"] for level in levels if (level["location_id"], level["sku"]) in pushed)
        process_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
        backend_cpu = None if backend_before is None or backend_after is None else backend_after - backend_before
        elapsed = written - started_at
        return Drain(len(keys), elapsed, idle, raw, shapes, sum(spent), len(spent), process_cpu, backend_cpu)


def burst_pushes(backend: str, changes: int = 500, *, live: bool, spacing: float | None = None) -> tuple[int, float]:
    """(Shopify writes to the level, seconds the changes took) for a burst of one-unit receipts to one
    level, with the template's batching window. Not live: all committed before the pusher reads the
    stream (tests/local_stack/test_pusher_burst.py). Live: committed as fast as the ledger takes them
    while the pusher runs."""
    options: dict[str, Any] = {} if spacing is None else {"spacing": spacing}
    with _stack(backend, ["BURST"], ["Warehouse"], handlers={"level_pusher": None}, **options) as stack:
        ledger, directory = bootstrap.ledger(), bootstrap.merchant_directory()
        ((location, location_id),) = directory.locations(SHOP).items()
        item_id = directory.skus(SHOP)["BURST"]
        pusher = LambdaDriver(stack.resources, handlers={"webhook_ingress": None, "ledger_consumer": None})
        if live:
            pusher.start()
        try:
            started = time.perf_counter()
            for n in range(changes):
                record_operation(operations.receive(SHOP, location, "BURST", 1, f"burst-{n}"), ledger, now)
            seconds = time.perf_counter() - started
            if not live:
                pusher.start()
            pusher.drain(timeout=300)
        finally:
            pusher.stop()
        writes = [
            json.loads(e["body"])
            for e in _control(stack, "GET", "/events")["events"]
            if e["topic"] == "inventory_levels/update"
        ]
        mine = [w for w in writes if (w["inventory_item_id"], w["location_id"]) == (item_id, location_id)]
        if not mine or mine[-1]["available"] != OPENING + changes:
            raise AssertionError(
                f"the level ended at {mine[-1]['available'] if mine else None}, not {OPENING + changes}"
            )
        return len(mine), seconds


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(backend: str, *, windowed_samples: int = 20, samples: int = 40, backlog_skus: int = 400) -> list[Row]:
    sources = read_event_sources()
    floor = sources.ingest_queue.batching_window_seconds + sources.ledger_stream.batching_window_seconds
    goal = f"the goal, 1 s, a sale seen online at once; the windows' floor is {floor * 1000:,.0f} ms"
    rows: list[Row] = []
    if windowed_samples:
        timed = latency(backend, windowed_samples, None)
        rows += [
            Row(
                "pipeline",
                f"webhook accepted -> Shopify level written, p50 ({windowed_samples}, template windows)",
                statistics.median(timed) * 1000,
                "ms",
                GOAL_MS,
                goal,
                backend,
            ),
            Row(
                "pipeline",
                "  same, p99 (the slowest sample)",
                _percentile(timed, 0.99) * 1000,
                "ms",
                GOAL_MS,
                goal,
                backend,
            ),
        ]
    timed = latency(backend, samples, 0.0)
    rows += [
        Row(
            "pipeline",
            f"webhook accepted -> Shopify level written, p50 ({samples}, no batching window)",
            statistics.median(timed) * 1000,
            "ms",
            None,
            "the pipeline's own work",
            backend,
        ),
        Row("pipeline", "  same, p99", _percentile(timed, 0.99) * 1000, "ms", None, "the pipeline's own work", backend),
    ]  # fmt: skip
    # Lambda polls a shard four times a second: without pacing, one push per poll is what a level
    # changing all the time gets. With the template's spacing, one push at once and one per spacing.
    poll = max(0.25, sources.ledger_stream.batching_window_seconds)
    spacing = sources.push_spacing_seconds
    pushes, _ = burst_pushes(backend, live=False)
    rows.append(Row("pipeline", "Shopify writes for 500 changes to one level committed before the pusher reads",
                    pushes, "", BURST_GOAL, f"goal: at most {BURST_GOAL} (the pusher reads each level afresh)",
                    backend))  # fmt: skip
    pushes, burst_seconds = burst_pushes(backend, live=True)
    floor = 1 + math.ceil(burst_seconds / spacing) if spacing else 0
    rows.append(Row("pipeline", f"  same, committed while the pusher runs ({burst_seconds:.1f} s of changes, "
                    f"template spacing {spacing:g} s)", pushes, "", BURST_GOAL,
                    f"goal: at most {BURST_GOAL}; one at once and one per spacing: {floor}", backend))  # fmt: skip
    pushes, burst_seconds = burst_pushes(backend, live=True, spacing=0.0)
    rows.append(Row("pipeline", f"  same, without pacing ({burst_seconds:.1f} s of changes)", pushes, "",
                    max(1.0, burst_seconds / poll), f"one per stream poll, {poll:g} s", backend))  # fmt: skip
    return rows + _drain_rows(backend, throughput(backend, backlog_skus, 5))


def _drain_rows(backend: str, drain: Drain) -> list[Row]:
    levels, seconds, idle, raw = drain.levels, drain.written_seconds, drain.idle_seconds, drain.raw_rate
    plan = "standard plan: 100 points/s / 10 per call x 250"
    cores = os.cpu_count() or 1

    def row(figure: str, value: float, unit: str, ideal: float, note: str) -> Row:
        return Row("pipeline", figure, value, unit, ideal, note, backend, better="higher")

    rows = [
        row(f"levels pushed per second ({levels} changed levels, a backlog on the stream)", levels / seconds, "/s",
            SUSTAINED_LEVELS_PER_SECOND, plan),
        row("  same, against the backend's own write rate", levels / seconds, "/s", raw,
            f"the backend's best for one ack per level, same run ({drain.raw_shapes})"),
        row(f"  same, counted until the stack was idle again ({idle - seconds:.1f} s after the last level was written)",
            levels / idle, "/s", raw,
            "the backend's own write rate; the tail is the local driver reading the stream to its end"),
        row(f"  same, per second of the pusher's own invocations ({drain.invocations} batches, "
            f"{drain.invocation_seconds:.1f} s; on AWS reading the stream is Lambda's, not the function's)",
            levels / drain.invocation_seconds, "/s", SUSTAINED_LEVELS_PER_SECOND, plan),
        row(f"  CPU of this process while draining ({drain.process_cpu_seconds:.1f} s in {idle:.1f} s: the pusher, "
            "the local stream poller and the simulator)", drain.process_cpu_seconds / idle, "cores", 1.0,
            "one interpreter: about one core at most"),
    ]  # fmt: skip
    if drain.backend_cpu_seconds is not None:
        rows.append(row(f"  CPU of the backend's own process while draining ({drain.backend_cpu_seconds:.1f} s)",
                        drain.backend_cpu_seconds / idle, "cores", float(cores),
                        f"this machine's {cores} cores, shared with the process above"))  # fmt: skip
    return rows
