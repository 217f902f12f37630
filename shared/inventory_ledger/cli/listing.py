"""Lists: shops, levels, activity (filtered), oversells and drift reports. An empty list exits EMPTY."""

import argparse
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import require_level, require_location, require_shop
from inventory_ledger.cli.levels import _entry
from inventory_ledger.cli.output import EMPTY, OK, USAGE, CommandError, Output, table
from inventory_ledger.domain.ledger import ActivityEntry, LevelKey, MovementKind


def register(commands: Any) -> None:
    commands.add_parser("shops", help="every onboarded shop").set_defaults(run=run_shops)

    levels = commands.add_parser("levels", help="a shop's balances, by location and SKU")
    levels.add_argument("shop")
    levels.add_argument("--location", default=None)
    levels.add_argument("--disagreeing", action="store_true", help="only levels Shopify is not known to agree with")
    levels.set_defaults(run=run_levels)

    for name, help_text in (
        ("activity", "a shop's ledger entries, newest first"),
        ("oversells", "sales that took a balance below zero, newest first"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("shop")
        command.add_argument("--location", default=None)
        command.add_argument("--sku", default=None)
        if name == "activity":
            command.add_argument("--kind", choices=[kind.value for kind in MovementKind], default=None)
        command.add_argument("--since", type=_moment, default=None, help="ISO 8601 with a zone")
        command.add_argument("--limit", type=_positive, default=100)
        command.set_defaults(run=run_activity, only_oversells=name == "oversells")

    reports = commands.add_parser("reports", help="a shop's drift reports in the report bucket, newest first")
    reports.add_argument("shop")
    reports.set_defaults(run=run_reports)


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a zone (e.g. {value}+00:00 or {value}Z)")
    return moment


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError("at least 1")
    return number


def _listed(out: Output, data: dict[str, Any], rows: list[dict[str, Any]], columns: list[str]) -> int:
    out.document(data, table(rows, columns))
    return OK if rows else EMPTY


def run_shops(arguments: argparse.Namespace, out: Output) -> int:
    directory = bootstrap.merchant_directory()
    rows = [
        {
            "shop": shop,
            "locations": len(directory.locations(shop)),
            "skus": len(directory.skus(shop)),
            "healing": directory.healing_policy(shop),
        }
        for shop in sorted(directory.shops())
    ]
    return _listed(out, {"shops": rows}, rows, ["shop", "locations", "skus", "healing"])


def _locations(shop: str, location: str | None) -> list[str]:
    if location is not None:
        require_location(shop, location)
        return [location]
    require_shop(shop)
    return sorted(bootstrap.merchant_directory().locations(shop))


def run_levels(arguments: argparse.Namespace, out: Output) -> int:
    skus = sorted(bootstrap.merchant_directory().skus(arguments.shop))
    rows = []
    for location in _locations(arguments.shop, arguments.location):
        for balance in bootstrap.ledger().balances_at(arguments.shop, location, skus):
            if arguments.disagreeing and balance.agrees_with_shopify and balance.drift_since is None:
                continue
            rows.append(
                {
                    "location": location,
                    "sku": balance.key.sku,
                    "quantity": balance.quantity,
                    "shopify_expected": balance.shopify_expected,
                    "push_status": balance.push_status,
                    "drift_since": balance.drift_since,
                }
            )
    rows.sort(key=lambda row: (row["location"], row["sku"]))
    columns = ["location", "sku", "quantity", "shopify_expected", "push_status", "drift_since"]
    return _listed(out, {"shop": arguments.shop, "levels": rows}, rows, columns)


def _entries(arguments: argparse.Namespace) -> Iterator[ActivityEntry]:
    if arguments.sku is not None:
        locations = _locations(arguments.shop, arguments.location)
        for location in locations:
            require_level(LevelKey(arguments.shop, location, arguments.sku))
        skus = [arguments.sku]
    else:
        locations = _locations(arguments.shop, arguments.location)
        skus = sorted(bootstrap.merchant_directory().skus(arguments.shop))
    ledger = bootstrap.ledger()
    for location in locations:
        for sku in skus:
            yield from ledger.entries(LevelKey(arguments.shop, location, sku))


def run_activity(arguments: argparse.Namespace, out: Output) -> int:
    if arguments.since is not None and arguments.since > datetime.now(arguments.since.tzinfo):
        raise CommandError(f"--since {arguments.since.isoformat()} is in the future", USAGE)
    chosen = [
        entry
        for entry in _entries(arguments)
        if (not arguments.only_oversells or entry.oversell)
        and (getattr(arguments, "kind", None) is None or entry.kind.value == arguments.kind)
        and (arguments.since is None or entry.applied_at >= arguments.since)
    ]
    chosen.sort(key=lambda entry: entry.applied_at, reverse=True)
    rows = [
        {**_entry(entry), "location": entry.key.location, "sku": entry.key.sku} for entry in chosen[: arguments.limit]
    ]
    columns = ["applied_at", "location", "sku", "kind", "quantity", "balance_after", "oversell", "entry_id"]
    key = "oversells" if arguments.only_oversells else "activity"
    return _listed(out, {"shop": arguments.shop, key: rows}, rows, columns)


def run_reports(arguments: argparse.Namespace, out: Output) -> int:
    require_shop(arguments.shop)
    store = bootstrap.report_store()
    found = sorted(store.keys(f"reports/{arguments.shop}/"), key=lambda item: item[2], reverse=True)
    rows = [{"key": key, "size": size, "last_modified": modified} for key, size, modified in found]
    data = {"shop": arguments.shop, "bucket": store.bucket, "reports": rows}
    return _listed(out, data, rows, ["last_modified", "size", "key"])
