"""Catch-up from Shopify's own record, before a level is judged (or healed).

Reads every order Shopify created or updated since the last caught-up instant minus a margin and
feeds each through the webhook apply path: the order, its cancellation, each refund. What the ledger
applied already is a no-op (entry ids are business ids); what it applies now is a webhook it missed
(late, dropped, never subscribed) and is counted as such. The cut-off (the instant before the read
began) is stored as the shop's caught-up instant: the ledger holds every Shopify order movement up
to it. A refund waiting for its order is released when its order is applied here.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inventory_ledger.domain.catch_up import CATCH_UP_WINDOW, FetchedOrder, catch_up_from
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.observability import logger
from inventory_ledger.ports import LedgerRepository, MerchantDirectory, ShopifyFulfillmentOrders, ShopifyOrders
from inventory_ledger.service.apply_webhook import ApplyResult
from inventory_ledger.service.order_read import Naming, apply_order_read

CATCH_UP_WEBHOOK_ID = "reconciler-catch-up"
CATCH_UP_NAMING = Naming(CATCH_UP_WEBHOOK_ID, "catch-up", "catch-up")


@dataclass
class CatchUp:
    since: datetime
    cut_off: datetime
    orders_read: int = 0
    # Applications (an order, a cancellation, a refund) that moved the ledger: webhooks it missed.
    webhooks_missed: int = 0
    orders_unknown: int = 0
    entries_applied: int = 0
    parked: int = 0
    # Orders Shopify holds more of than even a whole read returns: applied as far as read. The catch-up
    # vouches for none of their SKUs' levels (for no level at all when an order's lines were cut).
    orders_truncated: int = 0
    unvouched_skus: set[str] = field(default_factory=set)
    lines_cut: bool = False
    # False when the window closed before every order was read (the caught-up instant is then not moved).
    finished: bool = True
    # Levels the catch-up moved, with the last Shopify instant of an order that moved each.
    moved: dict[LevelKey, datetime] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """The ledger holds every Shopify order movement up to the cut-off: levels may be judged by it."""
        return self.finished and not self.lines_cut

    def vouches_for(self, sku: str) -> bool:
        return self.complete and sku not in self.unvouched_skus

    def summary(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "cut_off": self.cut_off.isoformat(),
            "orders_read": self.orders_read,
            "webhooks_missed": self.webhooks_missed,
            "orders_unknown": self.orders_unknown,
            "entries_applied": self.entries_applied,
            "parked": self.parked,
            "orders_truncated": self.orders_truncated,
            "finished": self.finished,
        }


def catch_up(
    shop: str,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    orders: ShopifyOrders,
    now: Callable[[], datetime],
    *,
    since: datetime | None = None,
    record: bool = True,
    window: timedelta = CATCH_UP_WINDOW,
) -> CatchUp:
    """Applies every Shopify order movement since ``since`` (default: the shop's caught-up instant
    minus the margin); stores the cut-off as caught up when ``record`` and every order was read within
    ``window`` (else the result says it did not finish, and the next catch-up reads from the same
    instant: what was applied is a no-op then). Raises TransientFailure or PushRefused when Shopify
    cannot be read (nothing is stored then)."""
    cut_off = now()
    start = since or catch_up_from(directory.caught_up_at(shop), directory.onboarded_at(shop), cut_off)
    result = CatchUp(start, cut_off)
    closes = time.monotonic() + window.total_seconds()
    for fetched in orders.orders_updated_since(start):
        if time.monotonic() > closes:
            result.finished = False
            logger.warning("catch-up did not finish in its window", extra={"shop": shop, **result.summary()})
            break
        result.orders_read += 1
        if fetched.truncated:
            result.orders_truncated += 1
            result.unvouched_skus |= fetched.skus
            result.lines_cut = result.lines_cut or fetched.lines_truncated
        _apply_order(shop, fetched, ledger, now, result, orders.fulfillment_orders())
    if record and result.finished:
        directory.record_caught_up(shop, cut_off)
    logger.info("caught up", extra={"shop": shop, **result.summary()})
    return result


def _apply_order(
    shop: str,
    fetched: FetchedOrder,
    ledger: LedgerRepository,
    now: Callable[[], datetime],
    result: CatchUp,
    fulfillment_orders: ShopifyFulfillmentOrders | None,
) -> None:
    for topic, applied in apply_order_read(shop, fetched, ledger, now, fulfillment_orders, CATCH_UP_NAMING):
        _count(applied, fetched.updated_at, result, unknown_order=topic is Topic.ORDERS_CREATE)


def _count(applied: ApplyResult, updated_at: datetime, result: CatchUp, *, unknown_order: bool) -> None:
    entries = list(applied.applied) + [entry for released in applied.released for entry in released.applied]
    if applied.applied:
        result.webhooks_missed += 1
        if unknown_order:
            result.orders_unknown += 1
    result.entries_applied += len(entries)
    if applied.parked is not None:
        result.parked += 1
    for entry in entries:
        result.moved[entry.key] = max(result.moved.get(entry.key, updated_at), updated_at)
