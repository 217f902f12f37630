"""Fakes for the Shopify client tests (tests of the Shopify adapters).

A clock that sleeps instantly and a Shopify that keeps a bucket.

Everything goes through ``httpx.MockTransport``: no sockets.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from inventory_ledger.adapters.shopify.client import ShopifyAdminClient

SHOP = "demo.myshopify.com"
TOKEN = "shpat_test_token"
ENDPOINT = f"https://{SHOP}/admin/api/2026-07/graphql.json"
CAPTURES = Path(__file__).parents[2] / "reference" / "shopify" / "payloads" / "graphql-captures-shopify-draft-proxy"


class FakeClock:
    """Monotonic time that only moves when someone sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, "negative sleep"
        self.sleeps.append(seconds)
        self.now += seconds


def cost_extension(
    requested: float, actual: float | None, available: float, maximum: float = 2000.0, rate: float = 100.0
) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {"maximumAvailable": maximum, "currentlyAvailable": available, "restoreRate": rate},
        }
    }


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class FakeShopify:
    """A GraphQL endpoint with Shopify's leaky bucket: a request whose requested cost exceeds what is
    available is answered THROTTLED (and counted). ``handlers`` answer ``data`` per operation name;
    ``script`` holds canned answers (httpx.Response, or an exception to raise) served first."""

    clock: FakeClock
    maximum: float = 2000.0
    rate: float = 100.0
    costs: dict[str, float] = field(default_factory=dict)
    default_cost: float = 10.0
    handlers: dict[str, Handler] = field(default_factory=dict)
    script: list[httpx.Response | Exception] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    throttled: int = 0
    accepted: int = 0

    def __post_init__(self) -> None:
        self._available = self.maximum
        self._at = 0.0

    def available(self) -> float:
        return min(self.maximum, self._available + (self.clock() - self._at) * self.rate)

    def cost_of(self, operation: str, variables: dict[str, Any]) -> float:
        cost = self.costs.get(operation, self.default_cost)
        return cost

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            canned = self.script.pop(0)
            if isinstance(canned, Exception):
                raise canned
            return canned
        body = json.loads(request.content)
        match = re.match(r"\s*(?:query|mutation)\s+(\w+)", body["query"])
        operation = match.group(1) if match else "anonymous"
        requested = self.cost_of(operation, body.get("variables") or {})
        available = self.available()
        self._available, self._at = available, self.clock()
        # 1e-6: float rounding of the refill arithmetic, nothing more.
        if requested > available + 1e-6:
            self.throttled += 1
            return httpx.Response(
                200,
                json={
                    "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                    "extensions": cost_extension(requested, None, available, self.maximum, self.rate),
                },
            )
        self.accepted += 1
        self._available = available - requested
        handler = self.handlers.get(operation, lambda _v: {})
        return httpx.Response(
            200,
            json={
                "data": handler(body.get("variables") or {}),
                "extensions": cost_extension(requested, requested, self._available, self.maximum, self.rate),
            },
        )


def make_client(shopify: FakeShopify, clock: FakeClock, **kwargs: Any) -> ShopifyAdminClient:
    kwargs.setdefault("jitter", lambda: 1.0)
    return ShopifyAdminClient(
        SHOP,
        TOKEN,
        ENDPOINT,
        http_client=httpx.Client(transport=httpx.MockTransport(shopify)),
        clock=clock,
        sleeper=clock.sleep,
        **kwargs,
    )


def capture(name: str) -> dict[str, Any]:
    return json.loads((CAPTURES / name).read_text())
