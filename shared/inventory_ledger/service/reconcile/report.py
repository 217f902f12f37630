"""The run's report: JSON and CSV objects in the report bucket."""

import csv
import io
import json
from typing import Any

from inventory_ledger.ports import (
    ReportStore,
)
from inventory_ledger.service.reconcile.model import ShopRun

CSV_COLUMNS = (
    "shop",
    "location",
    "sku",
    "inventory_item_id",
    "ledger_level",
    "shopify_level",
    "shopify_expected",
    "difference",
    "last_agreed_at",
    "age_hours",
    "cause",
    "healed",
)


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
                "healed": run.heal_note(row.key),
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
