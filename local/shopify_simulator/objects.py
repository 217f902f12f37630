"""Builders from the simulator's state to GraphQL objects (Location, InventoryItem, levels, ...)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from .clock import iso, parse_iso
from .graph import ExecContext, Obj, connection, lazy, node, resource
from .ids import level_gid, parse_gid, parse_gid_of
from .jsonish import JsonValue
from .quantities import ALL_NAMES
from .queries_orders import order_part_by_id
from .state import BulkOperation, InventoryItem, InventoryLevel, Location, Product, Shop, Variant


def levels_connection(
    info: GraphQLResolveInfo,
    shop: Shop,
    belongs: Callable[[InventoryLevel], bool],
    key: Callable[[InventoryLevel], int],
    args: dict[str, Any],
) -> Obj:
    """An `inventoryLevels` connection: `includeInactive` and `query` honoured, then paged."""
    include_inactive = bool(args.pop("includeInactive", False))
    query = args.pop("query", None)
    items = [
        (key(lv), level_obj(shop, lv))
        for lv in shop.levels.values()
        if belongs(lv) and shop.level_visible(lv, include_inactive)
    ]
    return connection(info, "InventoryLevelConnection", filter_levels(info, shop, items, query), **args)


def visible_level_obj(shop: Shop, item_id: int | None, location_id: int | None, include_inactive: bool) -> Obj | None:
    """`inventoryLevel(...)`: null when missing, or inactive and not asked for."""
    lv = shop.level(item_id, location_id) if item_id is not None and location_id is not None else None
    return level_obj(shop, lv) if lv and shop.level_visible(lv, include_inactive) else None


def location_obj(shop: Shop, loc: Location) -> Obj:
    def levels(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return levels_connection(info, shop, lambda lv: lv.location_id == loc.id, lambda lv: lv.item_id, args)

    def level(info: GraphQLResolveInfo, inventoryItemId: str, includeInactive: bool = False) -> Obj | None:
        item_id = parse_gid_of("InventoryItem", inventoryItemId)
        return visible_level_obj(shop, item_id, loc.id, includeInactive)

    return resource(
        "Location",
        loc.id,
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
        isActive=lazy(lambda: shop.level_active(level)),
        canDeactivate=lazy(lambda: deactivation_problem(shop, level) is None),
        deactivationAlert=lazy(lambda: deactivation_problem(shop, level)),
        createdAt=iso(level.created_at),
        updatedAt=iso(level.changed_at),
        _level=level,  # not a schema field: lets filters see the state behind the object
    )


def item_obj(shop: Shop, item: InventoryItem) -> Obj:
    def levels(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return levels_connection(info, shop, lambda lv: lv.item_id == item.id, lambda lv: lv.location_id, args)

    def level(info: GraphQLResolveInfo, locationId: str, includeInactive: bool = False) -> Obj | None:
        return visible_level_obj(shop, item.id, parse_gid_of("Location", locationId), includeInactive)

    return resource(
        "InventoryItem",
        item.id,
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
        return sum(int(lv.get("available") or 0) for lv in shop.active_levels_of_item(variant.inventory_item_id))

    product = shop.products[variant.product_id]
    return resource(
        "ProductVariant",
        variant.id,
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
        return sum(int(lv.get("available") or 0) for i in item_ids for lv in shop.active_levels_of_item(i))

    return resource(
        "Product",
        product.id,
        title=product.title,
        handle=product.handle,
        status=product.status,
        isGiftCard=product.is_gift_card,
        totalInventory=lazy(total),
        tracksInventory=lazy(
            lambda: any(shop.items[shop.variants[v].inventory_item_id].tracked for v in product.variant_ids)
        ),
        variants=variants,
        createdAt=iso(product.created_at),
    )


def bulk_obj(shop: Shop, op: BulkOperation, base_url: str) -> Obj:
    done = op.status == "COMPLETED"
    return node(
        "BulkOperation",
        op.id,
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


MSG_DEACTIVATE_COMMITTED = (
    "The inventory item can't be deactivated at this location because it has committed inventory."
)
MSG_DEACTIVATE_INCOMING = "The inventory item can't be deactivated at this location because it has incoming inventory."
MSG_DEACTIVATE_ONLY = "The inventory item must be stocked at a minimum of one location."


def deactivation_problem(shop: Shop, level: InventoryLevel) -> str | None:
    """Why inventoryDeactivate would refuse this level (None: it may be deactivated).

    Shopify refuses while units are committed to orders or incoming, and keeps an item stocked
    at one location at least; the wording is ours (InventoryLevel.deactivationAlert).
    """
    if int(level.get("committed") or 0) > 0:
        return MSG_DEACTIVATE_COMMITTED
    if int(level.get("incoming") or 0) > 0:
        return MSG_DEACTIVATE_INCOMING
    if shop.active_levels_of_item(level.item_id) == [level]:
        return MSG_DEACTIVATE_ONLY
    return None


# inventoryLevels(query:) fields, from the schema's description of the argument.
LEVEL_SEARCH_FIELDS = ("created_at", "id", "inventory_group_id", "inventory_item_id", "updated_at")
INVALID_SEARCH_FIELD = "Invalid search field for this query."


def _compare(have: float, comparator: str, want: float) -> bool:
    return {
        ":": have == want,
        ":<": have < want,
        ":>": have > want,
        ":<=": have <= want,
        ":>=": have >= want,
    }[comparator]


def _search_term(token: str) -> tuple[str, str, str] | None:
    key, sep, value = token.partition(":")
    if not sep or not key:
        return None
    comparator = ":"
    for op in ("<=", ">=", "<", ">"):
        if value.startswith(op):
            comparator, value = ":" + op, value[len(op) :]
            break
    return key.lower(), comparator, value


def _level_matches(level: InventoryLevel, key: str, comparator: str, value: str) -> bool:
    if key in ("inventory_item_id", "id"):
        kind = "InventoryItem" if key == "inventory_item_id" else "InventoryLevel"
        num = parse_gid_of(kind, value) if value.startswith("gid://") else (int(value) if value.isdigit() else None)
        if num is None:
            return False
        have = level.item_id if key == "inventory_item_id" else level_legacy_id(level)
        return _compare(have, comparator, num)
    if key in ("created_at", "updated_at"):
        stamp = parse_iso(value)
        if stamp is None:
            return False
        return _compare(level.created_at if key == "created_at" else level.changed_at, comparator, stamp)
    return False  # inventory_group_id: the simulator has no inventory groups


def level_legacy_id(level: InventoryLevel) -> int:
    return level.location_id


def filter_levels(
    info: GraphQLResolveInfo, shop: Shop, items: list[tuple[int, Obj]], query: str | None
) -> list[tuple[int, Obj]]:
    """inventoryLevels(query:): known fields filter (OR within a field, AND across fields); an
    unknown field is ignored and reported in `extensions.search`, as Shopify warns."""
    if not query:
        return items
    try:
        tokens = shlex.split(query)
    except ValueError:
        tokens = query.split()
    terms: dict[str, list[tuple[str, str]]] = {}
    warnings: list[JsonValue] = []
    for token in tokens:
        if token.upper() in ("OR", "AND"):
            continue
        term = _search_term(token)
        if term is None:
            continue
        key, comparator, value = term
        if key not in LEVEL_SEARCH_FIELDS:
            warnings.append({"field": key, "message": INVALID_SEARCH_FIELD})
            continue
        terms.setdefault(key, []).append((comparator, value))
    if warnings:
        ctx: ExecContext = info.context
        path: list[JsonValue] = list(info.path.as_list())
        ctx.search.append({"path": path, "query": query, "warnings": warnings})
    out = []
    for key_num, obj in items:
        level = obj.fields["_level"]
        if all(any(_level_matches(level, k, c, v) for c, v in alts) for k, alts in terms.items()):
            out.append((key_num, obj))
    return out


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


def matches(terms: list[tuple[str, str]], values: Mapping[str, str | None]) -> bool:
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
    if kind in ("Order", "Fulfillment", "Refund"):
        return order_part_by_id(shop, kind, num)
    return None
