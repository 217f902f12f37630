"""Webhook bodies in Shopify's REST shape, with ids beyond 2**53, and ingest envelopes around them."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from inventory_ledger.domain.webhooks import Topic, WebhookEnvelope

BIG = 2**60  # every id here exceeds 2**53, as real ones do


def order(
    order_id: int,
    lines: Sequence[tuple[int, str | None, int]],
    *,
    location_id: int | None = None,
    fulfilled: dict[int, int] | None = None,
    cancelled: bool = False,
    created_at: str = "2026-11-23T08:00:00+00:00",
) -> dict[str, Any]:
    """lines: (line item id, sku, quantity); fulfilled: line item id -> units shipped."""
    fulfilled = fulfilled or {}
    return {
        "id": order_id,
        "admin_graphql_api_id": f"gid://shopify/Order/{order_id}",
        "name": f"#{order_id % 10000}",
        "location_id": location_id,
        "source_name": "pos" if location_id else "web",
        "created_at": created_at,
        "cancelled_at": "2026-11-23T09:00:00+00:00" if cancelled else None,
        "line_items": [
            {
                "id": line_id,
                "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
                "sku": sku,
                "variant_id": line_id + 1,
                "quantity": quantity,
                "fulfillable_quantity": 0 if cancelled else quantity - fulfilled.get(line_id, 0),
                "fulfillment_status": None,
            }
            for line_id, sku, quantity in lines
        ],
        "fulfillments": [
            {
                "id": order_id + 7,
                "location_id": location_id,
                "status": "success",
                "line_items": [{"id": line_id, "quantity": n} for line_id, n in fulfilled.items() if n],
            }
        ]
        if any(fulfilled.values())
        else [],
    }


def refund(
    refund_id: int, order_id: int, lines: Sequence[tuple[int, int, int, str, int | None, str]]
) -> dict[str, Any]:
    """lines: (refund line id, line item id, quantity, restock type, location id, sku)."""
    return {
        "id": refund_id,
        "admin_graphql_api_id": f"gid://shopify/Refund/{refund_id}",
        "order_id": order_id,
        "created_at": "2026-11-23T10:00:00+00:00",
        "refund_line_items": [
            {
                "id": refund_line_id,
                "line_item_id": line_id,
                "quantity": quantity,
                "restock_type": restock_type,
                "location_id": location_id,
                "line_item": {"id": line_id, "sku": sku, "quantity": quantity},
            }
            for refund_line_id, line_id, quantity, restock_type, location_id, sku in lines
        ],
    }


def envelope(
    topic: Topic | str, body: dict[str, Any], *, shop: str, event_id: str, webhook_id: str = ""
) -> WebhookEnvelope:
    return WebhookEnvelope(
        topic=Topic(topic),
        shop_domain=shop,
        webhook_id=webhook_id or f"wh-{event_id}",
        event_id=event_id,
        triggered_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        api_version="2026-07",
        received_at=datetime(2026, 11, 23, 8, tzinfo=UTC),
        body=json.dumps(body, separators=(",", ":")),
    )
