"""How ledgerctl prints: a readable table by default, one JSON document with --json; errors on stderr."""

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Exit codes (documented in `ledgerctl --help` and docs/operations.md); each outcome its own.
OK = 0
DRIFT_FOUND = 1  # reconcile: Shopify and the ledger disagree somewhere
USAGE = 2  # a usage or validation error: unknown option, bad value, refused operation
NOT_FOUND = 3  # an unknown shop, location, SKU, level or event
CONFLICT = 4  # a mapping that contradicts one already stored
NOTHING_TO_DO = 5  # the command had nothing to change (an event still parked after replay)
ALREADY_APPLIED = 6  # this operation id was applied before: nothing changed
EMPTY = 7  # a list command found nothing to list
SETTINGS = 8  # a setting is missing or invalid (environment, --stack)
CRASH = 70  # anything unexpected (EX_SOFTWARE); the one-line error says what
EXIT_CODES = {
    OK: "ok",
    DRIFT_FOUND: "drift found",
    USAGE: "usage or validation error",
    NOT_FOUND: "not found (unknown shop, location, SKU, level or event)",
    CONFLICT: "conflicting mapping",
    NOTHING_TO_DO: "nothing to do",
    ALREADY_APPLIED: "already applied (same operation id)",
    EMPTY: "empty list",
    SETTINGS: "missing or invalid setting",
    CRASH: "unexpected error",
}


class CommandError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Output:
    as_json: bool

    def document(self, data: Any, text: str) -> None:
        """``data`` with --json, ``text`` otherwise."""
        print(json.dumps(data, indent=2, default=str) if self.as_json else text)

    def error(self, message: str) -> None:
        if self.as_json:
            print(json.dumps({"error": message}), file=sys.stderr)
        else:
            print(f"ledgerctl: {message}", file=sys.stderr)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
    lines = ["  ".join(column.upper().ljust(width) for column, width in zip(columns, widths, strict=True))]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    return "\n".join(line.rstrip() for line in lines)


def pairs(values: Mapping[str, Any]) -> str:
    width = max((len(key) for key in values), default=0)
    return "\n".join(f"{key.ljust(width)}  {_cell(value)}" for key, value in values.items())


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)
