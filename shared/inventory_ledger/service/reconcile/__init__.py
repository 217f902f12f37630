"""Reconciliation, one job a module: the run's model, one merchant's comparison (shop), heal, the
report, the metrics, and one invocation (the nightly run or one merchant). Details: docs/reconciliation.md."""

from inventory_ledger.ports import DEFAULT_BULK_THRESHOLD_SKUS
from inventory_ledger.service.reconcile.heal import heal, heal_entry
from inventory_ledger.service.reconcile.invocation import ReconcileRequest, ReconcileResult, reconcile
from inventory_ledger.service.reconcile.metrics import record_result_metrics, record_run_metrics
from inventory_ledger.service.reconcile.model import (
    LocationResult,
    ReconcileDependencies,
    ReconcileOptions,
    ShopRun,
    new_run_id,
)
from inventory_ledger.service.reconcile.report import report_csv, report_json, report_key, report_rows, write_report
from inventory_ledger.service.reconcile.shop import reconcile_shop

__all__ = [
    "DEFAULT_BULK_THRESHOLD_SKUS",
    "LocationResult",
    "ReconcileDependencies",
    "ReconcileOptions",
    "ReconcileRequest",
    "ReconcileResult",
    "ShopRun",
    "heal",
    "heal_entry",
    "new_run_id",
    "reconcile",
    "reconcile_shop",
    "record_result_metrics",
    "record_run_metrics",
    "report_csv",
    "report_json",
    "report_key",
    "report_rows",
    "write_report",
]
