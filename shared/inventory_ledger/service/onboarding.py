"""Onboarding a merchant from Shopify: locations, SKUs, the primary location and opening balances.

Everything is idempotent, so onboarding can be re-run after a failure or to pick up new locations and
SKUs: mappings written again are no-ops (a conflicting one is refused), and each level's opening
balance is an entry keyed by location and SKU, written once. The ledger and `shopify_expected` both
start at Shopify's `available`, so nothing is pushed for a freshly imported level.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import batched

from inventory_ledger.domain.movements import Movement
from inventory_ledger.domain.onboarding import (
    OnboardingProblem,
    ledger_location_names,
    level_skus,
    opening_balance,
    slugify,
)
from inventory_ledger.domain.subscriptions import SubscriptionCheck
from inventory_ledger.observability import logger
from inventory_ledger.ports import (
    DEFAULT_BULK_THRESHOLD_SKUS,
    LedgerRepository,
    MappingConflict,
    MerchantDirectory,
    ShopifyLevels,
)
from inventory_ledger.service.operations import record_operation

# Two items (balance, entry) per level: 25 levels stay well inside a transaction's 100 items.
LEVELS_PER_TRANSACTION = 25


@dataclass
class OnboardingResult:
    shop: str
    primary_location: str
    locations: dict[str, int] = field(default_factory=dict)
    skus_mapped: int = 0
    # SKU -> why it was not mapped (no SKU on the variant, a level name taken, a conflict).
    skus_skipped: dict[str, str] = field(default_factory=dict)
    opening_balances: int = 0
    already_imported: int = 0
    # The shop's webhook subscriptions after onboarding ensured them (None: not asked to).
    webhooks: SubscriptionCheck | None = None

    def summary(self) -> dict[str, object]:
        return {
            "shop": self.shop,
            "primary_location": self.primary_location,
            "locations": {name: str(shopify_id) for name, shopify_id in self.locations.items()},
            "skus_mapped": self.skus_mapped,
            "skus_skipped": dict(self.skus_skipped),
            "opening_balances": self.opening_balances,
            "already_imported": self.already_imported,
            **({"webhooks": self.webhooks.summary()} if self.webhooks is not None else {}),
        }


def onboard_shop(
    shop: str,
    *,
    primary_location: str,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify: ShopifyLevels,
    now: Callable[[], datetime],
    location_names: Mapping[int, str] | None = None,
    bulk_threshold_skus: int = DEFAULT_BULK_THRESHOLD_SKUS,
    actor: str | None = None,
    ensure_webhooks: Callable[[], SubscriptionCheck] | None = None,
) -> OnboardingResult:
    """Raises OnboardingProblem before writing anything when the request cannot work (no active
    location, two locations with one name, an unknown primary), MappingConflict when a location is
    mapped to another one already."""
    active = [location for location in shopify.locations() if location.is_active]
    if not active:
        raise OnboardingProblem(f"{shop} has no active location")
    names = ledger_location_names(active, location_names or {})
    primary = _primary(primary_location, names, {location.id: location.name for location in active})
    result = OnboardingResult(shop, primary)

    directory.register_shop(shop, onboarded_at=now())
    for location in active:
        directory.map_location(shop, names[location.id], location.id, location.name)
        result.locations[names[location.id]] = location.id
    directory.set_primary_location(shop, primary)

    variants = list(shopify.variants())
    level_names, result.skus_skipped = level_skus(variants, directory.skus(shop))
    items: dict[int, str] = {}
    for variant in variants:
        name = level_names.get(variant.inventory_item_id)
        if name is None:
            continue
        try:
            directory.map_sku(shop, name, variant.inventory_item_id, variant.variant_id, tracked=variant.tracked)
        except MappingConflict as error:
            result.skus_skipped[name] = str(error)
            continue
        items[variant.inventory_item_id] = name
    result.skus_mapped = len(items)

    by_shopify_id = {shopify_id: name for name, shopify_id in result.locations.items()}
    read_at = now()
    levels = shopify.levels(list(by_shopify_id), bulk=len(items) >= bulk_threshold_skus)
    openings = (
        opening_balance(
            shop,
            by_shopify_id[level.location_id],
            items[level.inventory_item_id],
            level.available,
            actor,
            level.updated_at,
        )
        for level in levels
        if level.inventory_item_id in items
    )
    for chunk in batched(openings, LEVELS_PER_TRANSACTION):
        written = commit_openings(list(chunk), ledger, now)
        result.opening_balances += written
        result.already_imported += len(chunk) - written
    # The imported levels are Shopify's: each agreed with it then (what the reconciler reports as
    # "last agreed" until a push or a reconciliation says later).
    for name in result.locations:
        directory.record_location_reconciled(shop, name, read_at, "onboarding")
    if ensure_webhooks is not None:
        result.webhooks = ensure_webhooks()
    logger.info("onboarded", extra=result.summary())
    return result


def _primary(asked: str, names: Mapping[int, str], shopify_names: Mapping[int, str]) -> str:
    """The primary location, given as its ledger name or its Shopify name."""
    for location_id, name in names.items():
        if asked in (name, shopify_names[location_id]) or slugify(asked) == name:
            return name
    raise OnboardingProblem(f"no active location named {asked!r}; there are: {', '.join(sorted(names.values()))}")


def commit_openings(movements: list[Movement], ledger: LedgerRepository, now: Callable[[], datetime]) -> int:
    """Commits the chunk in one transaction (the ledger's own retry on lost races); if a level was
    imported before, the transaction wrote nothing, so each level is committed on its own."""
    written = len(record_operation(movements, ledger, now))
    if written or len(movements) == 1:
        return written
    return sum(len(record_operation([movement], ledger, now)) for movement in movements)
