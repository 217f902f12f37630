"""Pushing changed ledger levels to Shopify: coalesced, compare-and-swap guarded, acknowledged.

Called once per stream batch with every level the batch touched (and by the re-push sweep with the
levels set aside). Each level is read afresh, so many changes of one level become one push of its
latest version; levels that already agree push nothing.

Merchants are isolated: each shop's pushes run on their own thread, and a shop whose Shopify fails
(down, throttled past the client's retries, credentials lost or refused) has its levels set aside:
marked for re-push on the balance state (service/repush.py sweeps them) instead of failing the
stream batch, which would hold back every other merchant on the shard while Lambda retries it. A
shop that failed is not called again until its cool-down (ShopBreaker) has passed: its later
levels are set aside at once. Only a level that could not even be marked fails its stream record.
"""

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.domain.ledger import Balance, LevelKey
from inventory_ledger.domain.pushing import LevelPush, levels_to_push
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import (
    LedgerRepository,
    MerchantDirectory,
    PushLater,
    PushRefused,
    ShopifyInventory,
    TransientFailure,
)
from inventory_ledger.service.pacing import LevelPacer
from inventory_ledger.service.send_pushes import send_pushes

# Shops pushed at once within one batch (each waits on its own Shopify).
SHOP_CONCURRENCY = 8
# After a shop's Shopify failed, its levels are set aside without calling it for this long.
DEFAULT_COOL_DOWN = timedelta(seconds=60)


class ShopBreaker:
    """Per container: which shops' Shopify failed lately, so a batch does not wait on them again."""

    def __init__(self, cool_down: timedelta = DEFAULT_COOL_DOWN) -> None:
        self.cool_down = cool_down
        self._down_until: dict[str, tuple[datetime, str]] = {}
        self._lock = threading.Lock()

    def open_for(self, shop: str, at: datetime) -> str | None:
        """Why the shop is not to be called now, or None."""
        with self._lock:
            down = self._down_until.get(shop)
            if down is None or at >= down[0]:
                return None
            return down[1]

    def failed(self, shop: str, at: datetime, reason: str) -> None:
        with self._lock:
            self._down_until[shop] = (at + self.cool_down, reason)

    def recovered(self, shop: str) -> None:
        with self._lock:
            self._down_until.pop(shop, None)


@dataclass
class PushReport:
    pushed: list[LevelPush] = field(default_factory=list)
    # Part of `pushed`: Shopify had applied an earlier call of ours whose answer was lost.
    recognised: list[LevelPush] = field(default_factory=list)
    stale: list[LevelPush] = field(default_factory=list)
    unpushable: dict[LevelKey, str] = field(default_factory=dict)
    # Levels whose shop's Shopify failed: marked for re-push (the batch succeeds for everyone).
    set_aside: dict[LevelKey, str] = field(default_factory=dict)
    # Levels that could not even be marked: the stream batch reports their records failed.
    failed: dict[LevelKey, str] = field(default_factory=dict)
    already_agreeing: int = 0
    # Hot levels (service/pacing.py): pushed later by a scheduled push, with the delay asked for,
    # or left to one an earlier batch scheduled.
    scheduled: dict[LevelKey, int] = field(default_factory=dict)
    already_scheduled: int = 0
    calls: int = 0
    shops_down: dict[str, str] = field(default_factory=dict)

    def merge(self, other: "PushReport") -> None:
        self.pushed += other.pushed
        self.recognised += other.recognised
        self.stale += other.stale
        self.unpushable.update(other.unpushable)
        self.set_aside.update(other.set_aside)
        self.failed.update(other.failed)
        self.calls += other.calls
        self.shops_down.update(other.shops_down)


def push_levels(
    keys: Iterable[LevelKey],
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    breaker: ShopBreaker | None = None,
    pacer: LevelPacer | None = None,
    later: PushLater | None = None,
) -> PushReport:
    """With a pacer and a push-later queue, levels due that were pushed lately are scheduled instead
    (service/pacing.py); levels that agree with Shopify need neither."""
    report = PushReport()
    balances = ledger.balances(set(keys))
    due = levels_to_push(balances.values())
    report.already_agreeing = len(balances) - len(due)
    if pacer is not None:
        paced = pacer.pace([balance.key for balance in due], later)
        now_keys = set(paced.now)
        due = [balance for balance in due if balance.key in now_keys]
        report.scheduled, report.already_scheduled = paced.scheduled, len(paced.already_scheduled)
    by_shop: dict[str, list[Balance]] = defaultdict(list)
    for balance in due:
        by_shop[balance.key.shop].append(balance)
    breaker = breaker or ShopBreaker()

    def one_shop(shop: str) -> PushReport:
        return _push_shop(shop, by_shop[shop], ledger, directory, shopify_for, now, breaker)

    if len(by_shop) <= 1:
        shop_reports = [one_shop(shop) for shop in by_shop]
    else:
        with ThreadPoolExecutor(max_workers=min(SHOP_CONCURRENCY, len(by_shop)), thread_name_prefix="shop") as pool:
            shop_reports = list(pool.map(one_shop, sorted(by_shop)))
    for shop_report in shop_reports:
        report.merge(shop_report)
    if pacer is not None:
        pacer.pushed(push.key for push in report.pushed)
    return report


def _push_shop(
    shop: str,
    balances: list[Balance],
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    breaker: ShopBreaker,
) -> PushReport:
    report = PushReport()
    if not directory.is_active(shop):  # app/uninstalled: nothing more goes to this shop
        report.unpushable.update({balance.key: "the app was uninstalled from the shop" for balance in balances})
        return report
    pushes = _with_shopify_ids(shop, balances, directory, ledger, report, now)
    if not pushes:
        return report
    down = breaker.open_for(shop, now())
    if down is not None:
        _set_aside(pushes, f"Shopify of {shop} failed lately ({down}): set aside", ledger, report, now)
        report.shops_down[shop] = down
        return report
    try:
        shopify = shopify_for(shop)
    except (TransientFailure, PushRefused, LookupError) as error:
        reason = f"no Shopify client: {error}"
        breaker.failed(shop, now(), reason)
        report.shops_down[shop] = reason
        _set_aside(pushes, reason, ledger, report, now)
        return report
    # Overlapped: a 1,000-level backlog is four calls, each one's acknowledgements written during the next.
    sent = send_pushes(pushes, shopify, lambda applied: ledger.acknowledge_pushes(applied, now()), overlapped=True)
    report.calls += sent.calls
    report.pushed += sent.applied
    report.recognised += sent.recognised
    for push in sent.stale:
        # Shopify holds a change we have not seen: its webhook will move shopify_expected and trigger
        # the next push. The sweep does not wait for it: it catches up on the shop's orders within
        # minutes and resolves the level (service/repush.py).
        ledger.record_stale_push(push, now())
        try:
            ledger.mark_for_repush(
                push.key, "stale: Shopify holds a change the ledger has not seen", now(), failed=False
            )
        except TransientFailure:
            logger.warning("stale level not marked for the sweep", extra={"level": str(push.key)})
    report.stale += sent.stale
    if sent.shop_error is not None:
        breaker.failed(shop, now(), sent.shop_error)
        report.shops_down[shop] = sent.shop_error
    else:
        breaker.recovered(shop)
    by_key = {push.key: push for push in pushes}
    _set_aside(
        [by_key[key] for key in sent.unsent], "; ".join(sorted(set(sent.unsent.values())))[:500], ledger, report, now
    )
    return report


def _set_aside(
    pushes: list[LevelPush], reason: str, ledger: LedgerRepository, report: PushReport, now: Callable[[], datetime]
) -> None:
    for push in pushes:
        try:
            ledger.mark_for_repush(push.key, reason, now())
        except Exception as error:  # the mark is the level's only record: without it, the stream retries
            logger.warning("level not marked for re-push", extra={"level": str(push.key), "error": str(error)})
            report.failed[push.key] = f"{reason}; not marked for re-push: {error}"
        else:
            report.set_aside[push.key] = reason


def _with_shopify_ids(
    shop: str,
    balances: list[Balance],
    directory: MerchantDirectory,
    ledger: LedgerRepository,
    report: PushReport,
    now: Callable[[], datetime],
) -> list[LevelPush]:
    locations, items = directory.shopify_ids(shop, {b.key.location for b in balances}, {b.key.sku for b in balances})
    pushes = []
    for balance in balances:
        key = balance.key
        problem = None
        if key.location not in locations:
            problem = f"location {key.location!r} is not mapped to a Shopify location"
        elif key.sku not in items:
            problem = f"SKU {key.sku!r} is not mapped to a Shopify inventory item"
        if problem:
            ledger.record_unpushable(key, problem, now())
            report.unpushable[key] = problem
            continue
        pushes.append(
            LevelPush(
                key,
                balance.version,
                balance.quantity,
                balance.shopify_expected,
                items[key.sku],
                locations[key.location],
            )
        )
    return pushes


def record_report(report: PushReport) -> None:
    """One log line and the pusher's metrics per batch."""
    logger.info(
        "levels pushed",
        extra={
            "pushed": len(report.pushed),
            "recognised": len(report.recognised),
            "stale": len(report.stale),
            "set_aside": len(report.set_aside),
            "failed": len(report.failed),
            "unpushable": len(report.unpushable),
            "agreeing": report.already_agreeing,
            "calls": report.calls,
            "scheduled": len(report.scheduled),
            "already_scheduled": report.already_scheduled,
            "shops_down": report.shops_down,
        },
    )
    for key, reason in {**report.unpushable, **report.failed}.items():
        logger.warning("level not pushed", extra={"level": str(key), "reason": reason})
    metrics.add_metric(name="LevelsPushed", unit=MetricUnit.Count, value=len(report.pushed))
    metrics.add_metric(name="PushAcksRecognised", unit=MetricUnit.Count, value=len(report.recognised))
    metrics.add_metric(name="PushStale", unit=MetricUnit.Count, value=len(report.stale))
    metrics.add_metric(name="PushSetAside", unit=MetricUnit.Count, value=len(report.set_aside))
    metrics.add_metric(name="PushFailures", unit=MetricUnit.Count, value=len(report.failed))
    metrics.add_metric(name="PushUnpushable", unit=MetricUnit.Count, value=len(report.unpushable))
    metrics.add_metric(name="ShopifyCalls", unit=MetricUnit.Count, value=report.calls)
    metrics.add_metric(name="PushesScheduled", unit=MetricUnit.Count, value=len(report.scheduled))
