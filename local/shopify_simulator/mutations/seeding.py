"""Mutations a test needs to build a store through the Admin API: locationAdd, productSet, inventoryActivate."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..graph import ExecContext, Obj
from ..ids import parse_gid_of
from ..objects import level_obj, location_obj, product_obj
from .common import user_error


def location_add(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    ctx: ExecContext = info.context
    loc = ctx.state.add_location(ctx.shop, input["name"], bool(input.get("fulfillsOnlineOrders", True)))
    return Obj("LocationAddPayload", location=location_obj(ctx.shop, loc), userErrors=[])


def product_set(info: GraphQLResolveInfo, input: dict[str, Any], **_: Any) -> Obj:
    """Creates a product with variants and, when given, their quantities (name `available` or `on_hand`)."""
    ctx: ExecContext = info.context
    shop = ctx.shop
    specs = []
    for v in input.get("variants") or []:
        item = v.get("inventoryItem") or {}
        specs.append(
            {
                "sku": v.get("sku") or item.get("sku") or "",
                "price": v.get("price"),
                "tracked": item.get("tracked", True),
                "title": "Default Title",
            }
        )
    product = ctx.state.add_product(shop, input.get("title") or "Untitled", specs, input.get("status") or "ACTIVE")
    for vid, v in zip(product.variant_ids, input.get("variants") or [], strict=False):
        item_id = shop.variants[vid].inventory_item_id
        for q in v.get("inventoryQuantities") or []:
            loc_id = parse_gid_of("Location", q["locationId"])
            if loc_id is None or loc_id not in shop.locations:
                continue
            level = ctx.state.activate(shop, item_id, loc_id)
            if q["name"] in ("available", "on_hand"):
                level.quantities["available"] += q["quantity"] - int(level.get(q["name"]) or 0)
    return Obj(
        "ProductSetPayload",
        product=product_obj(shop, product),
        productSetOperation=None,
        userErrors=[],
    )


def inventory_activate(
    info: GraphQLResolveInfo,
    inventoryItemId: str,
    locationId: str,
    available: int | None = None,
    onHand: int | None = None,
    **_: Any,
) -> Obj:
    ctx: ExecContext = info.context
    shop = ctx.shop
    item_id = parse_gid_of("InventoryItem", inventoryItemId)
    loc_id = parse_gid_of("Location", locationId)
    if item_id is None or item_id not in shop.items:
        err = user_error("UserError", ["inventoryItemId"], "Inventory item does not exist", None)
        return Obj("InventoryActivatePayload", inventoryLevel=None, userErrors=[err])
    if loc_id is None or loc_id not in shop.locations:
        err = user_error("UserError", ["locationId"], "Location does not exist", None)
        return Obj("InventoryActivatePayload", inventoryLevel=None, userErrors=[err])
    existed = shop.level(item_id, loc_id) is not None
    level = ctx.state.activate(shop, item_id, loc_id)
    if not existed:
        if available is not None:
            level.quantities["available"] = available
        elif onHand is not None:
            level.quantities["available"] = onHand
    return Obj("InventoryActivatePayload", inventoryLevel=level_obj(shop, level), userErrors=[])
