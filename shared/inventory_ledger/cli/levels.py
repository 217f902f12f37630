"""A level's balance and history, and the operator's movements: transfer, count, adjust, receive."""

import argparse
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

from inventory_ledger import bootstrap
from inventory_ledger.cli.known import require_level
from inventory_ledger.cli.output import ALREADY_APPLIED, NOT_FOUND, OK, CommandError, Output, now, pairs, table
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import ActivityEntry, LevelKey
from inventory_ledger.service.operations import record_operation


def register(commands: Any) -> None:
    show = commands.add_parser("show", help="a level's balance and its activity, oldest first")
    show.add_argument("shop")
    show.add_argument("location")
    show.add_argument("sku")
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

    count = movement("count", "set a level to what was counted (recorded as the difference)")
    count.add_argument("location")
    count.add_argument("sku")
    count.add_argument("counted", type=int)
    count.set_defaults(run=run_count)

    adjust = movement("adjust", "change a level by a signed amount, with a reason")
    adjust.add_argument("location")
    adjust.add_argument("sku")
    adjust.add_argument("delta", type=int)
    adjust.add_argument("--reason", required=True, choices=[reason.value for reason in operations.AdjustmentReason])
    adjust.set_defaults(run=run_adjust)

    receive = movement("receive", "units received at a location")
    receive.add_argument("location")
    receive.add_argument("sku")
    receive.add_argument("quantity", type=int)
    receive.set_defaults(run=run_receive)


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
    key = LevelKey(arguments.shop, arguments.location, arguments.sku)
    require_level(key)
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


def _record(arguments: argparse.Namespace, out: Output, movements: list[Any], operation_id: str) -> int:
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


def _operation_id(arguments: argparse.Namespace) -> str:
    return str(arguments.operation_id or uuid.uuid4())


def run_transfer(arguments: argparse.Namespace, out: Output) -> int:
    op = _operation_id(arguments)
    movements = operations.transfer(
        arguments.shop,
        arguments.sku,
        arguments.from_location,
        arguments.to_location,
        arguments.quantity,
        op,
        arguments.actor,
    )
    return _record(arguments, out, movements, op)


def run_count(arguments: argparse.Namespace, out: Output) -> int:
    op = _operation_id(arguments)
    movements = operations.count(
        arguments.shop, arguments.location, arguments.sku, arguments.counted, op, arguments.actor
    )
    return _record(arguments, out, movements, op)


def run_adjust(arguments: argparse.Namespace, out: Output) -> int:
    op = _operation_id(arguments)
    movements = operations.adjust(
        arguments.shop,
        arguments.location,
        arguments.sku,
        arguments.delta,
        operations.AdjustmentReason(arguments.reason),
        op,
        arguments.actor,
    )
    return _record(arguments, out, movements, op)


def run_receive(arguments: argparse.Namespace, out: Output) -> int:
    op = _operation_id(arguments)
    movements = operations.receive(
        arguments.shop, arguments.location, arguments.sku, arguments.quantity, op, arguments.actor
    )
    return _record(arguments, out, movements, op)
