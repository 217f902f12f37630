"""Where the ledger and Shopify disagree about a level, since when, and the likely reason.

The ledger is the truth; Shopify is a subscriber we keep equal to it. A level drifts when Shopify's
`available` differs from the ledger's quantity, except while a push is on its way: the ledger moved
a moment ago, Shopify has not been told yet, and the pusher has not given up (see docs/reconciliation.md).
"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from inventory_ledger.domain.ledger import Balance, LevelKey

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
    WEBHOOK_NEVER_RECEIVED = "webhook_never_received"


class HealingPolicy(StrEnum):
    # The default: Shopify is only rewritten by the reconciler when the merchant opts in.
    REPORT = "report"
    HEAL = "heal"


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


def push_in_flight(balance: Balance, now: datetime, settle_window: timedelta = DEFAULT_SETTLE_WINDOW) -> bool:
    """The ledger changed a moment ago and the pusher has not reached Shopify yet: not drift (yet)."""
    if balance.agrees_with_shopify or balance.push_status == "stale":
        return False
    return balance.updated_at is not None and now - balance.updated_at <= settle_window


def likely_cause(balance: Balance | None, *, mapped: bool = True) -> DriftCause:
    if not mapped:
        return DriftCause.UNMAPPED_SKU
    if balance is None:
        return DriftCause.WEBHOOK_NEVER_RECEIVED
    if balance.push_status == "stale":
        return DriftCause.PUSH_STALE
    if balance.shopify_observed is not None and balance.shopify_observed != balance.shopify_expected:
        return DriftCause.ADMIN_EDIT_SEEN
    if balance.push_status == "unpushable":
        return DriftCause.UNPUSHABLE
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
) -> Comparison:
    ledger_level = balance.quantity if balance is not None else None
    shopify_level = shopify.available if shopify is not None else None
    if (ledger_level or 0) == (shopify_level or 0):
        return Comparison(Verdict.AGREES, sku, balance, shopify)
    if balance is not None and push_in_flight(balance, now, settle_window):
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
        cause=likely_cause(balance, mapped=mapped),
        age_seconds=max(0.0, (now - since).total_seconds()),
    )
    return Comparison(Verdict.DRIFT, sku, balance, shopify, row)


def compare_location(
    shop: str,
    location: str,
    balances: Iterable[Balance],
    shopify_levels: MutableMapping[int, ShopifyLevel],
    items_by_sku: Mapping[str, int],
    skus_by_item: Mapping[int, str],
    *,
    now: datetime,
    location_agreed_at: datetime | None = None,
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW,
) -> Iterator[Comparison]:
    """Every level of one location on either side, compared, ledger side first.

    ``shopify_levels`` (inventory item id -> level) is consumed as the ledger's balances are matched,
    so a big location is never held twice; what remains afterwards exists on Shopify's side only.
    ``balances`` may stream: each is compared as it arrives. The two SKU mappings are the merchant's,
    both ways (passed in, not derived, so a many-location run inverts them once).
    """
    for balance in balances:
        item_id = items_by_sku.get(balance.key.sku)
        shopify = shopify_levels.pop(item_id, None) if item_id is not None else None
        yield compare_level(shop, location, balance.key.sku, balance, shopify, now=now,
                            location_agreed_at=location_agreed_at, settle_window=settle_window)  # fmt: skip
    for item_id in sorted(shopify_levels):
        shopify = shopify_levels[item_id]
        mapped_sku = skus_by_item.get(item_id)
        sku = mapped_sku or shopify.sku or f"gid://shopify/InventoryItem/{item_id}"
        yield compare_level(shop, location, sku, None, shopify, now=now, mapped=mapped_sku is not None,
                            location_agreed_at=location_agreed_at, settle_window=settle_window)  # fmt: skip
    shopify_levels.clear()
