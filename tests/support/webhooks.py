"""Signed Shopify deliveries for tests, signed the way Shopify signs them."""

import json
import uuid
from typing import Any

from inventory_ledger.domain.webhooks import signature_of

SHOP = "demo-shop.myshopify.com"
SECRET = "test-webhook-secret"


def delivery_headers(
    body: bytes, *, topic: str = "orders/create", shop: str = SHOP, secret: str = SECRET, event_id: str | None = None
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Hmac-Sha256": signature_of(body, secret),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": "2026-11-23T08:00:00.000000Z",
        "X-Shopify-API-Version": "2026-07",
    }


def order_body(order_id: int = 820982911946154508, **fields: Any) -> bytes:
    """A compact orders/create body whose ids exceed 2**53, as real Shopify payloads do."""
    order = {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "location_id": None,
        "line_items": [{"id": 866550311766439020, "sku": "IPOD2008BLACK", "quantity": 1}],
        **fields,
    }
    return json.dumps(order, separators=(",", ":")).encode()


def sqs_event(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m{n}",
                "receiptHandle": f"h{n}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1700000000000",
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1700000000000",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ingest",
                "awsRegion": "us-east-1",
            }
            for n, body in enumerate(bodies)
        ]
    }
