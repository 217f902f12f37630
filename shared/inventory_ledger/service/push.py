"""Pushing changed ledger levels to Shopify: coalesced, compare-and-swap guarded, acknowledged.

Called once per stream batch with every level the batch touched. Each level is read afresh, so many
changes of one level become one push of its latest version; levels that already agree push nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.domain.ledger import Balance, LevelKey
from inventory_ledger.domain.pushing import LevelPush, PushOutcome, chunks, idempotency_key, levels_to_push
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import (
    LedgerRepository,
    MerchantDirectory,
    PushRefused,
    ShopifyInventory,
    TransientFailure,
)

# A level whose other pushes in the same call were refused is sent again at most this often.
MAX_RESENDS = 3


@dataclass
class PushReport:
    pushed: list[LevelPush] = field(default_factory=list)
    stale: list[LevelPush] = field(default_factory=list)
    unpushable: dict[LevelKey, str] = field(default_factory=dict)
    # Levels to retry (Shopify unavailable, refused): the stream batch reports their records failed.
    failed: dict[LevelKey, str] = field(default_factory=dict)
    already_agreeing: int = 0
    calls: int = 0


def push_levels(
    keys: Iterable[LevelKey],
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
) -> PushReport:
    report = PushReport()
    balances = ledger.balances(set(keys))
    due = levels_to_push(balances.values())
    report.already_agreeing = len(balances) - len(due)
    by_shop: dict[str, list[Balance]] = defaultdict(list)
    for balance in due:
        by_shop[balance.key.shop].append(balance)
    for shop, shop_balances in by_shop.items():
        if not directory.is_active(shop):  # app/uninstalled: nothing more goes to this shop
            report.unpushable.update(
                {balance.key: "the app was uninstalled from the shop" for balance in shop_balances}
            )
            continue
        pushes = _with_shopify_ids(shop, shop_balances, directory, ledger, report, now)
        try:
            shopify = shopify_for(shop)
        except (TransientFailure, PushRefused, LookupError) as error:
            report.failed.update({push.key: f"no Shopify client: {error}" for push in pushes})
            continue
        for chunk in chunks(pushes):
            _push_chunk(chunk, shopify, ledger, report, now)
    return report


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
            LevelPush(key, balance.version, balance.quantity, balance.shopify_expected, items[key.sku],
                      locations[key.location])
        )  # fmt: skip
    return pushes


def _push_chunk(
    chunk: list[LevelPush],
    shopify: ShopifyInventory,
    ledger: LedgerRepository,
    report: PushReport,
    now: Callable[[], datetime],
) -> None:
    pending = chunk
    for _ in range(MAX_RESENDS + 1):
        if not pending:
            return
        try:
            outcomes = shopify.set_available(pending, idempotency_key=idempotency_key(pending))
        except (TransientFailure, PushRefused) as error:
            report.failed.update({push.key: f"{type(error).__name__}: {error}" for push in pending})
            return
        report.calls += 1
        applied = [push for push in pending if outcomes[push.key] is PushOutcome.APPLIED]
        ledger.acknowledge_pushes(applied, now())
        report.pushed += applied
        resend = []
        for push in pending:
            outcome = outcomes[push.key]
            if outcome is PushOutcome.STALE:
                # Shopify holds a change we have not seen: its webhook will move shopify_expected and
                # trigger the next push; if none ever comes, the reconciler finds this level stale.
                ledger.record_stale_push(push, now())
                report.stale.append(push)
            elif outcome is not PushOutcome.APPLIED:
                resend.append(push)
        pending = resend
    report.failed.update({push.key: "refused alongside stale levels too often" for push in pending})


def record_report(report: PushReport) -> None:
    """One log line and the pusher's metrics per batch."""
    logger.info(
        "levels pushed",
        extra={"pushed": len(report.pushed), "stale": len(report.stale), "failed": len(report.failed),
               "unpushable": len(report.unpushable), "agreeing": report.already_agreeing, "calls": report.calls},
    )  # fmt: skip
    for key, reason in {**report.unpushable, **report.failed}.items():
        logger.warning("level not pushed", extra={"level": str(key), "reason": reason})
    metrics.add_metric(name="LevelsPushed", unit=MetricUnit.Count, value=len(report.pushed))
    metrics.add_metric(name="PushStale", unit=MetricUnit.Count, value=len(report.stale))
    metrics.add_metric(name="PushFailures", unit=MetricUnit.Count, value=len(report.failed))
    metrics.add_metric(name="PushUnpushable", unit=MetricUnit.Count, value=len(report.unpushable))
    metrics.add_metric(name="ShopifyCalls", unit=MetricUnit.Count, value=report.calls)
