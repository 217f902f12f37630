"""How ledgerctl prints: a readable table by default, one JSON document with --json; errors on stderr."""

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

OK, NOTHING_TO_DO, USAGE, NOT_FOUND, CONFLICT = 0, 1, 2, 3, 4
DRIFT_FOUND = NOTHING_TO_DO


class CommandError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def now() -> datetime:
    return datetime.now(UTC)


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
