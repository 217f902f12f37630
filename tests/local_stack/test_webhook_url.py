"""The driver's webhook URL plays API Gateway in front of the shipped webhook_ingress handler."""

import base64
import json
from typing import Any

import httpx
import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory
from tests.support.webhooks import SECRET, SHOP, delivery_headers, order_body

pytestmark = pytest.mark.integration


def queued(resources: LocalResources) -> list[dict[str, Any]]:
    sqs = resources.client("sqs")
    answer = sqs.receive_message(QueueUrl=resources.ingest_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


@pytest.fixture
def shop(local_aws: LocalResources) -> LocalResources:
    local_aws.put_shop_secret(SHOP, [SECRET], "shpat_test")
    return local_aws


def test_signed_webhook_posted_to_the_url_is_queued_byte_for_byte(
    shop: LocalResources, start_driver: DriverFactory
) -> None:
    driver = start_driver(shop, handlers={"ledger_consumer": None})  # leave the message on the queue
    body = order_body(note="café ✓")
    headers = delivery_headers(body)
    answer = httpx.post(driver.webhook_url, content=body, headers=headers, timeout=10)
    assert answer.status_code == 200
    [envelope] = queued(shop)
    assert envelope["body"].encode() == body
    assert envelope["event_id"] == headers["X-Shopify-Event-Id"]
    assert driver.status()["counters"]["webhook"] == {"status_200": 1}


def test_forged_webhook_is_refused_and_nothing_is_queued(shop: LocalResources, start_driver: DriverFactory) -> None:
    driver = start_driver(shop, handlers={"ledger_consumer": None})
    body = order_body()
    answer = httpx.post(driver.webhook_url, content=body, headers=delivery_headers(body, secret="forged"), timeout=10)
    assert answer.status_code == 401
    assert queued(shop) == []


def test_event_is_an_api_gateway_proxy_event_with_the_body_base64_encoded(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    seen: list[dict[str, Any]] = []

    def ingress(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 202, "headers": {"X-Seen": "yes"}, "body": json.dumps({"ok": True})}

    driver = start_driver(local_aws, handlers={"webhook_ingress": ingress, "ledger_consumer": None})
    raw = b"\xff\xfe not utf-8"
    answer = httpx.post(driver.webhook_url, content=raw, headers={"Content-Type": "application/json"}, timeout=10)
    assert (answer.status_code, answer.headers["X-Seen"], answer.json()) == (202, "yes", {"ok": True})
    [event] = seen
    assert event["httpMethod"] == "POST"
    assert event["path"] == event["resource"] == "/webhooks/shopify"
    # The template's BinaryMediaTypes is */*: API Gateway hands every body over base64-encoded.
    assert event["isBase64Encoded"] is True
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["requestContext"]["stage"] == "local"
    assert base64.b64decode(event["body"]) == raw


def test_a_killed_ingress_answers_502_after_doing_its_work(shop: LocalResources, start_driver: DriverFactory) -> None:
    driver = start_driver(shop, handlers={"ledger_consumer": None})
    driver.kill_next("webhook_ingress", 1)
    body = order_body()
    answer = httpx.post(driver.webhook_url, content=body, headers=delivery_headers(body), timeout=10)
    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}
    assert len(queued(shop)) == 1  # the handler ran; only its answer was lost
    status = httpx.get(driver.status_url, timeout=10).json()
    assert status["counters"]["killed"] == {"webhook_ingress": 1}
    assert status["functions"]["webhook_ingress"]["pending_kills"] == 0


def test_unknown_route_is_404(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    driver = start_driver(local_aws, handlers={"ledger_consumer": None, "level_pusher": None})
    assert httpx.post(driver.base_url + "/nowhere", timeout=10).status_code == 404
