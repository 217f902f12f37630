"""A stand-in for a Lambda handler behind a batch event source (SQS, a DynamoDB stream), for the pollers' tests."""

import threading
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]


class RecordingBatchHandler:
    """Records every event; answers the records ``fails`` picks as failed (a partial batch response), or
    raises instead, for ``failures_left`` batches."""

    def __init__(
        self,
        fails: Callable[[Record], bool],
        item_identifier: Callable[[Record], str],
        *,
        failures_left: int = 10**6,
        raise_: bool = False,
    ) -> None:
        self.events: list[dict[str, Any]] = []
        self.fails = fails
        self.item_identifier = item_identifier
        self.failures_left = failures_left
        self.raise_ = raise_
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        with self.lock:
            self.events.append(event)
            failing = [r for r in event["Records"] if self.fails(r) and self.failures_left > 0]
            if failing:
                self.failures_left -= 1
        if failing and self.raise_:
            raise RuntimeError("the handler blew up")
        return {"batchItemFailures": [{"itemIdentifier": self.item_identifier(r)} for r in failing]}

    def records(self) -> list[Record]:
        return [r for e in self.events for r in e["Records"]]
