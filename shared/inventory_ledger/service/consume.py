"""One ingest-queue message in: parsed, applied or parked, and accounted for in logs and metrics.

What may go back to the queue (for SQS to redeliver) is only what can succeed later: throttling and
lost races (TransientFailure). Everything else is applied or parked here, never dropped.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import ValidationError

from inventory_ledger.domain.merchant import Problem, ProblemKind
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.webhooks import LIFECYCLE_TOPICS, WebhookEnvelope
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import LedgerRepository, MissingPayload, PayloadStore, ShopLifecycle
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope
from inventory_ledger.service.lifecycle import handle_lifecycle

UNREADABLE_SHOP = "unreadable"


def consume_message(
    body: str,
    message_id: str,
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    payloads: PayloadStore | None = None,
    lifecycle: ShopLifecycle | None = None,
) -> ApplyResult:
    try:
        envelope = WebhookEnvelope.model_validate_json(body)
    except ValidationError as error:
        # Only our own ingress writes this queue, so this is a bug or tampering: keep it for operators.
        parked = ParkedEvent(
            shop=UNREADABLE_SHOP,
            event_id=message_id,
            topic="unknown",
            received_at=now(),
            parked_at=now(),
            envelope=body,
            problems=(Problem(ProblemKind.INVALID_PAYLOAD, f"not an ingest envelope: {error.error_count()} error(s)"),),
        )
        ledger.park(parked)
        return ApplyResult(message_id, "unknown", UNREADABLE_SHOP, parked=parked)
    logger.append_keys(event_id=envelope.event_id, webhook_id=envelope.webhook_id, shop_domain=envelope.shop_domain)
    if envelope.body_ref is not None:
        try:
            envelope = _with_stored_body(envelope, payloads)
        except (MissingPayload, UnicodeDecodeError) as error:
            problem = Problem(ProblemKind.INVALID_PAYLOAD, f"stored body unreadable: {type(error).__name__}")
            parked = ParkedEvent.of(envelope, body, now(), [problem])
            ledger.park(parked)
            result = ApplyResult(envelope.event_id, envelope.topic.value, envelope.shop_domain, parked=parked)
            record_result(result)
            return result
    if envelope.topic in LIFECYCLE_TOPICS:
        return _lifecycle(envelope, body, ledger, lifecycle, now)
    result = apply_envelope(envelope, ledger, now)
    record_result(result)
    return result


def _lifecycle(
    envelope: WebhookEnvelope,
    body: str,
    ledger: LedgerRepository,
    lifecycle: ShopLifecycle | None,
    now: Callable[[], datetime],
) -> ApplyResult:
    result = ApplyResult(envelope.event_id, envelope.topic.value, envelope.shop_domain)
    if lifecycle is None:  # a wiring mistake: keep the event for operators rather than lose it
        problem = Problem(ProblemKind.INVALID_PAYLOAD, "no lifecycle handler configured")
        result.parked = ParkedEvent.of(envelope, body, now(), [problem])
        ledger.park(result.parked)
    else:
        result.skipped.append(handle_lifecycle(envelope, ledger, lifecycle, now))
    record_result(result)
    return result


def _with_stored_body(envelope: WebhookEnvelope, payloads: PayloadStore | None) -> WebhookEnvelope:
    """The envelope with the body ingress stored apart (too large for one message); S3 errors other
    than a missing object propagate, so SQS redelivers the message."""
    if payloads is None or envelope.body_ref is None:
        raise MissingPayload(envelope.body_ref or "")
    return envelope.model_copy(update={"body": payloads.get(envelope.body_ref).decode("utf-8")})


def record_result(result: ApplyResult) -> None:
    fields = {"topic": result.topic, "applied": len(result.applied), "skipped": result.skipped}
    if result.parked is not None:
        waiting = result.parked.is_waiting
        logger.warning("event parked", extra={**fields, "reason": result.parked.reason, "waiting": waiting})
        metrics.add_metric(name="WaitingEvents" if waiting else "ParkedEvents", unit=MetricUnit.Count, value=1)
    else:
        logger.info("event applied" if result.applied else "event already applied", extra=fields)
    metrics.add_metric(name="MovementsApplied", unit=MetricUnit.Count, value=len(result.applied))
    # Lines that are not stock (gift cards, untracked items, custom lines): never a movement, always counted.
    for reason, count in Counter(line.reason.value for line in result.skipped_lines).items():
        logger.info("order lines skipped", extra={"reason": reason, "lines": count, "topic": result.topic})
        with single_metric(name="LinesSkipped", unit=MetricUnit.Count, value=count, namespace=metrics.namespace) as m:
            m.add_dimension(name="reason", value=reason)
    if result.oversells:  # the service-level total is what OversellAlarm watches
        metrics.add_metric(name="Oversell", unit=MetricUnit.Count, value=len(result.oversells))
    for entry in result.oversells:
        logger.warning("oversell", extra={"level": str(entry.key), "balance_after": entry.balance_after})
        # Per level dimensions: the alarm and the dashboard show which merchant and location oversold.
        with single_metric(name="Oversell", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
            metric.add_dimension(name="shop", value=entry.key.shop)
            metric.add_dimension(name="location", value=entry.key.location)
