"""The reconciler's CloudWatch metrics (the Lambda's runs only: an operator's run pages nobody)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from inventory_ledger.observability import metrics
from inventory_ledger.service.reconcile.model import ShopRun

if TYPE_CHECKING:
    from inventory_ledger.service.reconcile.invocation import ReconcileResult


def record_run_metrics(runs: Sequence[ShopRun]) -> None:
    """Per merchant (dimension shop) and in total (service only: what DriftAlarm watches)."""
    for run in runs:
        for name, value in (("DriftedLevels", run.total("drifted")), ("DriftUnits", run.total("drift_units"))):
            with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as metric:
                metric.add_dimension(name="shop", value=run.shop)
    metrics.add_metric(name="DriftedLevels", unit=MetricUnit.Count, value=sum(r.total("drifted") for r in runs))
    metrics.add_metric(name="DriftUnits", unit=MetricUnit.Count, value=sum(r.total("drift_units") for r in runs))
    metrics.add_metric(name="LevelsHealed", unit=MetricUnit.Count, value=sum(r.total("healed") for r in runs))
    # Orders, cancellations and refunds the catch-up applied: webhooks the ledger never received.
    missed = sum(int(r.catch_up.get("webhooks_missed", 0)) for r in runs)
    metrics.add_metric(name="WebhooksMissed", unit=MetricUnit.Count, value=missed)
    # Refunds found waiting for their order past the deadline (settled or left parked): RefundsPastDeadlineAlarm.
    past = sum(int(r.waiting_refunds.get("past_deadline", 0)) for r in runs)
    metrics.add_metric(name="RefundsPastDeadline", unit=MetricUnit.Count, value=past)
    metrics.add_metric(name="LevelsReconciled", unit=MetricUnit.Count, value=sum(r.total("checked") for r in runs))
    # Shops whose webhook subscriptions lack a topic the ledger consumes (mode "shop" only).
    missing = [r for r in runs if r.subscriptions_missing]
    metrics.add_metric(name="ShopsMissingWebhookSubscriptions", unit=MetricUnit.Count, value=len(missing))
    for run in missing:
        with single_metric(name="WebhookSubscriptionsMissing", unit=MetricUnit.Count,
                           value=len(run.subscriptions_missing), namespace=metrics.namespace) as metric:  # fmt: skip
            metric.add_dimension(name="shop", value=run.shop)


def record_result_metrics(result: "ReconcileResult") -> None:
    record_run_metrics(result.runs)
    metrics.add_metric(name="ReconcileFailures", unit=MetricUnit.Count, value=len(result.failures))
