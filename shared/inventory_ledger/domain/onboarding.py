"""Turning a shop's Shopify locations and variants into the ledger's mappings and opening balances."""

import re
import unicodedata
from collections.abc import Mapping
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
