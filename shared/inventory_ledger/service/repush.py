"""The re-push sweep: levels set aside because their shop's Shopify failed are pushed again.

The mark lives with the balance state (a re-push item per level, `push_status = failed` on the
balance), not in the stream: whatever happened to the stream records (retried, bisected, expired
after MaximumRecordAgeInSeconds, sent to PushFailureQueue), a marked level is pushed from its
current balance once its Shopify answers again. The pusher's schedule runs the sweep every few
minutes; a level pushed (or found agreeing, stale or unpushable: each has its own record) leaves
the set, one that fails again stays in it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import LedgerRepository, MerchantDirectory, ShopifyInventory
from inventory_ledger.service.push import PushReport, ShopBreaker, push_levels


@dataclass
class RepushReport:
    marked: int = 0
    pushed: int = 0
    cleared: int = 0
    still_set_aside: int = 0
    shops_down: dict[str, str] = field(default_factory=dict)
    pushes: PushReport = field(default_factory=PushReport)

    def summary(self) -> dict[str, object]:
        return {"marked": self.marked, "pushed": self.pushed, "cleared": self.cleared,
                "still_set_aside": self.still_set_aside, "shops_down": dict(self.shops_down)}  # fmt: skip


def repush_marked(
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    *,
    shops: Iterable[str] | None = None,
) -> RepushReport:
    """Pushes every marked level of these shops (all registered ones by default) from its balance."""
    report = RepushReport()
    # A fresh breaker: the sweep is what probes a shop that failed lately.
    breaker = ShopBreaker()
    for shop in shops if shops is not None else directory.shops():
        marks = ledger.repush_marks(shop)
        if not marks:
            continue
        started = now()
        report.marked += len(marks)
        pushed = push_levels(marks, ledger, directory, shopify_for, now, breaker)
        report.pushes.merge(pushed)
        report.pushed += len(pushed.pushed)
        report.shops_down.update(pushed.shops_down)
        for key in marks:
            if key in pushed.set_aside or key in pushed.failed:
                report.still_set_aside += 1
            elif ledger.clear_repush(key, started):
                report.cleared += 1
    return report


def record_repush_report(report: RepushReport) -> None:
    logger.info("re-push sweep", extra=report.summary())
    metrics.add_metric(name="RepushPushed", unit=MetricUnit.Count, value=report.pushed)
    metrics.add_metric(name="RepushWaiting", unit=MetricUnit.Count, value=report.still_set_aside)
