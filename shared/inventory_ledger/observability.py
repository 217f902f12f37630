"""The one Logger, Tracer and Metrics of the package (powertools), shared by every function.

Service name, namespace and log level come from the POWERTOOLS_* variables set in template.yaml; the
defaults here are the same names, so a process that forgot them still logs and emits metrics
(without a namespace, powertools refuses to flush metrics and the invocation fails).

The tracer never loads the X-Ray SDK at import: powertools' Tracer imports it when constructed, even
when disabled, and its auto-patch loads every library the SDK knows (about 0.5 s of a cold start).
Lambda's active tracing records each invocation's segment without it. Where tracing is on (inside
Lambda, POWERTOOLS_TRACE_DISABLED unset or false), the first traced call builds the powertools Tracer
and patches only what the functions call (botocore, httpx); from then on capture_lambda_handler and
capture_method are powertools' own (ColdStart and Service annotations, response or error metadata).
Where it is off, the decorators call the function straight through and nothing is imported.
"""

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "inventory-ledger"
NAMESPACE = "InventoryLedger"
# What the functions call out to: DynamoDB, SQS, Secrets Manager, S3 (botocore) and Shopify (httpx).
PATCHED_MODULES = ("botocore", "httpx")

F = TypeVar("F", bound=Callable[..., Any])


def tracing_enabled() -> bool:
    """powertools' rule: traced inside Lambda unless POWERTOOLS_TRACE_DISABLED or a local emulator."""
    if resolve_truthy_env_var_choice(env=os.getenv(constants.TRACER_DISABLED_ENV, "false")):
        return False
    in_emulator = os.getenv(constants.SAM_LOCAL_ENV) or os.getenv(constants.CHALICE_LOCAL_ENV)
    return bool(os.getenv(constants.LAMBDA_TASK_ROOT_ENV)) and not in_emulator


class _NoSubsegment:
    def put_annotation(self, key: str, value: object) -> None:
        pass

    def put_metadata(self, key: str, value: object, namespace: str = "default") -> None:
        pass


class _NoProvider:
    """Stands in for the X-Ray recorder while tracing is off: subsegments that record nothing."""

    @contextmanager
    def in_subsegment(self, name: str) -> Iterator[_NoSubsegment]:
        yield _NoSubsegment()


class LazyTracer:
    """powertools' Tracer, built at its first use and only where tracing is on."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._tracer: Tracer | None = None
        self._off = _NoProvider()

    def built(self) -> "Tracer | None":
        if self._tracer is None and tracing_enabled():
            from aws_lambda_powertools import Tracer

            self._tracer = Tracer(service=self.service, auto_patch=False)
            self._tracer.patch(PATCHED_MODULES)
        return self._tracer

    @property
    def provider(self) -> Any:
        tracer = self.built()
        return tracer.provider if tracer is not None else self._off

    def capture_lambda_handler(self, handler: F) -> F:
        return self._traced(handler, lambda tracer: tracer.capture_lambda_handler(handler))

    def capture_method(self, method: F) -> F:
        return self._traced(method, lambda tracer: tracer.capture_method(method))

    def _traced(self, function: F, decorate: Callable[["Tracer"], Callable[..., Any]]) -> F:
        decorated: list[Callable[..., Any]] = []

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            tracer = self.built()
            if tracer is None:
                return function(*args, **kwargs)
            if not decorated:
                decorated.append(decorate(tracer))
            return decorated[0](*args, **kwargs)

        return cast(F, call)


logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
tracer = LazyTracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE))
