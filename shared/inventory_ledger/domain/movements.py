"""A movement is what an event asks of one level, before the ledger's state decides what it does."""

from dataclasses import dataclass, field
from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import Problem

DECREASING = frozenset({MovementKind.SALE, MovementKind.TRANSFER_OUT})
RESTOCKS = frozenset({MovementKind.CANCEL_RESTOCK, MovementKind.REFUND_RESTOCK})


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

    @property
    def signed_quantity(self) -> int:
        return -self.quantity if self.kind in DECREASING else self.quantity


@dataclass
class Translation:
    """The movements an event asks for, and the problems that kept parts of it from becoming any."""

    movements: list[Movement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
