"""Builders from the simulator's state to GraphQL objects (Location, InventoryItem, levels, ...)."""

from __future__ import annotations

import shlex
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from .clock import iso
from .graph import Obj, connection, lazy
from .ids import gid, level_gid, parse_gid, parse_gid_of
from .quantities import ALL_NAMES
from .state import BulkOperation, InventoryItem, InventoryLevel, Location, Product, Shop, Variant


def location_obj(shop: Shop, loc: Location) -> Obj:
    def levels(info: GraphQLResolveInfo, **args: Any) -> Obj:
        items = [(lv.item_id, level_obj(shop, lv)) for lv in shop.levels.values() if lv.location_id == loc.id]
        return connection(info, "InventoryLevelConnection", items, **args)

    def level(info: GraphQLResolveInfo, inventoryItemId: str) -> Obj | None:
        item_id = parse_gid_of("InventoryItem", inventoryItemId)
        lv = shop.level(item_id, loc.id) if item_id is not None else None
        return level_obj(shop, lv) if lv else None

    return Obj(
        "Location",
        id=gid("Location", loc.id),
        legacyResourceId=str(loc.id),
        name=loc.name,
        isActive=loc.is_active,
        isPrimary=loc.id == shop.primary_location_id,
        fulfillsOnlineOrders=loc.fulfills_online_orders,
        shipsInventory=loc.fulfills_online_orders,
        createdAt=iso(loc.created_at),
        inventoryLevels=levels,
        inventoryLevel=level,
    )


def quantity_obj(level: InventoryLevel, name: str) -> Obj:
    updated = level.updated_at.get(name)
    return Obj(
        "InventoryQuantity",
        id=f"gid://shopify/InventoryQuantity/{level.location_id}?inventory_item_id={level.item_id}&name={name}",
        name=name,
        quantity=int(level.get(name) or 0),
        updatedAt=iso(updated) if updated is not None else None,
    )


def level_obj(shop: Shop, level: InventoryLevel) -> Obj:
    def quantities(info: GraphQLResolveInfo, names: list[str]) -> list[Obj]:
        bad = [n for n in names if n not in ALL_NAMES]
        if bad:
            raise GraphQLError(
                f"Invalid quantity names: {', '.join(bad)}. Valid values are: {', '.join(ALL_NAMES)}.",
                info.field_nodes,
                path=info.path.as_list(),
            )
        return [quantity_obj(level, n) for n in names]

    return Obj(
        "InventoryLevel",
        id=level_gid(level.location_id, level.item_id),
        item=lazy(lambda: item_obj(shop, shop.items[level.item_id])),
        location=lazy(lambda: location_obj(shop, shop.locations[level.location_id])),
        quantities=quantities,
        isActive=True,
        canDeactivate=True,
        createdAt=iso(level.created_at),
        updatedAt=iso(level.changed_at),
    )


def item_obj(shop: Shop, item: InventoryItem) -> Obj:
    def levels(info: GraphQLResolveInfo, **args: Any) -> Obj:
        items = [(lv.location_id, level_obj(shop, lv)) for lv in shop.levels.values() if lv.item_id == item.id]
        return connection(info, "InventoryLevelConnection", items, **args)

    def level(info: GraphQLResolveInfo, locationId: str, includeInactive: bool = False) -> Obj | None:
        loc_id = parse_gid_of("Location", locationId)
        lv = shop.level(item.id, loc_id) if loc_id is not None else None
        return level_obj(shop, lv) if lv else None

    return Obj(
        "InventoryItem",
        id=gid("InventoryItem", item.id),
        legacyResourceId=str(item.id),
        sku=item.sku,
        tracked=item.tracked,
        requiresShipping=item.requires_shipping,
        createdAt=iso(item.created_at),
        updatedAt=iso(item.updated_at),
        variant=lazy(lambda: variant_obj(shop, shop.variants[item.variant_id])),
        inventoryLevels=levels,
        inventoryLevel=level,
    )


def variant_obj(shop: Shop, variant: Variant) -> Obj:
    def inventory_quantity() -> int:
        return sum(
            int(lv.get("available") or 0) for lv in shop.levels.values() if lv.item_id == variant.inventory_item_id
        )

    product = shop.products[variant.product_id]
    return Obj(
        "ProductVariant",
        id=gid("ProductVariant", variant.id),
        legacyResourceId=str(variant.id),
        sku=variant.sku,
        title=variant.title,
        displayName=f"{product.title} - {variant.title}",
        price=variant.price,
        inventoryQuantity=lazy(inventory_quantity),
        inventoryItem=lazy(lambda: item_obj(shop, shop.items[variant.inventory_item_id])),
        product=lazy(lambda: product_obj(shop, product)),
    )


def product_obj(shop: Shop, product: Product) -> Obj:
    def variants(info: GraphQLResolveInfo, **args: Any) -> Obj:
        items = [(vid, variant_obj(shop, shop.variants[vid])) for vid in product.variant_ids]
        return connection(info, "ProductVariantConnection", items, **args)

    def total() -> int:
        item_ids = {shop.variants[v].inventory_item_id for v in product.variant_ids}
        return sum(int(lv.get("available") or 0) for lv in shop.levels.values() if lv.item_id in item_ids)

    return Obj(
        "Product",
        id=gid("Product", product.id),
        legacyResourceId=str(product.id),
        title=product.title,
        handle=product.handle,
        status=product.status,
        totalInventory=lazy(total),
        tracksInventory=lazy(
            lambda: any(shop.items[shop.variants[v].inventory_item_id].tracked for v in product.variant_ids)
        ),
        variants=variants,
        createdAt=iso(product.created_at),
    )


def bulk_obj(shop: Shop, op: BulkOperation, base_url: str) -> Obj:
    done = op.status == "COMPLETED"
    return Obj(
        "BulkOperation",
        id=gid("BulkOperation", op.id),
        status=op.status,
        type=op.type,
        errorCode=op.error_code,
        createdAt=iso(op.created_at),
        completedAt=iso(op.completed_at) if op.completed_at is not None else None,
        objectCount=str(op.object_count if done else 0),
        rootObjectCount=str(op.root_object_count if done else 0),
        fileSize=str(len(op.jsonl.encode())) if done and op.object_count else None,
        url=f"{base_url}/_bulk/{shop.domain}/{op.id}.jsonl" if done and op.object_count else None,
        partialDataUrl=None,
        query=op.query,
    )


def parse_search(query: str | None) -> list[tuple[str, str]]:
    """Shopify search syntax, the part we need: `sku:A OR sku:"B C"` -> [(sku, A), (sku, B C)]."""
    if not query:
        return []
    terms: list[tuple[str, str]] = []
    for token in shlex.split(query):
        if token.upper() in ("OR", "AND"):
            continue
        key, sep, value = token.partition(":")
        if sep:
            terms.append((key.lower(), value))
    return terms


def matches(terms: list[tuple[str, str]], values: dict[str, str]) -> bool:
    """Any term matching counts (OR); a trailing `*` is a prefix match; unknown keys never match."""
    if not terms:
        return True
    for key, want in terms:
        have = values.get(key)
        if have is None:
            continue
        if (want.endswith("*") and have.startswith(want[:-1])) or have == want:
            return True
    return False


def node_by_gid(shop: Shop, value: str, base_url: str) -> Obj | None:
    parsed = parse_gid(value)
    if parsed is None:
        return None
    kind, num, query = parsed
    if kind == "Location" and num in shop.locations:
        return location_obj(shop, shop.locations[num])
    if kind == "InventoryItem" and num in shop.items:
        return item_obj(shop, shop.items[num])
    if kind == "ProductVariant" and num in shop.variants:
        return variant_obj(shop, shop.variants[num])
    if kind == "Product" and num in shop.products:
        return product_obj(shop, shop.products[num])
    if kind == "BulkOperation" and num in shop.bulk_operations:
        return bulk_obj(shop, shop.bulk_operations[num], base_url)
    if kind == "InventoryLevel" and query.startswith("inventory_item_id="):
        item_part = query.split("=", 1)[1]
        if item_part.isdigit():
            lv = shop.level(int(item_part), num)
            return level_obj(shop, lv) if lv else None
    return None
