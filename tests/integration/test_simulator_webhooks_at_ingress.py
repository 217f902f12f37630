"""A webhook the Shopify simulator signs and delivers is accepted by webhook_ingress; tampered, refused."""

import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import httpx
import pytest

from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from shopify_simulator import SimulatorServer
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.integration
SHOP = "sim-shop.myshopify.com"
SECRET = "sim-webhook-secret"


class _Sink(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    arrived: ClassVar[threading.Event] = threading.Event()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers.items()), body))
        self.arrived.set()
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[str]:
    _Sink.received = []
    _Sink.arrived = threading.Event()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/shopify"
    server.shutdown()


def _first_delivery() -> tuple[dict[str, str], bytes]:
    assert _Sink.arrived.wait(timeout=10), "the simulator delivered nothing"
    return _Sink.received[0]


def _ingress_status(headers: dict[str, str], raw: bytes) -> int:
    """What webhook_ingress answers a delivery of these headers and raw body."""
    event = api_gateway_event(path="/webhooks/shopify", headers=headers, body=raw, base64_encoded=True)
    return int(load_handler("webhook_ingress").lambda_handler(event, FakeLambdaContext())["statusCode"])


def test_the_simulators_signed_delivery_is_accepted_and_a_tampered_one_refused(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, sink: str
) -> None:
    shop = {
        "domain": SHOP,
        "access_token": "t",
        "webhook_secret": SECRET,
        "locations": [{"name": "Store"}],
        "products": [{"title": "Tee", "variants": [{"sku": "TEE", "tracked": True}]}],
        "levels": [{"sku": "TEE", "location": "Store", "available": 3}],
        "webhooks": [{"topic": "orders/create", "address": sink}],
    }
    httpx.post(f"{shopify_simulator.base_url}/_control/shops", json=shop, timeout=10).raise_for_status()
    local_aws.put_shop_secret(SHOP, [SECRET], "t")
    order = {"lines": [{"sku": "TEE", "quantity": 1}], "location": "Store"}
    httpx.post(f"{shopify_simulator.base_url}/_control/shops/{SHOP}/orders", json=order, timeout=10).raise_for_status()
    headers, body = _first_delivery()
    assert _ingress_status(headers, body) == 200
    assert _ingress_status(headers, body.replace(b'"quantity":1', b'"quantity":9')) == 401
    assert b'"quantity":1' in body  # so the tampered body really differs


def test_a_compliance_request_the_simulator_signs_is_accepted_and_a_tampered_one_refused(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, sink: str
) -> None:
    """Compliance webhooks with an invalid HMAC must be answered 401
    (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance); the simulator sends
    customers/redact with Shopify's payload and headers."""
    shop = {
        "domain": SHOP,
        "access_token": "t",
        "webhook_secret": SECRET,
        "webhooks": [{"topic": "customers/redact", "address": sink}],
    }
    httpx.post(f"{shopify_simulator.base_url}/_control/shops", json=shop, timeout=10).raise_for_status()
    local_aws.put_shop_secret(SHOP, [SECRET], "t")
    request = {"topic": "customers/redact", "customer": {"id": 7, "email": "jane@example.com"}, "orders": [11]}
    url = f"{shopify_simulator.base_url}/_control/shops/{SHOP}/compliance"
    httpx.post(url, json=request, timeout=10).raise_for_status()
    headers, body = _first_delivery()
    assert headers["X-Shopify-Topic"] == "customers/redact"
    assert _ingress_status(headers, body) == 200
    assert _ingress_status(headers, body.replace(b'"orders_to_redact":[11]', b'"orders_to_redact":[12]')) == 401
    assert b'"orders_to_redact":[11]' in body
