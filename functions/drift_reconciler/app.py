"""Queued (the nightly fan-out: one `{"shop", "location"?}` per SQS message), direct (`{"shop",
"location"?}`) or scheduled (every merchant in turn) reconciliation.

A direct or scheduled invocation returns the run summary; a queued batch returns its failures, so
each failed merchant is retried on its own. Reports land in the report bucket, DriftedLevels/DriftUnits
in CloudWatch.
"""

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from inventory_ledger.bootstrap import nightly_run_log, reconcile_dependencies, reconcile_options
from inventory_ledger.clock import utc_now
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.reconcile import ReconcileRequest, ReconcileResult, reconcile, record_result_metrics
from inventory_ledger.service.reconcile.nightly import reconcile_for_the_night

if TYPE_CHECKING:  # a type only: importing it at run time is a module more in every cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

processor = BatchProcessor(event_type=EventType.SQS)


def reconciled(request: ReconcileRequest) -> ReconcileResult:
    result = reconcile(request, reconcile_dependencies(), reconcile_options())
    record_result_metrics(result)
    return result


def run(request: ReconcileRequest) -> dict[str, Any]:
    return reconciled(request).summary()


def queued(record: SQSRecord) -> dict[str, Any]:
    request = ReconcileRequest.model_validate_json(record.body)
    if request.shop is None:
        raise ValueError("a queued reconciliation names its shop")  # never every merchant from the queue
    if request.run_id is None:  # sent by hand: no night to join
        return run(request)
    return reconcile_for_the_night(request, reconciled, nightly_run_log(), utc_now).summary()


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: "LambdaContext") -> dict[str, Any] | PartialItemFailureResponse:
    if "Records" in event:
        return process_partial_response(event=event, record_handler=queued, processor=processor, context=context)
    return run(ReconcileRequest.model_validate(event))
