"""Fixtures for the simulator's own tests: one server per module on a ManualClock, a webhook sink."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from shopify_simulator import ManualClock, SimulatorServer
from shopify_simulator.schema import get_schema

CAPTURES = (
    Path(__file__).resolve().parents[2] / "reference" / "shopify" / "payloads" / "graphql-captures-shopify-draft-proxy"
)
TOKEN = "shpat_test_token"
SECRET = "whsec-test-secret"
_domains = itertools.count(1)


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01) -> Any:
    """Poll with a deadline (never a fixed sleep for timing)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        time.sleep(interval)


@dataclass
class Store:
    """A seeded shop on the server and a client bound to it."""

    server: SimulatorServer
    domain: str
    http: httpx.Client
    version: str = "2026-04"
    ids: dict[str, Any] = field(default_factory=dict)

    def gql(self, query: str, variables: dict[str, Any] | None = None, version: str | None = None) -> dict[str, Any]:
        url = self.server.graphql_url(self.domain, version or self.version)
        r = self.http.post(
            url, json={"query": query, "variables": variables or {}}, headers={"X-Shopify-Access-Token": TOKEN}
        )
        assert r.status_code == 200, r.text
        return r.json()

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.http.request(method, f"{self.server.base_url}/_control/shops/{self.domain}{path}", json=body)
        assert r.status_code < 300, r.text
        return r.json()

    def qty(self, sku: str, location: str, name: str = "available") -> int:
        return self.server.sim.quantity(self.domain, sku, location, name)

    def item_gid(self, sku: str) -> str:
        return next(v["inventory_item_gid"] for v in self.control("GET", "")["variants"] if v["sku"] == sku)

    def location_gid(self, name: str) -> str:
        return next(loc["gid"] for loc in self.control("GET", "")["locations"] if loc["name"] == name)


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    # Build the schemas the tests use before any request: a first build takes seconds (longer on a
    # loaded machine) and would otherwise eat a request's timeout. Built once per process.
    for version in ("2025-10", "2026-04", "2026-07"):
        get_schema(version)
    srv = SimulatorServer(clock=ManualClock())
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


@pytest.fixture
def store(server: SimulatorServer, http: httpx.Client) -> Store:
    """A fresh shop (fresh bucket) with two locations and three SKUs."""
    domain = f"shop{next(_domains)}.myshopify.com"
    seed = {
        "shops": [
            {
                "domain": domain,
                "access_token": TOKEN,
                "webhook_secret": SECRET,
                "locations": [
                    {"name": "Shop location", "primary": True},
                    {"name": "Warehouse"},
                    {"name": "Retail", "fulfills_online_orders": False},
                ],
                "products": [
                    {"title": "Tee", "variants": [{"sku": "TEE-1", "price": "20.00"}, {"sku": "TEE-2"}]},
                    {"title": "Mug", "variants": [{"sku": "MUG-1", "price": "8.50"}]},
                ],
                "levels": [
                    {"sku": "TEE-1", "location": "Shop location", "available": 0},
                    {"sku": "TEE-1", "location": "Warehouse", "available": 10},
                    {"sku": "TEE-1", "location": "Retail", "available": 4},
                    {"sku": "TEE-2", "location": "Shop location", "available": 3},
                    {"sku": "MUG-1", "location": "Shop location", "available": 7},
                ],
            }
        ]
    }
    r = http.post(f"{server.base_url}/_control/seed", json=seed)
    assert r.status_code == 200, r.text
    return Store(server, domain, http)


@dataclass
class Sink:
    """An HTTP endpoint that records webhook deliveries and answers the statuses it is told to."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self, topic: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.received if topic is None or r["topic"] == topic]

    def of(self, topic: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.received if r["topic"] == topic]


@pytest.fixture
def sink() -> Iterator[Sink]:
    holder: dict[str, Sink] = {}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        s = holder["sink"]
        with s.lock:
            status = s.statuses.pop(0) if s.statuses else 200
            s.received.append(
                {
                    "topic": request.headers.get("X-Shopify-Topic"),
                    "headers": dict(request.headers),
                    "raw": request.get_data(),
                    "body": request.get_data(as_text=True),
                    "status": status,
                }
            )
        return Response("ok", status=status)(environ, start_response)

    srv = make_server("127.0.0.1", 0, app, threaded=True)
    holder["sink"] = Sink(url=f"http://127.0.0.1:{srv.server_port}/hooks")
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield holder["sink"]
    srv.shutdown()
    srv.server_close()


def load_capture(name: str) -> dict[str, Any]:
    return json.loads((CAPTURES / name).read_text())
