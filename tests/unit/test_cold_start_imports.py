"""What a function's import leaves for later: the rules of the rarer topics and the payload models
no message has used yet (issue #17's cold start; scripts/bench/cold_start.py measures it).

Each case imports the function in a fresh interpreter, since what an import loads is the point.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inventory_ledger.service.apply_webhook import TOPIC_MODULES

ROOT = Path(__file__).resolve().parents[2]
RARE_MODULES = (*TOPIC_MODULES, "inventory_ledger.service.lifecycle")
PAYLOADS = "inventory_ledger.domain.shopify_payloads"
LAMBDA_CONTEXT = "aws_lambda_powertools.utilities.typing"


def _after_import(function: str, code: str) -> object:
    folder = ROOT / "functions" / function
    environment = {**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT / 'shared'}"}
    environment.update({"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"})
    command = [sys.executable, "-c", f"import json, sys, app\n{code}"]  # our own probe, in this interpreter
    out = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, check=True, timeout=120)  # noqa: S603
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("function", ["webhook_ingress", "ledger_consumer", "level_pusher", "drift_reconciler"])
def test_no_function_imports_the_rarer_topics_rules_at_its_cold_start(function: str) -> None:
    loaded = _after_import(function, f"print(json.dumps([m for m in {RARE_MODULES!r} if m in sys.modules]))")
    assert loaded == []


@pytest.mark.parametrize("function", ["webhook_ingress", "ledger_consumer", "drift_reconciler"])
def test_the_lambda_context_type_is_not_imported_to_annotate_the_handler(function: str) -> None:
    # powertools imports it only for type checking, so the handler's annotation was its one importer
    assert _after_import(function, f"print(json.dumps({LAMBDA_CONTEXT!r} in sys.modules))") is False


def test_the_consumer_builds_a_payload_model_only_when_a_message_needs_it() -> None:
    # Given the consumer just imported: no payload model is built (defer_build)
    code = f"""
from {PAYLOADS} import FulfillmentOrderRead, Order, Refund
at_import = [m.__name__ for m in (Order, Refund, FulfillmentOrderRead) if m.__pydantic_complete__]
# When an order arrives
Order.model_validate_json('{{"id": 1, "line_items": [{{"id": 2, "quantity": 1}}]}}')
print(json.dumps([at_import, [m.__name__ for m in (Order, Refund, FulfillmentOrderRead) if m.__pydantic_complete__]]))
"""
    # Then the order's model is built, and the others are left for the topics that use them
    assert _after_import("ledger_consumer", code) == [[], ["Order"]]
