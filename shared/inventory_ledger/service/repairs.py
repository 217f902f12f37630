"""Repairs that are right: take Shopify's level as the truth of one level (`ledgerctl accept`, and
the `adopt` ownership policy for a Shopify-side edit the catch-up established as one).

Two writes, in this order, so nothing in between pushes the old value:
1. `shopify_expected` is moved to the level just read from Shopify (ADD from the value the balance
   held, as a heal does) in one transaction with an append-only entry naming what Shopify showed; the
   stale, drift and observation marks are cleared. It is a reconciler write: it never triggers a push.
2. The ledger counts the level at that value (a `count` entry with the reason). The ledger then agrees
   with what Shopify shows, so the push its stream record triggers finds nothing to push, and later
   pushes compare-and-swap from the right value.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from inventory_ledger.domain.ledger import ActivityEntry, LevelKey, MovementKind, Source
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
    at = now()
    operation = f"{reason}/{key.location}/{key.sku}/v{balance.version}"
    note = f"{reason}: Shopify showed {available}, the ledger held {balance.quantity}"
    source = Source(topic=reason, operation_id=operation, actor=actor)
    align = ActivityEntry(
        key=key,
        entry_id=f"{operation}/shopify",
        kind=MovementKind.HEAL,
        quantity=0,
        balance_after=balance.quantity,
        version_after=balance.version,
        applied_at=at,
        source=source,
        reason=note,
    )
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
    count = Movement(key, MovementKind.COUNT, 0, f"{operation}/count", source, reason=note, counted=available)
    record_operation([count], ledger, now)
    return Accepted(key, available, balance.quantity, (align.entry_id, count.entry_id))
