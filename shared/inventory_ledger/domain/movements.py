"""A movement is what an event asks of one level, before the ledger's state decides what it does."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import Problem

DECREASING = frozenset({MovementKind.SALE, MovementKind.TRANSFER_OUT})
RESTOCKS = frozenset({MovementKind.CANCEL_RESTOCK, MovementKind.REFUND_RESTOCK, MovementKind.RETURN_RESTOCK})


@dataclass(frozen=True)
class Movement:
    key: LevelKey
    kind: MovementKind
    # Units moved, always >= 0 except for adjustments, which carry their sign.
    quantity: int
    # Derived from business ids only, so a redelivery of the same fact finds the same entry.
    entry_id: str
    source: Source
    # Shopify moved its own `available` by this movement too (its orders and restocks).
    shopify_applied: bool = False
    order_line: tuple[int, int] | None = None
    reason: str | None = None
    # Counts: the absolute level counted; the entry records the difference.
    counted: int | None = None
    # A sale Shopify took before the merchant was onboarded: already inside the imported level. The
    # shop-wide rule, for levels imported without an instant of their own (see shopify_at).
    before_onboarding: bool = False
    # When Shopify applied it on its own side (the order's creation, cancellation, the refund), on
    # Shopify's clock; for an opening balance, the level's `updatedAt` as read. A Shopify movement at or
    # before its level's import instant is inside the imported level.
    shopify_at: datetime | None = None
    # Restocks the unfulfilled units of a cancelled order (from the cancel or a `cancel` refund line).
    undoes_cancellation: bool = False
    # Restocks open units an order edit removed: they count against what a later cancel restocks.
    releases_open_units: bool = False
    # Takes the line's open units to this movement's location: the line is held there from now on
    # (a fulfilment order moved, fulfilment_moves.py).
    relocates_line: bool = False
    # Gives back, at the line's location, units shipped from another one (ship_from.py).
    ships_away: bool = False

    @property
    def signed_quantity(self) -> int:
        return -self.quantity if self.kind in DECREASING else self.quantity


@dataclass(frozen=True)
class SkippedLine:
    line_item_id: int
    reason: "SkipReason"
    sku: str | None

    def __str__(self) -> str:
        return f"line {self.line_item_id} skipped: {self.reason.value}" + (f" (SKU {self.sku!r})" if self.sku else "")


class SkipReason(StrEnum):
    """Why an order line is not stock: Shopify moves no inventory for it, so neither does the ledger."""

    GIFT_CARD = "gift_card"
    UNTRACKED = "untracked"
    # A custom line (no variant), or a product deleted before the ledger ever took stock for it.
    CUSTOM_ITEM = "custom_item"
    # A variant without a SKU: onboarding maps none (docs/ledger.md).
    NO_SKU = "no_sku"
    # A line of a moved fulfilment order that the ledger never took, on an order it did take.
    NOT_IN_LEDGER = "not_in_ledger"


@dataclass
class Translation:
    """The movements an event asks for, and the problems that kept parts of it from becoming any."""

    movements: list[Movement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_lines: list[SkippedLine] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return [str(line) for line in self.skipped_lines]
