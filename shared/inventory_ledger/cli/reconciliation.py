"""Run a reconciliation in-process and print its report."""

import argparse
from dataclasses import replace
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.output import DRIFT_FOUND, OK, Output, pairs, table
from inventory_ledger.service.reconcile import reconcile_shop, report_rows


def register(commands: Any) -> None:
    command = commands.add_parser("reconcile", help="compare a shop's Shopify levels with the ledger now")
    command.add_argument("shop")
    command.add_argument("--location", default=None, help="one ledger location (default: every mapped one)")
    command.add_argument("--heal", action="store_true", help="heal this run, whatever the merchant's policy says")
    command.set_defaults(run=run_reconcile)


def run_reconcile(arguments: argparse.Namespace, out: Output) -> int:
    defaults = bootstrap.reconcile_options()
    options = replace(defaults, heal=True if arguments.heal else None)
    run = reconcile_shop(
        arguments.shop, bootstrap.reconcile_dependencies(), location=arguments.location, options=options
    )
    rows = report_rows(run)
    summary = run.summary()
    text = pairs(
        {
            k: summary[k]
            for k in (
                "run_id",
                "read_mode",
                "healing",
                "levels_checked",
                "in_flight",
                "drifted",
                "drift_units",
                "healed",
                "seconds",
            )
        }
    )
    text += "\nreport: " + ", ".join(run.report_uris) + "\n\n"
    text += table(rows, ["location", "sku", "ledger_level", "shopify_level", "last_agreed_at", "cause", "healed"])
    out.document({"summary": summary, "rows": rows}, text)
    return DRIFT_FOUND if run.total("drifted") else OK
