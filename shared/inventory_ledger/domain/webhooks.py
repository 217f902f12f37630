"""What a Shopify webhook delivery is, and when it is authentic. Pure: stdlib and pydantic only.

Facts (shopify.dev/docs/apps/build/webhooks/verify-deliveries, .../ignore-duplicates):
X-Shopify-Hmac-Sha256 is base64(HMAC-SHA256(raw body, app client secret)); X-Shopify-Event-Id is the
same for every delivery of one event, X-Shopify-Webhook-Id differs per delivery.
"""

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


class Topic(StrEnum):
    ORDERS_CREATE = "orders/create"
    ORDERS_CANCELLED = "orders/cancelled"
    # An order edit (added and removed units) and the order as it is after it (docs/ledger.md "Order edits").
    ORDERS_EDITED = "orders/edited"
    ORDERS_UPDATED = "orders/updated"
    REFUNDS_CREATE = "refunds/create"
    INVENTORY_LEVELS_UPDATE = "inventory_levels/update"
    # A fulfilment order re-assigned to another location (docs/ledger.md "Ship-from-store").
    FULFILLMENT_ORDERS_MOVED = "fulfillment_orders/moved"
    # Shopify's order routing assigned an order's fulfilment order to a location (the same rule as a move).
    FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE = "fulfillment_orders/order_routing_complete"
    # A return's units disposed of (restocked or not) on its reverse fulfilment order (docs/ledger.md
    # "Returns and exchanges"); needs the read_returns scope.
    REVERSE_FULFILLMENT_ORDERS_DISPOSE = "reverse_fulfillment_orders/dispose"
    # A return processed: an exchange's new line items are on its order now, and no orders/updated
    # says so. The consumer reads the order and applies it as the catch-up does (read_returns).
    RETURNS_PROCESS = "returns/process"
    # The app's lifecycle and the three mandatory compliance topics (service/lifecycle.py).
    APP_UNINSTALLED = "app/uninstalled"
    CUSTOMERS_DATA_REQUEST = "customers/data_request"
    CUSTOMERS_REDACT = "customers/redact"
    SHOP_REDACT = "shop/redact"


LIFECYCLE_TOPICS = frozenset(
    {Topic.APP_UNINSTALLED, Topic.CUSTOMERS_DATA_REQUEST, Topic.CUSTOMERS_REDACT, Topic.SHOP_REDACT}
)
QUEUED_TOPICS = frozenset(Topic)
# Topics whose payload names a fulfilment order and no order: the consumer reads the fulfilment order.
FULFILLMENT_ORDER_TOPICS = frozenset({Topic.FULFILLMENT_ORDERS_MOVED, Topic.FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE})
# Topics whose payload names no order: the consumer reads what it names (a fulfilment order, or the
# reverse fulfilment order a dispose names) from Shopify.
READ_FROM_SHOPIFY_TOPICS = FULFILLMENT_ORDER_TOPICS | {Topic.REVERSE_FULFILLMENT_ORDERS_DISPOSE}

# A shop domain names its secret; anything else must never reach a secret lookup.
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$")
API_VERSION = re.compile(r"^\d{4}-\d{2}$|^unstable$")


class DeliveryHeaders(BaseModel):
    """The X-Shopify-* headers the ledger relies on, validated."""

    model_config = ConfigDict(frozen=True)

    topic: str = Field(min_length=1, max_length=100)
    shop_domain: str = Field(pattern=SHOP_DOMAIN.pattern)
    hmac_sha256: str = Field(min_length=1, max_length=200)
    webhook_id: str = Field(min_length=1, max_length=200)
    # Shopify sends it on every delivery today; an older delivery without it falls back to the webhook id.
    event_id: str = Field(min_length=1, max_length=200)
    triggered_at: AwareDatetime
    api_version: str = Field(pattern=API_VERSION.pattern)


class InvalidHeaders(ValueError):
    """A delivery lacks a header we need, or carries one we cannot read."""


def read_delivery_headers(headers: Mapping[str, str]) -> DeliveryHeaders:
    """Builds DeliveryHeaders from HTTP headers, matched without regard to case."""
    lowered = {name.lower(): value for name, value in headers.items()}

    def header(name: str) -> str | None:
        return lowered.get(f"x-shopify-{name}")

    webhook_id = header("webhook-id")
    try:
        return DeliveryHeaders(
            topic=header("topic"),
            shop_domain=(header("shop-domain") or "").lower(),
            hmac_sha256=header("hmac-sha256"),
            webhook_id=webhook_id,
            event_id=header("event-id") or webhook_id,
            triggered_at=header("triggered-at"),
            api_version=header("api-version"),
        )
    except ValidationError as error:
        fields = sorted({str(part["loc"][0]) for part in error.errors() if part["loc"]})
        raise InvalidHeaders(f"missing or invalid Shopify headers: {', '.join(fields)}") from error


def signature_of(raw_body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def is_authentic(raw_body: bytes, signature: str, secrets: Sequence[str]) -> bool:
    """True when any current secret signed this exact body (several during a rotation).

    Every secret is compared, in constant time, so timing tells nothing about which one matched.
    """
    # Bytes, not str: compare_digest refuses non-ASCII str, and a forged header may hold anything.
    offered = signature.encode("utf-8")
    matches = [hmac.compare_digest(signature_of(raw_body, s).encode("ascii"), offered) for s in secrets if s]
    return any(matches)


class WebhookEnvelope(BaseModel):
    """One accepted delivery as queued for the ledger: the headers that matter and the raw body."""

    model_config = ConfigDict(frozen=True)

    topic: Topic
    shop_domain: str = Field(pattern=SHOP_DOMAIN.pattern)
    webhook_id: str
    event_id: str
    triggered_at: datetime
    api_version: str
    received_at: datetime
    # Unparsed, exactly as signed: parsing happens in the consumer, which can park what it cannot read.
    # Empty when the body was too large for one queue message: then ``body_ref`` names where it is.
    body: str
    body_ref: str | None = None
