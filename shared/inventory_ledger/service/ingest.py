"""Accepting a Shopify webhook delivery: authentic ones are queued whole, nothing else is.

Each outcome has one HTTP status, so Shopify (and an operator reading the logs) gets a clear answer:
a client error never looks like our failure, and only our failure makes Shopify retry.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.domain.webhooks import (
    QUEUED_TOPICS,
    InvalidHeaders,
    Topic,
    WebhookEnvelope,
    is_authentic,
    read_delivery_headers,
)
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import DeliveryRegistry, IngestQueue, ShopSecrets, UnknownShop


class Outcome(StrEnum):
    QUEUED = "queued"
    IGNORED_TOPIC = "ignored_topic"
    TOO_LARGE = "too_large"
    INVALID_HEADERS = "invalid_headers"
    UNKNOWN_SHOP = "unknown_shop"
    FORGED = "forged"
    NOT_JSON = "not_json"
    TOO_OLD = "too_old"
    REPLAYED_FOR_OTHER_SHOP = "replayed_for_other_shop"


STATUS = {
    Outcome.QUEUED: 200,
    Outcome.IGNORED_TOPIC: 200,
    Outcome.TOO_LARGE: 413,
    Outcome.INVALID_HEADERS: 400,
    Outcome.UNKNOWN_SHOP: 401,
    Outcome.FORGED: 401,
    Outcome.NOT_JSON: 400,
    Outcome.TOO_OLD: 400,
    Outcome.REPLAYED_FOR_OTHER_SHOP: 401,
}
# What the sender is told: a prober cannot tell an unknown shop from a wrong signature (or a delivery
# of another shop replayed under this one); the logs and the metric keep the difference.
UNAUTHORIZED = frozenset({Outcome.UNKNOWN_SHOP, Outcome.FORGED, Outcome.REPLAYED_FOR_OTHER_SHOP})


@dataclass(frozen=True)
class IngressResult:
    outcome: Outcome
    detail: str
    shop_domain: str | None = None
    webhook_id: str | None = None
    event_id: str | None = None
    topic: str | None = None
    message_id: str | None = None

    @property
    def status_code(self) -> int:
        return STATUS[self.outcome]

    @property
    def answer(self) -> dict[str, str]:
        """The response body: the same for every unauthenticated outcome."""
        if self.outcome in UNAUTHORIZED:
            return {"status": "unauthorized", "detail": "delivery not authenticated"}
        return {"status": self.outcome.value, "detail": self.detail}


def accept_delivery(
    headers: Mapping[str, str],
    raw_body: bytes,
    *,
    secrets: ShopSecrets,
    queue: IngestQueue,
    max_body_bytes: int,
    now: datetime,
    max_age: timedelta | None = None,
    registry: DeliveryRegistry | None = None,
) -> IngressResult:
    """Checks one delivery and queues it when authentic; see STATUS for what each outcome answers."""
    if len(raw_body) > max_body_bytes:
        return IngressResult(Outcome.TOO_LARGE, f"body of {len(raw_body)} bytes exceeds {max_body_bytes}")
    try:
        delivery = read_delivery_headers(headers)
    except InvalidHeaders as error:
        return IngressResult(Outcome.INVALID_HEADERS, str(error))
    ids = {
        "shop_domain": delivery.shop_domain,
        "webhook_id": delivery.webhook_id,
        "event_id": delivery.event_id,
    }
    try:
        shop_secrets = secrets.webhook_secrets(delivery.shop_domain)
    except UnknownShop:
        return IngressResult(Outcome.UNKNOWN_SHOP, "no such shop", **ids)
    # Authenticity before anything that reads the body: an unsigned body is never looked into.
    if not is_authentic(raw_body, delivery.hmac_sha256, shop_secrets):
        return IngressResult(Outcome.FORGED, "signature does not match", **ids)
    if max_age is not None and now - delivery.triggered_at > max_age:
        age = int((now - delivery.triggered_at).total_seconds())
        return IngressResult(Outcome.TOO_OLD, f"triggered {age} s ago, beyond {int(max_age.total_seconds())} s", **ids)
    if registry is not None and not registry.claim(delivery.webhook_id, delivery.shop_domain, now):
        return IngressResult(Outcome.REPLAYED_FOR_OTHER_SHOP, "webhook id seen for another shop", **ids)
    if delivery.topic not in QUEUED_TOPICS:
        return IngressResult(Outcome.IGNORED_TOPIC, f"topic {delivery.topic} is not used", topic=delivery.topic, **ids)
    try:
        body = raw_body.decode("utf-8")
        if not isinstance(json.loads(body), dict):
            raise ValueError("not a JSON object")
    except ValueError:
        return IngressResult(Outcome.NOT_JSON, "body is not a JSON object", topic=delivery.topic, **ids)
    envelope = WebhookEnvelope(
        topic=Topic(delivery.topic),
        shop_domain=delivery.shop_domain,
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        triggered_at=delivery.triggered_at,
        api_version=delivery.api_version,
        received_at=now,
        body=body,
    )
    message_id = queue.send(envelope)
    return IngressResult(Outcome.QUEUED, "queued", topic=delivery.topic, message_id=message_id, **ids)


def record_outcome(result: IngressResult) -> None:
    """One structured log line and one metric per delivery, keyed by outcome."""
    logger.append_keys(webhook_id=result.webhook_id, event_id=result.event_id, shop_domain=result.shop_domain)
    fields = {"outcome": result.outcome.value, "status": result.status_code, "topic": result.topic}
    if result.outcome is Outcome.QUEUED:
        logger.info("webhook queued", extra={**fields, "message_id": result.message_id})
    elif result.outcome is Outcome.IGNORED_TOPIC:
        logger.info("webhook topic ignored", extra=fields)
    else:
        logger.warning(f"webhook refused: {result.detail}", extra=fields)
    metrics.add_dimension(name="outcome", value=result.outcome.value)
    metrics.add_metric(name="WebhookDeliveries", unit=MetricUnit.Count, value=1)
