"""Nightly (EventBridge schedules): at 03:00 queue one reconciliation per merchant (per location for
large ones); after the window (``{"summarise": true}`` or ``{"summarise": "<run id>"}``) join every
merchant's outcome into the night's summary.

drift_reconciler consumes the queue one message at a time; see docs/operations.md.
"""

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.adapters.dynamodb.nightly_runs import DynamoDbNightlyRunLog
from inventory_ledger.adapters.reconcile_queue import SqsReconcileQueue
from inventory_ledger.adapters.s3_reports import S3ReportStore
from inventory_ledger.clock import utc_now
from inventory_ledger.config import FanoutSettings
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.fanout import fan_out
from inventory_ledger.service.reconcile.nightly import summarise_night


def summarise(settings: FanoutSettings, asked: Any) -> dict[str, Any]:
    if not settings.report_bucket_name:
        raise ValueError("REPORT_BUCKET_NAME is not set: the summary has nowhere to go")
    if not (asked is True or (isinstance(asked, str) and asked.strip())):
        raise ValueError('"summarise" is true (the latest run) or a run id')
    summary = summarise_night(
        DynamoDbNightlyRunLog(settings.ledger_table_name),
        DynamoDbMerchantDirectory(settings.ledger_table_name),
        S3ReportStore(settings.report_bucket_name),
        utc_now(),
        run_id=None if asked is True else asked.strip(),
        lookback=timedelta(hours=settings.nightly_summary_lookback_hours),
    )
    return summary.as_dict()


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = FanoutSettings.from_environment()
    if "summarise" in event:
        return summarise(settings, event["summarise"])
    table = settings.ledger_table_name
    summary = fan_out(
        DynamoDbMerchantDirectory(table),
        SqsReconcileQueue(settings.reconcile_queue_url),
        split_at_levels=settings.reconcile_split_at_levels,
        run_id=str(event.get("id") or context.aws_request_id),
        run_log=DynamoDbNightlyRunLog(table),
        started_at=utc_now(),
    )
    return summary.as_dict()
