"""Where the ledger and Shopify disagree about a level, since when, and the likely reason.

The ledger is the truth; Shopify is a subscriber we keep equal to it. A level drifts when Shopify's
`available` differs from the ledger's quantity, except while a push is on its way: the ledger moved
a moment ago, Shopify has not been told yet, and the pusher has not given up (see docs/reconciliation.md).
"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from inventory_ledger.domain.ledger import Balance, LevelKey, PushStatus

DEFAULT_SETTLE_WINDOW = timedelta(minutes=2)


class DriftCause(StrEnum):
    # The pusher's compare-and-swap was refused: Shopify holds a change the ledger never heard of.
    PUSH_STALE = "push_stale"
    # Shopify reported (inventory_levels/update) a level we did not expect: someone edited it there.
    ADMIN_EDIT_SEEN = "admin_edit_seen"
    # The level could not be pushed (its location or SKU was not mapped when it changed).
    UNPUSHABLE = "unpushable"
    # Shopify stocks an inventory item the merchant's SKU mapping does not know.
    UNMAPPED_SKU = "unmapped_sku"
    # Nothing explains it: most often a Shopify order or restock whose webhook never reached us.
    # Only without a catch-up: after one, every order movement is in the ledger (see below).
    WEBHOOK_NEVER_RECEIVED = "webhook_never_received"
    # After a catch-up (every Shopify order movement up to its cut-off is in the ledger):
    # Shopify moved the level by something other than an order: an edit in its admin, another app.
    ADMIN_EDIT = "admin_edit"
    # The ledger owes Shopify a push that never landed (nothing stale, failed or in flight).
    PUSH_NEVER_LANDED = "push_never_landed"
    # The level's pushes failed (Shopify down, throttled, credentials lost): marked for re-push.
    PUSH_FAILED = "push_failed"


class HealingPolicy(StrEnum):
    """Who owns a Shopify-side edit. Whatever the policy, a push of ours that never landed or failed is
    pushed again (OWN_PUSH_CAUSES): that is the ledger's own value, not a judgement on an edit."""

    # Edits are reported only (and a level an edit made stale stays stale): the merchant opts in.
    REPORT = "report"
    # The ledger wins: an edit is undone by a compare-and-swap back to the ledger's level.
    HEAL = "heal"
    # The default: a Shopify-side edit (once the catch-up established it as one) becomes the ledger's
    # count, reason shopify_edit; any other drift is healed.
    ADOPT = "adopt"


# Safe and converging (docs/reconciliation.md, "The default policy"): after the catch-up, what
# remains is either the ledger's own push (re-pushed) or an edit made in Shopify, which a merchant
# who counts in Shopify's admin expects to stick; adopting it can never put sold units on sale.
DEFAULT_HEALING_POLICY = HealingPolicy.ADOPT


# Drift that is the ledger's own push not having reached Shopify: re-pushed under every policy.
OWN_PUSH_CAUSES = frozenset({DriftCause.PUSH_NEVER_LANDED, DriftCause.PUSH_FAILED, DriftCause.UNPUSHABLE})


class Verdict(StrEnum):
    AGREES = "agrees"
    IN_FLIGHT = "in_flight"
    DRIFT = "drift"


@dataclass(frozen=True)
class ShopifyLevel:
    """Shopify's `available` of one inventory item at one Shopify location, as just read."""

    location_id: int
    inventory_item_id: int
    sku: str | None
    available: int
    # Shopify's clock: when the level last changed (every movement up to it is inside `available`).
    updated_at: datetime | None = None


@dataclass(frozen=True)
class DriftRow:
    """One line of the report. A side that holds no level at all is None (compared as 0)."""

    shop: str
    location: str
    sku: str
    inventory_item_id: int | None
    ledger_level: int | None
    shopify_level: int | None
    shopify_expected: int | None
    last_agreed_at: datetime | None
    cause: DriftCause
    # Seconds since the level last agreed (or since the reconciler first saw it drift, when it never
    # agreed as far as we know); 0 for a drift seen for the first time with no history.
    age_seconds: float

    @property
    def units(self) -> int:
        return abs((self.ledger_level or 0) - (self.shopify_level or 0))

    @property
    def key(self) -> LevelKey:
        return LevelKey(self.shop, self.location, self.sku)


@dataclass(frozen=True)
class Comparison:
    verdict: Verdict
    sku: str
    balance: Balance | None
    shopify: ShopifyLevel | None
    row: DriftRow | None = None


def push_in_flight(
    balance: Balance,
    now: datetime,
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW,
    read_at: datetime | None = None,
) -> bool:
    """The ledger changed a moment ago and the pusher has not reached Shopify yet: not drift (yet).

    Also a level that moved, or that a push acknowledged, after Shopify's level was read (``read_at``):
    the snapshot is older than what it would be judged against. A stale push is never in flight: the
    pusher has tried and Shopify refused it.
    """
    if balance.push_status is PushStatus.STALE:
        return False
    if read_at is not None:
        for moment in (balance.updated_at, balance.last_agreed_at):
            if moment is not None and moment >= read_at:
                return True
    if balance.agrees_with_shopify:
        return False
    return balance.updated_at is not None and now - balance.updated_at <= settle_window


def likely_cause(balance: Balance | None, *, mapped: bool = True, caught_up: bool = False) -> DriftCause:
    """The first cause that applies. ``caught_up``: the ledger holds every Shopify order movement up to
    the read (the catch-up ran), so a difference is never a webhook that did not arrive."""
    if not mapped:
        return DriftCause.UNMAPPED_SKU
    if balance is None:
        return DriftCause.ADMIN_EDIT if caught_up else DriftCause.WEBHOOK_NEVER_RECEIVED
    if balance.push_status is PushStatus.STALE and not caught_up:
        return DriftCause.PUSH_STALE
    if balance.shopify_observed is not None and balance.shopify_observed != balance.shopify_expected:
        return DriftCause.ADMIN_EDIT_SEEN
    if balance.push_status is PushStatus.FAILED:
        return DriftCause.PUSH_FAILED
    if balance.push_status is PushStatus.UNPUSHABLE:
        return DriftCause.UNPUSHABLE
    if balance.push_status is PushStatus.STALE:
        # Caught up: Shopify holds a change no order explains.
        return DriftCause.ADMIN_EDIT
    if caught_up:
        return DriftCause.ADMIN_EDIT if balance.agrees_with_shopify else DriftCause.PUSH_NEVER_LANDED
    return DriftCause.WEBHOOK_NEVER_RECEIVED


def last_agreement(balance: Balance | None, location_agreed_at: datetime | None) -> datetime | None:
    """The latest time the level is known to have agreed with Shopify.

    Pushes and heals stamp `last_agreed_at` on the balance. A reconciliation does not write every
    agreeing level (a million writes a night for a big merchant); it stamps the location instead,
    and marks the few levels it finds drifting (`drift_since`). So a level that carries no drift mark
    agreed at the location's previous reconciliation.
    """
    candidates = []
    if balance is not None and balance.last_agreed_at is not None:
        candidates.append(balance.last_agreed_at)
    if balance is not None and balance.drift_since is None and location_agreed_at is not None:
        candidates.append(location_agreed_at)
    return max(candidates) if candidates else None


def compare_level(
    shop: str,
    location: str,
    sku: str,
    balance: Balance | None,
    shopify: ShopifyLevel | None,
    *,
    now: datetime,
    mapped: bool = True,
    location_agreed_at: datetime | None = None,
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW,
    read_at: datetime | None = None,
    caught_up: bool = False,
) -> Comparison:
    ledger_level = balance.quantity if balance is not None else None
    shopify_level = shopify.available if shopify is not None else None
    if (ledger_level or 0) == (shopify_level or 0):
        return Comparison(Verdict.AGREES, sku, balance, shopify)
    if balance is not None and push_in_flight(balance, now, settle_window, read_at):
        return Comparison(Verdict.IN_FLIGHT, sku, balance, shopify)
    agreed = last_agreement(balance, location_agreed_at)
    since = agreed or (balance.drift_since if balance is not None else None) or now
    row = DriftRow(
        shop=shop,
        location=location,
        sku=sku,
        inventory_item_id=shopify.inventory_item_id if shopify is not None else None,
        ledger_level=ledger_level,
        shopify_level=shopify_level,
        shopify_expected=balance.shopify_expected if balance is not None else None,
        last_agreed_at=agreed,
        cause=likely_cause(balance, mapped=mapped, caught_up=caught_up),
        age_seconds=max(0.0, (now - since).total_seconds()),
    )
    return Comparison(Verdict.DRIFT, sku, balance, shopify, row)


def compare_location(
    shop: str,
    location: str,
    shopify_location_id: int,
    balances: Iterable[Balance],
    shopify_available: MutableMapping[int, int],
    items_by_sku: Mapping[str, int],
    skus_by_item: Mapping[int, str],
    *,
    now: datetime,
    shopify_skus: Mapping[int, str | None] | None = None,
    location_agreed_at: datetime | None = None,
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW,
    read_at: datetime | None = None,
    caught_up: bool = False,
) -> Iterator[Comparison]:
    """Every level of one location on either side, compared, ledger side first.

    ``shopify_available`` (inventory item id -> available) is consumed as the ledger's balances are
    matched, so a big location is never held twice; what remains afterwards exists on Shopify's side
    only. ``balances`` may stream: each is compared as it arrives. The two SKU mappings are the
    merchant's, both ways (passed in, not derived, so a many-location run inverts them once);
    ``shopify_skus`` holds Shopify's own SKU of items the mapping lacks, for the report.
    """
    compare = partial(
        compare_level,
        now=now,
        location_agreed_at=location_agreed_at,
        settle_window=settle_window,
        read_at=read_at,
        caught_up=caught_up,
    )
    for balance in balances:
        sku = balance.key.sku
        item_id = items_by_sku.get(sku)
        available = shopify_available.pop(item_id, None) if item_id is not None else None
        shopify = (
            None if item_id is None or available is None else ShopifyLevel(shopify_location_id, item_id, sku, available)
        )
        yield compare(shop, location, sku, balance, shopify)
    for item_id in sorted(shopify_available):
        mapped_sku = skus_by_item.get(item_id)
        sku = mapped_sku or (shopify_skus or {}).get(item_id) or f"gid://shopify/InventoryItem/{item_id}"
        shopify = ShopifyLevel(shopify_location_id, item_id, sku, shopify_available[item_id])
        yield compare(shop, location, sku, None, shopify, mapped=mapped_sku is not None)
    shopify_available.clear()
