"""An in-memory LedgerRepository with the same atomic, version-conditioned commit as DynamoDB's.

Used by unit and property tests; the integration tests run the same scenarios on the real adapter.
"""

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from inventory_ledger.domain.ledger import ActivityEntry, Balance, LedgerChange, LevelKey, OrderLineState
from inventory_ledger.domain.merchant import MerchantView
from inventory_ledger.domain.parking import ParkedEvent
from inventory_ledger.ports import ConcurrentChange, DuplicateEntry, LedgerRepository


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
        self.balance_by_key: dict[LevelKey, Balance] = {}
        self.lines: dict[tuple[str, int, int], OrderLineState] = {}
        self.entry_by_id: dict[tuple[LevelKey, str], ActivityEntry] = {}
        self.parked: dict[tuple[str, str], ParkedEvent] = {}
        self.commits = 0
        self._lock = threading.Lock()

    def merchant_view(
        self,
        shop: str,
        *,
        shopify_location_ids: Iterable[int] = (),
        skus: Iterable[str] = (),
        inventory_item_ids: Iterable[int] = (),
    ) -> MerchantView | None:
        if shop != self.shop:
            return None
        return MerchantView(
            shop=shop,
            primary_location=self.primary_location,
            onboarded_at=self.onboarded_at,
            locations_by_shopify_id={i: self.locations[i] for i in shopify_location_ids if i in self.locations},
            known_skus=frozenset(sku for sku in skus if sku in self.skus),
        )

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
            for update in change.balances:
                old = self.balance_by_key.get(update.key, Balance(update.key))
                self.balance_by_key[update.key] = Balance(
                    update.key,
                    old.quantity + update.quantity_delta,
                    old.version + 1,
                    old.shopify_expected + update.shopify_expected_delta,
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

    def unpark(self, event: ParkedEvent) -> None:
        self.parked.pop((event.shop, event.event_id), None)
