"""The five handlers, loaded from functions/<name>/app.py by file path, as Lambda loads them."""

import importlib.util
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from local_stack.template import REPO_ROOT

FUNCTIONS_DIR = REPO_ROOT / "functions"

Handler = Callable[[Any, Any], Any]

WEBHOOK_INGRESS = "webhook_ingress"
LEDGER_CONSUMER = "ledger_consumer"
LEVEL_PUSHER = "level_pusher"
DRIFT_RECONCILER = "drift_reconciler"
RECONCILE_FANOUT = "reconcile_fanout"
FUNCTION_NAMES = (WEBHOOK_INGRESS, LEDGER_CONSUMER, LEVEL_PUSHER, DRIFT_RECONCILER, RECONCILE_FANOUT)
LOGICAL_IDS = {
    WEBHOOK_INGRESS: "WebhookIngressFunction",
    LEDGER_CONSUMER: "LedgerConsumerFunction",
    LEVEL_PUSHER: "LevelPusherFunction",
    DRIFT_RECONCILER: "DriftReconcilerFunction",
    RECONCILE_FANOUT: "ReconcileFanoutFunction",
}


def shipped_handler_exists(function_name: str) -> bool:
    return bool((FUNCTIONS_DIR / function_name / "app.py").is_file())


def load_function_module(function_name: str) -> ModuleType:
    """functions/<name>/app.py as a module, imported once per process under ``<name>_app``.

    Tests (tests/support/handlers.py) and the driver load through here, so they share one module (and
    so one set of cached clients), as one Lambda execution environment would.
    """
    module_name = f"{function_name}_app"
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS_DIR / function_name / "app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]  # a later invocation retries the import, as a cold start would
            raise
    return module


def load_shipped_handler(function_name: str) -> Handler:
    """``app.lambda_handler`` of the function (see load_function_module)."""
    handler: Handler = load_function_module(function_name).lambda_handler
    return handler
