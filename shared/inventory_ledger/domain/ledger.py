"""The ledger's own vocabulary: levels, balances, activity entries, and a change to commit atomically.

A change is computed from a snapshot and carries the version of every item it read, so committing it
is a compare-and-swap: if anything moved in between, the commit fails and the change is computed anew.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, order=True)
class LevelKey:
    """Stock of one SKU at one ledger location of one merchant (shop domain)."""

    shop: str
    location: str
    sku: str

    def __str__(self) -> str:
        return f"{self.shop}/{self.location}/{self.sku}"


class MovementKind(StrEnum):
    SALE = "sale"
    CANCEL_RESTOCK = "cancel_restock"
    REFUND_RESTOCK = "refund_restock"
    # A returned unit disposed RESTOCKED on its reverse fulfilment order (domain/returns.py).
    RETURN_RESTOCK = "return_restock"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    COUNT = "count"
    ADJUSTMENT = "adjustment"
    RECEIPT = "receipt"
    HEAL = "heal"
    # The level Shopify showed when the merchant was onboarded, imported as the ledger's start.
    OPENING = "opening"


class PushStatus(StrEnum):
    """What the pusher (or a heal) last learnt of a level's push: the adapter stores it, drift reads it."""

    APPLIED = "applied"  # Shopify took our compare-and-swap
    STALE = "stale"  # Shopify refused it: its level moved since we last agreed
    FAILED = "failed"  # Shopify failed for now; the level is marked for re-push
    UNPUSHABLE = "unpushable"  # the level cannot be pushed (no mapping); a person must look
    HEALED = "healed"  # the reconciler set Shopify back to the ledger


@dataclass(frozen=True)
class Balance:
    """A level's balance as read. version 0 means the level has never been written."""

    key: LevelKey
    quantity: int = 0
    version: int = 0
    # What we believe Shopify shows as `available` at this level (see docs/pushing.md).
    shopify_expected: int = 0
    # The last version Shopify acknowledged, and what the pusher last learnt of it.
    pushed_version: int = 0
    push_status: PushStatus | None = None
    stale_since: datetime | None = None
    last_agreed_at: datetime | None = None
    # The last `available` Shopify reported on its own (inventory_levels/update), when it disagreed.
    shopify_observed: int | None = None
    observed_at: datetime | None = None
    # When a movement last changed the level (a push in flight is only recent changes'), and since
    # when the reconciler has seen it disagree with Shopify (unset while they agree).
    updated_at: datetime | None = None
    drift_since: datetime | None = None
    # Shopify's instant the level's opening balance holds every movement up to (its `updatedAt` when
    # imported): a Shopify movement at or before it is inside the import, whatever the operator's clock.
    imported_at: datetime | None = None

    @property
    def agrees_with_shopify(self) -> bool:
        return self.quantity == self.shopify_expected


@dataclass(frozen=True)
class OrderLineState:
    """What the ledger has done for one order line: sold and restocked so far, and by which entries.

    ``location`` is where the ledger holds the line's open units: where it sold them, until a move of
    the fulfilment order takes them elsewhere (domain/fulfilment_moves.py)."""

    shop: str
    order_id: int
    line_item_id: int
    sku: str
    location: str
    sold: int = 0
    restocked: int = 0
    # The part of `restocked` that undid the cancellation: orders/cancelled and the refund lines
    # Shopify marks `cancel` restock the same unfulfilled units, so they share this budget.
    cancel_restocked: int = 0
    # Units of the line shipped from another location, which their shipments moved off ``location``
    # (ship_from.py): of what the line sold, these are no longer held there.
    shipped_away: int = 0
    applied: frozenset[str] = frozenset()
    version: int = 0


@dataclass(frozen=True)
class Source:
    """Where a movement came from: the Shopify ids, or the operator's operation id."""

    topic: str | None = None
    order_id: int | None = None
    line_item_id: int | None = None
    refund_id: int | None = None
    refund_line_id: int | None = None
    webhook_id: str | None = None
    event_id: str | None = None
    operation_id: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class ActivityEntry:
    """One append-only line of a level's history, written with the balance change it records."""

    key: LevelKey
    entry_id: str
    kind: MovementKind
    quantity: int
    balance_after: int
    version_after: int
    applied_at: datetime
    source: Source
    reason: str | None = None
    oversell: bool = False
    # When a restock was cut to what was still restockable, how much had been asked for.
    requested_quantity: int | None = None


@dataclass(frozen=True)
class BalanceUpdate:
    key: LevelKey
    expected_version: int
    quantity_delta: int
    shopify_expected_delta: int
    # One version per event applied to the level (several when a batch applies several at once).
    version_delta: int = 1
    # Set by an opening balance: the level's import instant on Shopify's clock (written once).
    imported_at: datetime | None = None


@dataclass(frozen=True)
class LineUpdate:
    shop: str
    order_id: int
    line_item_id: int
    sku: str
    location: str
    expected_version: int
    sold_delta: int
    restocked_delta: int
    cancel_restocked_delta: int
    applied: frozenset[str]
    # The line's open units were moved to ``location`` (written over the stored one).
    relocated: bool = False
    shipped_away_delta: int = 0


@dataclass
class LedgerChange:
    balances: list[BalanceUpdate] = field(default_factory=list)
    lines: list[LineUpdate] = field(default_factory=list)
    entries: list[ActivityEntry] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.entries

    @property
    def oversells(self) -> list[ActivityEntry]:
        return [entry for entry in self.entries if entry.oversell]

    def item_count(self) -> int:
        return len(self.balances) + len(self.lines) + len(self.entries)
