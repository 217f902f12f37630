"""Reconciling one merchant: Shopify's levels against the ledger's.

Per mapped location: read Shopify's levels (paged for small shops, one streamed bulk query for big
ones), stream the ledger's balances of the merchant's SKUs, compare (domain.drift), mark what drifts
and what agrees again, heal when the merchant's policy says so, and write the report. Details:
docs/reconciliation.md.
"""

import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from inventory_ledger.clock import Now
from inventory_ledger.domain.catch_up import CATCH_UP_MARGIN
from inventory_ledger.domain.drift import (
    OWN_PUSH_CAUSES,
    Comparison,
    HealingPolicy,
    Verdict,
    compare_location,
)
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.observability import logger
from inventory_ledger.ports import PushRefused, ShopifyLevels, TransientFailure
from inventory_ledger.service.reconcile.catch_up import CatchUp, catch_up
from inventory_ledger.service.reconcile.heal import adopt_edits, heal
from inventory_ledger.service.reconcile.model import (
    LocationResult,
    ReconcileDependencies,
    ReconcileOptions,
    ShopRun,
    new_run_id,
)
from inventory_ledger.service.reconcile.report import write_report
from inventory_ledger.service.reconcile.waiting_refunds import settle_waiting_refunds, waiting_refund_levels
from inventory_ledger.service.replay_unreadable import replay_unreadable


def reconcile_shop(
    shop: str,
    deps: ReconcileDependencies,
    *,
    location: str | None = None,
    options: ReconcileOptions | None = None,
) -> ShopRun:
    """Reconciles one merchant (every mapped location, or the one given); raises LookupError for an
    unknown shop or location, TransientFailure when Shopify stays unavailable."""
    options = options or ReconcileOptions()
    clock = time.monotonic()
    started = deps.now()
    mapped_locations = deps.directory.locations(shop)
    if not mapped_locations:
        raise LookupError(f"{shop} has no mapped locations (is it onboarded?)")
    if location is not None and location not in mapped_locations:
        raise LookupError(f"{shop} has no location {location!r}")
    targets = {loc: mapped_locations[loc] for loc in sorted(mapped_locations) if location in (None, loc)}
    items_by_sku = deps.directory.skus(shop)
    skus_by_item = {item_id: sku for sku, item_id in items_by_sku.items()}
    if options.heal is None:
        healing = deps.directory.healing_policy(shop)
    else:
        healing = HealingPolicy.HEAL if options.heal else HealingPolicy.REPORT
    bulk = len(items_by_sku) >= options.bulk_threshold_skus
    run = ShopRun(options.run_id or new_run_id(started), shop, started, "bulk" if bulk else "paged", healing)
    reader = deps.shopify_levels(shop)
    logger.info(
        "reconciling",
        extra={
            "shop": shop,
            "run_id": run.run_id,
            "locations": list(targets),
            "skus": len(items_by_sku),
            "read_mode": run.read_mode,
        },
    )

    # A routing or move parked while Shopify refused the shop's credentials first: judged without it, the
    # units it moves look like drift at both locations, and an adoption would count them again when the
    # pusher's sweep replays it.
    _replay_unreadable(shop, deps, run)
    read = _catch_up(shop, deps, run, options.catch_up_window)
    # Levels are judged by a catch-up only when it read every order whole (finished, nothing truncated).
    caught = read if read is not None and read.complete else None
    restocks_on_the_way = _waiting_refunds(shop, deps, run, options, caught)

    for name, read_at, available, unmapped_skus in _shopify_by_location(reader, targets, bulk, deps.now):
        result = LocationResult(name, targets[name])
        run.locations.append(result)
        comparisons = compare_location(
            shop,
            name,
            targets[name],
            deps.ledger.balances_at(shop, name, items_by_sku),
            available,
            items_by_sku,
            skus_by_item,
            now=deps.now(),
            shopify_skus=unmapped_skus,
            location_agreed_at=deps.directory.location_reconciled_at(shop, name),
            settle_window=options.settle_window,
            read_at=read_at,
            caught_up=caught is not None,
        )
        heal_candidates = _resolvable(healing, _account(comparisons, result, run, deps, restocks_on_the_way))
        if heal_candidates:
            heal_candidates = _unmoved_since(caught, heal_candidates, shop, deps, run)
            if healing is HealingPolicy.ADOPT:
                heal_candidates = adopt_edits(heal_candidates, result, run, deps)
            if heal_candidates:
                heal(heal_candidates, targets[name], items_by_sku, result, run, deps)
        deps.directory.record_location_reconciled(shop, name, read_at, run.run_id)

    if read is not None and read.finished:
        deps.directory.record_caught_up(shop, read.cut_off)

    _check_subscriptions(shop, deps, run)
    run.finished_at = deps.now()
    run.seconds = time.monotonic() - clock
    if deps.reports is not None:
        write_report(run, deps.reports)
    logger.info("reconciled", extra=run.summary())
    return run


def _waiting_refunds(
    shop: str, deps: ReconcileDependencies, run: ShopRun, options: ReconcileOptions, caught: CatchUp | None
) -> set[LevelKey]:
    """Settles refunds past the deadline after a catch-up that read Shopify (an order it still returns
    has released its refunds by then); returns the levels the refunds still waiting will restock."""
    if caught is None:
        return waiting_refund_levels(shop, deps.ledger)
    waiting = settle_waiting_refunds(shop, deps.ledger, deps.now, options.refund_wait_deadline)
    run.waiting_refunds = waiting.summary()
    return waiting.pending


def _resolvable(healing: HealingPolicy, candidates: list[Comparison]) -> list[Comparison]:
    """What this run may rewrite: everything under heal and adopt; under report, only the ledger's own
    pushes that never reached Shopify (re-pushing those judges no edit, and leaves nothing frozen)."""
    if healing is not HealingPolicy.REPORT:
        return candidates
    return [c for c in candidates if c.row is not None and c.row.cause in OWN_PUSH_CAUSES]


def _replay_unreadable(shop: str, deps: ReconcileDependencies, run: ShopRun) -> None:
    if deps.fulfillment_orders is None:
        return
    report = replay_unreadable(deps.ledger, [shop], deps.fulfillment_orders, deps.now)
    if report.replayed or report.parked_otherwise or report.still_unreadable:
        run.replays = report.summary()


def _check_subscriptions(shop: str, deps: ReconcileDependencies, run: ShopRun) -> None:
    """Reports missing webhook subscriptions; a check Shopify cannot answer is reported, never fatal."""
    if deps.webhook_subscriptions is None:
        return
    try:
        check = deps.webhook_subscriptions(shop)
    except (TransientFailure, PushRefused, ValueError) as error:
        run.webhook_subscriptions = {"checked": False, "note": f"{type(error).__name__}: {error}"}
        return
    run.webhook_subscriptions = check.summary()
    run.subscriptions_missing = list(check.missing)
    if check.missing:
        logger.warning("webhook subscriptions missing", extra={"shop": shop, "webhook_subscriptions": check.summary()})


def _catch_up(shop: str, deps: ReconcileDependencies, run: ShopRun, window: timedelta) -> CatchUp | None:
    """The ledger takes in every Shopify order movement before a level is judged; None when there is
    no orders reader or Shopify cannot be read (the run then judges on the webhooks alone, and says so)."""
    if deps.shopify_orders is None:
        return None
    try:
        caught = catch_up(shop, deps.ledger, deps.directory, deps.shopify_orders(shop), deps.now, record=False,
                          window=window)  # fmt: skip
    except (TransientFailure, PushRefused, LookupError) as error:
        logger.warning("catch-up failed: judging on the webhooks alone", extra={"shop": shop, "error": str(error)})
        run.catch_up = {"failed": f"{type(error).__name__}: {error}"}
        return None
    run.catch_up = caught.summary()
    return caught


def _unmoved_since(
    caught: CatchUp | None, candidates: list[Comparison], shop: str, deps: ReconcileDependencies, run: ShopRun
) -> list[Comparison]:
    """Heal candidates Shopify has not moved by an order since the catch-up's cut-off.

    A second catch-up from the cut-off (minus the margin) applies what Shopify took meanwhile: a level it
    moved was read with a movement the ledger had not applied when it was judged, so healing it from
    that read would re-inflate (or deflate) it. Such levels are left for the next run. Without a
    catch-up, nothing is healed: no read can be trusted to hold only movements the ledger has.
    """
    if caught is None or deps.shopify_orders is None:
        for comparison in candidates:
            if comparison.row is not None:
                run.heal_notes[comparison.row.key] = "not healed: no complete catch-up from Shopify's orders this run"
        return []
    try:
        again = catch_up(
            shop,
            deps.ledger,
            deps.directory,
            deps.shopify_orders(shop),
            deps.now,
            since=caught.cut_off - CATCH_UP_MARGIN,
            record=False,
        )
    except (TransientFailure, PushRefused) as error:
        for comparison in candidates:
            if comparison.row is not None:
                run.heal_notes[comparison.row.key] = f"not healed: orders since the cut-off unreadable ({error})"
        return []
    kept = []
    for comparison in candidates:
        assert comparison.row is not None
        if not caught.vouches_for(comparison.row.sku) or not again.vouches_for(comparison.row.sku):
            run.heal_notes[comparison.row.key] = "not healed: an order of this SKU is longer than the catch-up reads"
        elif comparison.row.key in again.moved:
            run.heal_notes[comparison.row.key] = "not healed: Shopify moved it by an order since the read"
        else:
            kept.append(comparison)
    return kept


def _shopify_by_location(
    reader: ShopifyLevels, targets: Mapping[str, int], bulk: bool, now: Now
) -> Iterator[tuple[str, datetime, dict[int, int], dict[int, str | None]]]:
    """(location, when Shopify was read, item id -> available, Shopify's SKU of each item) per location.

    Paged: one location read at a time, compared before the next is read. Bulk: the one file holds every
    location, streamed once into compact per-location maps (ints only; SKUs kept for the report).
    """
    by_shopify_id = {shopify_id: name for name, shopify_id in targets.items()}
    if not bulk:
        for name, shopify_id in targets.items():
            read_at = now()
            available: dict[int, int] = {}
            skus: dict[int, str | None] = {}
            for level in reader.levels([shopify_id], bulk=False):
                available[level.inventory_item_id] = level.available
                skus[level.inventory_item_id] = level.sku
            yield name, read_at, available, skus
        return
    read_at = now()
    per_location: dict[str, dict[int, int]] = defaultdict(dict)
    shopify_skus: dict[int, str | None] = {}
    for level in reader.levels(list(by_shopify_id), bulk=True):
        per_location[by_shopify_id[level.location_id]][level.inventory_item_id] = level.available
        if level.inventory_item_id not in shopify_skus:
            shopify_skus[level.inventory_item_id] = level.sku
    for name in targets:
        yield name, read_at, per_location.pop(name, {}), shopify_skus


def _account(
    comparisons: Iterator[Comparison],
    result: LocationResult,
    run: ShopRun,
    deps: ReconcileDependencies,
    restocks_on_the_way: set[LevelKey],
) -> list[Comparison]:
    """Counts, marks drift and renewed agreement on the balances; returns the drifted levels to heal.
    A level a waiting refund will restock is in flight: Shopify restocked it, the ledger will."""
    to_heal = []
    for comparison in comparisons:
        result.checked += 1
        balance = comparison.balance
        waiting = comparison.row is not None and comparison.row.key in restocks_on_the_way
        if comparison.verdict is Verdict.IN_FLIGHT or waiting:
            result.in_flight += 1
        elif comparison.verdict is Verdict.AGREES:
            if balance is not None and balance.drift_since is not None:
                deps.ledger.record_agreement(balance.key, deps.now())
        elif comparison.row is not None:
            row = comparison.row
            result.drifted += 1
            result.drift_units += row.units
            run.rows.append(row)
            if balance is None:
                run.heal_notes[row.key] = "not healed: the ledger holds no balance here (import one with a count)"
                continue
            if balance.drift_since is None:
                deps.ledger.record_drift(balance.key, deps.now())
            if comparison.shopify is None:
                run.heal_notes[row.key] = "not healed: Shopify does not stock the item at this location"
            else:
                to_heal.append(comparison)
    return to_heal
