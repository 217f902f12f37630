"""Refunds still waiting for their order past the deadline: settled by the stated rule
(domain/waiting_refunds.py) and counted for the `RefundsPastDeadline` alarm.

Runs after a catch-up that read Shopify, so an order Shopify still returns has had its chance to be
applied (and to release its refund) first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from inventory_ledger.domain.ledger import ActivityEntry, LevelKey, Source
from inventory_ledger.domain.merchant import MappingQuery, MerchantView
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.shopify_payloads import Refund
from inventory_ledger.domain.waiting_refunds import past_deadline, settle_refund
from inventory_ledger.domain.webhooks import WebhookEnvelope
from inventory_ledger.observability import logger
from inventory_ledger.ports import LedgerRepository
from inventory_ledger.service.apply_webhook import apply_movements


@dataclass
class WaitingRefunds:
    """waiting: still inside the deadline (their order may yet come); past_deadline: found waiting past
    it this run (what the alarm counts), each then settled or, with a line the rule cannot place (no
    mapped location or SKU), left_parked for the operator."""

    waiting: int = 0
    past_deadline: int = 0
    settled: int = 0
    left_parked: int = 0
    entries_applied: int = 0
    # Levels a refund still inside the deadline will restock: Shopify restocked them already, so their
    # difference is a movement on its way, not drift (judging it would adopt or heal the unit away).
    pending: set[LevelKey] = field(default_factory=set)

    def summary(self) -> dict[str, Any]:
        return {name: value for name, value in vars(self).items() if name != "pending"}


def settle_waiting_refunds(
    shop: str, ledger: LedgerRepository, now: Callable[[], datetime], deadline: timedelta
) -> WaitingRefunds:
    result = WaitingRefunds()
    for parked in ledger.parked_events(shop):
        if parked.waiting_for_order is None or not parked.is_waiting:
            continue
        if not past_deadline(parked.parked_at, now(), deadline):
            result.waiting += 1
            result.pending |= _restocked_levels(parked, ledger)
            continue
        result.past_deadline += 1
        _settle(parked, ledger, now, result)
    if result.past_deadline:
        logger.warning("refunds waiting past the deadline", extra={"shop": shop, **result.summary()})
    return result


def waiting_refund_levels(shop: str, ledger: LedgerRepository) -> set[LevelKey]:
    """Every level a waiting refund will restock (whatever its age)."""
    levels: set[LevelKey] = set()
    for parked in ledger.parked_events(shop):
        if parked.waiting_for_order is not None and parked.is_waiting:
            levels |= _restocked_levels(parked, ledger)
    return levels


def _restocked_levels(parked: ParkedEvent, ledger: LedgerRepository) -> set[LevelKey]:
    refund, merchant = _read(parked, ledger)
    if merchant is None:
        return set()
    return {m.key for m in settle_refund(refund, merchant, Source()).movements}


def _read(parked: ParkedEvent, ledger: LedgerRepository) -> tuple[Refund, MerchantView | None]:
    """The parked refund and the mappings it names; no merchant for an envelope that no longer reads
    (it was parked as a refund, so only a hand-edited item can be that): left parked, logged."""
    try:
        refund = Refund.model_validate_json(WebhookEnvelope.model_validate_json(parked.envelope).body)
    except ValidationError:
        logger.warning("waiting refund unreadable: left parked", extra={"event_id": parked.event_id})
        return Refund(id=0, order_id=0), None
    wanted = MappingQuery.of(
        shopify_location_ids=(line.location_id for line in refund.refund_line_items),
        skus=(line.line_item.sku for line in refund.refund_line_items if line.line_item),
    )
    merchant = ledger.merchant_view(parked.shop, wanted)
    return refund, merchant


def _settle(parked: ParkedEvent, ledger: LedgerRepository, now: Callable[[], datetime], result: WaitingRefunds) -> None:
    refund, merchant = _read(parked, ledger)
    if merchant is None:
        return
    envelope = WebhookEnvelope.model_validate_json(parked.envelope)
    source = Source(topic=envelope.topic.value, webhook_id=envelope.webhook_id, event_id=envelope.event_id)
    applied: list[ActivityEntry] = []
    translation = apply_movements(ledger, parked.shop, None, lambda _: settle_refund(refund, merchant, source), now,
                                  applied)  # fmt: skip
    result.entries_applied += len(applied)
    ledger.unpark(parked)
    if translation.problems:
        # No longer waiting for an order: parked for the operator with what still keeps it.
        ledger.park(replace(parked, problems=tuple(translation.problems), waiting_for_order=None, parked_at=now()))
        result.left_parked += 1
    else:
        result.settled += 1
