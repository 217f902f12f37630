"""Mapping one location or SKU without re-importing the others (`ledgerctl map`).

A location or SKU Shopify gained after onboarding is mapped, the opening balance of each level it adds
is imported (keeping the level's `updatedAt` as its import instant on Shopify's clock) and no other
level is touched; then the shop's parked events that waited on a mapping are replayed. A sale parked
before the import was read is inside the imported level (its order's `createdAt` is at or before the
level's instant), so the replay records it and subtracts nothing twice.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched

from inventory_ledger.domain.onboarding import level_skus, opening_balance, slugify
from inventory_ledger.observability import logger
from inventory_ledger.ports import FulfillmentOrdersFor, LedgerRepository, MerchantDirectory, ShopifyLevels
from inventory_ledger.service.apply_webhook import ShopifyReads, replay_parked
from inventory_ledger.service.onboarding import LEVELS_PER_TRANSACTION, commit_openings


@dataclass
class MappingResult:
    """`ledgerctl map`: what was mapped, the opening balances imported for it, the parked events replayed."""

    shop: str
    locations: dict[str, int] = field(default_factory=dict)
    skus: dict[str, int] = field(default_factory=dict)  # level SKU part -> inventory item id
    # Items of an asked SKU that got no level, and why (a level name another item holds).
    skus_skipped: dict[str, str] = field(default_factory=dict)
    opening_balances: int = 0
    already_imported: int = 0
    replayed: list[str] = field(default_factory=list)
    still_parked: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, object]:
        return {"shop": self.shop, "locations": {name: str(i) for name, i in self.locations.items()},
                "skus": {sku: str(i) for sku, i in self.skus.items()}, "skus_skipped": dict(self.skus_skipped),
                "opening_balances": self.opening_balances,
                "already_imported": self.already_imported, "replayed": list(self.replayed),
                "still_parked": dict(self.still_parked)}  # fmt: skip


def map_and_import(
    shop: str,
    *,
    locations: Sequence[str],
    skus: Sequence[str],
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify: ShopifyLevels,
    now: Callable[[], datetime],
    actor: str | None = None,
    fulfillment_orders: FulfillmentOrdersFor | None = None,
) -> MappingResult:
    """Maps these Shopify locations (name or id) and SKUs, imports the opening balance of each level
    they add (with its instant on Shopify's clock, so a replayed sale from before it is inside it) and
    none other, then replays the shop's parked events that were not waiting for an order (a replayed
    order that releases a routing or a move waiting for it reads the fulfilment order through
    ``fulfillment_orders``). Raises LookupError for a location or SKU Shopify does not have,
    MappingConflict for one mapped otherwise."""
    result = MappingResult(shop)
    if directory.onboarded_at(shop) is None:
        raise LookupError(f"{shop} is not onboarded (ledgerctl onboard)")
    _map_locations(shop, locations, directory, shopify, result)
    _map_skus(shop, skus, directory, shopify, result)
    _import(shop, ledger, directory, shopify, now, actor, result)
    for location in result.locations:
        directory.record_location_reconciled(shop, location, now(), "mapping")
    _replay(shop, ledger, now, ShopifyReads(fulfillment_orders=fulfillment_orders), result)
    logger.info("mapped", extra=result.summary())
    return result


def _map_locations(shop: str, asked: Sequence[str], directory: MerchantDirectory, shopify: ShopifyLevels,
                   result: MappingResult) -> None:  # fmt: skip
    active = [location for location in shopify.locations() if location.is_active]
    for name in asked:
        found = [loc for loc in active if name in (loc.name, str(loc.id), f"gid://shopify/Location/{loc.id}")
                 or slugify(name) == slugify(loc.name)]  # fmt: skip
        if not found:
            raise LookupError(f"Shopify has no active location {name!r}")
        directory.map_location(shop, slugify(found[0].name), found[0].id, found[0].name)
        result.locations[slugify(found[0].name)] = found[0].id


def _map_skus(shop: str, asked: Sequence[str], directory: MerchantDirectory, shopify: ShopifyLevels,
              result: MappingResult) -> None:  # fmt: skip
    """Names each item of an asked SKU as onboarding does: a SKU another variant shares gets a level per
    item (``SKU@<item id>``), and an item mapped before keeps its name, so mapping a second variant of a
    mapped SKU adds its level and leaves the first one's history where it is."""
    wanted = set(asked)
    variants = [variant for variant in shopify.variants() if variant.sku in wanted]
    names, result.skus_skipped = level_skus(variants, directory.skus(shop))
    for variant in variants:
        name = names.get(variant.inventory_item_id)
        if name is not None:
            directory.map_sku(shop, name, variant.inventory_item_id, variant.variant_id, tracked=variant.tracked)
            result.skus[name] = variant.inventory_item_id
    if missing := wanted - {variant.sku for variant in variants}:
        raise LookupError(f"Shopify has no variant with SKU {', '.join(sorted(missing))}")


def _import(shop: str, ledger: LedgerRepository, directory: MerchantDirectory, shopify: ShopifyLevels,
            now: Callable[[], datetime], actor: str | None, result: MappingResult) -> None:  # fmt: skip
    """The opening balance of each level a new location or SKU adds; the other levels are untouched."""
    items = {item_id: sku for sku, item_id in directory.skus(shop).items()}
    by_shopify_id = {shopify_id: name for name, shopify_id in directory.locations(shop).items()}
    new_items, new_locations = set(result.skus.values()), set(result.locations.values())
    openings = (
        opening_balance(shop, by_shopify_id[level.location_id], items[level.inventory_item_id], level.available,
                        actor, level.updated_at)
        for level in shopify.levels(list(by_shopify_id), bulk=False)
        if level.inventory_item_id in items
        and (level.inventory_item_id in new_items or level.location_id in new_locations)
    )  # fmt: skip
    for chunk in batched(openings, LEVELS_PER_TRANSACTION):
        written = commit_openings(list(chunk), ledger, now)
        result.opening_balances += written
        result.already_imported += len(chunk) - written


def _replay(
    shop: str, ledger: LedgerRepository, now: Callable[[], datetime], reads: ShopifyReads, result: MappingResult
) -> None:
    for parked in ledger.parked_events(shop):
        if parked.is_waiting:
            continue  # its order releases it
        replayed = replay_parked(parked, ledger, now, shopify=reads)
        if replayed.parked is None:
            result.replayed.append(parked.event_id)
        else:
            result.still_parked[parked.event_id] = replayed.parked.reason
