"""Nightly (and on demand) reconciliation of one merchant: Shopify's levels against the ledger's.

Per mapped location: read Shopify's levels (paged for small shops, one streamed bulk query for big
ones), stream the ledger's balances of the merchant's SKUs, compare (domain.drift), mark what drifts
and what agrees again, heal when the merchant opted in, and write the report. Details:
docs/reconciliation.md.
"""

import csv
import io
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from pydantic import BaseModel, ConfigDict, Field, model_validator

from inventory_ledger.domain.drift import (
    DEFAULT_SETTLE_WINDOW,
    Comparison,
    DriftRow,
    HealingPolicy,
    Verdict,
    compare_location,
)
from inventory_ledger.domain.ledger import ActivityEntry, LevelKey, MovementKind, Source
from inventory_ledger.domain.pushing import LevelPush
from inventory_ledger.observability import logger, metrics
from inventory_ledger.ports import (
    LedgerRepository,
    MerchantDirectory,
    PushRefused,
    ReportStore,
    ShopifyInventory,
    ShopifyLevels,
    TransientFailure,
)
from inventory_ledger.service.send_pushes import send_pushes

# At or above this many mapped SKUs a shop's levels are read with one bulk query (no cost points,
# one file) instead of pages (a 250-level page costs ~750 points; a standard shop restores 100/s).
DEFAULT_BULK_THRESHOLD_SKUS = 2_000
CSV_COLUMNS = ("shop", "location", "sku", "inventory_item_id", "ledger_level", "shopify_level",
               "shopify_expected", "difference", "last_agreed_at", "age_hours", "cause", "healed")  # fmt: skip

Now = Callable[[], datetime]


@dataclass(frozen=True)
class ReconcileOptions:
    settle_window: timedelta = DEFAULT_SETTLE_WINDOW
    bulk_threshold_skus: int = DEFAULT_BULK_THRESHOLD_SKUS
    # None: the merchant's stored policy; True/False: this run heals or only reports, whatever it says.
    heal: bool | None = None
    run_id: str | None = None


@dataclass
class LocationResult:
    location: str
    shopify_location_id: int
    checked: int = 0
    in_flight: int = 0
    drifted: int = 0
    drift_units: int = 0
    healed: int = 0
    heal_stale: int = 0
    heal_skipped: int = 0


@dataclass
class ShopRun:
    run_id: str
    shop: str
    started_at: datetime
    read_mode: str
    healing: HealingPolicy
    locations: list[LocationResult] = field(default_factory=list)
    rows: list[DriftRow] = field(default_factory=list)
    # Per drifted level: "healed", "stale" (Shopify moved again: left for the next run) or why not.
    heal_notes: dict[LevelKey, str] = field(default_factory=dict)
    finished_at: datetime | None = None
    seconds: float = 0.0
    # Keys of the report's objects in the report bucket (JSON, CSV).
    report_uris: list[str] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(int(getattr(location, name)) for location in self.locations)

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "shop": self.shop,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "seconds": round(self.seconds, 3),
            "read_mode": self.read_mode,
            "healing": self.healing.value,
            "levels_checked": self.total("checked"),
            "in_flight": self.total("in_flight"),
            "drifted": self.total("drifted"),
            "drift_units": self.total("drift_units"),
            "healed": self.total("healed"),
            "heal_stale": self.total("heal_stale"),
            # Shopify ids as strings: they exceed 2^53, which JSON readers may hold as doubles.
            "locations": [{**vars(loc), "shopify_location_id": str(loc.shopify_location_id)} for loc in self.locations],
            "reports": list(self.report_uris),
        }


@dataclass(frozen=True)
class ReconcileDependencies:
    ledger: LedgerRepository
    directory: MerchantDirectory
    shopify_levels: Callable[[str], ShopifyLevels]
    shopify_inventory: Callable[[str], ShopifyInventory]
    reports: ReportStore | None
    now: Now


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


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
        healing = HealingPolicy(deps.directory.healing_policy(shop))
    else:
        healing = HealingPolicy.HEAL if options.heal else HealingPolicy.REPORT
    bulk = len(items_by_sku) >= options.bulk_threshold_skus
    run = ShopRun(options.run_id or new_run_id(started), shop, started, "bulk" if bulk else "paged", healing)
    reader = deps.shopify_levels(shop)
    logger.info("reconciling", extra={"shop": shop, "run_id": run.run_id, "locations": list(targets),
                                      "skus": len(items_by_sku), "read_mode": run.read_mode})  # fmt: skip

    for name, read_at, available, unmapped_skus in _shopify_by_location(reader, targets, bulk, deps.now):
        result = LocationResult(name, targets[name])
        run.locations.append(result)
        comparisons = compare_location(
            shop, name, targets[name], deps.ledger.balances_at(shop, name, items_by_sku), available,
            items_by_sku, skus_by_item, now=deps.now(), shopify_skus=unmapped_skus,
            location_agreed_at=deps.directory.location_reconciled_at(shop, name),
            settle_window=options.settle_window, read_at=read_at,
        )  # fmt: skip
        heal_candidates = _account(comparisons, result, run, deps)
        if healing is HealingPolicy.HEAL and heal_candidates:
            _heal(heal_candidates, targets[name], items_by_sku, result, run, deps)
        deps.directory.record_location_reconciled(shop, name, read_at, run.run_id)

    run.finished_at = deps.now()
    run.seconds = time.monotonic() - clock
    if deps.reports is not None:
        write_report(run, deps.reports)
    logger.info("reconciled", extra=run.summary())
    return run


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
    comparisons: Iterator[Comparison], result: LocationResult, run: ShopRun, deps: ReconcileDependencies
) -> list[Comparison]:
    """Counts, marks drift and renewed agreement on the balances; returns the drifted levels to heal."""
    to_heal = []
    for comparison in comparisons:
        result.checked += 1
        balance = comparison.balance
        if comparison.verdict is Verdict.IN_FLIGHT:
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


def _heal(
    candidates: list[Comparison],
    shopify_location_id: int,
    items_by_sku: Mapping[str, int],
    result: LocationResult,
    run: ShopRun,
    deps: ReconcileDependencies,
) -> None:
    """Sets Shopify to the ledger, compare-and-swap from the level just read: never a blind overwrite.

    A level Shopify moved since the read answers stale and is left for the next run.
    """
    expected_read = {}
    pushes = []
    for comparison in candidates:
        balance, level = comparison.balance, comparison.shopify
        assert balance is not None
        assert level is not None
        expected_read[balance.key] = balance.shopify_expected
        pushes.append(LevelPush(balance.key, balance.version, balance.quantity, level.available,
                                items_by_sku[balance.key.sku], shopify_location_id))  # fmt: skip
    try:
        shopify = deps.shopify_inventory(run.shop)
    except (TransientFailure, PushRefused, LookupError) as error:
        for push in pushes:
            run.heal_notes[push.key] = f"not healed: no Shopify client ({error})"
        result.heal_skipped += len(pushes)
        return

    def acknowledge(applied: list[LevelPush]) -> None:
        for push in applied:
            deps.ledger.acknowledge_heal(push, expected_read[push.key], heal_entry(run.run_id, push, deps.now()))
            run.heal_notes[push.key] = "healed"
            result.healed += 1

    sent = send_pushes(pushes, shopify, acknowledge, kind="heal", scope=run.run_id)
    for push in sent.stale:
        run.heal_notes[push.key] = "stale: Shopify moved since it was read; left for the next run"
        result.heal_stale += 1
    for key, reason in sent.unsent.items():
        run.heal_notes[key] = f"not healed: {reason}"
        result.heal_skipped += 1


def heal_entry(run_id: str, push: LevelPush, at: datetime) -> ActivityEntry:
    key = push.key
    return ActivityEntry(
        key=key,
        entry_id=f"heal/{run_id}/{key.location}/{key.sku}",
        kind=MovementKind.HEAL,
        quantity=0,
        balance_after=push.quantity,
        version_after=push.version,
        applied_at=at,
        source=Source(topic="reconciliation", operation_id=run_id, actor="drift_reconciler"),
        reason=f"reconciliation {run_id}: Shopify showed {push.change_from}, set to the ledger's {push.quantity}",
    )


# -- the report ------------------------------------------------------------------------------------


def report_rows(run: ShopRun) -> list[dict[str, Any]]:
    rows = []
    for row in sorted(run.rows, key=lambda r: (r.location, r.sku)):
        rows.append(
            {
                "shop": row.shop,
                "location": row.location,
                "sku": row.sku,
                "inventory_item_id": None if row.inventory_item_id is None else str(row.inventory_item_id),
                "ledger_level": row.ledger_level,
                "shopify_level": row.shopify_level,
                "shopify_expected": row.shopify_expected,
                "difference": (row.shopify_level or 0) - (row.ledger_level or 0),
                "last_agreed_at": row.last_agreed_at.isoformat() if row.last_agreed_at else None,
                "age_hours": round(row.age_seconds / 3600, 2),
                "cause": row.cause.value,
                "healed": run.heal_notes.get(row.key, "report only"),
            }
        )
    return rows


def report_json(run: ShopRun) -> bytes:
    return json.dumps({"summary": run.summary(), "rows": report_rows(run)}, indent=1).encode()


def report_csv(run: ShopRun) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in report_rows(run):
        writer.writerow({name: "" if value is None else value for name, value in row.items()})
    # A byte order mark, so a spreadsheet opening the file reads UTF-8 (SKUs and names need not be ASCII).
    return "\ufeff".encode() + buffer.getvalue().encode()


def report_key(shop: str, run_id: str, suffix: str) -> str:
    return f"reports/{shop}/{run_id}.{suffix}"


def write_report(run: ShopRun, reports: ReportStore) -> list[str]:
    """Both objects; the summary inside the JSON names them (as keys of the report bucket)."""
    json_key, csv_key = report_key(run.shop, run.run_id, "json"), report_key(run.shop, run.run_id, "csv")
    run.report_uris = [json_key, csv_key]
    return [
        reports.put(json_key, report_json(run), "application/json"),
        reports.put(csv_key, report_csv(run), "text/csv; charset=utf-8"),
    ]


def record_run_metrics(runs: Sequence[ShopRun]) -> None:
    """Per merchant (dimension shop) and in total (service only: what DriftAlarm watches)."""
    for run in runs:
        for name, value in (("DriftedLevels", run.total("drifted")), ("DriftUnits", run.total("drift_units"))):
            with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=metrics.namespace) as metric:
                metric.add_dimension(name="shop", value=run.shop)
    metrics.add_metric(name="DriftedLevels", unit=MetricUnit.Count, value=sum(r.total("drifted") for r in runs))
    metrics.add_metric(name="DriftUnits", unit=MetricUnit.Count, value=sum(r.total("drift_units") for r in runs))
    metrics.add_metric(name="LevelsHealed", unit=MetricUnit.Count, value=sum(r.total("healed") for r in runs))
    metrics.add_metric(name="LevelsReconciled", unit=MetricUnit.Count, value=sum(r.total("checked") for r in runs))


def record_result_metrics(result: "ReconcileResult") -> None:
    record_run_metrics(result.runs)
    metrics.add_metric(name="ReconcileFailures", unit=MetricUnit.Count, value=len(result.failures))


# -- one invocation: the nightly run or one merchant ------------------------------------------------


class ReconcileRequest(BaseModel):
    """The reconciler's event: EventBridge's Scheduled Event (every merchant) or `{"shop", "location"?}`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    shop: str | None = Field(default=None, min_length=1)
    location: str | None = Field(default=None, min_length=1)
    heal: bool | None = None
    detail_type: str | None = Field(default=None, alias="detail-type")

    @model_validator(mode="after")
    def _location_needs_a_shop(self) -> "ReconcileRequest":
        if self.location is not None and self.shop is None:
            raise ValueError("a location is reconciled within a shop: give the shop too")
        return self


@dataclass
class ReconcileResult:
    runs: list[ShopRun] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "shops": len(self.runs) + len(self.failures),
            "levels_checked": sum(run.total("checked") for run in self.runs),
            "drifted": sum(run.total("drifted") for run in self.runs),
            "drift_units": sum(run.total("drift_units") for run in self.runs),
            "healed": sum(run.total("healed") for run in self.runs),
            "runs": [run.summary() for run in self.runs],
            "failures": dict(self.failures),
        }


def reconcile(request: ReconcileRequest, deps: ReconcileDependencies, options: ReconcileOptions) -> ReconcileResult:
    """One merchant when the request names one (its errors raise), else every merchant in turn: one
    merchant's failure (Shopify down, a revoked token) is reported and the others still run."""
    result = ReconcileResult()
    if request.heal is not None:
        options = ReconcileOptions(options.settle_window, options.bulk_threshold_skus, request.heal, options.run_id)
    if request.shop is not None:
        result.runs.append(reconcile_shop(request.shop, deps, location=request.location, options=options))
        return result
    for shop in deps.directory.shops():
        try:
            result.runs.append(reconcile_shop(shop, deps, options=options))
        except Exception as error:  # reported per merchant; the others still run
            logger.exception("merchant not reconciled", extra={"shop": shop})
            result.failures[shop] = f"{type(error).__name__}: {error}"
    return result
