"""The lazy tracer: nothing of the X-Ray SDK at import; powertools' own tracing where it is on.

Each case runs in a fresh interpreter, since what a module import loads is the point, and the X-Ray
recorder is process-wide. The subsegments are caught by an emitter of the test's own: nothing is sent.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from inventory_ledger.adapters.dynamodb.stream import level_of
from inventory_ledger.domain.ledger import LevelKey

ROOT = Path(__file__).resolve().parents[2]
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

PROBE = """
import json, sys
from inventory_ledger.observability import tracer
loaded = {"at_import": "aws_xray_sdk" in sys.modules}

@tracer.capture_lambda_handler
def lambda_handler(event, context):
    if event.get("fail"):
        raise ValueError("boom")
    return {"n": event["n"]}

loaded["after_decorating"] = "aws_xray_sdk" in sys.modules
sent = []
if sys.argv[1] == "on":
    from aws_xray_sdk.core import patcher, xray_recorder

    class Emitter:
        def send_entity(self, entity):
            sent.append(entity.to_dict())

        def set_daemon_address(self, address):
            pass

    xray_recorder.configure(emitter=Emitter())
answers = [lambda_handler({"n": 1}, None), lambda_handler({"n": 2}, None)]
try:
    lambda_handler({"fail": True}, None)
except ValueError:
    answers.append("raised")
print(json.dumps({
    "loaded": loaded,
    "loaded_after_calls": "aws_xray_sdk" in sys.modules,
    "answers": answers,
    "sent": [{"name": e["name"], "annotations": e.get("annotations", {}), "metadata": e.get("metadata", {}),
              "fault": e.get("fault", False)} for e in sent],
    "patched": sorted(patcher._PATCHED_MODULES) if sys.argv[1] == "on" else [],
}))
"""


def _run(code: str, *args: str, cwd: Path = ROOT, **env: str) -> Any:
    environment = {k: v for k, v in os.environ.items() if k not in ("POWERTOOLS_TRACE_DISABLED", "LAMBDA_TASK_ROOT")}
    environment.update({"PYTHONPATH": f"{cwd}{os.pathsep}{ROOT / 'shared'}", "AWS_DEFAULT_REGION": "us-east-1", **env})
    command = [sys.executable, "-c", code, *args]  # our own probe, in this interpreter
    out = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=True, timeout=120)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_tracing_on_is_powertools_own_handler_subsegment_built_at_the_first_call(tmp_path: Path) -> None:
    # Given Lambda with tracing on (task root set, POWERTOOLS_TRACE_DISABLED unset)
    out = _run(PROBE, "on", LAMBDA_TASK_ROOT=str(tmp_path), _X_AMZN_TRACE_ID=TRACE_ID)
    # Then neither the import nor the decorator loaded the SDK; the first call did
    assert out["loaded"] == {"at_import": False, "after_decorating": False}
    assert out["answers"] == [{"n": 1}, {"n": 2}, "raised"]
    # And each invocation is one subsegment with powertools' annotations and metadata
    assert [s["name"] for s in out["sent"]] == ["## lambda_handler"] * 3
    assert [s["annotations"]["ColdStart"] for s in out["sent"]] == [True, False, False]
    assert {s["annotations"]["Service"] for s in out["sent"]} == {"inventory-ledger"}
    assert out["sent"][0]["metadata"]["inventory-ledger"]["lambda_handler response"] == {"n": 1}
    assert out["sent"][2]["fault"]
    assert "lambda_handler error" in out["sent"][2]["metadata"]["inventory-ledger"]
    # And only the libraries the functions call are patched, not everything the SDK knows
    assert out["patched"] == ["botocore", "httpx"]


@pytest.mark.parametrize(
    "env", [{"POWERTOOLS_TRACE_DISABLED": "true"}, {}, {"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}]
)
def test_tracing_off_calls_straight_through_and_never_loads_the_sdk(env: dict[str, str]) -> None:
    # Given tracing disabled, or outside Lambda, or in sam local
    out = _run(PROBE, "off", cwd=ROOT, **env)
    # Then the handler answers and raises as written, and the SDK was never imported
    assert out["answers"] == [{"n": 1}, {"n": 2}, "raised"]
    assert out["loaded"] == {"at_import": False, "after_decorating": False}
    assert out["loaded_after_calls"] is False


@pytest.mark.parametrize("function", ["webhook_ingress", "ledger_consumer", "level_pusher", "drift_reconciler"])
def test_no_function_imports_the_xray_sdk_or_every_parser_model(function: str) -> None:
    code = "import json, sys, app; print(json.dumps([m for m in ('aws_xray_sdk', "
    code += "'aws_lambda_powertools.utilities.parser.models') if m in sys.modules]))"
    assert _run(code, cwd=ROOT / "functions" / function, LAMBDA_TASK_ROOT="/var/task") == []


def test_the_pushers_stream_path_never_imports_the_sweeps_catch_up_and_heal() -> None:
    # Only the re-push schedule sweeps: the stream and push-later batches' cold start skips its imports.
    code = "import json, sys, app; print(json.dumps([m for m in ('inventory_ledger.service.repush', "
    code += "'inventory_ledger.service.reconcile') if m in sys.modules]))"
    assert _run(code, cwd=ROOT / "functions" / "level_pusher", LAMBDA_TASK_ROOT="/var/task") == []


def _stream_record(new_image: dict[str, Any] | None) -> Any:
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    dynamodb: dict[str, Any] = {"Keys": {"pk": {"S": "LEVEL#x"}, "sk": {"S": "BALANCE"}}}
    if new_image is not None:
        dynamodb["NewImage"] = new_image
    return DynamoDBRecord({"eventName": "MODIFY", "dynamodb": dynamodb})


def test_a_stream_record_names_its_level_and_anything_else_names_none() -> None:
    balance = {
        "item_type": {"S": "balance"},
        "shop": {"S": "s.myshopify.com"},
        "location": {"S": "store"},
        "sku": {"S": "TEE"},
        "quantity": {"N": "3"},
    }
    assert level_of(_stream_record(balance)) == LevelKey("s.myshopify.com", "store", "TEE")
    # Not a balance, no new image (a removal), or a balance without its key fields: not a level to push
    assert level_of(_stream_record({**balance, "item_type": {"S": "entry"}})) is None
    assert level_of(_stream_record(None)) is None
    assert level_of(_stream_record({"item_type": {"S": "balance"}, "shop": {"S": "s"}})) is None
    assert level_of(_stream_record({**balance, "sku": {"N": "7"}})) is None
