"""Nightly (EventBridge schedule: every merchant) or direct (`{"shop", "location"?}`) reconciliation.

Returns the run summary; the reports land in the report bucket, DriftedLevels/DriftUnits in CloudWatch.
"""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.bootstrap import reconcile_dependencies, reconcile_options
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.reconcile import ReconcileRequest, reconcile, record_result_metrics


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ReconcileRequest.model_validate(event)
    result = reconcile(request, reconcile_dependencies(), reconcile_options())
    record_result_metrics(result)
    return result.summary()
