"""The app's lifecycle and the mandatory compliance topics, answered 200 at ingress and acted on here.

- ``app/uninstalled``: the shop is marked; pushes and nightly reconciliation stop for it; its ledger
  is kept (onboarding again makes it active).
- ``customers/redact``: personal data is removed from every parked event of the shop (parking keeps
  none since domain/privacy.py, older ones are scrubbed now); the ledger itself never holds any.
- ``customers/data_request``: recorded with what the app holds of the customer: no personal data;
  which of the requested orders parked events still refer to.
- ``shop/redact`` (48 hours after an uninstall): the shop's parked events are deleted; balances and
  activity (stock counts, no personal data) are kept for the merchant's books.

Each is recorded (``COMPLIANCE#<event id>`` on the shop) with what was done. Shopify asks for action
within 30 days; this is done when the message is consumed, seconds after delivery. A body that cannot
be read is still recorded and, for the redacts, the whole shop is scrubbed: the safe reading.
"""

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from inventory_ledger.domain.privacy import scrub_envelope
from inventory_ledger.domain.webhooks import Topic, WebhookEnvelope
from inventory_ledger.observability import logger
from inventory_ledger.ports import ApplyingLedger, ShopLifecycle


def _body(envelope: WebhookEnvelope) -> dict[str, Any]:
    try:
        parsed = json.loads(envelope.body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _order_ids(raw: object) -> set[int]:
    return (
        {value for value in raw if isinstance(value, int) and not isinstance(value, bool)}
        if isinstance(raw, list)
        else set()
    )


def handle_lifecycle(
    envelope: WebhookEnvelope, ledger: ApplyingLedger, lifecycle: ShopLifecycle, now: Callable[[], datetime]
) -> str:
    """Acts on one lifecycle or compliance delivery; returns what was done (also recorded)."""
    shop, body = envelope.shop_domain, _body(envelope)
    if envelope.topic is Topic.APP_UNINSTALLED:
        lifecycle.mark_uninstalled(shop, now())
        detail = "pushes and reconciliation stopped; ledger kept"
    elif envelope.topic is Topic.CUSTOMERS_REDACT:
        detail = f"personal data removed from {_scrub_parked(shop, ledger)} parked event(s)"
    elif envelope.topic is Topic.SHOP_REDACT:
        parked = ledger.parked_events(shop)
        for event in parked:
            ledger.unpark(event)
        detail = f"{len(parked)} parked event(s) deleted; balances and activity hold no personal data"
    elif envelope.topic is Topic.CUSTOMERS_DATA_REQUEST:
        requested = _order_ids(body.get("orders_requested"))
        referring = sorted(
            event.event_id
            for event in ledger.parked_events(shop)
            if _order_ids([_parked_order(event.envelope)]) & requested
        )
        detail = f"no personal data held; parked events referring to requested orders: {referring or 'none'}"
    else:
        raise ValueError(f"{envelope.topic} is not a lifecycle topic")
    lifecycle.record_compliance(shop, envelope.topic.value, envelope.event_id, now(), detail)
    logger.info("lifecycle event handled", extra={"topic": envelope.topic.value, "detail": detail})
    return detail


def _parked_order(envelope: str) -> object:
    try:
        body = json.loads(json.loads(envelope).get("body") or "{}")
    except (ValueError, AttributeError):
        return None
    return body.get("order_id", body.get("id")) if isinstance(body, dict) else None


def _scrub_parked(shop: str, ledger: ApplyingLedger) -> int:
    scrubbed = 0
    for event in ledger.parked_events(shop):
        clean = scrub_envelope(event.envelope)
        if clean != event.envelope:
            ledger.park(replace(event, envelope=clean))
            scrubbed += 1
    return scrubbed
