"""Events parked because Shopify could not be read for them, replayed once it can.

A routing or a move names only a fulfilment order, which the consumer reads from Shopify. When Shopify
refuses the shop's credentials the event is parked as shopify_unreadable, and the ledger holds the
order's units where they were until it is applied. The pusher's schedule replays them every few
minutes, beside the re-push of the levels set aside for the same reason, with the reader the consumer
uses (it gives up within client.CONSUMER_READ_RETRIES, so a shop that does not answer holds the sweep
for seconds, not minutes).

Per shop at most REPLAYS_PER_SHOP a run (in the order received); the first replay that finds Shopify
still unreadable ends the shop's turn: the event stays parked, once (parked again in its own place,
its replays counted on it; one whose replay raised, Shopify unavailable, is left as it was), logged,
and the next run tries again. A replay that reads Shopify applies the event, or parks it for what still
stops it (its order not in the ledger yet, an unmapped location): no longer this sweep's to replay.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.clock import Now
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import FulfillmentOrdersFor, LedgerRepository
from inventory_ledger.service.apply_webhook import ShopifyReads, replay_parked

# A shop with a long backlog is replayed over several runs; the others' turns come first.
REPLAYS_PER_SHOP = 20


@dataclass
class ReplayReport:
    # Applied, or found applied already: no longer parked.
    replayed: int = 0
    # Parked again for another reason: Shopify was read, something else stops it (ledgerctl parked list).
    parked_otherwise: int = 0
    # Still parked because Shopify could not be read: the replay parked it again, or raised.
    still_unreadable: int = 0
    shops_unreadable: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return asdict(self)


def replay_unreadable(
    ledger: LedgerRepository,
    shops: Iterable[str],
    fulfillment_orders: FulfillmentOrdersFor,
    now: Now,
    *,
    per_shop: int = REPLAYS_PER_SHOP,
) -> ReplayReport:
    """Replays these shops' events parked as shopify_unreadable (active shops: the directory lists no
    uninstalled one, whose credentials will not work again)."""
    report = ReplayReport()
    reads = ShopifyReads(fulfillment_orders=fulfillment_orders)
    for shop in shops:
        for event in ledger.parked_unreadable(shop, per_shop):
            why = _replay(event, ledger, now, reads, report)
            if why is not None:
                report.shops_unreadable[shop] = why
                break
    return report


def _replay(
    event: ParkedEvent, ledger: LedgerRepository, now: Now, reads: ShopifyReads, report: ReplayReport
) -> str | None:
    """Replays one event; why Shopify is still unreadable for its shop, or None."""
    where = {"shop": event.shop, "event_id": event.event_id, "topic": event.topic}
    try:
        result = replay_parked(event, ledger, now, shopify=reads)
    except Exception as error:  # Shopify unavailable past the reader's retries, or a bug: left parked as it was
        report.still_unreadable += 1
        why = f"{type(error).__name__}: {error}"
        logger.warning("parked event not replayed", extra={**where, "error": why, "replays": event.replays})
        return why
    if result.parked is None:
        report.replayed += 1
        logger.info("parked event replayed", extra={**where, "applied": len(result.applied)})
        return None
    if result.parked.shopify_unreadable:
        report.still_unreadable += 1
        logger.warning(
            "parked event still unreadable",
            extra={**where, "reason": result.parked.reason, "replays": result.parked.replays},
        )
        return result.parked.reason
    report.parked_otherwise += 1
    logger.info("parked event read, parked for another reason", extra={**where, "reason": result.parked.reason})
    return None


def record_replay_report(report: ReplayReport) -> None:
    logger.info("unreadable events replayed", extra=report.summary())
    metrics.add_metric(name="ParkedReplayed", unit=MetricUnit.Count, value=report.replayed)
    metrics.add_metric(name="ParkedStillUnreadable", unit=MetricUnit.Count, value=report.still_unreadable)
