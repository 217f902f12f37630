"""The nightly run's bookkeeping: each queued reconciliation records its outcome, and after the window
the summariser joins them into the night's summary (report bucket, metrics, log). See
docs/operations.md ("The night's summary")."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.domain.nightly import MessageOutcome, MessageStatus, NightlySummary, summarise
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import MerchantDirectory, NightlyRunLog, ReportStore

if TYPE_CHECKING:
    from inventory_ledger.service.reconcile.invocation import ReconcileRequest, ReconcileResult

# The summariser closes the run it finds started within this long before it runs.
DEFAULT_LOOKBACK = timedelta(hours=24)


def reconcile_for_the_night(
    request: "ReconcileRequest",
    run: Callable[["ReconcileRequest"], "ReconcileResult"],
    log: NightlyRunLog,
    now: Callable[[], datetime],
) -> "ReconcileResult":
    """Runs one queued reconciliation of the night, recording its start, then its success or failure
    (the error re-raised, so the queue retries the message)."""
    assert request.run_id is not None
    assert request.shop is not None
    log.record_started(request.run_id, request.shop, request.location, now())
    try:
        result = run(request)
    except Exception as error:
        why = f"{type(error).__name__}: {error}"
        failed = MessageOutcome(request.shop, request.location, MessageStatus.FAILED, error=why)
        log.record_outcome(request.run_id, failed, now())
        raise
    shop_run = result.runs[0]
    missing = tuple(shop_run.subscriptions_missing)
    reconciled = MessageOutcome(request.shop, request.location, MessageStatus.RECONCILED,
                                drifted=shop_run.total("drifted"), levels=shop_run.total("checked"),
                                subscriptions_missing=missing)  # fmt: skip
    log.record_outcome(request.run_id, reconciled, now())
    return result


def summary_key(summary: NightlySummary) -> str:
    day = (summary.started_at or summary.closed_at).strftime("%Y-%m-%d")
    return f"nightly/{day}/{summary.run_id or 'no-run'}.json"


def summarise_night(
    log: NightlyRunLog,
    directory: MerchantDirectory,
    reports: ReportStore,
    now: datetime,
    *,
    run_id: str | None = None,
    lookback: timedelta = DEFAULT_LOOKBACK,
) -> NightlySummary:
    """The summary of the given run (LookupError when none is recorded: nothing written), or of the
    latest one started within `lookback`; without one, every active merchant is reported not run.
    Written to the report bucket, published, logged."""
    plan = log.plan(run_id) if run_id is not None else log.latest_plan(now - lookback)
    if run_id is not None and plan is None:  # a mistyped id must not page anyone
        raise LookupError(f"no nightly run {run_id!r} is recorded")
    outcomes = log.outcomes(plan.run_id) if plan is not None else []
    shops = directory.shops() if plan is None else []
    summary = summarise(plan, outcomes, closed_at=now, shops=shops)
    body = json.dumps(summary.as_dict(), indent=1).encode()
    location = reports.put(summary_key(summary), body, "application/json")
    for name, value in (
        ("NightlyMerchants", summary.merchants),
        ("NightlyMerchantsReconciled", len(summary.reconciled)),
        ("NightlyMerchantsDrifted", len(summary.drifted)),
        ("NightlyMerchantsFailed", len(summary.failed)),
        ("NightlyMerchantsNotRun", len(summary.not_run)),
        ("NightlyMerchantsMissingWebhooks", len(summary.subscriptions_missing)),
    ):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    level = logger.warning if summary.failed or summary.not_run else logger.info
    level("nightly summary", extra={**summary.as_dict(), "summary_object": location})
    return summary
