"""An in-memory LedgerRepository with the same atomic, version-conditioned commit as DynamoDB's.

Used by unit and property tests; the integration tests run the same scenarios on the real adapter.
"""

import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from inventory_ledger.domain.drift import DEFAULT_HEALING_POLICY, HealingPolicy
from inventory_ledger.domain.ledger import ActivityEntry, Balance, LedgerChange, LevelKey, OrderLineState, PushStatus
from inventory_ledger.domain.merchant import CONFIG_ONLY, MappingQuery, MerchantView, VariantLevel
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.ports import ConcurrentChange, DuplicateEntry, LedgerRepository, MerchantDirectory


class InMemoryLedger(LedgerRepository):
    def __init__(
        self,
        shop: str,
        *,
        primary_location: str | None,
        locations: dict[int, str],
        skus: Iterable[str],
        onboarded_at: datetime | None = None,
    ) -> None:
        self.shop = shop
        self.primary_location = primary_location
        self.locations = dict(locations)
        self.skus = set(skus)
        self.onboarded_at = onboarded_at
        self.skus_by_item: dict[int, str] = {}
        # Variant id -> its level, and SKU level -> the variant it was mapped from (map_variant).
        self.variants: dict[int, VariantLevel] = {}
        self.variant_of_sku: dict[str, int] = {}
        self.balance_by_key: dict[LevelKey, Balance] = {}
        self.lines: dict[tuple[str, int, int], OrderLineState] = {}
        self.entry_by_id: dict[tuple[LevelKey, str], ActivityEntry] = {}
        self.parked: dict[tuple[str, str], ParkedEvent] = {}
        self.repush: dict[LevelKey, tuple[str, datetime]] = {}
        self.commits = 0
        self._lock = threading.Lock()

    def merchant_view(self, shop: str, wanted: MappingQuery = CONFIG_ONLY) -> MerchantView | None:
        if shop != self.shop:
            return None
        skus = wanted.skus
        return MerchantView(
            shop=shop,
            primary_location=self.primary_location,
            onboarded_at=self.onboarded_at,
            locations_by_shopify_id={i: self.locations[i] for i in wanted.shopify_location_ids if i in self.locations},
            known_skus=frozenset(sku for sku in skus if sku in self.skus),
            skus_by_inventory_item={
                i: self.skus_by_item[i] for i in wanted.inventory_item_ids if i in self.skus_by_item
            },
            levels_by_variant={v: self.variants[v] for v in wanted.variant_ids if v in self.variants},
            variant_of_sku={sku: self.variant_of_sku.get(sku) for sku in skus if sku in self.skus},
        )

    def map_variant(self, sku: str, inventory_item_id: int, variant_id: int, *, tracked: bool = True) -> None:
        """As onboarding maps a variant: its level SKU, its inventory item, whether Shopify tracks it."""
        self.skus.add(sku)
        self.skus_by_item[inventory_item_id] = sku
        self.variants[variant_id] = VariantLevel(sku, inventory_item_id, tracked)
        self.variant_of_sku[sku] = variant_id

    def order_lines(self, shop: str, order_id: int) -> dict[tuple[int, int], OrderLineState]:
        return {(o, li): state for (s, o, li), state in self.lines.items() if s == shop and o == order_id}

    def balances(self, keys: Iterable[LevelKey]) -> dict[LevelKey, Balance]:
        return {key: self.balance_by_key[key] for key in keys if key in self.balance_by_key}

    def commit(self, change: LedgerChange) -> None:
        with self._lock:
            for update in change.balances:
                if self.balance_by_key.get(update.key, Balance(update.key)).version != update.expected_version:
                    raise ConcurrentChange(str(update.key))
            for line in change.lines:
                known = self.lines.get((line.shop, line.order_id, line.line_item_id))
                if (known.version if known else 0) != line.expected_version:
                    raise ConcurrentChange(f"line {line.line_item_id}")
            if any((entry.key, entry.entry_id) in self.entry_by_id for entry in change.entries):
                raise DuplicateEntry("entry exists")
            changed_at = max((entry.applied_at for entry in change.entries), default=None)
            for update in change.balances:
                old = self.balance_by_key.get(update.key, Balance(update.key))
                self.balance_by_key[update.key] = replace(
                    old,
                    quantity=old.quantity + update.quantity_delta,
                    version=old.version + update.version_delta,
                    shopify_expected=old.shopify_expected + update.shopify_expected_delta,
                    updated_at=changed_at or old.updated_at,
                    imported_at=old.imported_at or update.imported_at,
                )
            for line in change.lines:
                key = (line.shop, line.order_id, line.line_item_id)
                old_line = self.lines.get(key) or OrderLineState(
                    line.shop, line.order_id, line.line_item_id, line.sku, line.location
                )
                self.lines[key] = replace(
                    old_line,
                    sold=old_line.sold + line.sold_delta,
                    restocked=old_line.restocked + line.restocked_delta,
                    cancel_restocked=old_line.cancel_restocked + line.cancel_restocked_delta,
                    applied=old_line.applied | line.applied,
                    location=line.location if line.relocated else old_line.location,
                    shipped_away=old_line.shipped_away + line.shipped_away_delta,
                    version=old_line.version + 1,
                )
            for entry in change.entries:
                self.entry_by_id[(entry.key, entry.entry_id)] = entry
            self.commits += 1

    def entries(self, key: LevelKey) -> list[ActivityEntry]:
        found = [entry for (level, _), entry in self.entry_by_id.items() if level == key]
        return sorted(found, key=lambda entry: entry.version_after)

    def park(self, event: ParkedEvent) -> None:
        self.parked[(event.shop, event.event_id)] = event

    def parked_events(self, shop: str) -> list[ParkedEvent]:
        return sorted((e for (s, _), e in self.parked.items() if s == shop), key=lambda e: e.received_at)

    def waiting_for_order(self, shop: str, order_id: int) -> list[ParkedEvent]:
        return [e for e in self.parked_events(shop) if e.waiting_for_order == order_id]

    def parked_unreadable(self, shop: str, limit: int) -> list[ParkedEvent]:
        return [e for e in self.parked_events(shop) if e.shopify_unreadable][:limit]

    def unpark(self, event: ParkedEvent) -> None:
        self.parked.pop((event.shop, event.event_id), None)

    def acknowledge_push(self, push: LevelPush, at: datetime) -> bool:
        with self._lock:
            old = self.balance_by_key[push.key]
            if old.pushed_version >= push.version:
                return False
            self.balance_by_key[push.key] = replace(
                old,
                shopify_expected=old.shopify_expected + push.quantity - push.change_from,
                pushed_version=push.version,
                push_status=PushStatus.APPLIED,
                stale_since=None,
                last_agreed_at=at,
            )
            return True

    def record_stale_push(self, push: LevelPush, at: datetime) -> None:
        old = self.balance_by_key[push.key]
        self.balance_by_key[push.key] = replace(old, push_status=PushStatus.STALE, stale_since=old.stale_since or at)

    def record_unpushable(self, key: LevelKey, reason: str, at: datetime) -> None:
        self.balance_by_key[key] = replace(self.balance_by_key[key], push_status=PushStatus.UNPUSHABLE)

    def record_shopify_observation(self, key: LevelKey, available: int, at: datetime) -> None:
        self.balance_by_key[key] = replace(self.balance_by_key[key], shopify_observed=available, observed_at=at)

    def mark_for_repush(self, key: LevelKey, reason: str, at: datetime, *, failed: bool = True) -> None:
        with self._lock:
            self.repush[key] = (reason, at)
            if failed and key in self.balance_by_key:
                self.balance_by_key[key] = replace(self.balance_by_key[key], push_status=PushStatus.FAILED)

    def repush_marks(self, shop: str) -> list[LevelKey]:
        return sorted(key for key in self.repush if key.shop == shop)

    def clear_repush(self, key: LevelKey, failed_before: datetime) -> bool:
        with self._lock:
            mark = self.repush.get(key)
            if mark is not None and mark[1] >= failed_before:
                return False
            self.repush.pop(key, None)
            return True

    def balances_at(self, shop: str, location: str, skus: Iterable[str]) -> Iterator[Balance]:
        for sku in skus:
            balance = self.balance_by_key.get(LevelKey(shop, location, sku))
            if balance is not None:
                yield balance

    def record_drift(self, key: LevelKey, at: datetime) -> None:
        if key in self.balance_by_key:
            old = self.balance_by_key[key]
            self.balance_by_key[key] = replace(old, drift_since=old.drift_since or at)

    def record_agreement(self, key: LevelKey, at: datetime) -> None:
        if key in self.balance_by_key:
            self.balance_by_key[key] = replace(self.balance_by_key[key], last_agreed_at=at, drift_since=None)

    def acknowledge_heal(self, push: LevelPush, expected_read: int, entry: ActivityEntry) -> bool:
        with self._lock:
            if (entry.key, entry.entry_id) in self.entry_by_id or push.key not in self.balance_by_key:
                return False
            old = self.balance_by_key[push.key]
            self.balance_by_key[push.key] = replace(
                old,
                shopify_expected=old.shopify_expected + push.quantity - expected_read,
                push_status=PushStatus.HEALED,
                stale_since=None,
                drift_since=None,
                shopify_observed=None,
                observed_at=None,
                last_agreed_at=entry.applied_at,
            )
            self.entry_by_id[(entry.key, entry.entry_id)] = entry
            return True


class InMemoryDirectory(MerchantDirectory):
    """Mappings for the pusher's unit tests (the DynamoDB one is tested on moto server)."""

    def __init__(self, locations: dict[str, int], skus: dict[str, int]) -> None:
        self.location_ids = dict(locations)
        self.item_ids = dict(skus)
        self.policy = DEFAULT_HEALING_POLICY  # as the DynamoDB directory answers
        self.reconciled: dict[str, tuple[datetime, str]] = {}
        self.onboarded: datetime | None = None
        self.caught_up: datetime | None = None
        self.registered: set[str] = set()
        self.primary: str | None = None

    def register_shop(self, shop: str, *, onboarded_at: datetime) -> None:
        self.registered.add(shop)
        self.onboarded = self.onboarded or onboarded_at  # as DynamoDB's if_not_exists

    def shops(self) -> list[str]:
        return sorted(self.registered)

    def map_location(self, shop: str, location: str, shopify_location_id: int, name: str = "") -> None:
        self.location_ids[location] = shopify_location_id

    def set_primary_location(self, shop: str, location: str) -> None:
        if location not in self.location_ids:
            raise LookupError(f"{shop} has no location {location!r}")
        self.primary = location

    def map_sku(
        self, shop: str, sku: str, inventory_item_id: int, variant_id: int | None = None, *, tracked: bool = True
    ) -> None:
        self.item_ids[sku] = inventory_item_id

    def locations(self, shop: str) -> dict[str, int]:
        return dict(self.location_ids)

    def skus(self, shop: str) -> dict[str, int]:
        return dict(self.item_ids)

    def shopify_ids(
        self, shop: str, locations: Iterable[str], skus: Iterable[str]
    ) -> tuple[dict[str, int], dict[str, int]]:
        return (
            {loc: self.location_ids[loc] for loc in locations if loc in self.location_ids},
            {sku: self.item_ids[sku] for sku in skus if sku in self.item_ids},
        )

    def healing_policy(self, shop: str) -> HealingPolicy:
        return self.policy

    def set_healing_policy(self, shop: str, policy: str) -> None:
        self.policy = HealingPolicy(policy)

    def location_reconciled_at(self, shop: str, location: str) -> datetime | None:
        return self.reconciled[location][0] if location in self.reconciled else None

    def record_location_reconciled(self, shop: str, location: str, at: datetime, run_id: str) -> None:
        self.reconciled[location] = (at, run_id)

    def onboarded_at(self, shop: str) -> datetime | None:
        return self.onboarded

    def caught_up_at(self, shop: str) -> datetime | None:
        return self.caught_up

    def record_caught_up(self, shop: str, at: datetime) -> None:
        self.caught_up = max(at, self.caught_up or at)
