"""Nightly (EventBridge schedule): queue one reconciliation per merchant, or per location for large ones.

drift_reconciler consumes the queue one message at a time; see docs/operations.md.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.adapters.reconcile_queue import SqsReconcileQueue
from inventory_ledger.config import FanoutSettings
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.fanout import fan_out


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = FanoutSettings()
    summary = fan_out(
        DynamoDbMerchantDirectory(settings.ledger_table_name),
        SqsReconcileQueue(settings.reconcile_queue_url),
        split_at_levels=settings.reconcile_split_at_levels,
        run_id=str(event.get("id") or context.aws_request_id),
    )
    return summary.as_dict()
