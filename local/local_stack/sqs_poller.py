"""SQS → function, as Lambda's SQS event source mapping does it (standard queue, partial batch responses).

Lambda's behaviour kept: batches of up to BatchSize gathered for up to the batching window; the
event's records carry Lambda's field names; the messages the function does not list in
``batchItemFailures`` are deleted; a function error (or an answer Lambda cannot read) deletes none;
the queue's redrive policy moves a message to the dead-letter queue after maxReceiveCount receives.

Where it departs: a message left on the queue is made visible again after ``redelivery_delay``
seconds (ChangeMessageVisibility) instead of the queue's visibility timeout (360 s), so a retry takes
a second, not six minutes. One poller, so one batch at a time.
"""

import base64
import logging
import threading
import time
from collections.abc import Callable, Mapping
from itertools import batched
from typing import Any

from local_stack.counters import Counters
from local_stack.event_sources import SqsSource
from local_stack.invoker import Outcome

log = logging.getLogger(__name__)

GROUP = "sqs"


def lambda_message_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """SQS's MessageAttributes in the lower-camel shape Lambda puts in the event (binary as base64)."""
    shaped = {}
    for name, value in attributes.items():
        entry: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues", [])),
            "binaryListValues": [base64.b64encode(v).decode() for v in value.get("BinaryListValues", [])],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        shaped[name] = entry
    return shaped


def sqs_record(message: Mapping[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from a message as ReceiveMessage returns it."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": lambda_message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_message_ids(outcome: Outcome, message_ids: list[str], *, report_failures: bool) -> set[str]:
    """The messages to leave on the queue, read from the function's answer the way Lambda reads it."""
    everything = set(message_ids)
    if outcome.failed:
        return everything
    response = outcome.response
    if not report_failures or response is None or (isinstance(response, dict) and not response):
        return set()
    if not isinstance(response, dict):
        return everything  # an answer Lambda cannot read fails the whole batch
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return everything
    failed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in everything:
            return everything  # empty, null or unknown identifiers fail the whole batch
        failed.add(identifier)
    return failed


class SqsPoller:
    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        region: str,
        source: SqsSource,
        invoke: Callable[[dict[str, Any]], Outcome],
        counters: Counters,
        batching_window: float,
        redelivery_delay: int = 1,
        group: str = GROUP,
    ) -> None:
        self.group = group  # the counters' group: one per queue
        self.sqs = sqs
        self.queue_url = queue_url
        self.region = region
        self.source = source
        self.invoke = invoke
        self.counters = counters
        self.batching_window = batching_window
        self.redelivery_delay = redelivery_delay
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._stop = threading.Event()
        self._busy = threading.Event()  # set from receive to the last delete: those messages are ours
        self._thread = threading.Thread(target=self._run, name=f"{group}-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def idle(self) -> bool:
        """Nothing visible, in flight or delayed on the queue, and no batch in hand."""
        if self._busy.is_set():
            return False
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return not self._busy.is_set() and all(int(v) == 0 for v in attributes.values())

    def _receive(self, count: int, wait_seconds: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def _gather(self) -> list[dict[str, Any]]:
        batch = self._receive(min(10, self.source.batch_size), wait_seconds=1)
        if not batch:
            return batch
        self._busy.set()
        # The batching window: wait a little for a fuller batch, as Lambda does.
        deadline = time.monotonic() + self.batching_window
        while len(batch) < self.source.batch_size and time.monotonic() < deadline and not self._stop.is_set():
            more = self._receive(min(10, self.source.batch_size - len(batch)), wait_seconds=0)
            batch.extend(more)
            if not more:
                self._stop.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return batch

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = self._gather()
                if batch:
                    self._deliver(batch)
            except Exception:
                if self._stop.is_set():
                    break  # the servers may stop before the driver has noticed
                # The queue may be gone for a moment (a moto reset); keep polling, as Lambda would.
                log.warning("SQS poller: polling %s failed", self.queue_url, exc_info=True)
                self._stop.wait(1)
            finally:
                self._busy.clear()

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        self.counters.add(self.group, "received", len(messages))
        redelivered = sum(1 for m in messages if int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1")) > 1)
        if redelivered:
            self.counters.add(self.group, "redeliveries", redelivered)
        records = [sqs_record(m, queue_arn=self.queue_arn, region=self.region) for m in messages]
        outcome = self.invoke({"Records": records})
        ids = [m["MessageId"] for m in messages]
        failed = failed_message_ids(outcome, ids, report_failures=self.source.report_batch_item_failures)
        if outcome.failed:
            self.counters.add(self.group, "failed_batches")
        elif failed:
            self.counters.add(self.group, "batch_item_failures", len(failed))
        done = [m for m in messages if m["MessageId"] not in failed]
        kept = [m for m in messages if m["MessageId"] in failed]
        if done:
            self._call_batch("delete_message_batch", done, {})
            self.counters.add(self.group, "deleted", len(done))
        if kept:
            self._call_batch("change_message_visibility_batch", kept, {"VisibilityTimeout": self.redelivery_delay})

    def _call_batch(self, operation: str, messages: list[dict[str, Any]], extra: dict[str, Any]) -> None:
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], **extra} for i, m in enumerate(messages)]
        for batch in batched(entries, 10):
            answer = getattr(self.sqs, operation)(QueueUrl=self.queue_url, Entries=list(batch))
            for failure in answer.get("Failed", []):
                log.warning("SQS poller: %s failed for one message: %s", operation, failure)
