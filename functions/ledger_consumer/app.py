"""Ingest-queue messages in, ledger movements out. Failed records go back through the partial batch
response (transient failures only: everything else is applied or parked by the service).

A batch's plain order and refund events are first applied together, one transaction per shop
(service/apply_batch.py); every other message, and any the batch could not finish, is applied one
by one, in the batch's order.
"""

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from inventory_ledger.bootstrap import ledger, merchant_directory, payload_store, shopify_fulfillment_orders_for
from inventory_ledger.clock import utc_now
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.apply_webhook import ApplyResult
from inventory_ledger.service.consume import consume_message, consume_together

if TYPE_CHECKING:  # a type only: importing it at run time is a module more in every cold start
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Report every failed record, even when all failed: Lambda redelivers exactly those either way. The
# records are powertools' data classes, not Parser models: importing those builds every event model
# powertools has (about 0.2 s of a cold start), and the body is validated as an envelope anyway.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, object], context: "LambdaContext") -> PartialItemFailureResponse:
    records = event.get("Records")
    messages = (
        [(str(r.get("body", "")), str(r.get("messageId", ""))) for r in records if isinstance(r, dict)]
        if isinstance(records, list)
        else []
    )
    done = consume_together(messages, ledger(), utc_now, shopify_fulfillment_orders_for)

    @tracer.capture_method
    def record_handler(record: SQSRecord, together: dict[str, ApplyResult] = done) -> None:
        if record.message_id in together:
            return
        consume_message(
            record.body, record.message_id, ledger(), utc_now, payload_store(), merchant_directory(),
            fulfillment_orders=shopify_fulfillment_orders_for,
        )  # fmt: skip

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
