"""One ingest-queue message in: parsed, applied or parked, and accounted for in logs and metrics.

What may go back to the queue (for SQS to redeliver) is only what can succeed later: throttling and
lost races (TransientFailure). Everything else is applied or parked here, never dropped.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import ValidationError

from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Translation
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.shopify_payloads import Order, Refund
from inventory_ledger.domain.webhooks import LIFECYCLE_TOPICS, Topic, WebhookEnvelope
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import (
    BatchReadAhead,
    FulfillmentOrdersFor,
    LedgerRepository,
    MissingPayload,
    PayloadStore,
    ShopLifecycle,
)
from inventory_ledger.service.apply_batch import apply_together
from inventory_ledger.service.apply_webhook import (
    ApplyResult,
    FirstRead,
    PreparedEvent,
    Read,
    ShopifyReads,
    apply_envelope,
    expected_levels,
    finish_envelope,
    mapping_request,
    parse_payload,
    prepare_envelope,
    read_ahead_ids,
)

UNREADABLE_SHOP = "unreadable"
# Events that may be applied together with others of their shop (service/apply_batch.py).
TOGETHER_TOPICS = frozenset({Topic.ORDERS_CREATE, Topic.ORDERS_CANCELLED, Topic.REFUNDS_CREATE})
# Orders of a batch whose waiting events are looked up at once (a batch holds at most 10).
FINISH_CONCURRENCY = 10


def consume_together(
    messages: Sequence[tuple[str, str]],
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    fulfillment_orders: FulfillmentOrdersFor | None = None,
) -> dict[str, ApplyResult]:
    """Results of the messages (body, message id) of a batch applied together; the others, and any
    this could not finish, are for ``consume_message``, one by one, in the batch's order.

    Only a leading run is taken: from the first message that is not a plain order or refund event (or
    is the second of its order), everything is left to the one-by-one path, so no message is applied
    before one that came ahead of it for the same order.
    """
    prepared, results, first_reads = _leading_run(messages, ledger, now)
    by_shop: dict[str, list[PreparedEvent]] = {}
    for event in prepared.values():
        by_shop.setdefault(event.shop, []).append(event)
    committed: list[tuple[PreparedEvent, Translation]] = []
    for shop, events in by_shop.items():
        if len(events) < 2:
            continue
        try:
            committed += apply_together(events, ledger, now, first_read=first_reads.get(shop)).applied
        except Exception as error:  # the one-by-one path applies them, whatever was committed
            logger.warning("batch not applied together", extra={"error": f"{type(error).__name__}: {error}"})
    finished = _finish_all(committed, ledger, now, ShopifyReads(fulfillment_orders=fulfillment_orders))
    results.update({message_id: e.result for message_id, e in prepared.items() if id(e) in finished})
    for result in results.values():
        logger.append_keys(event_id=result.event_id, shop_domain=result.shop)
        record_result(result)
        logger.remove_keys(["event_id", "shop_domain"])
    return results


def _leading_run(
    messages: Sequence[tuple[str, str]], ledger: LedgerRepository, now: Callable[[], datetime]
) -> tuple[dict[str, PreparedEvent], dict[str, ApplyResult], dict[str, FirstRead]]:
    """The batch's leading order and refund events, prepared; those among them already answered
    (parked or skipped while preparing, exactly as one by one would); and by shop, their lines and
    balances as read with the views."""
    leading = _leading_envelopes(messages)
    reads, first_reads = _merchant_views(leading, ledger)
    prepared: dict[str, PreparedEvent] = {}
    results: dict[str, ApplyResult] = {}
    orders: set[tuple[str, int]] = set()
    for message_id, envelope, _ in leading:
        try:
            event = prepare_envelope(envelope, ledger, now, read=reads.get(message_id))
        except Exception:  # the one-by-one path meets it again and answers for it
            break
        if isinstance(event, ApplyResult):
            results[message_id] = event
            continue
        if (event.shop, event.order_id) in orders:
            break
        orders.add((event.shop, event.order_id))
        prepared[message_id] = event
    return prepared, results, first_reads


def _leading_envelopes(
    messages: Sequence[tuple[str, str]],
) -> list[tuple[str, WebhookEnvelope, Order | Refund | None]]:
    """(message id, envelope, payload) up to the first message that is not a plain order or refund
    event; the payload is None where it does not parse (preparing parks it)."""
    leading: list[tuple[str, WebhookEnvelope, Order | Refund | None]] = []
    for body, message_id in messages:
        try:
            envelope = WebhookEnvelope.model_validate_json(body)
        except ValidationError:
            break
        if envelope.body_ref is not None or envelope.topic not in TOGETHER_TOPICS:
            break
        try:
            payload = parse_payload(envelope)
        except ValidationError:
            leading.append((message_id, envelope, None))
            continue
        assert isinstance(payload, Order | Refund)  # what TOGETHER_TOPICS carry
        leading.append((message_id, envelope, payload))
    return leading


def _merchant_views(
    leading: list[tuple[str, WebhookEnvelope, Order | Refund | None]], ledger: LedgerRepository
) -> tuple[dict[str, Read], dict[str, FirstRead]]:
    """Each event's payload and merchant view, and by shop its events' order lines and the balances
    they expect to move: a shop's events read at once (one round trip, not one per event, nor one for
    the views and one for the lines). A shop whose read fails is left to each event's own read."""
    by_shop: dict[str, list[tuple[str, WebhookEnvelope, Order | Refund]]] = {}
    for message_id, envelope, payload in leading:
        if payload is not None:
            by_shop.setdefault(envelope.shop_domain, []).append((message_id, envelope, payload))
    reads: dict[str, Read] = {}
    first_reads: dict[str, FirstRead] = {}
    for shop, events in by_shop.items():
        line_ids: dict[int, set[int]] = {}
        for _, _, payload in events:
            order_id, ids = read_ahead_ids(payload)
            line_ids.setdefault(order_id, set()).update(ids)

        def keys_for(
            views: list[MerchantView | None], events: list[tuple[str, WebhookEnvelope, Order | Refund]] = events
        ) -> set[LevelKey]:
            return {
                key
                for (_, envelope, payload), view in zip(events, views, strict=True)
                if view is not None
                for key in expected_levels(envelope, payload, view)
            }

        try:
            ahead = BatchReadAhead([mapping_request(payload) for _, _, payload in events], line_ids, keys_for)
            views, lines, balances = ledger.merchant_views_lines_and_balances(shop, ahead)
        except Exception as error:  # as each event's own read would meet it: preparing answers for it
            logger.info("merchant views not read at once", extra={"error": f"{type(error).__name__}: {error}"})
            continue
        reads.update({mid: Read(payload, view) for (mid, _, payload), view in zip(events, views, strict=True)})
        first_reads[shop] = (lines, balances)
    return reads, first_reads


def _finish_all(
    committed: list[tuple[PreparedEvent, Translation]],
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    shopify: ShopifyReads,
) -> set[int]:
    """Each committed event finished (its order's waiting events looked up and released, as one by
    one); the ids of those that finished. One that did not is left to one by one, which finds its
    movements applied and finishes it."""

    def finish(item: tuple[PreparedEvent, Translation]) -> PreparedEvent | None:
        event, translation = item
        try:
            finish_envelope(event, translation, ledger, now, shopify=shopify)
        except Exception:
            event.result.applied.clear()
            return None
        return event

    # The lookups are one Query per order: run side by side, they cost one round trip, not ten.
    with ThreadPoolExecutor(max_workers=max(1, min(FINISH_CONCURRENCY, len(committed)))) as pool:
        return {id(event) for event in pool.map(finish, committed) if event is not None}


def consume_message(
    body: str,
    message_id: str,
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    payloads: PayloadStore | None = None,
    lifecycle: ShopLifecycle | None = None,
    fulfillment_orders: FulfillmentOrdersFor | None = None,
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
    result = apply_envelope(envelope, ledger, now, shopify=ShopifyReads(fulfillment_orders=fulfillment_orders))
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
        # Imported here: uninstalls and redactions are rare, so most containers never load it.
        from inventory_ledger.service.lifecycle import handle_lifecycle

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
