"""Turning a shop's Shopify locations and variants into the ledger's mappings and opening balances."""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement


@dataclass(frozen=True)
class ShopifyLocation:
    id: int
    name: str
    is_active: bool = True
    fulfills_online_orders: bool = True


@dataclass(frozen=True)
class ShopifyVariant:
    sku: str | None
    inventory_item_id: int
    variant_id: int
    tracked: bool = True


SHARED_SKU_SEPARATOR = "@"


def level_skus(variants: Iterable[ShopifyVariant], mapped: Mapping[str, int]) -> tuple[dict[int, str], dict[str, str]]:
    """Inventory item id -> the SKU part of its level, and what could not be named (key -> why).

    A SKU one inventory item carries names its level. Shopify lets several variants share a SKU:
    each of their items is its own level, ``SKU@<inventory item id>``. An item mapped before keeps
    its name (``mapped``: level SKU -> item id), so its history stays where it is. Names are one-to-one.
    """
    by_sku: dict[str, list[ShopifyVariant]] = {}
    skipped: dict[str, str] = {}
    for variant in variants:
        if not variant.sku:
            skipped[f"variant {variant.variant_id}"] = "no SKU"
            continue
        by_sku.setdefault(variant.sku, []).append(variant)
    owner: dict[str, int] = dict(mapped)
    names = {item_id: name for name, item_id in mapped.items()}
    for sku, sharing in sorted(by_sku.items()):
        items = sorted({variant.inventory_item_id for variant in sharing})
        for item_id in items:
            if item_id in names:
                continue
            alone = len(items) == 1 and owner.get(sku, item_id) == item_id
            name = sku if alone else f"{sku}{SHARED_SKU_SEPARATOR}{item_id}"
            if owner.get(name, item_id) != item_id:
                skipped[name] = f"level name {name!r} is taken by inventory item {owner[name]}"
                continue
            owner[name] = item_id
            names[item_id] = name
    wanted = {variant.inventory_item_id for group in by_sku.values() for variant in group}
    return {item_id: name for item_id, name in names.items() if item_id in wanted}, skipped


class OnboardingProblem(ValueError):
    """The shop cannot be onboarded as asked (two locations would get one name, an unknown primary...)."""


def slugify(name: str) -> str:
    """`Main Warehouse (NYC)` -> `main-warehouse-nyc`: ledger location names are keys, so plain ASCII."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "location"


def ledger_location_names(locations: list[ShopifyLocation], overrides: Mapping[int, str]) -> dict[int, str]:
    """Shopify location id -> ledger location name, one-to-one (mappings are one-to-one both ways)."""
    names: dict[int, str] = {}
    for location in locations:
        names[location.id] = overrides.get(location.id) or slugify(location.name)
    seen: dict[str, int] = {}
    for location_id, name in names.items():
        if name in seen:
            raise OnboardingProblem(
                f"Shopify locations {seen[name]} and {location_id} would both be named {name!r}: "
                "name one with --location-name GID=NAME"
            )
        seen[name] = location_id
    return names


def opening_balance(
    shop: str, location: str, sku: str, available: int, actor: str | None = None, imported_at: datetime | None = None
) -> Movement:
    """Shopify's `available` at onboarding as the level's start, in the ledger and in shopify_expected.

    Like a count (the entry records the difference), keyed by location and SKU only, so onboarding
    again finds the entry and changes nothing. ``imported_at``: the level's `updatedAt` as read, on
    Shopify's clock, kept on the balance as the instant the import holds every movement up to.
    """
    entry_id = f"onboard/{location}/{sku}"
    return Movement(
        LevelKey(shop, location, sku),
        MovementKind.OPENING,
        0,
        entry_id,
        Source(topic="onboarding", operation_id=entry_id, actor=actor),
        shopify_applied=True,
        reason="opening balance imported from Shopify",
        counted=available,
        shopify_at=imported_at,
    )
