"""DynamoDB stream → function, as Lambda's stream event source mapping does it.

Lambda's behaviour kept: every shard is read in order (a child shard only after its parent is
finished), records are filtered with the mapping's FilterCriteria before batching (a record that does
not match is passed over for good), batches of up to BatchSize are gathered for up to the batching
window, and each record gets the Lambda event fields that GetRecords does not return. A partial
batch response (``batchItemFailures`` with SequenceNumbers) retries from the lowest failed record; a
function error bisects the batch (bisection does not use up retries, as in Lambda) and retries a
single record; after MaximumRetryAttempts the remaining records are skipped and a record describing
them goes to the on-failure destination (an SQS queue), in Lambda's shape.

Where it departs: one poller thread serves every shard, and retries follow at once with a short
backoff (capped at one second) instead of Lambda's.
"""

import base64
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local_stack.counters import Counters
from local_stack.event_sources import StreamSource
from local_stack.invoker import Outcome

log = logging.getLogger(__name__)

GROUP = "stream"
EVENT_VERSION = "1.1"  # what Lambda puts in DynamoDB stream events today
SHARD_REFRESH_SECONDS = 5.0
IDLE_POLL_SECONDS = 0.25  # Lambda polls each shard four times a second


def _lambda_value(value: Any) -> Any:
    """An attribute value as Lambda's JSON has it: boto3 hands binary as bytes, Lambda as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, Mapping):
        return {k: _lambda_value(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_lambda_value(v) for v in value]
    return value


def lambda_stream_record(raw: Mapping[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A record of Lambda's DynamoDB stream event, from one that GetRecords returned."""
    dynamodb = {k: _lambda_value(v) for k, v in raw["dynamodb"].items() if k != "ApproximateCreationDateTime"}
    created = raw["dynamodb"].get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())  # Lambda gives epoch seconds
    elif created is not None:
        dynamodb["ApproximateCreationDateTime"] = int(created)
    else:
        dynamodb["ApproximateCreationDateTime"] = int(time.time())
    dynamodb.setdefault("SizeBytes", len(json.dumps({k: dynamodb.get(k) for k in ("Keys", "NewImage", "OldImage")})))
    dynamodb.setdefault("StreamViewType", "NEW_AND_OLD_IMAGES")
    record = {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": EVENT_VERSION,
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in raw:  # TTL deletions carry it
        record["userIdentity"] = _lambda_value(raw["userIdentity"])
    return record


def failed_from(outcome: Outcome, batch: list["Buffered"], *, report_failures: bool) -> int | None:
    """Index of the first record to retry (None: the whole batch succeeded; 0 with an error: all failed)."""
    if outcome.failed:
        return 0
    response = outcome.response
    if not report_failures or response is None or (isinstance(response, dict) and not response):
        return None
    if not isinstance(response, dict):
        return 0
    failures = response.get("batchItemFailures")
    if not failures:
        return None
    if not isinstance(failures, list):
        return 0
    positions = {b.sequence_number: i for i, b in enumerate(batch)}
    indexes = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in positions:
            return 0  # empty, null or unknown identifiers fail the whole batch, as in Lambda
        indexes.append(positions[identifier])
    return min(indexes)  # Lambda checkpoints at the lowest failed sequence number


@dataclass
class Buffered:
    record: dict[str, Any]
    sequence_number: str
    arrived: float  # epoch seconds, for the failure record
    received: float  # monotonic, for the batching window


@dataclass
class Shard:
    shard_id: str
    parent_id: str | None
    iterator: str | None = None
    last_sequence_number: str | None = None
    started: bool = False
    finished: bool = False
    buffer: list[Buffered] = field(default_factory=list)


class StreamPoller:
    def __init__(
        self,
        *,
        streams: Any,
        stream_arn: str,
        region: str,
        source: StreamSource,
        invoke: Callable[[dict[str, Any]], Outcome],
        on_failure: Callable[[dict[str, Any]], None],
        function_arn: str,
        counters: Counters,
        batching_window: float,
        starting_position: str = "TRIM_HORIZON",
        max_retry_attempts: int | None = None,
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.region = region
        self.source = source
        self.invoke = invoke
        self.on_failure = on_failure
        self.function_arn = function_arn
        self.counters = counters
        self.batching_window = batching_window
        self.starting_position = starting_position
        self.max_retry_attempts = source.max_retry_attempts if max_retry_attempts is None else max_retry_attempts
        self.shards: dict[str, Shard] = {}
        self._attached = False
        self._last_refresh = 0.0
        self._refresh_due = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._rounds = 0
        self._rounds_changed = threading.Condition()
        self._busy = False
        self._thread = threading.Thread(target=self._run, name="stream-poller", daemon=True)

    # ------------------------------------------------------------------ lifecycle and drain support
    def start(self) -> None:
        self._refresh_shards()  # position the iterators now: LATEST means "from when the mapping exists"
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)

    def quiet_round(self, timeout: float) -> bool:
        """Wait for two complete polling rounds; True if they fetched nothing and nothing is left in hand.

        The first round may have begun before the caller looked; the second began after it, so a
        record written before this call has been read by the time it returns.
        """
        deadline = time.monotonic() + timeout
        with self._rounds_changed:
            target = self._rounds + 2
            start_activity = self.counters.activity
            while self._rounds < target:
                self._wake.set()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return False
                self._rounds_changed.wait(min(remaining, 0.5))
        buffered = any(shard.buffer for shard in self.shards.values())
        return not buffered and not self._busy and self.counters.activity == start_activity

    # ------------------------------------------------------------------ shards
    def _describe_shards(self) -> list[dict[str, Any]]:
        shards: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.streams.describe_stream(**arguments)["StreamDescription"]
            shards.extend(description.get("Shards", []))
            last = description.get("LastEvaluatedShardId")
            if not last:
                return shards
            arguments["ExclusiveStartShardId"] = last

    def _refresh_shards(self) -> None:
        self._last_refresh = time.monotonic()
        self._refresh_due = False
        described = self._describe_shards()
        for description in described:
            if description["ShardId"] not in self.shards:
                closed = "EndingSequenceNumber" in description.get("SequenceNumberRange", {})
                new = Shard(shard_id=description["ShardId"], parent_id=description.get("ParentShardId"))
                if not self._attached and self.starting_position == "LATEST" and closed:
                    new.finished = True  # wholly before the mapping existed
                self.shards[new.shard_id] = new
        for shard in self.shards.values():
            if shard.started or shard.finished:
                continue
            parent = self.shards.get(shard.parent_id) if shard.parent_id else None
            if parent is not None and not parent.finished:
                continue  # a child waits for its parent, so a key's changes stay in order
            # Shards there when the mapping starts begin at its starting position; later ones at their start.
            position = self.starting_position if not self._attached else "TRIM_HORIZON"
            shard.iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard.shard_id, ShardIteratorType=position
            )["ShardIterator"]
            shard.started = True
        self._attached = True

    def _finish(self, shard: Shard) -> None:
        """A closed shard read to its end: its children may start now."""
        shard.finished = True
        self._refresh_due = True

    def _reposition(self, shard: Shard) -> None:
        """A fresh iterator after the last record read (iterators expire after 15 minutes on AWS)."""
        if shard.last_sequence_number is None:
            arguments = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            arguments = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": shard.last_sequence_number}
        shard.iterator = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard.shard_id, **arguments
        )["ShardIterator"]

    def _read(self, shard: Shard) -> int:
        if shard.iterator is None:
            return 0
        try:
            answer = self.streams.get_records(ShardIterator=shard.iterator, Limit=1000)
        except self.streams.exceptions.ExpiredIteratorException:
            self._reposition(shard)
            return 0
        shard.iterator = answer.get("NextShardIterator")
        now_epoch, now = time.time(), time.monotonic()
        raw_records = answer.get("Records", [])
        for raw in raw_records:
            record = lambda_stream_record(raw, stream_arn=self.stream_arn, region=self.region)
            sequence_number = record["dynamodb"]["SequenceNumber"]
            shard.last_sequence_number = sequence_number
            if self.source.event_filter.matches(record):
                created = record["dynamodb"].get("ApproximateCreationDateTime", now_epoch)
                shard.buffer.append(Buffered(record, sequence_number, float(created), now))
            else:
                self.counters.add(GROUP, "filtered_out")
        if raw_records:
            self.counters.add(GROUP, "records_read", len(raw_records))
        if shard.iterator is None and not shard.buffer:
            self._finish(shard)
        return len(raw_records)

    # ------------------------------------------------------------------ the loop
    def _run(self) -> None:
        while not self._stop.is_set():
            fetched = 0
            try:
                if self._refresh_due or time.monotonic() - self._last_refresh > SHARD_REFRESH_SECONDS:
                    self._refresh_shards()
                for shard in list(self.shards.values()):
                    if shard.started and not shard.finished:
                        fetched += self._read(shard)
                for shard in list(self.shards.values()):
                    self._busy = True
                    while shard.buffer and self._batch_due(shard):
                        self._process(shard)
                    self._busy = False
                    if shard.iterator is None and not shard.buffer and shard.started and not shard.finished:
                        self._finish(shard)
            except Exception:
                if self._stop.is_set():
                    break  # the servers may stop before the driver has noticed
                # The stream may be gone for a moment (a moto reset): keep polling, as Lambda would.
                log.warning("stream poller: polling %s failed", self.stream_arn, exc_info=True)
                self._busy = False
                self._stop.wait(1)
            with self._rounds_changed:
                self._rounds += 1
                self._rounds_changed.notify_all()
            if fetched == 0:
                self._wake.wait(self._next_wait())
                self._wake.clear()

    def _next_wait(self) -> float:
        pending = [s.buffer[0].received for s in self.shards.values() if s.buffer]
        if not pending:
            return IDLE_POLL_SECONDS
        return max(0.0, min(IDLE_POLL_SECONDS, min(pending) + self.batching_window - time.monotonic()))

    def _batch_due(self, shard: Shard) -> bool:
        full = len(shard.buffer) >= self.source.batch_size
        waited = time.monotonic() - shard.buffer[0].received >= self.batching_window
        return full or waited or self._stop.is_set()

    def _process(self, shard: Shard) -> None:
        """Deliver the next batch of the shard until each of its records succeeded or was given up on."""
        size = min(self.source.batch_size, len(shard.buffer))
        work: deque[tuple[list[Buffered], int]] = deque([(shard.buffer[:size], 0)])
        while work and not self._stop.is_set():
            batch, retries = work.popleft()
            outcome = self.invoke({"Records": [b.record for b in batch]})
            first_failed = failed_from(outcome, batch, report_failures=self.source.report_batch_item_failures)
            if first_failed is None:
                continue
            if outcome.failed:
                self.counters.add(GROUP, "failed_batches")
            else:
                self.counters.add(GROUP, "batch_item_failures")
            if outcome.failed and self.source.bisect_on_error and len(batch) > 1:
                half = len(batch) // 2
                self.counters.add(GROUP, "bisections")
                work.extendleft([(batch[half:], retries), (batch[:half], retries)])
                continue
            remaining = batch[first_failed:]
            if 0 <= self.max_retry_attempts <= retries:
                self._give_up(shard, remaining, retries + 1, outcome)
                continue
            self.counters.add(GROUP, "retries")
            self._stop.wait(min(1.0, 0.05 * 2**retries))
            work.appendleft((remaining, retries + 1))
        if work:  # stopping: keep the rest for the next run
            return
        del shard.buffer[:size]
        self.counters.add(GROUP, "delivered", size)

    def _give_up(self, shard: Shard, batch: list[Buffered], invocations: int, outcome: Outcome) -> None:
        """Skip the records, as Lambda does once retries are exhausted, and tell the on-failure destination."""
        self.counters.add(GROUP, "sent_to_on_failure")
        self.counters.add(GROUP, "skipped_records", len(batch))
        iso = "%Y-%m-%dT%H:%M:%S.%f"
        failure: dict[str, Any] = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                **({"functionError": "Unhandled"} if outcome.failed else {}),
            },
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime(iso)[:-3] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": shard.shard_id,
                "startSequenceNumber": batch[0].sequence_number,
                "endSequenceNumber": batch[-1].sequence_number,
                "approximateArrivalOfFirstRecord": _iso_seconds(batch[0].arrived),
                "approximateArrivalOfLastRecord": _iso_seconds(batch[-1].arrived),
                "batchSize": len(batch),
                "streamArn": self.stream_arn,
            },
        }
        log.warning("stream poller: retries exhausted for %d record(s) of %s", len(batch), shard.shard_id)
        self.on_failure(failure)


def _iso_seconds(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
