"""Ledger balance changes (DynamoDB stream) in, Shopify levels out: one coalesced push per batch.

The whole batch is pushed first (many changes of a level become one quantity; up to 250 per call).
A level pushed within the last spacing is scheduled on the push-later queue instead, and that
queue's messages come back here to be pushed (service/pacing.py): a level that keeps changing is
pushed once per spacing, not once per stream poll. A shop whose Shopify fails has its levels set
aside (marked for re-push) and the batch succeeds for everyone; a record is reported failed only
when its level could not even be marked. The pusher's schedule (an EventBridge Scheduled Event)
sweeps the marked levels and pushes them again, after replaying the events parked because Shopify
could not be read for them (service/replay_unreadable.py).
"""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBStreamEvent
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from inventory_ledger.adapters.dynamodb.stream import level_of
from inventory_ledger.bootstrap import (
    ledger,
    merchant_directory,
    push_pacing,
    shopify_for,
    shopify_fulfillment_orders_for,
    shopify_orders_for,
)
from inventory_ledger.clock import utc_now
from inventory_ledger.observability import logger, metrics, tracer
from inventory_ledger.service.push import PushReport, ShopBreaker, push_levels, record_report

# Data classes, not Parser models: importing those builds every event model powertools has (~0.2 s).
processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
later_processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# Per container: a shop whose Shopify just failed is not called again by the next batches for a while.
breaker = ShopBreaker()


class PushNotDone(Exception):
    pass


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object] | PartialItemFailureResponse:
    if "Records" not in event:
        if event.get("detail-type") != "Scheduled Event":
            raise ValueError("expected a DynamoDB stream batch or the re-push schedule's Scheduled Event")
        # Only the schedule sweeps: its catch-up and heal (the reconciler's, with every order model) stay
        # out of the stream and push-later batches' cold start.
        from inventory_ledger.service.replay_unreadable import record_replay_report, replay_unreadable
        from inventory_ledger.service.repush import record_repush_report, repush_marked

        shops = merchant_directory().shops()
        # First the events parked while Shopify could not be read: what they move is pushed by the stream.
        replays = replay_unreadable(ledger(), shops, shopify_fulfillment_orders_for, utc_now)
        record_replay_report(replays)
        sweep = repush_marked(
            ledger(), merchant_directory(), shopify_for, utc_now, shops=shops, orders_for=shopify_orders_for,
            breaker=breaker,
        )  # fmt: skip
        record_repush_report(sweep)
        return {**sweep.summary(), "replays": replays.summary()}
    if event["Records"] and event["Records"][0].get("eventSource") == "aws:sqs":
        return _scheduled_pushes(event, context)
    records = DynamoDBStreamEvent(event).records
    pacer, later = push_pacing()
    report = push_levels(
        (key for key in map(level_of, records) if key), ledger(), merchant_directory(), shopify_for, utc_now, breaker,
        pacer, later,
    )  # fmt: skip
    record_report(report)

    def record_handler(record: DynamoDBRecord, failed: PushReport = report) -> None:
        key = level_of(record)
        if key in failed.failed:
            raise PushNotDone(failed.failed[key])

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


def _scheduled_pushes(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """The push-later queue's messages: their levels read afresh and pushed now, whatever their pace.

    A body that is not a LaterPush fails its record (redelivered, then the queue's dead-letter queue).
    """
    from inventory_ledger.domain.later_push import LaterPush  # pydantic: only where the queue is read

    bodies = {}
    for record in event["Records"]:
        try:
            bodies[record.get("messageId")] = LaterPush.model_validate_json(record.get("body") or "")
        except ValueError as error:
            logger.warning("push-later message is not a list of levels", extra={"error": str(error)[:500]})
    keys = {key for later_push in bodies.values() for key in later_push.level_keys()}
    pacer, _ = push_pacing()
    report = push_levels(keys, ledger(), merchant_directory(), shopify_for, utc_now, breaker)
    pacer.pushed(push.key for push in report.pushed)
    pacer.scheduled_push_done(keys)
    record_report(report)

    def record_handler(record: SQSRecord, failed: PushReport = report) -> None:
        later_push = bodies.get(record.message_id)
        if later_push is None:
            raise PushNotDone("not a list of levels to push")
        not_done = [failed.failed[key] for key in later_push.level_keys() if key in failed.failed]
        if not_done:
            raise PushNotDone(not_done[0])

    return process_partial_response(
        event=event, record_handler=record_handler, processor=later_processor, context=context
    )
