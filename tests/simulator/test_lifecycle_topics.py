"""Issue #13, class 6: app/uninstalled and the mandatory compliance topics, sent through the control API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any

import pytest

from .conftest import SECRET, Sink, Store, wait_until

HEADERS = (
    "X-Shopify-Topic",
    "X-Shopify-Hmac-Sha256",
    "X-Shopify-Shop-Domain",
    "X-Shopify-Api-Version",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "X-Shopify-Triggered-At",
)


def _signed(delivery: dict[str, Any]) -> bool:
    digest = hmac.new(SECRET.encode(), delivery["raw"], hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), delivery["headers"]["X-Shopify-Hmac-Sha256"])


def _assert_shopify_headers(store: Store, delivery: dict[str, Any], topic: str) -> None:
    headers = delivery["headers"]
    assert all(name in headers for name in HEADERS)
    assert headers["X-Shopify-Topic"] == topic
    assert headers["X-Shopify-Shop-Domain"] == store.domain
    assert headers["Content-Type"] == "application/json"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", headers["X-Shopify-Triggered-At"])
    assert _signed(delivery)


def _subscribe(store: Store, sink: Sink, *topics: str) -> None:
    for topic in topics:
        store.control("POST", "/webhooks", {"topic": topic, "address": sink.url})


def test_uninstall_sends_the_shop_and_ends_the_apps_access(store: Store, sink: Sink) -> None:
    """app/uninstalled carries the shop (https://shopify.dev/docs/api/webhooks?reference=toml, topic
    APP_UNINSTALLED); the app's token stops working and its subscriptions are deleted, the compliance
    ones (configured on the app) excepted
    (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance)."""
    _subscribe(store, sink, "app/uninstalled", "orders/create", "shop/redact")
    shop = store.control("GET", "")
    answer = store.control("POST", "/app/uninstall")
    [delivery] = wait_until(lambda: sink.of("app/uninstalled"))
    _assert_shopify_headers(store, delivery, "app/uninstalled")
    body = json.loads(delivery["body"])
    assert body == answer["body"]
    assert (body["id"], body["myshopify_domain"], body["domain"]) == (shop["id"], store.domain, store.domain)
    assert body["id"] > 2**53  # an exact integer, as every Shopify id here
    # The app's access has ended: Shopify's 401 body for any token.
    response = store.http.post(
        store.server.graphql_url(store.domain, "2026-04"),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": "shpat_test_token"},
    )
    assert response.status_code == 401
    assert [w["topic"] for w in store.control("GET", "/webhooks")["webhooks"]] == ["shop/redact"]
    assert store.control("GET", "")["app_installed"] is False
    # Uninstalled twice: refused, nothing sent.
    again = store.http.post(f"{store.server.base_url}/_control/shops/{store.domain}/app/uninstall")
    assert again.status_code == 409
    assert len([e for e in store.control("GET", "/events")["events"] if e["topic"] == "app/uninstalled"]) == 1
    # Installed again: the token works again.
    store.control("POST", "/app/install")
    assert "errors" not in store.gql("{ shop { name } }")


def test_compliance_topics_have_shopifys_payloads(store: Store, sink: Sink) -> None:
    """customers/data_request, customers/redact and shop/redact bodies as shopify.dev documents them
    (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance), signed like every delivery;
    shop/redact comes 48 hours after an uninstall, so it is refused while the app is installed."""
    _subscribe(store, sink, "customers/data_request", "customers/redact", "shop/redact")
    shop_id = store.control("GET", "")["id"]
    customer = {"id": 191167, "email": "john@example.com", "phone": "555-625-1199"}
    store.control("POST", "/compliance", {"topic": "customers/data_request", "customer": customer, "orders": [7, 8]})
    store.control("POST", "/compliance", {"topic": "customers/redact", "customer": customer, "orders": [7]})
    early = store.http.post(
        f"{store.server.base_url}/_control/shops/{store.domain}/compliance", json={"topic": "shop/redact"}
    )
    assert early.status_code == 409
    store.control("POST", "/app/uninstall")
    store.control("POST", "/compliance", {"topic": "shop/redact"})
    wait_until(lambda: all(sink.of(t) for t in ("customers/data_request", "customers/redact", "shop/redact")))
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        _assert_shopify_headers(store, sink.of(topic)[0], topic)
    [request] = sink.bodies("customers/data_request")
    assert set(request) == {"shop_id", "shop_domain", "orders_requested", "customer", "data_request"}
    assert (request["shop_id"], request["shop_domain"]) == (shop_id, store.domain)
    assert (request["customer"], request["orders_requested"]) == (customer, [7, 8])
    assert isinstance(request["data_request"]["id"], int)
    [redact] = sink.bodies("customers/redact")
    assert redact == {"shop_id": shop_id, "shop_domain": store.domain, "customer": customer, "orders_to_redact": [7]}
    assert sink.bodies("shop/redact") == [{"shop_id": shop_id, "shop_domain": store.domain}]


@pytest.mark.parametrize(
    "body",
    [
        {"topic": "customers/redact"},  # no customer
        {"topic": "shop/redact", "customer": {"id": 1}},  # shop/redact names no customer
        {"topic": "customers/update", "customer": {"id": 1}},  # not a compliance topic
        {"topic": "customers/redact", "customer": {"id": 1}, "orders": ["seven"]},
        {"topic": "customers/redact", "customer": {"id": 0}},
    ],
)
def test_a_malformed_compliance_request_is_refused_and_sends_nothing(store: Store, body: dict[str, Any]) -> None:
    response = store.http.post(f"{store.server.base_url}/_control/shops/{store.domain}/compliance", json=body)
    assert response.status_code == 422
    assert store.control("GET", "/events")["events"] == []


def test_an_unknown_shop_is_404(store: Store) -> None:
    base = f"{store.server.base_url}/_control/shops/nope.myshopify.com"
    assert store.http.post(f"{base}/app/uninstall").status_code == 404
    assert store.http.post(f"{base}/compliance", json={"topic": "shop/redact"}).status_code == 404
