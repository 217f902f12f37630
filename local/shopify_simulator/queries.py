"""QueryRoot: the read side we serve (locations, variants by SKU, items, levels, bulk operations)."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from graphql import GraphQLResolveInfo

from .bulk import refresh_bulk
from .graph import ExecContext, Obj, connection
from .ids import parse_gid, parse_gid_of
from .objects import (
    bulk_obj,
    item_obj,
    location_obj,
    matches,
    node_by_gid,
    parse_search,
    product_obj,
    variant_obj,
)
from .queries_orders import fulfillment_order_resolver, orders_resolver
from .queries_returns import reverse_fulfillment_order_resolver
from .state import InventoryItem, Product, Shop, Variant
from .webhook_subscriptions import webhook_subscriptions


def _variant_terms(v: Variant) -> Mapping[str, str | None]:
    return {"sku": v.sku, "id": str(v.id), "product_id": str(v.product_id)}


def _product_terms(p: Product) -> Mapping[str, str | None]:
    return {"title": p.title, "id": str(p.id), "handle": p.handle}


def _item_terms(i: InventoryItem) -> Mapping[str, str | None]:
    return {"sku": i.sku, "id": str(i.id)}


def query_root(ctx: ExecContext) -> Obj:
    shop = ctx.shop
    base_url = ctx.state.base_url

    def locations(info: GraphQLResolveInfo, **args: Any) -> Obj:
        terms = parse_search(args.pop("query", None))
        include_inactive = bool(args.pop("includeInactive", False))
        args.pop("includeLegacy", None)
        sort_key = args.pop("sortKey", None) or "NAME"
        # Shopify's default sortKey is NAME (schema: `sortKey: LocationSortKeys = NAME`); deleted
        # locations never come back, deactivated ones only with includeInactive.
        locs = sorted(
            (loc for loc in shop.locations.values() if not loc.deleted),
            key=lambda loc: (loc.name.lower(), loc.id) if sort_key == "NAME" else (loc.id, loc.id),
        )
        items = [
            (loc.id, location_obj(shop, loc))
            for loc in locs
            if (loc.is_active or include_inactive) and matches(terms, {"name": loc.name, "id": str(loc.id)})
        ]
        return connection(info, "LocationConnection", items, presorted=True, **args)

    def searched[R: (InventoryItem, Product, Variant)](
        info: GraphQLResolveInfo,
        args: dict[str, Any],
        typename: str,
        records: Iterable[R],
        build: Callable[[Shop, R], Obj],
        terms_of: Callable[[R], Mapping[str, str | None]],
    ) -> Obj:
        """A connection searched by `query:` (terms matched against `terms_of`), paged by id: `sortKey`
        and `savedSearchId` are not served (ignored where the field takes them)."""
        terms = parse_search(args.pop("query", None))
        args.pop("sortKey", None)
        args.pop("savedSearchId", None)
        items = [(r.id, build(shop, r)) for r in records if matches(terms, terms_of(r))]
        return connection(info, typename, items, **args)

    def product_variants(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return searched(info, args, "ProductVariantConnection", shop.variants.values(), variant_obj, _variant_terms)

    def products(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return searched(info, args, "ProductConnection", shop.products.values(), product_obj, _product_terms)

    def inventory_items(info: GraphQLResolveInfo, **args: Any) -> Obj:
        return searched(info, args, "InventoryItemConnection", shop.items.values(), item_obj, _item_terms)

    def by_id(kind: str) -> Any:
        def resolve(info: GraphQLResolveInfo, id: str) -> Obj | None:
            parsed = parse_gid(id)
            if parsed is None or parsed[0] != kind:
                return None
            return node_by_gid(shop, id, base_url)

        return resolve

    def node(info: GraphQLResolveInfo, id: str) -> Obj | None:
        refresh_bulk(ctx.state, shop)
        return node_by_gid(shop, id, base_url)

    def nodes(info: GraphQLResolveInfo, ids: list[str]) -> list[Obj | None]:
        refresh_bulk(ctx.state, shop)
        return [node_by_gid(shop, i, base_url) for i in ids]

    def bulk_operation(info: GraphQLResolveInfo, id: str) -> Obj | None:
        refresh_bulk(ctx.state, shop)
        num = parse_gid_of("BulkOperation", id)
        op = shop.bulk_operations.get(num) if num is not None else None
        return bulk_obj(shop, op, base_url) if op else None

    def current_bulk_operation(info: GraphQLResolveInfo, type: str = "QUERY") -> Obj | None:
        refresh_bulk(ctx.state, shop)
        ops = [op for op in shop.bulk_operations.values() if op.type == type]
        if not ops:
            return None
        latest = max(ops, key=lambda op: (op.created_at, op.id))
        return bulk_obj(shop, latest, base_url)

    shop_obj = Obj(
        "Shop",
        id=f"gid://shopify/Shop/{zlib.crc32(shop.domain.encode())}",
        name=shop.domain.split(".")[0],
        myshopifyDomain=shop.domain,
        plan=Obj("ShopPlan", displayName=shop.plan, partnerDevelopment=False, shopifyPlus=shop.plan == "plus"),
    )
    return Obj(
        "QueryRoot",
        shop=shop_obj,
        locations=locations,
        location=by_id("Location"),
        productVariants=product_variants,
        productVariant=by_id("ProductVariant"),
        products=products,
        product=by_id("Product"),
        inventoryItems=inventory_items,
        inventoryItem=by_id("InventoryItem"),
        inventoryLevel=by_id("InventoryLevel"),
        node=node,
        nodes=nodes,
        bulkOperation=bulk_operation,
        currentBulkOperation=current_bulk_operation,
        orders=orders_resolver(ctx),
        order=by_id("Order"),
        fulfillment=by_id("Fulfillment"),
        refund=by_id("Refund"),
        fulfillmentOrder=fulfillment_order_resolver(ctx),
        reverseFulfillmentOrder=reverse_fulfillment_order_resolver(ctx),
        webhookSubscriptions=webhook_subscriptions(ctx),
    )
