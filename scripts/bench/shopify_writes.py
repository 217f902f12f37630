"""Writing levels to Shopify (the simulator, standard plan): throughput and cost against the plan's limit.

Ideal: a standard plan restores 100 points/s and one inventorySetQuantities of 250 quantities costs 10
points, so 2,500 levels/s and 0.04 points per level (shopify.dev rate limits; cost from the captures).
"""

import time

import httpx

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.inventory_writer import ShopifyInventoryWriter
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.pushing import LevelPush, chunks, idempotency_key
from scripts.bench.table import Row
from shopify_simulator import ManualClock, SimulatorServer

SHOP = "bench.myshopify.com"
TOKEN = "shpat_bench"  # noqa: S105  (the simulator's, not a secret)
RESTORE_RATE, BUCKET, MUTATION_COST = 100.0, 2000.0, 10.0


def _seed(simulator: SimulatorServer, levels: int) -> tuple[int, list[int]]:
    shop = {
        "domain": SHOP,
        "access_token": TOKEN,
        "webhook_secret": "s",
        "plan": "standard",
        "locations": [{"name": "Warehouse"}],
        "products": [{"title": f"P{n}", "variants": [{"sku": f"S{n}", "tracked": True}]} for n in range(levels)],
        "levels": [{"sku": f"S{n}", "location": "Warehouse", "available": 0} for n in range(levels)],
    }
    httpx.post(f"{simulator.base_url}/_control/shops", json=shop, timeout=60).raise_for_status()
    summary = httpx.get(f"{simulator.base_url}/_control/shops/{SHOP}", timeout=60).json()
    items = {v["sku"]: int(v["inventory_item_id"]) for v in summary["variants"]}
    return int(summary["locations"][0]["id"]), [items[f"S{n}"] for n in range(levels)]


def _pushes(location_id: int, items: list[int], value: int) -> list[LevelPush]:
    return [
        LevelPush(LevelKey(SHOP, "warehouse", f"S{n}"), value, value, value - 1, item, location_id)
        for n, item in enumerate(items)
    ]


def measure(levels: int = 1000) -> list[Row]:
    rows: list[Row] = []
    throttled = 0

    def count_throttled(response: httpx.Response) -> None:
        nonlocal throttled
        response.read()
        throttled += b'"THROTTLED"' in response.content

    # 1. The pusher's way: 250 quantities per call, on the real clock.
    with SimulatorServer() as simulator:
        location_id, items = _seed(simulator, levels)
        url = simulator.graphql_url_template.format(shop=SHOP, version="2026-07")
        client = ShopifyAdminClient(
            SHOP, TOKEN, url, http_client=httpx.Client(event_hooks={"response": [count_throttled]})
        )
        gateway = ShopifyInventoryWriter(ShopifyAdminOperations(client))
        next(gateway.gateway.list_locations())  # the simulator builds its schema once: not ours to time
        spent = 0.0
        start = time.perf_counter()
        for chunk in chunks(_pushes(location_id, items, 1)):
            assert set(gateway.set_available(chunk, idempotency_key=idempotency_key(chunk)).values()) == {"applied"}
            spent += client.last_cost.actual_query_cost or 0 if client.last_cost else 0
        elapsed = time.perf_counter() - start
    ideal_rate = RESTORE_RATE / MUTATION_COST * 250
    rows += [
        Row(
            "shopify",
            f"levels/s ({levels} levels, 250 per call, a burst in a full bucket)",
            levels / elapsed,
            "/s",
            ideal_rate,
            "sustained limit: 100 points/s / 10 per call x 250",
            "simulator",
            better="higher",
        ),
        Row(
            "shopify",
            "cost points per level pushed",
            spent / levels,
            "points",
            MUTATION_COST / 250,
            "10 points per 250-quantity call",
            "simulator",
        ),
    ]

    # 2. A burst of single-level writes on a manual clock the client's waits advance: the simulated time
    #    it takes, against the time the restore rate allows (no wall-clock waiting, no flakiness).
    clock = ManualClock()
    with SimulatorServer(clock=clock) as simulator:
        location_id, items = _seed(simulator, levels)
        url = simulator.graphql_url_template.format(shop=SHOP, version="2026-07")
        started = clock.now()
        client = ShopifyAdminClient(
            SHOP,
            TOKEN,
            url,
            clock=clock.now,
            sleeper=clock.advance,
            http_client=httpx.Client(event_hooks={"response": [count_throttled]}),
        )
        gateway = ShopifyInventoryWriter(ShopifyAdminOperations(client))
        next(gateway.gateway.list_locations())
        throttled_before = throttled
        for push in _pushes(location_id, items, 2):
            gateway.set_available([push], idempotency_key=idempotency_key([push]))
        simulated = clock.now() - started
    ideal_seconds = max(0.0, levels * MUTATION_COST - BUCKET) / RESTORE_RATE
    rows += [
        Row(
            "shopify",
            f"burst of {levels} one-level writes: simulated seconds",
            simulated,
            "s",
            ideal_seconds,
            "(points - bucket) / restore rate",
        ),
        Row(
            "shopify",
            "THROTTLED answers received in that burst",
            float(throttled - throttled_before),
            "",
            None,
            "ideal 0: the client waits for the bucket",
        ),
    ]
    return rows
