"""Import (cold-start) time of each function, beside a bare `import boto3, json` in the same run.

Each figure is a fresh interpreter importing the function's app.py and then boto3 (a no-op when the
app loaded it already): a function that defers boto3 to its first call still pays for it then. The
runs are interleaved (baseline, floor, then each function, nine rounds), so load on the machine falls
on all of them alike; nine, as single rounds on a shared machine spread by a third of the baseline.

The ideal stays the bare boto3 import; beside it, the floor the design card sets: the libraries every
function must load anyway (boto3, pydantic with one model built, powertools' Logger, Metrics and
BatchProcessor), so each row says how far above that floor the function's own modules take it. A
second figure per function adds what its first invocation builds before any request leaves (settings
read, adapters imported, clients constructed; no network): the bootstrap's factories defer that work
out of the import, so the import alone would hide it. One more row builds the X-Ray SDK tracer as the
first invocation does where tracing is on, so what the lazy tracer moves out of the import is shown.

Every figure twice: with bytecode, as the shipped layer holds it (layers/dependencies/Makefile compiles
it; here a cache folder written by one untimed run, whose timestamp checks cost a stat per module the
layer's unchecked files do not), and from source, as a layer without it starts (Lambda cannot write
bytecode to the read-only /opt, so it would compile every module at each cold start).
"""

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.bench.table import Row

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ("webhook_ingress", "ledger_consumer", "level_pusher", "drift_reconciler")
BASELINE = "import time; t = time.perf_counter(); import boto3, json; print(time.perf_counter() - t)"
# What the design card mandates in every function: boto3, pydantic (a model is built, as any function's
# settings are one), powertools' Logger and Metrics (the package's top level) and BatchProcessor.
FLOOR = (
    "import time; t = time.perf_counter(); import boto3, json, pydantic; "
    "from aws_lambda_powertools import Logger, Metrics; "
    "from aws_lambda_powertools.utilities.batch import BatchProcessor; "
    "type('Floor', (pydantic.BaseModel,), {'__annotations__': {'x': int}}); print(time.perf_counter() - t)"
)
# What each function's every invocation builds through the bootstrap before it does any work.
FIRST_SETUP = {
    "webhook_ingress": "b.ingress_dependencies()",
    # consume_together takes the ledger; a message outside the batched path the directory and payloads.
    # The payload models are built at first use (defer_build): an order's, the commonest, is counted.
    "ledger_consumer": "b.ledger(); b.merchant_directory(); b.payload_store(); "
    "from inventory_ledger.domain.shopify_payloads import Order; Order.model_rebuild()",
    "level_pusher": "b.ledger(); b.merchant_directory(); b.push_pacing()",
    "drift_reconciler": "b.reconcile_dependencies(); b.reconcile_options()",
}
PROBE = (
    "import time; t = time.perf_counter(); import app, boto3; print(time.perf_counter() - t); "
    "import inventory_ledger.bootstrap as b; {setup}; print(time.perf_counter() - t)"
)
# Names only: the factories build clients and read settings, and never call AWS.
SETUP_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "LEDGER_TABLE_NAME": "ledger", "INGEST_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/ingest",
    "PAYLOAD_BUCKET_NAME": "payloads", "REPORT_BUCKET_NAME": "reports",
    "PUSH_LATER_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/later", "PUSH_SPACING_SECONDS": "10",
}  # fmt: skip
TRACED = (
    "import time; t = time.perf_counter(); import app, boto3; from inventory_ledger.observability import tracer; "
    "assert tracer.built() is not None; print(time.perf_counter() - t)"
)


def _times(code: str, folder: Path, env: dict[str, str]) -> list[float]:
    out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True, check=True)
    return [float(line) * 1000 for line in out.stdout.split()]


def measure(runs: int = 9) -> list[Row]:
    """Both ways a function can start: with bytecode, as the shipped layer holds it, and from source."""
    with tempfile.TemporaryDirectory(prefix="bytecode-") as cache:
        return _measure(runs, bytecode=Path(cache)) + _measure(runs, bytecode=None)


def _measure(runs: int, *, bytecode: Path | None) -> list[Row]:
    """With ``bytecode`` (a cache folder): every probe first runs once writing its modules' bytecode
    there, then is timed reading it and writing nothing, as Lambda reads the layer's from /opt."""
    base_env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1", **SETUP_ENV}
    base_env["PYTHONDONTWRITEBYTECODE"] = "1"
    if bytecode is not None:
        base_env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    else:
        base_env.pop("PYTHONPYCACHEPREFIX", None)
    how = "bytecode, as the layer ships it" if bytecode is not None else "from source"
    folders = {name: ROOT / "functions" / name for name in FUNCTIONS if (ROOT / "functions" / name / "app.py").exists()}
    shared = ROOT / "shared"
    envs = {name: {**base_env, "PYTHONPATH": f"{folder}{os.pathsep}{shared}"} for name, folder in folders.items()}
    # Tracing on as in Lambda: the task root set, POWERTOOLS_TRACE_DISABLED unset.
    traced_env = {k: v for k, v in envs["ledger_consumer"].items() if k != "POWERTOOLS_TRACE_DISABLED"}
    traced_env["LAMBDA_TASK_ROOT"] = str(folders["ledger_consumer"])
    probes = [(BASELINE, ROOT, base_env), (FLOOR, ROOT, base_env)]
    probes += [(PROBE.format(setup=FIRST_SETUP[name]), folder, envs[name]) for name, folder in folders.items()]
    probes.append((TRACED, folders["ledger_consumer"], traced_env))
    if bytecode is not None:
        for code, folder, env in probes:
            _times(code, folder, {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"})
    baseline: list[float] = []
    floor: list[float] = []
    imports: dict[str, list[float]] = {name: [] for name in folders}
    setups: dict[str, list[float]] = {name: [] for name in folders}
    traced: list[float] = []
    for _ in range(runs):
        baseline += _times(BASELINE, ROOT, base_env)
        floor += _times(FLOOR, ROOT, base_env)
        for name, folder in folders.items():
            imported, set_up = _times(PROBE.format(setup=FIRST_SETUP[name]), folder, envs[name])
            imports[name].append(imported)
            setups[name].append(set_up)
        traced += _times(TRACED, folders["ledger_consumer"], traced_env)
    ideal = statistics.median(baseline)
    floor_ms = statistics.median(floor)
    note = f"a bare `import boto3, json`, median of the same run, {how}"

    def above_floor(value: float) -> str:
        return f"{note}; {value / floor_ms:.2f}x the mandated libraries' {floor_ms:,.0f} ms"

    rows = [
        Row(
            "cold start",
            f"the mandated libraries alone: boto3 + pydantic + powertools Logger/Metrics/BatchProcessor "
            f"({how}, median of {runs})",
            floor_ms,
            "ms",
            ideal,
            note,
        )
    ]
    for name in folders:
        imported, set_up = statistics.median(imports[name]), statistics.median(setups[name])
        rows.append(
            Row("cold start", f"{name} import, boto3 included ({how}, median of {runs})", imported, "ms", ideal,
                above_floor(imported))
        )  # fmt: skip
        rows.append(
            Row("cold start", "  same, and its first invocation's setup (settings, adapters, clients; no network)",
                set_up, "ms", ideal, above_floor(set_up))
        )  # fmt: skip
    rows.append(
        Row(
            "cold start",
            "  ledger_consumer with X-Ray SDK tracing on (its first invocation builds it)",
            statistics.median(traced),
            "ms",
            ideal,
            above_floor(statistics.median(traced)),
        )
    )
    return rows
