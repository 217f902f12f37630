"""The Shopify GraphQL Admin client: one shop per instance, cost-aware, retried, traced.

Rate limits (shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits): a leaky bucket per app and
store; every answer carries ``extensions.cost {requestedQueryCost, actualQueryCost, throttleStatus
{maximumAvailable, currentlyAvailable, restoreRate}}``; a request whose requested cost exceeds what is
available is answered with ``errors[].extensions.code == "THROTTLED"``. The client keeps a local model
of that bucket (:class:`CostBucket`) fed by every answer and, before it sends a request, waits the
time the restore rate needs to cover the request's cost, so it does not hit THROTTLED in the first
place. It still retries THROTTLED, HTTP 429 (honouring ``Retry-After``), 5xx, timeouts and dropped
connections with exponential backoff and full jitter, until a deadline; then it raises
:class:`ShopifyUnavailable`. Mutations are safe to retry because the project's inventory mutations
carry ``@idempotent(key:)``; the key is passed through exactly as the caller gave it.
"""

import json
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import ValidationError

from inventory_ledger.adapters.shopify.auth import TokenRefused, TokenSource
from inventory_ledger.adapters.shopify.errors import (
    GraphQLErrorDetail,
    ShopifyAuthError,
    ShopifyError,
    ShopifyGraphQLError,
    ShopifyRequestError,
    ShopifyThrottled,
    ShopifyTransientError,
    ShopifyUnavailable,
)
from inventory_ledger.adapters.shopify.models import QueryCost, ThrottleStatus
from inventory_ledger.clock import Clock, Sleeper
from inventory_ledger.observability import logger, tracer

# Connect fast or give up (Shopify's own webhook budget is 1 s to connect); reads of a 250-quantity
# mutation or a big page can take a few seconds.
DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=20.0, write=10.0, pool=5.0)
DEFAULT_RETRY_DEADLINE_SECONDS = 30.0


@dataclass(frozen=True)
class RetryBudget:
    """How long one call keeps retrying Shopify before it raises ShopifyUnavailable."""

    deadline_seconds: float
    max_attempts: int


# Pushes, heals and the nightly reads wait out a short outage of Shopify's.
DEFAULT_RETRIES = RetryBudget(DEFAULT_RETRY_DEADLINE_SECONDS, 10)
# The consumer's reads (a fulfilment order per routing or move) give up early and leave the message to
# SQS's redelivery: at 30 s a read, one unreachable shop held a queue batch's sales for minutes.
CONSUMER_READ_RETRIES = RetryBudget(3.0, 3)
USER_AGENT = "inventory-ledger/0.1 (httpx)"

_OPERATION_NAME = re.compile(r"^\s*(query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)")
_RETRYABLE_GRAPHQL_CODES = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"})
_system_random = random.SystemRandom()


def operation_name(document: str) -> str:
    """``InventorySetQuantities`` for ``mutation InventorySetQuantities(...)``; ``anonymous`` otherwise."""
    match = _OPERATION_NAME.match(document)
    return match.group(2) if match else "anonymous"


BUCKET_MARGIN_POINTS = 1.0


class CostBucket:
    """Local model of Shopify's leaky bucket for one app and shop.

    Every answer resets the model to Shopify's own ``throttleStatus`` (the authority); between
    answers it refills at ``restoreRate`` and is debited locally by what the client sends, so a
    request never goes out while the model says the server could not afford it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: ThrottleStatus | None = None
        self._available = 0.0
        self._observed_at = 0.0

    @property
    def status(self) -> ThrottleStatus | None:
        return self._status

    def observe(self, status: ThrottleStatus, now: float) -> None:
        with self._lock:
            self._status = status
            self._available = status.currently_available
            self._observed_at = now

    def available(self, now: float) -> float | None:
        """Points the model believes are available at ``now``; None before the first answer."""
        with self._lock:
            return self._available_locked(now)

    def _available_locked(self, now: float) -> float | None:
        if self._status is None:
            return None
        refilled = self._available + max(0.0, now - self._observed_at) * self._status.restore_rate
        return min(self._status.maximum_available, refilled)

    def wait_time(self, cost: float, now: float) -> float:
        """Seconds to wait until ``cost`` points are available (0 if they are, or nothing is known)."""
        with self._lock:
            available = self._available_locked(now)
            if available is None or self._status is None or self._status.restore_rate <= 0:
                return 0.0
            # One point of margin: Shopify shows whole points while its bucket refills continuously, so
            # the real level can sit just under what it showed (seen: 13 shown, 13 asked, THROTTLED).
            # It costs 1/restoreRate seconds. A cost above the bucket's size can never be covered:
            # wait for a full bucket at most.
            needed = min(cost + BUCKET_MARGIN_POINTS, self._status.maximum_available)
            seconds = max(0.0, (needed - available) / self._status.restore_rate)
            # Whole milliseconds, rounded up: never wake a hair before the points are there.
            return math.ceil(seconds * 1000.0) / 1000.0

    def debit(self, cost: float, now: float) -> None:
        """Account locally for a request about to be sent (the next answer overrides this)."""
        with self._lock:
            available = self._available_locked(now)
            if available is None:
                return
            self._available = available - cost
            self._observed_at = now


class _FixedToken:
    """A token given as a string: nothing to refresh after a 401."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def refreshed(self, rejected: str) -> str | None:
        return None


class ShopifyAdminClient:
    """GraphQL Admin API client for one shop.

    ``access_token`` is a token or a :class:`TokenSource` (minted, refreshed, re-read): the source is
    asked for the token of every request, and a 401 makes it refresh once; a second 401, or a source
    with nothing to refresh, raises ShopifyAuthError (that shop's calls fail, no other shop's).

    ``clock`` (monotonic seconds) and ``sleeper`` are injectable so tests run without real sleeps;
    ``jitter`` returns a float in [0, 1) for full-jitter backoff.
    """

    def __init__(
        self,
        shop_domain: str,
        access_token: "str | TokenSource",
        endpoint_url: str,
        *,
        http_client: httpx.Client | None = None,
        clock: Clock = time.monotonic,
        sleeper: Sleeper = time.sleep,
        retry_deadline_seconds: float = DEFAULT_RETRY_DEADLINE_SECONDS,
        max_attempts: int = 10,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 10.0,
        jitter: Callable[[], float] = _system_random.random,
    ) -> None:
        if isinstance(access_token, str) and not access_token:
            raise ValueError("access_token is empty")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.shop_domain = shop_domain
        self.endpoint_url = endpoint_url
        self._tokens: TokenSource = _FixedToken(access_token) if isinstance(access_token, str) else access_token
        self._owns_http = http_client is None
        self._http = http_client if http_client is not None else httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._clock = clock
        self._sleeper = sleeper
        self._deadline = retry_deadline_seconds
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base_seconds
        self._backoff_cap = backoff_cap_seconds
        self._jitter = jitter
        self.bucket = CostBucket()
        self.last_cost: QueryCost | None = None
        self._known_costs: dict[str, float] = {}

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ GraphQL
    def execute(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        estimated_cost: float | None = None,
    ) -> dict[str, Any]:
        """Send one document and return its ``data``.

        The cost the client waits for is ``estimated_cost`` if given, else the ``requestedQueryCost``
        Shopify reported the last time this document was sent (unknown the first time: sent at once).

        Raises ShopifyAuthError, ShopifyGraphQLError, ShopifyRequestError at once, and
        ShopifyUnavailable when THROTTLED/429/5xx/timeouts persist past the deadline.
        """
        operation = operation_name(document)
        payload = {"query": document, "variables": dict(variables or {})}
        with tracer.provider.in_subsegment(name=f"## shopify {operation}") as subsegment:
            subsegment.put_annotation("shopify_operation", operation)
            subsegment.put_annotation("shop", self.shop_domain)

            def send() -> dict[str, Any]:
                return self._with_retries(
                    operation,
                    lambda: self._post_once(operation, document, payload),
                    cost=lambda: estimated_cost if estimated_cost is not None else self._known_costs.get(document),
                )

            try:
                data = send()
            except ShopifyAuthError as error:
                # A token Shopify no longer takes (expired early, rotated, revoked): refresh once.
                if isinstance(error, TokenRefused) or error.status_code != 401 or error.rejected_token is None:
                    raise
                if self._tokens.refreshed(error.rejected_token) is None:
                    raise
                logger.info("shopify refused the access token; refreshed it", extra={"shop": self.shop_domain})
                data = send()
            if self.last_cost is not None:
                subsegment.put_metadata("cost", self.last_cost.model_dump(by_alias=True))
            return data

    def _post_once(self, operation: str, document: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        access_token = self._tokens.token()
        try:
            response = self._http.post(
                self.endpoint_url,
                json=payload,
                headers={
                    "X-Shopify-Access-Token": access_token,
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "User-Agent": USER_AGENT,
                },
            )
        except httpx.TimeoutException as exc:
            raise ShopifyTransientError(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise ShopifyTransientError(f"connection failed ({type(exc).__name__}: {exc})") from exc

        status = response.status_code
        if status in (401, 403):
            raise ShopifyAuthError(status, _excerpt(response.text), rejected_token=access_token)
        body = _json_object(response)
        if body is not None:
            self._record_cost(operation, document, body)
        if status == 429:
            raise ShopifyThrottled("HTTP 429", retry_after=_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise ShopifyTransientError(f"HTTP {status}")
        if body is None:
            if status == 200:  # an HTML page from a proxy in front of Shopify: transient
                raise ShopifyTransientError("HTTP 200 without a JSON object body")
            raise ShopifyRequestError(status, _excerpt(response.text))

        errors = _graphql_errors(body.get("errors"))
        if errors:
            codes = {e.code for e in errors}
            if "THROTTLED" in codes:
                raise ShopifyThrottled("THROTTLED")
            if codes & _RETRYABLE_GRAPHQL_CODES:
                raise ShopifyTransientError(f"GraphQL error {sorted(c for c in codes if c)}")
            raise ShopifyGraphQLError(errors)
        if status != 200:
            raise ShopifyRequestError(status, _excerpt(response.text))
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopifyGraphQLError([GraphQLErrorDetail("answer carries no data", None)])
        return data

    def _record_cost(self, operation: str, document: str, body: Mapping[str, Any]) -> None:
        extensions = body.get("extensions")
        raw = extensions.get("cost") if isinstance(extensions, dict) else None
        if raw is None:
            return
        try:
            cost = QueryCost.model_validate(raw)
        except ValidationError:
            logger.warning("unreadable extensions.cost from Shopify", extra={"cost": raw})
            return
        self.last_cost = cost
        self.bucket.observe(cost.throttle_status, self._clock())
        self._known_costs[document] = cost.requested_query_cost
        logger.debug(
            "shopify graphql cost",
            extra={
                "shop": self.shop_domain,
                "operation": operation,
                "requested_query_cost": cost.requested_query_cost,
                "actual_query_cost": cost.actual_query_cost,
                "currently_available": cost.throttle_status.currently_available,
                "maximum_available": cost.throttle_status.maximum_available,
                "restore_rate": cost.throttle_status.restore_rate,
            },
        )

    # ------------------------------------------------------------------ bulk result download
    def download_lines(self, url: str) -> Iterator[str]:
        """Stream the non-empty lines of a file Shopify serves (a bulk operation's JSONL result).

        Goes through the same httpx client but never sends the access token (the URL is signed
        storage, not the Admin API). Opening the download is retried like a GraphQL call; a failure
        after the first line raises ShopifyUnavailable (rerun the read, the result stays 7 days).
        """
        attempts = 0
        start = self._clock()
        while True:
            attempts += 1
            started_yielding = False
            try:
                with self._http.stream("GET", url, headers={"User-Agent": USER_AGENT}) as response:
                    status = response.status_code
                    if status == 429 or status >= 500:
                        raise ShopifyTransientError(f"HTTP {status}")
                    if status != 200:
                        response.read()
                        raise ShopifyRequestError(status, _excerpt(response.text))
                    for line in response.iter_lines():
                        if line.strip():
                            started_yielding = True
                            yield line
                    return
            except (httpx.TimeoutException, httpx.TransportError, ShopifyTransientError) as exc:
                error: Exception = (
                    exc if isinstance(exc, ShopifyError) else ShopifyTransientError(f"{type(exc).__name__}")
                )
                if started_yielding:
                    raise ShopifyUnavailable("bulk result download", attempts, error) from exc
                delay = self._backoff(attempts)
                if attempts >= self._max_attempts or self._clock() - start + delay > self._deadline:
                    raise ShopifyUnavailable("bulk result download", attempts, error) from exc
                self._sleeper(delay)

    # ------------------------------------------------------------------ retries
    def _with_retries(
        self,
        operation: str,
        send: Callable[[], dict[str, Any]],
        cost: Callable[[], float | None],
    ) -> dict[str, Any]:
        attempts = 0
        start: float | None = None
        while True:
            expected = cost()
            if expected:
                wait = self.bucket.wait_time(expected, self._clock())
                if wait > 0:
                    logger.debug(
                        "waiting for the Shopify cost bucket",
                        extra={"operation": operation, "cost": expected, "wait_seconds": wait},
                    )
                    self._sleeper(wait)
                self.bucket.debit(expected, self._clock())
            if start is None:
                start = self._clock()
            attempts += 1
            try:
                return send()
            except (ShopifyThrottled, ShopifyTransientError) as exc:
                delay = self._backoff(attempts)
                if isinstance(exc, ShopifyThrottled):
                    if exc.retry_after is not None:
                        delay = max(delay, exc.retry_after)
                    expected = cost()
                    if expected:
                        delay = max(delay, self.bucket.wait_time(expected, self._clock()))
                elapsed = self._clock() - start
                if attempts >= self._max_attempts or elapsed + delay > self._deadline:
                    logger.warning(
                        "shopify call gave up",
                        extra={"operation": operation, "attempts": attempts, "error": str(exc)},
                    )
                    raise ShopifyUnavailable(operation, attempts, exc) from exc
                logger.info(
                    "retrying shopify call",
                    extra={"operation": operation, "attempt": attempts, "delay": delay, "error": str(exc)},
                )
                self._sleeper(delay)

    def _backoff(self, attempts: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1)))."""
        ceiling = min(self._backoff_cap, self._backoff_base * (2.0 ** (attempts - 1)))
        return self._jitter() * ceiling


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _graphql_errors(raw: object) -> list[GraphQLErrorDetail]:
    if not raw:
        return []
    if isinstance(raw, str):  # Shopify sometimes sends `"errors": "..."`
        return [GraphQLErrorDetail(raw, None)]
    if isinstance(raw, dict):
        raw = [raw]
    details = []
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, dict):
            details.append(GraphQLErrorDetail(str(item), None))
            continue
        extensions = item.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        path = item.get("path")
        details.append(
            GraphQLErrorDetail(
                message=str(item.get("message", "")),
                code=str(code) if code is not None else None,
                path=tuple(path) if isinstance(path, list) else (),
            )
        )
    return details


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _excerpt(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
