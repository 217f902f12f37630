"""Repairs that are right: take Shopify's level as the truth of one level (`ledgerctl accept`), or
adopt a Shopify-side edit the catch-up established as one (the `adopt` ownership policy).

Two writes, in this order, so nothing in between pushes the old value:
1. `shopify_expected` is moved to the level just read from Shopify (ADD from the value the balance
   held, as a heal does) in one transaction with an append-only entry naming what Shopify showed; the
   stale, drift and observation marks are cleared. It is a reconciler write: it never triggers a push.
2. accept: the ledger counts the level at that value (a `count` entry with the reason); the ledger
   then agrees with Shopify, so its stream record pushes nothing. adopt: the edit (Shopify's level
   minus the old `shopify_expected`) is a ledger adjustment, reason shopify_edit; what the ledger had
   not pushed yet is then pushed, compare-and-swap from Shopify's level.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from inventory_ledger.domain.ledger import ActivityEntry, Balance, LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.ports import LedgerRepository, MerchantDirectory, ShopifyInventory
from inventory_ledger.service.operations import record_operation

SHOPIFY_EDIT = "shopify_edit"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class Accepted:
    key: LevelKey
    shopify_level: int
    ledger_before: int
    entry_ids: tuple[str, ...]


def accept_shopify_level(
    key: LevelKey,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    *,
    reason: str = ACCEPTED,
    actor: str = "ledgerctl",
) -> Accepted:
    """Takes Shopify's current `available` of the level as a count; raises LookupError for a level that
    is unmapped, holds no balance or is not stocked at Shopify, TransientFailure/PushRefused when
    Shopify cannot be read."""
    balance, available, operation, source = _align(key, ledger, directory, shopify_for, now, reason, actor)
    note = f"{reason}: Shopify showed {available}, the ledger held {balance.quantity}"
    count = Movement(key, MovementKind.COUNT, 0, f"{operation}/count", source, reason=note, counted=available)
    record_operation([count], ledger, now)
    return Accepted(key, available, balance.quantity, (f"{operation}/shopify", count.entry_id))


def adopt_shopify_edit(
    key: LevelKey,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    *,
    actor: str,
) -> Accepted:
    """Policy `adopt`: the edit Shopify holds (its level minus what we knew it showed) becomes a ledger
    adjustment with reason shopify_edit. A delta, not a count: a receipt or transfer the ledger has not
    pushed yet stays counted, and its push then lands from Shopify's level. Raises as accept does."""
    balance, available, operation, source = _align(key, ledger, directory, shopify_for, now, SHOPIFY_EDIT, actor)
    edit = available - balance.shopify_expected
    note = f"{SHOPIFY_EDIT}: Shopify moved {balance.shopify_expected} -> {available} by no order"
    entry_ids: tuple[str, ...] = (f"{operation}/shopify",)
    if edit != 0:
        adjustment = Movement(key, MovementKind.ADJUSTMENT, edit, f"{operation}/adjustment", source, reason=note)
        record_operation([adjustment], ledger, now)
        entry_ids += (adjustment.entry_id,)
    return Accepted(key, available, balance.quantity, entry_ids)


def heal_activity(
    key: LevelKey, entry_id: str, balance_after: int, version_after: int, at: datetime, source: Source, reason: str
) -> ActivityEntry:
    """The entry of a write to Shopify's side only (a heal, an alignment): the ledger's level is unchanged."""
    return ActivityEntry(
        key=key,
        entry_id=entry_id,
        kind=MovementKind.HEAL,
        quantity=0,
        balance_after=balance_after,
        version_after=version_after,
        applied_at=at,
        source=source,
        reason=reason,
    )


def _align(
    key: LevelKey,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    reason: str,
    actor: str,
) -> tuple[Balance, int, str, Source]:
    """Reads Shopify's level and moves `shopify_expected` to it (write 1 above); returns the balance as
    read, Shopify's level, the operation id and the source of the entries."""
    locations, items = directory.shopify_ids(key.shop, [key.location], [key.sku])
    if key.location not in locations or key.sku not in items:
        raise LookupError(f"{key} is not mapped to a Shopify location and inventory item")
    balance = ledger.balances([key]).get(key)
    if balance is None:
        raise LookupError(f"{key} holds no balance (import one with a count)")
    probe = LevelPush(
        key, balance.version, balance.quantity, balance.shopify_expected, items[key.sku], locations[key.location]
    )
    available = shopify_for(key.shop).read_available([probe]).get(key)
    if available is None:
        raise LookupError(f"Shopify does not stock {key.sku} at {key.location}")
    operation = f"{reason}/{key.location}/{key.sku}/v{balance.version}"
    source = Source(topic=reason, operation_id=operation, actor=actor)
    note = f"{reason}: Shopify showed {available}"
    align = heal_activity(key, f"{operation}/shopify", balance.quantity, balance.version, now(), source, note)
    ledger.acknowledge_heal(
        LevelPush(
            key,
            balance.version,
            available,
            balance.shopify_expected,
            probe.inventory_item_id,
            probe.shopify_location_id,
        ),
        balance.shopify_expected,
        align,
    )
    return balance, available, operation, source
