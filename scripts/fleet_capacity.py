"""Does the night hold 1,000 merchants x 10,000 levels? A scaled fleet through the local stack, extrapolated.

    .venv/bin/python -m scripts.fleet_capacity                 # 30 small merchants, 1 of 10,000 levels
    .venv/bin/python -m scripts.fleet_capacity --small 60 --big 2 --plan standard

What runs: moto server, the Shopify simulator and the local driver, with the shipped reconcile_fanout
and drift_reconciler (no webhooks, no pusher). Each shop is onboarded through the real onboarding,
then the nightly fan-out queues one message per merchant, the driver feeds the reconciler one message
at a time (BatchSize 1, as the template), and the summariser closes the night. The small merchants
read Shopify paged, the big ones (2,000+ SKUs) with one bulk operation.

What is measured, per merchant: the reconciliation's own time (its report's `seconds`), and from the
simulator the GraphQL cost points its bucket gave and the requests it refused as THROTTLED (each
shop's leaky bucket is wrapped to count). Extrapolated: a 10,000-level merchant paged (points per
level measured on the small ones; Shopify's restore rate bounds the time) and in bulk (measured), and
1,000 of them at a reserved concurrency, against the night window (03:00 to the 08:30 summary) and
Lambda's limits (900 s per invocation).
"""

import argparse
import contextlib
import io
import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.observability import logger
from inventory_ledger.service.onboarding import onboard_shop
from local_stack.functions import RECONCILE_FANOUT
from local_stack.stack import LocalStack
from shopify_simulator.throttle import PLANS, LeakyBucket

TOKEN = "shpat_fleet"  # noqa: S105  (the simulator's, local only)
SECRET = "fleet-secret"  # noqa: S105
TIMEOUT_SECONDS = 900  # DriftReconcilerFunction's Timeout
WINDOW_SECONDS = 5.5 * 3600  # the fan-out at 03:00 UTC to the summary at 08:30 UTC
FLEET, LEVELS = 1_000, 10_000


class CountingBucket(LeakyBucket):
    """The simulator's bucket for one shop, counting what it gives and refuses."""

    def __init__(self, original: LeakyBucket) -> None:
        self.__dict__.update(original.__dict__)
        self.taken = 0.0
        self.refunded = 0.0
        self.refused = 0

    def try_take(self, cost: float) -> bool:
        ok = super().try_take(cost)
        if ok:
            self.taken += cost
        else:
            self.refused += 1
        return ok

    def refund(self, amount: float) -> None:
        self.refunded += amount
        super().refund(amount)

    @property
    def points(self) -> float:
        return self.taken - self.refunded


@dataclass
class Merchant:
    shop: str
    locations: int
    skus: int
    seconds: float = 0.0
    read_mode: str = ""
    levels: int = 0
    points: float = 0.0
    refused: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def fleet(args: argparse.Namespace) -> list[Merchant]:
    small = [Merchant(f"small-{n:03d}.myshopify.com", args.small_locations, args.small_skus) for n in range(args.small)]
    big = [Merchant(f"big-{n:02d}.myshopify.com", args.big_locations, args.big_skus) for n in range(args.big)]
    return small + big


def seed(merchants: list[Merchant], plan: str) -> Callable[[str], dict[str, Any]]:
    def shop(m: Merchant) -> dict[str, Any]:
        skus = [f"SKU-{i:05d}" for i in range(m.skus)]
        locations = [f"Location {i}" for i in range(m.locations)]
        return {
            "domain": m.shop, "access_token": TOKEN, "webhook_secret": SECRET, "plan": plan,
            "locations": [{"name": name, "primary": i == 0} for i, name in enumerate(locations)],
            "products": [{"title": f"P{i}", "variants": [{"sku": s, "tracked": True} for s in skus[i : i + 100]]}
                         for i in range(0, len(skus), 100)],
            "levels": [{"sku": s, "location": name, "available": 10} for name in locations for s in skus],
        }  # fmt: skip

    return lambda webhook_url: {"shops": [shop(m) for m in merchants]}


def onboard(stack: LocalStack, merchants: list[Merchant]) -> float:
    started = time.monotonic()
    for m in merchants:
        stack.resources.put_shop_secret(m.shop, [SECRET], TOKEN)
        onboard_shop(m.shop, primary_location="Location 0", ledger=bootstrap.ledger(),
                     directory=bootstrap.merchant_directory(), shopify=bootstrap.shopify_levels_for(m.shop),
                     now=lambda: datetime.now(UTC), actor="fleet-capacity")  # fmt: skip
    return time.monotonic() - started


def report_summary(stack: LocalStack, shop: str, run_id: str) -> dict[str, Any]:
    import json

    s3 = stack.resources.client("s3")
    body = s3.get_object(Bucket=stack.resources.report_bucket_name, Key=f"reports/{shop}/{run_id}.json")["Body"]
    summary: dict[str, Any] = json.loads(body.read())["summary"]
    return summary


def night(stack: LocalStack, merchants: list[Merchant], timeout: float) -> dict[str, Any]:
    assert stack.driver is not None
    buckets = {}
    for m in merchants:
        shop = stack.simulator.sim.state.shop(m.shop)
        shop.bucket = buckets[m.shop] = CountingBucket(shop.bucket)
    started = time.monotonic()
    fanned = stack.driver.nightly()
    fanout_seconds = time.monotonic() - started
    stack.driver.drain(timeout=timeout)
    wall = time.monotonic() - started
    closed = stack.driver.invoker.invoke(RECONCILE_FANOUT, {"summarise": fanned["run_id"]})
    if closed.error is not None:
        raise closed.error
    for m in merchants:
        summary = report_summary(stack, m.shop, fanned["run_id"])
        m.seconds, m.read_mode, m.levels = float(summary["seconds"]), summary["read_mode"], summary["levels_checked"]
        m.points, m.refused = buckets[m.shop].points, buckets[m.shop].refused
    return {"fanout": fanned, "fanout_seconds": fanout_seconds, "wall": wall, "summary": closed.response}


def _line(label: str, value: str) -> None:
    print(f"  {label:<58} {value}")


def extrapolate(merchants: list[Merchant], plan: str, concurrency: int) -> None:
    size, rate = PLANS[plan]
    paged = [m for m in merchants if m.read_mode == "paged"]
    bulk = [m for m in merchants if m.read_mode == "bulk"]
    print(
        f"\nExtrapolation to {FLEET:,} merchants x {LEVELS:,} levels ({plan}: bucket {size:.0f}, {rate:.0f} points/s)"
    )
    per_merchant = []
    if paged:
        points_per_level = sum(m.points for m in paged) / sum(m.levels for m in paged)
        # The reconciler's own time per level, from merchants whose reads never waited for the bucket.
        unthrottled = [m for m in paged if m.points <= size and not m.refused] or paged
        compute_per_level = sum(m.seconds for m in unthrottled) / sum(m.levels for m in unthrottled)
        points = points_per_level * LEVELS
        shopify_wait = max(0.0, points - size) / rate
        # The bucket refills while the reconciler compares: the slower of the two sets the time.
        paged_seconds = max(compute_per_level * LEVELS, shopify_wait)
        _line("paged: points per level (measured)", f"{points_per_level:.2f}")
        _line(f"paged: {LEVELS:,} levels cost", f"{points:,.0f} points")
        _line("paged: Shopify's restore bounds the read at", f"{shopify_wait:,.0f} s")
        _line("paged: local compute per 10,000 levels (measured per level)", f"{compute_per_level * LEVELS:,.1f} s")
        _line("paged: one merchant takes at least", f"{paged_seconds:,.0f} s (of {TIMEOUT_SECONDS} s)")
        per_merchant.append(("paged", paged_seconds))
    if bulk:
        worst = max(m.seconds for m in bulk)
        _line(
            f"bulk: one merchant of {bulk[0].levels:,} levels (measured, worst)",
            f"{worst:,.1f} s (of {TIMEOUT_SECONDS} s)",
        )
        _line("bulk: points per merchant (measured)", f"{max(m.points for m in bulk):,.0f}")
        per_merchant.append(("bulk", worst))
    for mode, seconds in per_merchant:
        total = math.ceil(FLEET / concurrency) * seconds
        verdict = "fits" if total <= WINDOW_SECONDS and seconds <= TIMEOUT_SECONDS else "DOES NOT FIT"
        hours = f"{total / 3600:.2f} h of the {WINDOW_SECONDS / 3600:.1f} h window"
        _line(f"{mode}: {FLEET:,} merchants at concurrency {concurrency}", f"{total:,.0f} s = {hours}: {verdict}")
        needed = math.ceil(FLEET * seconds / WINDOW_SECONDS)
        _line(f"{mode}: concurrency needed for the window", f"{needed}")


def main() -> None:
    # The figures on stdout, not the functions' JSON logs or the simulator's request lines.
    logger.setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=30, help="merchants with few levels (paged reads)")
    parser.add_argument("--small-locations", type=int, default=2)
    parser.add_argument("--small-skus", type=int, default=20)
    parser.add_argument("--big", type=int, default=1, help="merchants of big-locations x big-skus (bulk reads)")
    parser.add_argument("--big-locations", type=int, default=5)
    parser.add_argument("--big-skus", type=int, default=2_000)
    parser.add_argument("--plan", choices=sorted(PLANS), default="standard")
    parser.add_argument("--concurrency", type=int, default=50, help="reserved concurrency of the reconciler")
    # moto server's transactions time out under load while onboarding thousands of levels.
    parser.add_argument("--dynamodb", choices=("moto", "dynamodb-local"), default="dynamodb-local")
    parser.add_argument("--timeout", type=float, default=3600.0, help="how long the local night may take")
    args = parser.parse_args()
    merchants = fleet(args)
    levels = sum(m.locations * m.skus for m in merchants)
    print(f"Fleet: {args.small} x ({args.small_locations} locations x {args.small_skus} SKUs) + {args.big} x "
          f"({args.big_locations} x {args.big_skus}) = {len(merchants)} merchants, {levels:,} levels, "
          f"plan {args.plan}, table on {args.dynamodb}")  # fmt: skip
    with LocalStack(dynamodb=args.dynamodb, simulator_seed=seed(merchants, args.plan),
                    handlers={"ledger_consumer": None, "level_pusher": None}) as stack:  # fmt: skip
        with contextlib.redirect_stdout(io.StringIO()):  # the functions' metric lines (EMF)
            setup = onboard(stack, merchants)
            ran = night(stack, merchants, args.timeout)
        print(f"  onboarded in {setup:,.0f} s (not part of the night)")
    summary = ran["summary"]
    print(f"\nThe local night ({len(merchants)} merchants, one reconciliation at a time)")
    _line("fan-out: messages queued", f"{ran['fanout']['messages']} in {ran['fanout_seconds']:.2f} s")
    _line("night: fan-out to idle queue (wall)", f"{ran['wall']:,.1f} s")
    _line("summary: reconciled / drifted / failed / not run",
          f"{summary['reconciled']} / {summary['drifted']} / {summary['failed']} / {summary['not_run']}")  # fmt: skip
    for mode in ("paged", "bulk"):
        group = [m for m in merchants if m.read_mode == mode]
        if not group:
            continue
        seconds = [m.seconds for m in group]
        sizes = sorted({m.levels for m in group})
        _line(f"{mode}: merchants, levels each", f"{len(group)}, {' / '.join(f'{n:,}' for n in sizes)}")
        _line(f"{mode}: reconciliation seconds p50 / max", f"{statistics.median(seconds):.2f} / {max(seconds):.2f}")
        _line(f"{mode}: Shopify points per merchant p50 / max",
              f"{statistics.median(m.points for m in group):,.0f} / {max(m.points for m in group):,.0f}")  # fmt: skip
        _line(f"{mode}: THROTTLED answers (all merchants)", f"{sum(m.refused for m in group)}")
    extrapolate(merchants, args.plan, args.concurrency)
    fanout_per_merchant = ran["fanout_seconds"] / max(len(merchants), 1)
    _line(f"fan-out for {FLEET:,} merchants (measured per merchant)",
          f"{fanout_per_merchant * FLEET:,.0f} s of its 300 s timeout")  # fmt: skip


if __name__ == "__main__":
    main()
