"""The local driver: plays the Lambda service for the four shipped handlers, unchanged.

It serves the webhook URL as API Gateway would, polls the ingest queue and the ledger's stream as
Lambda's event source mappings would, and invokes the reconciler on demand and on a compressed
schedule. Each trigger's settings (batch sizes, windows, filter, retries, destinations) are read from
template.yaml. See docs/local-stack.md for where it departs from Lambda.

    with LambdaDriver(resources) as driver:
        httpx.post(driver.webhook_url, content=body, headers=headers)
        driver.drain(timeout=30)
        driver.status()
"""

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from local_stack.aws import LocalResources
from local_stack.counters import Counters
from local_stack.event_sources import EventSources, SqsSource, read_event_sources
from local_stack.functions import (
    DRIFT_RECONCILER,
    LEDGER_CONSUMER,
    LEVEL_PUSHER,
    RECONCILE_FANOUT,
    WEBHOOK_INGRESS,
    Handler,
)
from local_stack.invoker import Invoker, Outcome
from local_stack.lambda_context import ACCOUNT_ID
from local_stack.lambda_events import api_gateway_event
from local_stack.sqs_poller import SqsPoller
from local_stack.stream_poller import StreamPoller
from local_stack.webhook_server import LAMBDA_ERROR, DriverHttpServer, HttpAnswer, is_binary, json_answer, proxy_answer

log = logging.getLogger(__name__)

ENV_WEBHOOK_PORT = "LOCAL_WEBHOOK_PORT"
ENV_RECONCILE_EVERY = "LOCAL_RECONCILE_EVERY_SECONDS"
ENV_BATCHING_WINDOW = "LOCAL_BATCHING_WINDOW_SECONDS"


class DrainTimeout(TimeoutError):
    pass


class InvocationFailed(RuntimeError):
    def __init__(self, function_name: str, error: BaseException) -> None:
        super().__init__(f"{function_name} failed: {type(error).__name__}: {error}")
        self.error = error


def _env_float(name: str) -> float | None:
    value = os.environ.get(name, "").strip()
    return float(value) if value else None


def scheduled_event(rule_name: str, region: str) -> dict[str, Any]:
    """The EventBridge Scheduled Event a schedule rule hands its target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


class LambdaDriver:
    """Invokes the handlers the way Lambda's triggers would, against one set of local resources.

    ``handlers`` maps a function name to the callable to invoke instead of functions/<name>/app.py,
    or to None to leave that function out (its trigger is then not polled).
    """

    def __init__(
        self,
        resources: LocalResources,
        *,
        handlers: Mapping[str, Handler | None] | None = None,
        webhook_port: int | None = None,
        batching_window: float | None = None,
        redelivery_delay: int = 1,
        stream_starting_position: str = "TRIM_HORIZON",
        stream_max_retry_attempts: int | None = None,
        reconcile_every: float | None = None,
        sources: EventSources | None = None,
    ) -> None:
        self.resources = resources
        self.sources = sources or read_event_sources()
        self.counters = Counters()
        self.invoker = Invoker(self.sources.functions, self.counters, handlers)
        port = webhook_port if webhook_port is not None else int(os.environ.get(ENV_WEBHOOK_PORT) or 0)
        self._http = DriverHttpServer(
            {
                (self.sources.webhook.method, self.sources.webhook.path): self._webhook_route,
                ("POST", "/_driver/reconcile"): self._reconcile_route,
                ("POST", "/_driver/nightly"): self._nightly_route,
                ("POST", "/_driver/summary"): self._summary_route,
                ("POST", "/_driver/drain"): self._drain_route,
                ("GET", "/_driver/status"): self._status_route,
            },
            port=port,
        )
        window = batching_window if batching_window is not None else _env_float(ENV_BATCHING_WINDOW)
        self._sqs_window = window if window is not None else self.sources.ingest_queue.batching_window_seconds
        self._stream_window = window if window is not None else self.sources.ledger_stream.batching_window_seconds
        self._redelivery_delay = redelivery_delay
        self._stream_starting_position = stream_starting_position
        self._stream_max_retry_attempts = stream_max_retry_attempts
        self._reconcile_every = reconcile_every if reconcile_every is not None else _env_float(ENV_RECONCILE_EVERY)
        self._sqs: SqsPoller | None = None
        self._reconcile_sqs: SqsPoller | None = None
        self._later_sqs: SqsPoller | None = None
        self._stream: StreamPoller | None = None
        self._stopping = threading.Event()
        self._scheduler: threading.Thread | None = None
        self._started = False

    # ------------------------------------------------------------------ URLs
    @property
    def base_url(self) -> str:
        return str(self._http.base_url)

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}{self.sources.webhook.path}"

    @property
    def status_url(self) -> str:
        return self.base_url + "/_driver/status"

    @property
    def reconcile_url(self) -> str:
        return self.base_url + "/_driver/reconcile"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        self._http.start()
        if self.invoker.available(LEDGER_CONSUMER):
            self._sqs = self._queue_poller(
                self.resources.ingest_queue_url, self.sources.ingest_queue, LEDGER_CONSUMER, "sqs", self._sqs_window
            )
        if self.invoker.available(DRIFT_RECONCILER) and self.resources.reconcile_queue_url:
            # The nightly fan-out's queue, one message per invocation (BatchSize 1 in the template).
            self._reconcile_sqs = self._queue_poller(
                self.resources.reconcile_queue_url, self.sources.reconcile_queue, DRIFT_RECONCILER, "reconcile_queue"
            )
        if self.invoker.available(LEVEL_PUSHER) and self.resources.push_later_queue_url:
            # Hot levels' later pushes (service/pacing.py), read by the pusher itself.
            self._later_sqs = self._queue_poller(
                self.resources.push_later_queue_url, self.sources.push_later_queue, LEVEL_PUSHER, "push_later_queue"
            )
        if self.invoker.available(LEVEL_PUSHER):
            failure_sqs = self.resources.client("sqs")
            pusher = self.sources.functions[LEVEL_PUSHER].physical_name
            self._stream = StreamPoller(
                streams=self.resources.client("dynamodbstreams"),
                stream_arn=self.resources.stream_arn,
                region=self.resources.region,
                source=self.sources.ledger_stream,
                invoke=lambda event: self.invoker.invoke(LEVEL_PUSHER, event),
                # The mapping's on-failure destination: an SQS queue gets the failure record as its body.
                on_failure=lambda record: failure_sqs.send_message(
                    QueueUrl=self.resources.push_failure_queue_url, MessageBody=json.dumps(record)
                ),
                function_arn=f"arn:aws:lambda:{self.resources.region}:{ACCOUNT_ID}:function:{pusher}",
                counters=self.counters,
                batching_window=self._stream_window,
                starting_position=self._stream_starting_position,
                max_retry_attempts=self._stream_max_retry_attempts,
            )
            self._stream.start()
        if self._reconcile_every and (
            self.invoker.available(RECONCILE_FANOUT) or self.invoker.available(DRIFT_RECONCILER)
        ):
            self._scheduler = threading.Thread(target=self._schedule, name="reconcile-schedule", daemon=True)
            self._scheduler.start()
        self._started = True
        return self

    def _queue_poller(
        self, url: str, source: SqsSource, function: str, group: str, window: float | None = None
    ) -> SqsPoller:
        """A started poller of one queue into one function; its batching window the template's unless given."""
        poller = SqsPoller(
            sqs=self.resources.client("sqs"),
            queue_url=url,
            region=self.resources.region,
            source=source,
            invoke=lambda event: self.invoker.invoke(function, event),
            counters=self.counters,
            batching_window=source.batching_window_seconds if window is None else window,
            redelivery_delay=self._redelivery_delay,
            group=group,
        )
        poller.start()
        return poller

    def stop(self) -> None:
        self._stopping.set()
        for poller in (self._sqs, self._reconcile_sqs, self._later_sqs, self._stream):
            if poller is not None:
                poller.stop()
        if self._scheduler is not None:
            self._scheduler.join(timeout=15)
        self._http.stop()
        self._started = False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ invoking
    def invoke(self, function_name: str, event: Any) -> Outcome:
        """Invoke one function directly (Lambda's synchronous Invoke), with the kill hook applied."""
        return self.invoker.invoke(function_name, event)

    def kill_next(self, function_name: str, count: int = 1, *, after_records: int | None = None) -> None:
        """The next ``count`` invocations of the function run, then their answers are discarded.

        The handler's writes happen; the trigger sees a crashed function: SQS deletes nothing, the stream
        retries the batch (bisecting it), API Gateway answers 502. With ``after_records`` the function
        dies mid-batch: only the batch's first ``after_records`` records are handled before it does.
        """
        self.invoker.kill_next(function_name, count, after_records=after_records)

    def reconcile(self, shop: str | None = None, location: str | None = None) -> Any:
        """Invoke the reconciler now: for one shop (and location) directly, or as the nightly schedule does."""
        payload = {k: v for k, v in (("shop", shop), ("location", location)) if v is not None}
        return self._reconcile(payload or None)

    def _reconcile(self, payload: dict[str, Any] | None) -> Any:
        if not self.invoker.available(DRIFT_RECONCILER):
            raise InvocationFailed(DRIFT_RECONCILER, FileNotFoundError("functions/drift_reconciler/app.py"))
        event = (
            payload if payload is not None else scheduled_event(self.sources.nightly.rule_name, self.resources.region)
        )
        self.counters.add("reconciler", "on_demand" if payload is not None else "scheduled")
        outcome = self.invoker.invoke(DRIFT_RECONCILER, event)
        if outcome.error is not None:
            raise InvocationFailed(DRIFT_RECONCILER, outcome.error)
        return outcome.response

    def nightly(self) -> Any:
        """What the nightly schedule does: the fan-out queues one reconciliation per merchant (per
        location for large ones) and the reconcile queue's poller runs each; drain() waits for them.
        Without the fan-out function, the reconciler itself gets the scheduled event."""
        if not self.invoker.available(RECONCILE_FANOUT):
            return self._reconcile(None)
        self.counters.add("reconciler", "fanouts")
        outcome = self.invoker.invoke(
            RECONCILE_FANOUT, scheduled_event(self.sources.nightly.rule_name, self.resources.region)
        )
        if outcome.error is not None:
            raise InvocationFailed(RECONCILE_FANOUT, outcome.error)
        return outcome.response

    def summarise(self, run_id: str | None = None) -> Any:
        """What the NightlySummary schedule does: the fan-out function joins the night's outcomes
        (the latest run, or `run_id`) into the summary (report bucket, metrics, log)."""
        outcome = self.invoker.invoke(RECONCILE_FANOUT, {"summarise": run_id or True})
        if outcome.error is not None:
            raise InvocationFailed(RECONCILE_FANOUT, outcome.error)
        return outcome.response

    def _schedule(self) -> None:
        assert self._reconcile_every is not None
        while not self._stopping.wait(self._reconcile_every):
            try:
                self.nightly()
            except InvocationFailed as error:
                log.warning("scheduled reconcile: %s", error)

    # ------------------------------------------------------------------ waiting
    def drain(self, timeout: float = 30.0) -> None:
        """Return once the ingest queue is empty with nothing in flight, the stream is read to its end
        with nothing left to deliver, and no invocation is running; raise DrainTimeout otherwise.

        A message waiting to be redelivered counts as in flight, so a failing delivery keeps drain()
        waiting until it lands in the dead-letter queue.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DrainTimeout(f"not idle after {timeout} s: {json.dumps(self.status()['counters'])}")
            queues = [poller for poller in (self._sqs, self._reconcile_sqs, self._later_sqs) if poller is not None]
            if any(not poller.idle() for poller in queues) or self.invoker.in_flight:
                self._stopping.wait(min(0.05, remaining))
                continue
            activity = self.counters.activity
            if self._stream is not None and not self._stream.quiet_round(remaining):
                continue
            sqs_idle = all(poller.idle() for poller in queues)
            if sqs_idle and not self.invoker.in_flight and self.counters.activity == activity:
                return

    # ------------------------------------------------------------------ status
    def status(self) -> dict[str, Any]:
        functions = {
            name: {
                "available": self.invoker.available(name),
                "pending_kills": self.invoker.pending_kills(name),
                "invocations": self.counters.get("invocations", name),
                "errors": self.counters.get("errors", name),
            }
            for name in self.sources.functions
        }
        return {
            "functions": functions,
            "pollers": {
                "ingest_queue": self._sqs is not None,
                "reconcile_queue": self._reconcile_sqs is not None,
                "push_later_queue": self._later_sqs is not None,
                "ledger_stream": self._stream is not None,
            },
            "batching_window_seconds": {"ingest_queue": self._sqs_window, "ledger_stream": self._stream_window},
            "counters": self.counters.snapshot(),
            "urls": {"webhook": self.webhook_url, "status": self.status_url, "reconcile": self.reconcile_url},
        }

    # ------------------------------------------------------------------ HTTP routes
    def _webhook_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        if not self.invoker.available(WEBHOOK_INGRESS):
            return json_answer(503, {"message": "functions/webhook_ingress/app.py does not exist yet"})
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
        try:
            body.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError:
            utf8 = False
        event = api_gateway_event(
            path=self.sources.webhook.path,
            headers=headers,
            body=body,
            method=self.sources.webhook.method,
            # As the API's BinaryMediaTypes say (template: */*, so every body), and always for non-UTF-8 bytes.
            base64_encoded=not utf8 or is_binary(content_type, self.sources.webhook.binary_media_types),
        )
        if query:
            event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
            event["multiValueQueryStringParameters"] = query
        outcome = self.invoker.invoke(WEBHOOK_INGRESS, event)
        answer = LAMBDA_ERROR if outcome.failed else proxy_answer(outcome.response)
        self.counters.add("webhook", f"status_{answer.status}")
        return answer

    def _reconcile_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        payload = json.loads(body) if body.strip() else None
        if payload is not None and not isinstance(payload, dict):
            return json_answer(400, {"message": 'expected {"shop": ..., "location": ...} or no body'})
        try:
            response = self._reconcile(payload)
        except InvocationFailed as error:
            return json_answer(500, {"ok": False, "error": str(error)})
        return json_answer(200, {"ok": True, "response": response})

    def _nightly_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        try:
            response = self.nightly()
        except InvocationFailed as error:
            return json_answer(500, {"ok": False, "error": str(error)})
        return json_answer(200, {"ok": True, "response": response})

    def _summary_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        try:
            response = self.summarise(query.get("run_id", [None])[-1])
        except InvocationFailed as error:
            return json_answer(500, {"ok": False, "error": str(error)})
        return json_answer(200, {"ok": True, "response": response})

    def _drain_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        timeout = float(query.get("timeout", ["30"])[-1])
        try:
            self.drain(timeout)
        except DrainTimeout as error:
            return json_answer(504, {"drained": False, "detail": str(error)})
        return json_answer(200, {"drained": True})

    def _status_route(self, headers: dict[str, str], body: bytes, query: dict[str, list[str]]) -> HttpAnswer:
        return json_answer(200, self.status())
