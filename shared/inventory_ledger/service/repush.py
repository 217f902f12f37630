"""The re-push sweep: levels set aside because their shop's Shopify failed are pushed again, and
levels whose push was stale are resolved within minutes, not at the nightly run.

The mark lives with the balance state (a re-push item per level, `push_status = failed` on the
balance), not in the stream: whatever happened to the stream records (retried, bisected, expired
after MaximumRecordAgeInSeconds, sent to PushFailureQueue), a marked level is pushed from its
current balance once its Shopify answers again. The pusher's schedule runs the sweep every few
minutes; a level pushed (or found agreeing, stale or unpushable: each has its own record) leaves
the set, one that fails again stays in it.

A stale push (Shopify holds a change the ledger has not seen) is marked too. For a shop with stale
levels the sweep first catches up on the shop's orders (service/reconcile/catch_up.py): a sale whose
webhook is late or lost is applied, and the push that follows succeeds. A level still stale after it
was moved by something no order explains (an edit in Shopify's admin) and is resolved by the shop's
ownership policy: `heal` sets Shopify to the ledger (compare-and-swap from a fresh read, after a
second catch-up, as the reconciler heals), `adopt` takes the edit as an adjustment (service/repairs.py)
and pushes what the ledger still owes, `report` leaves it to the nightly report.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from aws_lambda_powertools.metrics import MetricUnit

from inventory_ledger.domain.catch_up import CATCH_UP_MARGIN
from inventory_ledger.domain.drift import HealingPolicy
from inventory_ledger.domain.ledger import LevelKey, PushStatus
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import (
    LedgerRepository,
    MerchantDirectory,
    PushRefused,
    ShopifyInventory,
    ShopifyOrders,
    TransientFailure,
)
from inventory_ledger.service.push import PushReport, ShopBreaker, push_levels
from inventory_ledger.service.reconcile.catch_up import catch_up
from inventory_ledger.service.reconcile.heal import heal_entry
from inventory_ledger.service.reconcile.waiting_refunds import waiting_refund_levels
from inventory_ledger.service.repairs import adopt_shopify_edit
from inventory_ledger.service.send_pushes import send_pushes


@dataclass
class RepushReport:
    marked: int = 0
    pushed: int = 0
    cleared: int = 0
    still_set_aside: int = 0
    caught_up_shops: int = 0
    webhooks_missed: int = 0
    # Stale levels resolved after the catch-up: healed, adopted, or left to the nightly report.
    stale_healed: int = 0
    stale_adopted: int = 0
    stale_reported: int = 0
    shops_down: dict[str, str] = field(default_factory=dict)
    pushes: PushReport = field(default_factory=PushReport)
    # SKUs of orders longer than the catch-up reads: their stale levels wait for the nightly run.
    unvouched_skus: set[str] = field(default_factory=set)

    def summary(self) -> dict[str, object]:
        return {
            "marked": self.marked,
            "pushed": self.pushed,
            "cleared": self.cleared,
            "still_set_aside": self.still_set_aside,
            "caught_up_shops": self.caught_up_shops,
            "webhooks_missed": self.webhooks_missed,
            "stale_healed": self.stale_healed,
            "stale_adopted": self.stale_adopted,
            "stale_reported": self.stale_reported,
            "shops_down": dict(self.shops_down),
        }


def repush_marked(
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    shopify_for: Callable[[str], ShopifyInventory],
    now: Callable[[], datetime],
    *,
    shops: Iterable[str] | None = None,
    orders_for: Callable[[str], ShopifyOrders] | None = None,
    breaker: ShopBreaker | None = None,
) -> RepushReport:
    """Pushes every marked level of these shops (all registered ones by default) from its balance;
    with ``orders_for``, stale levels are caught up on and resolved first."""
    report = RepushReport()
    # The sweep is what probes a shop that failed lately: each swept shop is tried whatever the breaker
    # (the pusher's own, when given) says, and a shop that answers is closed for the stream batches too.
    breaker = breaker or ShopBreaker()
    for shop in shops if shops is not None else directory.shops():
        marks = ledger.repush_marks(shop)
        if not marks:
            continue
        started = now()
        breaker.recovered(shop)
        report.marked += len(marks)
        stale = [b.key for b in ledger.balances(marks).values() if b.push_status is PushStatus.STALE]
        cut_off = _catch_up(shop, ledger, directory, orders_for, now, report) if stale else None
        pushed = push_levels(marks, ledger, directory, shopify_for, now, breaker)
        report.pushes.merge(pushed)
        report.pushed += len(pushed.pushed)
        report.shops_down.update(pushed.shops_down)
        # A level a waiting refund will restock is not an edit: it resolves when the refund is applied.
        still_stale = {push.key for push in pushed.stale} - waiting_refund_levels(shop, ledger)
        still_stale = {key for key in still_stale if key.sku not in report.unvouched_skus}
        if still_stale and cut_off is not None and orders_for is not None:
            resolving = _Stale(shop, ledger, directory, shopify_for, orders_for, now)
            _resolve(resolving, sorted(still_stale), cut_off, report)
        for key in marks:
            if key in pushed.set_aside or key in pushed.failed:
                report.still_set_aside += 1
            # A level still stale was marked again by its push: resolved or reported, it leaves the set.
            elif ledger.clear_repush(key, now() + timedelta(seconds=1) if key in still_stale else started):
                report.cleared += 1
    return report


def _catch_up(
    shop: str,
    ledger: LedgerRepository,
    directory: MerchantDirectory,
    orders_for: Callable[[str], ShopifyOrders] | None,
    now: Callable[[], datetime],
    report: RepushReport,
) -> datetime | None:
    if orders_for is None:
        return None
    try:
        caught = catch_up(shop, ledger, directory, orders_for(shop), now)
    except (TransientFailure, PushRefused, LookupError) as error:
        logger.warning("sweep: catch-up failed", extra={"shop": shop, "error": str(error)})
        return None
    report.caught_up_shops += 1
    report.webhooks_missed += caught.webhooks_missed
    # Only a catch-up that read every order whole vouches that what still differs is an edit.
    if not caught.complete:
        return None
    report.unvouched_skus |= caught.unvouched_skus
    return caught.cut_off


@dataclass(frozen=True)
class _Stale:
    """What resolving a shop's stale levels needs."""

    shop: str
    ledger: LedgerRepository
    directory: MerchantDirectory
    shopify_for: Callable[[str], ShopifyInventory]
    orders_for: Callable[[str], ShopifyOrders]
    now: Callable[[], datetime]


def _resolve(stale: _Stale, keys: list[LevelKey], cut_off: datetime, report: RepushReport) -> None:
    """Levels still stale after the catch-up: moved by no order. The shop's policy decides."""
    shop, ledger, directory, shopify_for, now = stale.shop, stale.ledger, stale.directory, stale.shopify_for, stale.now
    try:
        policy = directory.healing_policy(shop)
        if policy is HealingPolicy.REPORT:
            report.stale_reported += len(keys)
            return
        if policy is HealingPolicy.ADOPT:
            for key in keys:
                adopt_shopify_edit(key, ledger, directory, shopify_for, now, actor="level_pusher")
                report.stale_adopted += 1
            # What the ledger had not pushed yet (the change that found the level stale) lands now.
            pushed = push_levels(keys, ledger, directory, shopify_for, now, ShopBreaker())
            report.pushes.merge(pushed)
            report.pushed += len(pushed.pushed)
            return
        _heal(stale, keys, cut_off, report)
    except (TransientFailure, PushRefused, LookupError, ValueError) as error:
        logger.warning("sweep: stale levels not resolved", extra={"shop": shop, "error": str(error)})


def _heal(stale: _Stale, keys: list[LevelKey], cut_off: datetime, report: RepushReport) -> None:
    """As the reconciler heals: read Shopify's level, catch up again since the cut-off (a level an order
    moved meanwhile is left alone), then compare-and-swap from the value read."""
    shop, ledger, directory, now = stale.shop, stale.ledger, stale.directory, stale.now
    shopify = stale.shopify_for(shop)
    balances = ledger.balances(keys)
    locations, items = directory.shopify_ids(shop, {k.location for k in keys}, {k.sku for k in keys})
    probes = [
        LevelPush(k, b.version, b.quantity, b.shopify_expected, items[k.sku], locations[k.location])
        for k, b in sorted(balances.items())
        if k.location in locations and k.sku in items
    ]
    read = shopify.read_available(probes)
    orders = stale.orders_for(shop)
    again = catch_up(shop, ledger, directory, orders, now, since=cut_off - CATCH_UP_MARGIN, record=False)
    pushes = [
        replace(p, change_from=shopify_now)
        for p in probes
        if (shopify_now := read.get(p.key)) is not None and p.key not in again.moved
    ]
    run_id = f"sweep-{now():%Y%m%dT%H%M%SZ}"
    expected = {key: balance.shopify_expected for key, balance in balances.items()}

    def acknowledge(applied: list[LevelPush]) -> None:
        for push in applied:
            ledger.acknowledge_heal(push, expected[push.key], heal_entry(run_id, push, now()))
            report.stale_healed += 1

    send_pushes(pushes, shopify, acknowledge, kind="heal", scope=run_id)


def record_repush_report(report: RepushReport) -> None:
    logger.info("re-push sweep", extra=report.summary())
    metrics.add_metric(name="RepushPushed", unit=MetricUnit.Count, value=report.pushed)
    metrics.add_metric(name="RepushWaiting", unit=MetricUnit.Count, value=report.still_set_aside)
