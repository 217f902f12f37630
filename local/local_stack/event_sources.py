"""What template.yaml says about each function and its trigger, for the driver to play."""

import json
from dataclasses import dataclass
from typing import Any

from local_stack.aws import STACK_NAME
from local_stack.event_filter import EventFilter
from local_stack.functions import (
    DRIFT_RECONCILER,
    LEDGER_CONSUMER,
    LEVEL_PUSHER,
    LOGICAL_IDS,
    RECONCILE_FANOUT,
    WEBHOOK_INGRESS,
)
from local_stack.template import load_template


@dataclass(frozen=True)
class FunctionSettings:
    name: str
    physical_name: str
    timeout_seconds: float
    memory_mb: int


@dataclass(frozen=True)
class SqsSource:
    batch_size: int
    batching_window_seconds: float
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamSource:
    batch_size: int
    batching_window_seconds: float
    bisect_on_error: bool
    max_retry_attempts: int  # -1: until the record expires, as Lambda says
    report_batch_item_failures: bool
    event_filter: EventFilter
    starting_position: str


@dataclass(frozen=True)
class ApiSource:
    path: str
    method: str
    binary_media_types: tuple[str, ...]


@dataclass(frozen=True)
class ScheduleSource:
    rule_name: str


@dataclass(frozen=True)
class EventSources:
    functions: dict[str, FunctionSettings]
    webhook: ApiSource
    ingest_queue: SqsSource
    ledger_stream: StreamSource
    nightly: ScheduleSource  # the fan-out's schedule
    reconcile_queue: SqsSource  # the fan-out queue, read by the reconciler
    push_later_queue: SqsSource  # hot levels' later pushes, read by the pusher
    push_spacing_seconds: float  # the pusher's PUSH_SPACING_SECONDS (service/pacing.py)


def _only_event(properties: dict[str, Any], event_type: str) -> dict[str, Any]:
    [event] = [e for e in properties.get("Events", {}).values() if e["Type"] == event_type]
    event_properties: dict[str, Any] = event["Properties"]
    return event_properties


def _sqs_source(event: dict[str, Any]) -> SqsSource:
    """An SQS event's settings, Lambda's defaults where the template says nothing."""
    return SqsSource(
        batch_size=int(event.get("BatchSize", 10)),
        batching_window_seconds=float(event.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures" in event.get("FunctionResponseTypes", []),
    )


def _sub_stage(value: Any, stage: str) -> str:
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    return str(text).replace("${Stage}", stage)


def read_event_sources(template: dict[str, Any] | None = None, *, stage: str = "local") -> EventSources:
    template = template or load_template()
    resources = template["Resources"]
    globals_ = template.get("Globals", {}).get("Function", {})
    functions = {}
    for name, logical_id in LOGICAL_IDS.items():
        properties = resources[logical_id]["Properties"]
        functions[name] = FunctionSettings(
            name=name,
            physical_name=f"{STACK_NAME}-{logical_id}",
            timeout_seconds=float(properties.get("Timeout", globals_.get("Timeout", 3))),
            memory_mb=int(properties.get("MemorySize", globals_.get("MemorySize", 128))),
        )

    api = _only_event(resources[LOGICAL_IDS[WEBHOOK_INGRESS]]["Properties"], "Api")
    api_id = api["RestApiId"]["Ref"]
    # API Gateway writes "/" in a binary media type as "~1".
    binary = resources[api_id]["Properties"].get("BinaryMediaTypes", [])

    sqs = _only_event(resources[LOGICAL_IDS[LEDGER_CONSUMER]]["Properties"], "SQS")
    stream = _only_event(resources[LOGICAL_IDS[LEVEL_PUSHER]]["Properties"], "DynamoDB")
    # The fan-out's own schedule (its other one, NightlySummary, closes the night).
    schedule = resources[LOGICAL_IDS[RECONCILE_FANOUT]]["Properties"]["Events"]["Nightly"]["Properties"]
    fanout_queue = _only_event(resources[LOGICAL_IDS[DRIFT_RECONCILER]]["Properties"], "SQS")
    pusher = resources[LOGICAL_IDS[LEVEL_PUSHER]]["Properties"]
    later_queue = _only_event(pusher, "SQS")
    pusher_variables = pusher.get("Environment", {}).get("Variables", {})
    patterns = [json.loads(f["Pattern"]) for f in stream.get("FilterCriteria", {}).get("Filters", [])]
    return EventSources(
        functions=functions,
        webhook=ApiSource(
            path=api["Path"],
            method=api["Method"].upper(),
            binary_media_types=tuple(t.replace("~1", "/") for t in binary),
        ),
        ingest_queue=_sqs_source(sqs),
        ledger_stream=StreamSource(
            batch_size=int(stream.get("BatchSize", 100)),
            batching_window_seconds=float(stream.get("MaximumBatchingWindowInSeconds", 0)),
            bisect_on_error=bool(stream.get("BisectBatchOnFunctionError", False)),
            max_retry_attempts=int(stream.get("MaximumRetryAttempts", -1)),
            report_batch_item_failures="ReportBatchItemFailures" in stream.get("FunctionResponseTypes", []),
            event_filter=EventFilter(patterns),
            starting_position=str(stream.get("StartingPosition", "LATEST")),
        ),
        nightly=ScheduleSource(rule_name=_sub_stage(schedule.get("Name", f"{STACK_NAME}-schedule"), stage)),
        reconcile_queue=_sqs_source(fanout_queue),
        push_later_queue=_sqs_source(later_queue),
        push_spacing_seconds=float(pusher_variables.get("PUSH_SPACING_SECONDS", 0)),
    )
