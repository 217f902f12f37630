"""Reconciliation time, peak memory and Shopify cost per 1,000 levels, against the Shopify simulator.

    .venv/bin/python -m scripts.bench.reconcile           # 1,000 and 10,000 levels, paged and bulk
    .venv/bin/python -m scripts.bench.reconcile --full    # and 100,000

`make bench` puts the 100,000-level bulk run in its table (rows()), run in a fresh interpreter: its
time is taken without tracemalloc (which slows Python allocations several-fold) and its memory is the
process's peak resident size (VmHWM, reset when the reconciliation begins) above what it held then.
The simulator runs in a process of its own (`python -m shopify_simulator`), as Shopify is not in the
function's memory: the figure is the reconciler's (client, download, parse, comparison, run summary),
not the bulk file the simulator builds. The time is split: the wait for Shopify's bulk operation (the
simulator builds the file on the same two cores) and the rest, the reconciler's own download, parse
and comparison.

What is measured: the Shopify side through the project's real client (HTTP to the simulator, paged or
one bulk query streamed) and the comparison, with the ledger's balances served from memory (moto
server writes ~3 transactions/s, so seeding a real table with 100,000 levels is out of reach here;
DynamoDB's side is BatchGetItem by key, 500 keys per request, 8 in flight). Levels are spread over
10 locations; 1% of them are made to drift.
"""

import argparse
import ctypes
import gc
import json
import logging
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.levels import BulkSettings, ShopifyLevelsReader
from inventory_ledger.clock import utc_now
from inventory_ledger.domain.drift import HealingPolicy
from inventory_ledger.domain.ledger import ActivityEntry, Balance, LevelKey
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.observability import logger
from inventory_ledger.service.reconcile import ReconcileDependencies, ReconcileOptions, reconcile_shop
from local_stack.processes import child_process_options, stop_child
from scripts.bench.table import Row
from shopify_simulator.server import GRAPHQL_URL_TEMPLATE

ROOT = Path(__file__).resolve().parents[2]
SHOP = "bench.myshopify.com"
TOKEN = "shpat_bench"  # noqa: S105 (the simulator's, local only)
LOCATIONS = 10
# The reconciler's limits in template.yaml (DriftReconcilerFunction).
TIMEOUT_SECONDS, MEMORY_MB = 900, 1769
# What issue #17 asks of a 100,000-level reconciliation (docs/benchmarks.md).
GOAL_SECONDS, GOAL_MIB = 60, 512


class MemoryLedger:
    """Just what the reconciler reads and marks (the ledger side is not what this measures)."""

    def __init__(self, balances: dict[LevelKey, Balance]) -> None:
        self.by_key = balances

    def balances_at(self, shop: str, location: str, skus: Iterable[str]) -> Iterator[Balance]:
        for sku in skus:
            balance = self.by_key.get(LevelKey(shop, location, sku))
            if balance is not None:
                yield balance

    def parked_events(self, shop: str) -> list[ParkedEvent]:
        return []  # no refund waits for its order here

    def record_drift(self, key: LevelKey, at: datetime) -> None: ...

    def record_agreement(self, key: LevelKey, at: datetime) -> None: ...

    def acknowledge_heal(self, push: LevelPush, expected_read: int, entry: ActivityEntry) -> bool:
        return True


class MemoryDirectory:
    def __init__(self, locations: dict[str, int], skus: dict[str, int]) -> None:
        self._locations, self._skus = locations, skus

    def locations(self, shop: str) -> dict[str, int]:
        return dict(self._locations)

    def skus(self, shop: str) -> dict[str, int]:
        return dict(self._skus)

    def healing_policy(self, shop: str) -> HealingPolicy:
        return HealingPolicy.REPORT

    def location_reconciled_at(self, shop: str, location: str) -> None:
        return None

    def record_location_reconciled(self, shop: str, location: str, at: datetime, run_id: str) -> None: ...


class CostCountingClient(ShopifyAdminClient):
    points = 0.0
    calls = 0

    def execute(self, document: str, variables: Any = None, *, estimated_cost: float | None = None) -> dict[str, Any]:
        data = super().execute(document, variables, estimated_cost=estimated_cost)
        self.calls += 1
        if self.last_cost is not None:
            self.points += self.last_cost.actual_query_cost or self.last_cost.requested_query_cost
        return data


@contextmanager
def simulator_process() -> Iterator[str]:
    """The simulator in a process of its own (Shopify's memory is not the function's): its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "shopify_simulator", "--port", "0", "--plan", "plus"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **child_process_options(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the simulator did not start: {base_url!r}")
        yield base_url
    finally:
        stop_child(process)


def seed(base_url: str, levels: int) -> tuple[dict[str, int], dict[str, int], dict[LevelKey, Balance]]:
    skus = [f"SKU-{n:06d}" for n in range(levels // LOCATIONS)]
    names = [f"Location {n}" for n in range(LOCATIONS)]
    spec = {
        "domain": SHOP,
        "access_token": TOKEN,
        "plan": "plus",
        "locations": [{"name": name} for name in names],
        "products": [
            {"title": f"P{i}", "variants": [{"sku": sku} for sku in skus[i : i + 100]]}
            for i in range(0, len(skus), 100)
        ],
        "levels": [{"sku": sku, "location": name, "available": 10} for name in names for sku in skus],
    }
    answer = httpx.post(f"{base_url}/_control/seed", json={"shops": [spec]}, timeout=600, trust_env=False)
    summary = answer.raise_for_status().json()["shops"][0]
    locations = {f"loc-{n}": loc["id"] for n, loc in enumerate(summary["locations"])}
    items = {variant["sku"]: variant["inventory_item_id"] for variant in summary["variants"]}
    balances = {}
    for location in locations:
        for n, sku in enumerate(skus):
            quantity = 9 if n % 100 == 0 else 10  # 1% drift
            key = LevelKey(SHOP, location, sku)
            balances[key] = Balance(key, quantity=quantity, version=1, shopify_expected=quantity)
    return locations, items, balances


class TimedLevelsReader(ShopifyLevelsReader):
    """The real reader, timing the wait for Shopify's bulk operation (started, polled, completed)."""

    bulk_wait_seconds = 0.0

    def _completed_bulk_operation(self) -> Any:
        started = time.perf_counter()
        try:
            return super()._completed_bulk_operation()
        finally:
            self.bulk_wait_seconds += time.perf_counter() - started


def _resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _peak_resident_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024  # kB


def _start_from_here() -> float:
    """Resident size now, with the seeding's freed memory given back and the process's peak reset to it.

    Otherwise the peak would be the seeding's (the 100,000-level spec sent to the simulator), and memory
    the seeding freed but malloc kept would be reused by the reconciler unseen.
    """
    gc.collect()
    ctypes.CDLL(None).malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as clear_refs:  # Linux: "5" resets VmHWM to the current RSS
        clear_refs.write("5")
    return _resident_mib()


def measure(levels: int, bulk: bool, *, trace_memory: bool = True) -> dict[str, Any]:
    with simulator_process() as base_url:
        locations, items, balances = seed(base_url, levels)
        # The simulator builds a bulk file inside bulkOperationRunQuery (Shopify does it in the background):
        # at 100,000 levels that answer takes longer than the client's production read timeout.
        http = httpx.Client(timeout=httpx.Timeout(connect=3.0, read=900.0, write=10.0, pool=5.0))
        client = CostCountingClient(
            SHOP,
            TOKEN,
            base_url + GRAPHQL_URL_TEMPLATE.format(shop=SHOP, version="2026-07"),
            http_client=http,
            retry_deadline_seconds=120,
        )
        reader = TimedLevelsReader(ShopifyAdminOperations(client), bulk=BulkSettings(poll_seconds=0.05))
        deps = ReconcileDependencies(
            ledger=MemoryLedger(balances),  # type: ignore[arg-type]
            directory=MemoryDirectory(locations, items),  # type: ignore[arg-type]
            shopify_levels=lambda shop: reader,
            shopify_inventory=lambda shop: None,  # type: ignore[arg-type,return-value]
            reports=None,
            now=utc_now,
        )
        resident_before = _start_from_here()
        if trace_memory:
            tracemalloc.start()
        started = time.perf_counter()
        run = reconcile_shop(SHOP, deps, options=ReconcileOptions(bulk_threshold_skus=1 if bulk else 10**9))
        seconds = time.perf_counter() - started
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        else:
            peak = _peak_resident_mib() - resident_before
        assert run.total("checked") == levels, run.summary()
        assert run.total("drifted") == levels // 100, run.summary()
        return {"levels": levels, "mode": run.read_mode, "seconds": seconds, "peak_mib": peak,
                "bulk_wait_seconds": reader.bulk_wait_seconds,
                "points_per_1000": client.points / levels * 1000, "calls": client.calls}  # fmt: skip


def rows(levels: int = 100_000) -> list[Row]:
    answer = subprocess.run([sys.executable, "-m", "scripts.bench.reconcile", "--row", str(levels)],
                            capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
    run = json.loads(answer.stdout.strip().splitlines()[-1])
    note = f"{levels:,} levels, bulk read"
    goal = f"goal: a minute a night (the function's timeout is {TIMEOUT_SECONDS} s)"
    return [
        Row("reconcile", f"time ({note})", run["seconds"], "s", GOAL_SECONDS, goal, "simulator"),
        Row("reconcile", "  of which waiting for Shopify's bulk operation (built by the simulator, its own process)",
            run["bulk_wait_seconds"], "s", None, "Shopify's own time: not the reconciler's", "simulator"),
        Row("reconcile", "  the reconciler's own work (download, parse, compare)",
            run["seconds"] - run["bulk_wait_seconds"], "s", GOAL_SECONDS, goal, "simulator"),
        Row("reconcile", f"peak memory ({note}, the reconciler's process alone: resident size above the start)",
            run["peak_mib"], "MiB", GOAL_MIB, f"goal (the function has {MEMORY_MB * 10**6 / 2**20:,.0f} MiB)",
            "simulator"),
        Row("reconcile", "Shopify cost points per 1,000 levels (bulk)", run["points_per_1000"], "points", None,
            "one bulk query, whatever the size", "simulator"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 100,000 levels (bulk only; minutes)")
    parser.add_argument("--row", type=int, help="one bulk run of this many levels, as JSON (for make bench)")
    arguments = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logger.setLevel("WARNING")
    if arguments.row:
        print(json.dumps(measure(arguments.row, bulk=True, trace_memory=False)))
        return
    cases = [(1_000, False), (1_000, True), (10_000, False), (10_000, True)]
    if arguments.full:
        cases.append((100_000, True))
    print("Shopify side (simulator over HTTP, the project's client) + comparison; ledger balances from memory.")
    print("The simulator runs in its own process: its memory is not counted; its time (the bulk file) is.")
    print(f"{'levels':>8} {'read':>6} {'seconds':>8} {'peak MiB':>9} {'points/1k levels':>17} {'calls':>6}")
    for levels, bulk in cases:
        r = measure(levels, bulk)
        print(
            f"{r['levels']:>8} {r['mode']:>6} {r['seconds']:>8.2f} {r['peak_mib']:>9.1f} "
            f"{r['points_per_1000']:>17.1f} {r['calls']:>6}",
            flush=True,
        )


if __name__ == "__main__":
    main()
