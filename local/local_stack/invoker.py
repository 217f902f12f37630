"""Invokes one handler as Lambda would: one execution environment per function, a fresh context each time.

One lock per function: Lambda never runs two invocations in one execution environment, and here all
four functions share one process (and the shared package's module-level logger and metrics), so
running one function's invocations one at a time keeps those singletons as Lambda would see them.
Different functions still run side by side (a push that makes the simulator deliver a webhook at
once must not wait for itself).
"""

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from local_stack.counters import Counters
from local_stack.event_sources import FunctionSettings
from local_stack.functions import Handler, load_shipped_handler, shipped_handler_exists
from local_stack.lambda_context import LocalLambdaContext

log = logging.getLogger(__name__)


class FunctionCrashed(RuntimeError):
    """The driver threw the handler's answer away (kill_next), as if the environment had died."""


@dataclass(frozen=True)
class Outcome:
    response: Any = None
    error: BaseException | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


class Invoker:
    def __init__(
        self,
        settings: Mapping[str, FunctionSettings],
        counters: Counters,
        handlers: Mapping[str, Handler | None] | None = None,
        *,
        handler_loader: Callable[[str], Handler] = load_shipped_handler,
    ) -> None:
        self.settings = settings
        self.counters = counters
        self._overrides = dict(handlers or {})
        self._loader = handler_loader
        self._locks = {name: threading.Lock() for name in settings}
        # Per function, one entry per pending kill: how many of the event's records the handler gets
        # first (None: all of them).
        self._kills: dict[str, deque[int | None]] = {name: deque() for name in settings}
        self._kills_lock = threading.Lock()
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()
        self._said_absent: set[str] = set()

    def available(self, function_name: str) -> bool:
        """Whether there is a handler to invoke; says once when a function has no app.py yet."""
        if function_name in self._overrides:
            return self._overrides[function_name] is not None
        if shipped_handler_exists(function_name):
            return True
        if function_name not in self._said_absent:
            self._said_absent.add(function_name)
            log.warning("functions/%s/app.py does not exist yet: the driver skips %s", function_name, function_name)
        return False

    def kill_next(self, function_name: str, count: int = 1, *, after_records: int | None = None) -> None:
        if function_name not in self._kills:
            raise KeyError(function_name)
        if after_records is not None and after_records < 0:
            raise ValueError("after_records must be 0 or more")
        with self._kills_lock:
            self._kills[function_name].extend([after_records] * count)

    def pending_kills(self, function_name: str) -> int:
        with self._kills_lock:
            return len(self._kills[function_name])

    @property
    def in_flight(self) -> int:
        with self._in_flight_lock:
            return self._in_flight

    def _take_kill(self, function_name: str) -> tuple[bool, int | None]:
        with self._kills_lock:
            if self._kills[function_name]:
                return True, self._kills[function_name].popleft()
            return False, None

    def _handler(self, function_name: str) -> Handler:
        override = self._overrides.get(function_name)
        return override if override is not None else self._loader(function_name)

    def invoke(self, function_name: str, event: Any) -> Outcome:
        settings = self.settings[function_name]
        with self._in_flight_lock:
            self._in_flight += 1
        try:
            with self._locks[function_name]:
                self.counters.add("invocations", function_name)
                context = LocalLambdaContext(
                    function_name=settings.physical_name,
                    timeout_seconds=settings.timeout_seconds,
                    memory_limit_in_mb=settings.memory_mb,
                )
                killed, after_records = self._take_kill(function_name)
                if killed and after_records is not None and isinstance(event, dict) and "Records" in event:
                    # Dies mid-batch: the handler gets only the first records, so only their writes happen.
                    event = {**event, "Records": event["Records"][:after_records]}
                try:
                    response = self._handler(function_name)(event, context)
                except Exception as error:  # any handler failure is a function error, as in Lambda
                    self.counters.add("errors", function_name)
                    log.warning("%s failed: %s: %s", function_name, type(error).__name__, error, exc_info=True)
                    return Outcome(error=error)
                if killed:
                    # The handler did its work (or its share); its answer is lost, as when the environment dies.
                    self.counters.add("killed", function_name)
                    return Outcome(error=FunctionCrashed(f"{function_name}: answer discarded by kill_next"))
                return Outcome(response=response)
        finally:
            with self._in_flight_lock:
                self._in_flight -= 1
