"""Import (cold-start) time of each function: its app.py imported in a fresh interpreter."""

import os
import statistics
import subprocess
import sys
from pathlib import Path

from scripts.bench.table import Row

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("webhook_ingress", "ledger_consumer", "level_pusher", "drift_reconciler")
PROBE = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"


def measure(runs: int = 5) -> list[Row]:
    rows = []
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"}
    for name in FUNCTIONS:
        folder = ROOT / "functions" / name
        if not (folder / "app.py").exists():
            continue
        env["PYTHONPATH"] = f"{folder}{os.pathsep}{ROOT / 'shared'}"
        times = []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", PROBE], cwd=folder, env=env, capture_output=True, text=True,
                                 check=True)  # fmt: skip
            times.append(float(out.stdout.strip().splitlines()[-1]) * 1000)
        rows.append(Row("cold start", f"{name} import (median of {runs})", statistics.median(times), "ms",
                        10_000, "Lambda's 10 s init limit"))  # fmt: skip
    return rows
