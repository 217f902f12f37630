"""Mutations a test needs to build a store through the Admin API: locationAdd, productSet,
inventoryActivate, inventoryDeactivate, with the rules Shopify enforces on them.

Where Shopify's wording was not captured, the message is ours and the code (where the payload has
one) is Shopify's enum value; docs/shopify-simulator.md lists which.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from ..graph import ExecContext, Obj
from ..ids import parse_gid, parse_gid_of
from ..objects import deactivation_problem, level_obj, location_obj, product_obj
from ..quantities import MAX_QUANTITY, MIN_AVAILABLE, UNAVAILABLE_STATES
from ..schema import version_at_least
from ..state import InventoryLevel, Shop, VariantSeed
from .common import idempotency_key, user_error, with_idempotency

MAX_LOCATION_NAME = 100
MSG_NAME_BLANK = "Name can't be blank"
MSG_NAME_TAKEN = "Name has already been taken"
MSG_NAME_TOO_LONG = f"Name is too long (maximum is {MAX_LOCATION_NAME} characters)"
MSG_LOCATION_LIMIT = "You have reached the maximum number of locations for your plan."

MSG_ACTIVATE_BOTH = "Only one of available or onHand can be set."
MSG_ACTIVATE_ALREADY = "The quantity couldn't be set because the inventory item is already active at the location."
MSG_ACTIVATE_TOO_HIGH = "The quantity can't be higher than 1,000,000,000."
MSG_ACTIVATE_TOO_LOW = "The quantity can't be lower than -1,000,000,000."
MSG_ACTIVATE_NEGATIVE = "The quantity can't be negative."
MSG_LOCATION_INACTIVE = "The location is not active."
MSG_LEVEL_MISSING = "The inventory level could not be found."

# From 2026-04, inventoryActivate without quantities keeps the quantities of an inactive level
# (https://shopify.dev/changelog/inventoryactivate-now-preserves-available-quantity).
PRESERVE_FROM = "2026-04"


def location_add(info: GraphQLResolveInfo, input: dict[str, Any]) -> Obj:
    """locationAdd: a name is required, unique among the store's locations, and active locations
    are capped (LocationAddUserErrorCode BLANK, TAKEN, TOO_LONG, INVALID)."""
    ctx: ExecContext = info.context
    shop: Shop = ctx.shop
    name = str(input.get("name") or "").strip()

    def refused(message: str, code: str, field: list[str] | None) -> Obj:
        err = user_error("LocationAddUserError", field, message, code)
        return Obj("LocationAddPayload", location=None, userErrors=[err])

    if not name:
        return refused(MSG_NAME_BLANK, "BLANK", ["input", "name"])
    if len(name) > MAX_LOCATION_NAME:
        return refused(MSG_NAME_TOO_LONG, "TOO_LONG", ["input", "name"])
    if any(loc.name.lower() == name.lower() for loc in shop.locations.values() if not loc.deleted):
        return refused(MSG_NAME_TAKEN, "TAKEN", ["input", "name"])
    active = sum(1 for loc in shop.locations.values() if loc.is_active and not loc.deleted)
    if active >= shop.location_limit:
        return refused(MSG_LOCATION_LIMIT, "INVALID", None)
    loc = ctx.state.add_location(shop, name, bool(input.get("fulfillsOnlineOrders", True)))
    return Obj("LocationAddPayload", location=location_obj(shop, loc), userErrors=[])


def product_set(info: GraphQLResolveInfo, input: dict[str, Any], **_: Any) -> Obj:
    """Creates a product with variants and, when given, their quantities (name `available` or `on_hand`)."""
    ctx: ExecContext = info.context
    shop = ctx.shop
    specs: list[VariantSeed] = []
    for v in input.get("variants") or []:
        item = v.get("inventoryItem") or {}
        specs.append(
            VariantSeed(
                sku=v.get("sku") or item.get("sku") or None,
                price=v.get("price"),
                tracked=item.get("tracked", True),
                title="Default Title",
            )
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


def _set_on_hand(level: InventoryLevel, on_hand: int) -> None:
    """on_hand moves through available (on_hand = available + committed + unavailable states)."""
    others = int(level.get("committed") or 0) + sum(int(level.get(n) or 0) for n in UNAVAILABLE_STATES)
    level.quantities["available"] = on_hand - others


def _quantity_problem(available: int | None, on_hand: int | None) -> tuple[str, str] | None:
    """(field, message) of the first quantity Shopify would refuse."""
    if available is not None and on_hand is not None:
        return "available", MSG_ACTIVATE_BOTH
    if available is not None:
        if available > MAX_QUANTITY:
            return "available", MSG_ACTIVATE_TOO_HIGH
        if available < MIN_AVAILABLE:
            return "available", MSG_ACTIVATE_TOO_LOW
    if on_hand is not None:
        if on_hand > MAX_QUANTITY:
            return "onHand", MSG_ACTIVATE_TOO_HIGH
        if on_hand < 0:
            return "onHand", MSG_ACTIVATE_NEGATIVE
    return None


def inventory_activate(
    info: GraphQLResolveInfo,
    inventoryItemId: str,
    locationId: str,
    available: int | None = None,
    onHand: int | None = None,
    **_: Any,
) -> Obj:
    """inventoryActivate: stocks an item at an active location, optionally with its first quantity.

    Refused: an unknown item or location, an inactive location, `available` with `onHand`, a
    quantity out of bounds, or a quantity for a level that is already active. Reactivating an
    inactive level keeps its quantities from 2026-04 and resets them to zero before.
    """
    ctx: ExecContext = info.context
    shop: Shop = ctx.shop
    key = idempotency_key(info, ctx)

    def refused(field: str, message: str) -> tuple[Obj, bool]:
        err = user_error("UserError", [field], message, None)
        return Obj("InventoryActivatePayload", inventoryLevel=None, userErrors=[err]), False

    def run() -> tuple[Obj, bool]:
        item_id = parse_gid_of("InventoryItem", inventoryItemId)
        loc_id = parse_gid_of("Location", locationId)
        if item_id is None or item_id not in shop.items:
            return refused("inventoryItemId", "Inventory item does not exist")
        loc = shop.locations.get(loc_id) if loc_id is not None else None
        if loc is None or loc.deleted:
            return refused("locationId", "Location does not exist")
        if not loc.is_active:
            return refused("locationId", MSG_LOCATION_INACTIVE)
        problem = _quantity_problem(available, onHand)
        if problem is not None:
            return refused(*problem)
        level = shop.level(item_id, loc.id)
        wants_quantity = available is not None or onHand is not None
        if level is not None and level.active and wants_quantity:
            return refused("available" if available is not None else "onHand", MSG_ACTIVATE_ALREADY)
        if level is not None and not level.active:
            level.active = True
            if not wants_quantity and not version_at_least(ctx.version, PRESERVE_FROM):
                for name in ("available", *UNAVAILABLE_STATES):
                    level.quantities[name] = 0
        elif level is None:
            level = ctx.state.activate(shop, item_id, loc.id)
        if available is not None:
            level.quantities["available"] = available
        elif onHand is not None:
            _set_on_hand(level, onHand)
        return Obj("InventoryActivatePayload", inventoryLevel=level_obj(shop, level), userErrors=[]), True

    return with_idempotency(
        info,
        ctx,
        key,
        {"i": inventoryItemId, "l": locationId, "a": available, "o": onHand},
        "UserError",
        "InventoryActivatePayload",
        run,
    )


def inventory_deactivate(info: GraphQLResolveInfo, inventoryLevelId: str, **_: Any) -> Obj:
    """inventoryDeactivate: the level becomes inactive (hidden from default reads and totals).

    Refused while units are committed or incoming, and for an item's last active level
    (InventoryLevel.canDeactivate / deactivationAlert say the same).
    """
    ctx: ExecContext = info.context
    shop: Shop = ctx.shop
    parsed = parse_gid(inventoryLevelId)
    level = None
    if parsed is not None and parsed[0] == "InventoryLevel" and parsed[2].startswith("inventory_item_id="):
        item_part = parsed[2].split("=", 1)[1]
        if item_part.isdigit():
            level = shop.level(int(item_part), parsed[1])
    if level is None or not shop.level_visible(level, include_inactive=True):
        err = user_error("UserError", ["inventoryLevelId"], MSG_LEVEL_MISSING, None)
        return Obj("InventoryDeactivatePayload", userErrors=[err])
    if level.active:
        problem = deactivation_problem(shop, level)
        if problem is not None:
            err = user_error("UserError", ["inventoryLevelId"], problem, None)
            return Obj("InventoryDeactivatePayload", userErrors=[err])
        level.active = False
        level.changed_at = ctx.state.clock.now()
    return Obj("InventoryDeactivatePayload", userErrors=[])
