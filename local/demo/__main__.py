"""`make demo`: start the local stack, play the story, show what happened; exit 1 if any level disagrees.

python -m demo            (LEDGER_DYNAMODB=dynamodb-local for AWS's DynamoDB Local)
"""

import io
import json
import logging
import os
import sys
import time
from collections import Counter
from typing import Any, TextIO

CONSOLE: TextIO = sys.stdout


class _Capture(io.TextIOBase):
    """Stands in for stdout while the handlers run: their JSON logs and EMF metrics are kept, not shown."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        self.lines += complete
        return len(text)


CAPTURED = _Capture()
# Before powertools is imported: its Logger binds to the stdout it finds, and reads these once.
sys.stdout = CAPTURED
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "inventory-ledger")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InventoryLedger")

from demo.seed import SHOP, opening, simulator_seed  # noqa: E402
from demo.story import Story  # noqa: E402
from local_stack.stack import LocalStack  # noqa: E402


def say(text: str = "") -> None:
    print(text, file=CONSOLE, flush=True)


def metrics_fired(lines: list[str]) -> Counter[str]:
    fired: Counter[str] = Counter()
    for line in lines:
        if '"_aws"' not in line:
            continue
        record: dict[str, Any] = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            dimensions = [d for dims in definition["Dimensions"] for d in dims if d not in ("service",)]
            for metric in definition["Metrics"]:
                values = record[metric["Name"]]
                total = sum(values) if isinstance(values, list) else values
                label = metric["Name"] + "".join(f" {d}={record[d]}" for d in dimensions)
                fired[label] += total
    return fired


def show(story: Story, started: float) -> int:
    rows = story.levels()
    disagreeing = [row for row in rows if row[2] != row[3]]
    moved = [row for row in rows if opening(row[1], row[0]) not in (row[2], row[3]) or row[2] != row[3]]
    say("\nEvery level the story moved, ledger vs Shopify's available:")
    say(f"  {'location':<12} {'SKU':<15} {'opening':>7} {'ledger':>7} {'Shopify':>8}")
    for location, sku, ledger, shopify in moved:
        mark = "" if ledger == shopify else "   <-- DISAGREES"
        say(f"  {location:<12} {sku:<15} {opening(sku, location):>7} {ledger:>7} {shopify:>8}{mark}")
    say(f"  (+ {len(rows) - len(moved)} untouched levels, each at its opening balance in both)")

    say("\nActivity ledger of LAST-ONE at the warehouse (oldest first):")
    for entry in story.entries(story.location("Warehouse"), "LAST-ONE"):
        flag = "  OVERSELL" if entry.oversell else ""
        origin = entry.source.topic or ""
        say(
            f"  v{entry.version_after:<3} {entry.kind.value:<15} {entry.quantity:>+4} -> {entry.balance_after:>3}  "
            f"{entry.entry_id}  ({origin}){flag}"
        )

    say("\nDrift report of the nightly reconciliation (before healing):")
    first = story.reconciliations[0]
    for run in first["runs"]:
        say(
            f"  run {run['run_id']}: {run['levels_checked']} levels checked, {run['drifted']} drifted, "
            f"{run['drift_units']} units; reports: {', '.join(run['reports'])}"
        )
    for row in story.drift_rows(first):
        say(
            f"  {row['location']:<12} {row['sku']:<15} ledger {row['ledger_level']!s:>4}  "
            f"Shopify {row['shopify_level']!s:>4}  cause: {row['cause']}"
        )

    say("\nMetrics the functions emitted (EMF):")
    for label, total in sorted(metrics_fired(CAPTURED.lines).items()):
        if total:
            say(f"  {label:<70} {total:g}")

    say(f"\n{len(rows)} levels, {len(disagreeing)} disagreeing; {time.monotonic() - started:.0f} s.")
    return 1 if disagreeing else 0


def main() -> int:
    started = time.monotonic()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per simulator request otherwise
    say("Starting the local stack (moto server, Shopify simulator, the driver that plays Lambda)...")
    with LocalStack(simulator_seed=simulator_seed) as stack:
        for name, url in stack.urls().items():
            say(f"  {name:<48} {url}")
        say(f"\nThe story of {SHOP}:")
        story = Story(stack, say=lambda text: say(f"  - {text}"))
        story.play()
        return show(story, started)


if __name__ == "__main__":
    sys.exit(main())
