"""Import (cold-start) time of each function, beside a bare `import boto3, json` in the same run.

Each figure is a fresh interpreter importing the function's app.py and then boto3 (a no-op when the
app loaded it already): a function that defers boto3 to its first call still pays for it then. The
runs are interleaved (baseline, then each function, five rounds), so load on the machine falls on
all of them alike. One more row builds the X-Ray SDK tracer as the first invocation does where
tracing is on, so what the lazy tracer moves out of the import is shown, not hidden.
"""

import os
import statistics
import subprocess
import sys
from pathlib import Path

from scripts.bench.table import Row

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("webhook_ingress", "ledger_consumer", "level_pusher", "drift_reconciler")
BASELINE = "import time; t = time.perf_counter(); import boto3, json; print(time.perf_counter() - t)"
PROBE = "import time; t = time.perf_counter(); import app, boto3; print(time.perf_counter() - t)"
TRACED = (
    "import time; t = time.perf_counter(); import app, boto3; from inventory_ledger.observability import tracer; "
    "assert tracer.built() is not None; print(time.perf_counter() - t)"
)


def _time(code: str, folder: Path, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]) * 1000


def measure(runs: int = 5) -> list[Row]:
    base_env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"}
    folders = {name: ROOT / "functions" / name for name in FUNCTIONS if (ROOT / "functions" / name / "app.py").exists()}
    shared = ROOT / "shared"
    envs = {name: {**base_env, "PYTHONPATH": f"{folder}{os.pathsep}{shared}"} for name, folder in folders.items()}
    # Tracing on as in Lambda: the task root set, POWERTOOLS_TRACE_DISABLED unset.
    traced_env = {k: v for k, v in envs["ledger_consumer"].items() if k != "POWERTOOLS_TRACE_DISABLED"}
    traced_env["LAMBDA_TASK_ROOT"] = str(folders["ledger_consumer"])
    baseline: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in folders}
    traced: list[float] = []
    for _ in range(runs):
        baseline.append(_time(BASELINE, ROOT, base_env))
        for name, folder in folders.items():
            times[name].append(_time(PROBE, folder, envs[name]))
        traced.append(_time(TRACED, folders["ledger_consumer"], traced_env))
    ideal = statistics.median(baseline)
    note = "a bare `import boto3, json`, median of the same run"
    rows = [
        Row(
            "cold start",
            f"{name} import, boto3 included (median of {runs})",
            statistics.median(values),
            "ms",
            ideal,
            note,
        )
        for name, values in times.items()
    ]
    rows.append(
        Row(
            "cold start",
            "  ledger_consumer with X-Ray SDK tracing on (its first invocation builds it)",
            statistics.median(traced),
            "ms",
            ideal,
            note,
        )
    )
    return rows
