"""A level's balance and history, and the operator's movements: transfer, count, adjust, receive."""

import argparse
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import add_level_arguments, known_level, require_level
from inventory_ledger.cli.output import ALREADY_APPLIED, NOT_FOUND, OK, CommandError, Output, pairs, table
from inventory_ledger.clock import utc_now as now
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import ActivityEntry
from inventory_ledger.domain.movements import Movement
from inventory_ledger.service.operations import record_operation


def register(commands: Any) -> None:
    show = commands.add_parser("show", help="a level's balance and its activity, oldest first")
    add_level_arguments(show)
    show.set_defaults(run=run_show)

    def movement(name: str, help_text: str) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        command.add_argument("shop")
        command.add_argument("--operation-id", default=None, help="repeat it to repeat nothing (default: a new uuid)")
        command.add_argument("--actor", default=None)
        return command

    transfer = movement("transfer", "move units from one location to another, in one transaction")
    transfer.add_argument("sku")
    transfer.add_argument("from_location", metavar="FROM")
    transfer.add_argument("to_location", metavar="TO")
    transfer.add_argument("quantity", type=int)
    transfer.set_defaults(run=run_transfer)

    def at_level(name: str, help_text: str, amount: str, run: Callable[..., int]) -> argparse.ArgumentParser:
        command = movement(name, help_text)
        command.add_argument("location")
        command.add_argument("sku")
        command.add_argument(amount, type=int)
        command.set_defaults(run=run)
        return command

    at_level("count", "set a level to what was counted (recorded as the difference)", "counted", run_count)
    adjust = at_level("adjust", "change a level by a signed amount, with a reason", "delta", run_adjust)
    adjust.add_argument("--reason", required=True, choices=[reason.value for reason in operations.AdjustmentReason])
    at_level("receive", "units received at a location", "quantity", run_receive)


def _entry(entry: ActivityEntry) -> dict[str, Any]:
    return {
        "applied_at": entry.applied_at.isoformat(),
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "quantity": entry.quantity,
        "balance_after": entry.balance_after,
        "version_after": entry.version_after,
        "reason": entry.reason,
        "oversell": entry.oversell,
        "source": {k: (str(v) if isinstance(v, int) else v) for k, v in asdict(entry.source).items() if v is not None},
    }


def run_show(arguments: argparse.Namespace, out: Output) -> int:
    key = known_level(arguments)
    ledger = bootstrap.ledger()
    balance = ledger.balances([key]).get(key)
    if balance is None:
        raise CommandError(f"no balance for {key}", NOT_FOUND)
    entries = [_entry(entry) for entry in ledger.entries(key)]
    fields = {
        "quantity": balance.quantity,
        "version": balance.version,
        "shopify_expected": balance.shopify_expected,
        "push_status": balance.push_status,
        "last_agreed_at": balance.last_agreed_at,
        "drift_since": balance.drift_since,
        "shopify_observed": balance.shopify_observed,
        "updated_at": balance.updated_at,
    }
    data = {
        "level": str(key),
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()},
        "entries": entries,
    }
    text = f"{key}\n{pairs(fields)}\n\n" + table(
        entries, ["applied_at", "kind", "quantity", "balance_after", "reason", "entry_id"]
    )
    out.document(data, text)
    return OK


def _record(arguments: argparse.Namespace, out: Output, build: Callable[..., list[Movement]], *values: Any) -> int:
    """The movements ``build(shop, *values, operation_id, actor)`` makes, recorded together once."""
    operation_id = str(arguments.operation_id or uuid.uuid4())
    movements = build(arguments.shop, *values, operation_id, arguments.actor)
    for movement in movements:  # before anything is written: an unknown location or SKU moves nothing
        require_level(movement.key)
    applied = record_operation(movements, bootstrap.ledger(), now)
    entries = [_entry(entry) for entry in applied]
    data = {"operation_id": operation_id, "applied": entries}
    if not applied:
        out.document(data, f"operation {operation_id} was applied before: nothing to do")
        return ALREADY_APPLIED
    columns = ["location", "kind", "quantity", "balance_after", "entry_id"]
    rows = [{**row, "location": entry.key.location} for row, entry in zip(entries, applied, strict=True)]
    out.document(data, f"operation {operation_id}\n" + table(rows, columns))
    return OK


def run_transfer(arguments: argparse.Namespace, out: Output) -> int:
    a = arguments
    return _record(a, out, operations.transfer, a.sku, a.from_location, a.to_location, a.quantity)


def run_count(arguments: argparse.Namespace, out: Output) -> int:
    return _record(arguments, out, operations.count, arguments.location, arguments.sku, arguments.counted)


def run_adjust(arguments: argparse.Namespace, out: Output) -> int:
    a = arguments
    return _record(a, out, operations.adjust, a.location, a.sku, a.delta, operations.AdjustmentReason(a.reason))


def run_receive(arguments: argparse.Namespace, out: Output) -> int:
    return _record(arguments, out, operations.receive, arguments.location, arguments.sku, arguments.quantity)
