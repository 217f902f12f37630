"""A stale level, resolved: from the push Shopify refused (CHANGE_FROM_QUANTITY_STALE) to the ledger and
Shopify agreeing again, by the pusher's sweep with the default policy (docs/reconciliation.md).

Each sample makes one level stale in one of the two ways a merchant meets: a POS sale whose webhook
never comes, or an edit in Shopify's admin; then a receipt's push is refused. The time measured is
the sweep's own (catch-up on the shop's orders, push or adopt, push): what a level waits on top of
the sweep's schedule (every 5 minutes), so the worst wait is 300 s plus this. Shopify is the
simulator over HTTP on the real clock; the ledger is on moto server.
"""

import os
import statistics
import time
from datetime import UTC, datetime

import httpx

from inventory_ledger import bootstrap
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import push_levels
from inventory_ledger.service.repush import repush_marked
from local_stack.aws import LocalResources
from scripts.bench.table import Row
from shopify_simulator import SimulatorServer

SHOP = "stale-bench.myshopify.com"
TOKEN = "shpat_stale_bench"  # noqa: S105  (the simulator's, not a secret)
SWEEP_INTERVAL_S = 300.0


def now() -> datetime:
    return datetime.now(UTC)


def _seed(simulator: SimulatorServer, resources: LocalResources, skus: int) -> None:
    shop = {
        "domain": SHOP, "access_token": TOKEN, "webhook_secret": "s", "plan": "standard",
        "locations": [{"name": "Store", "primary": True}],
        "products": [{"title": f"P{n}", "variants": [{"sku": f"S{n}", "tracked": True}]} for n in range(skus)],
        "levels": [{"sku": f"S{n}", "location": "Store", "available": 20} for n in range(skus)],
    }  # fmt: skip
    httpx.post(f"{simulator.base_url}/_control/shops", json=shop, timeout=60).raise_for_status()
    summary = httpx.get(f"{simulator.base_url}/_control/shops/{SHOP}", timeout=60).json()
    resources.put_shop_secret(SHOP, ["s"], TOKEN)
    directory = bootstrap.merchant_directory()
    directory.register_shop(SHOP, onboarded_at=now())
    directory.map_location(SHOP, "store", int(summary["locations"][0]["id"]))
    directory.set_primary_location(SHOP, "store")
    for variant in summary["variants"]:
        directory.map_sku(SHOP, variant["sku"], int(variant["inventory_item_id"]))
        key = LevelKey(SHOP, "store", variant["sku"])
        opening = Movement(key, MovementKind.RECEIPT, 20, f"opening/{variant['sku']}", Source(topic="bench"),
                           shopify_applied=True)  # fmt: skip
        record_operation([opening], bootstrap.ledger(), now)


def measure(resources: LocalResources, samples: int = 20) -> list[Row]:
    seconds: list[float] = []
    with SimulatorServer() as simulator:
        control = f"{simulator.base_url}/_control/shops/{SHOP}"
        os.environ["SHOPIFY_ADMIN_URL_TEMPLATE"] = simulator.graphql_url_template
        bootstrap.reset()
        _seed(simulator, resources, samples)
        ledger, directory = bootstrap.ledger(), bootstrap.merchant_directory()
        for n in range(samples):
            key = LevelKey(SHOP, "store", f"S{n}")
            if n % 2:  # an edit in Shopify's admin, no webhook
                httpx.post(f"{control}/admin/levels", json={"sku": key.sku, "location": "Store", "available": 7},
                           timeout=10).raise_for_status()  # fmt: skip
            else:  # a POS sale whose webhook never comes
                httpx.post(f"{control}/orders", json={"lines": [{"sku": key.sku, "quantity": 2}], "location": "Store"},
                           timeout=10).raise_for_status()  # fmt: skip
            record_operation(operations.receive(SHOP, "store", key.sku, 3, f"bench-{n}"), ledger, now)
            refused = push_levels([key], ledger, directory, bootstrap.shopify_for, now)
            assert [p.key for p in refused.stale] == [key], refused
            started = time.perf_counter()
            repush_marked(ledger, directory, bootstrap.shopify_for, now, shops=[SHOP],
                          orders_for=bootstrap.shopify_orders_for)  # fmt: skip
            seconds.append(time.perf_counter() - started)
            balance = ledger.balances([key])[key]
            shown = httpx.get(f"{control}/levels", timeout=10).json()["levels"]
            available = next(int(lv["quantities"]["available"]) for lv in shown if lv["sku"] == key.sku)
            assert (balance.push_status, balance.quantity) == ("applied", available), (balance, available)
        os.environ.pop("SHOPIFY_ADMIN_URL_TEMPLATE", None)
        bootstrap.reset()
    p50 = statistics.median(seconds)
    p99 = statistics.quantiles(seconds, n=100, method="inclusive")[98]
    note = f"the sweep's interval; a level waits up to it, then this ({samples} levels, lost webhook or admin edit)"
    return [
        Row("stale", "stale -> resolved by the sweep, p50 (after its schedule fires)", p50, "s", SWEEP_INTERVAL_S,
            note, "moto"),
        Row("stale", "stale -> resolved by the sweep, p99 (after its schedule fires)", p99, "s", SWEEP_INTERVAL_S,
            note, "moto"),
    ]  # fmt: skip
