"""Movements an operator records: transfers, counts, adjustments and receipts.

Each carries an operation id chosen by the caller, so repeating a command repeats nothing.
"""

from enum import StrEnum

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement


class AdjustmentReason(StrEnum):
    DAMAGED = "damaged"
    LOST = "lost"
    FOUND = "found"
    STOLEN = "stolen"
    EXPIRED = "expired"
    CORRECTION = "correction"
    PROMOTION = "promotion"
    OTHER = "other"


class InvalidOperation(ValueError):
    """An operator's movement that makes no sense (a transfer to itself, a negative count...)."""


def _source(operation_id: str, actor: str | None) -> Source:
    if not operation_id:
        raise InvalidOperation("an operation id is required")
    return Source(topic="operator", operation_id=operation_id, actor=actor)


def transfer(
    shop: str,
    sku: str,
    from_location: str,
    to_location: str,
    quantity: int,
    operation_id: str,
    actor: str | None = None,
) -> list[Movement]:
    if from_location == to_location:
        raise InvalidOperation("a transfer needs two different locations")
    if quantity <= 0:
        raise InvalidOperation("a transfer moves at least one unit")
    source, entry = _source(operation_id, actor), f"transfer/{operation_id}"
    out_of, into = LevelKey(shop, from_location, sku), LevelKey(shop, to_location, sku)
    return [
        Movement(out_of, MovementKind.TRANSFER_OUT, quantity, f"{entry}/out", source, reason=f"to {to_location}"),
        Movement(into, MovementKind.TRANSFER_IN, quantity, f"{entry}/in", source, reason=f"from {from_location}"),
    ]


def count(
    shop: str, location: str, sku: str, counted: int, operation_id: str, actor: str | None = None
) -> list[Movement]:
    if counted < 0:
        raise InvalidOperation("a count cannot be negative")
    key, source = LevelKey(shop, location, sku), _source(operation_id, actor)
    return [
        Movement(key, MovementKind.COUNT, 0, f"count/{operation_id}", source, reason="cycle count", counted=counted)
    ]


def adjust(
    shop: str,
    location: str,
    sku: str,
    delta: int,
    reason: AdjustmentReason,
    operation_id: str,
    actor: str | None = None,
) -> list[Movement]:
    if delta == 0:
        raise InvalidOperation("an adjustment changes the level")
    key, source = LevelKey(shop, location, sku), _source(operation_id, actor)
    return [Movement(key, MovementKind.ADJUSTMENT, delta, f"adjustment/{operation_id}", source, reason=reason.value)]


def receive(
    shop: str, location: str, sku: str, quantity: int, operation_id: str, actor: str | None = None
) -> list[Movement]:
    if quantity <= 0:
        raise InvalidOperation("a receipt brings at least one unit")
    key, source = LevelKey(shop, location, sku), _source(operation_id, actor)
    return [Movement(key, MovementKind.RECEIPT, quantity, f"receipt/{operation_id}", source, reason="received")]
