"""Large and hostile deliveries through webhook_ingress and the ledger consumer, on moto server.

Facts: SQS takes at most 256 KiB per message, body and attributes together (its default maximum);
Shopify signs every delivery of an app with the app's client secret and sends X-Shopify-Triggered-At
(shopify.dev/docs/apps/build/webhooks/verify-deliveries; .../webhooks/ignore-duplicates).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inventory_ledger import bootstrap, config
from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.sqs import SQS_MAX_MESSAGE_BYTES
from inventory_ledger.domain.ledger import LevelKey
from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from tests.support.handlers import load_handler
from tests.support.histories import SHOP, onboard_history_merchant
from tests.support.lambda_context import FakeLambdaContext
from tests.support.shopify_payloads import BIG, order
from tests.support.webhooks import SECRET, delivery_headers, sqs_event

pytestmark = pytest.mark.integration
PATH = "/webhooks/shopify"
STORE_A = BIG + 101


@pytest.fixture
def ledger(local_aws: LocalResources) -> DynamoDbLedger:
    local_aws.put_shop_secret(SHOP, [SECRET], "shpat_test")
    return onboard_history_merchant(local_aws.table_name)


def invoke(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    event = api_gateway_event(path=PATH, headers=headers, body=body)
    response: dict[str, Any] = load_handler("webhook_ingress").lambda_handler(event, FakeLambdaContext())
    return response


def received(resources: LocalResources) -> list[dict[str, Any]]:
    sqs = resources.client("sqs")
    answer = sqs.receive_message(
        QueueUrl=resources.ingest_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
    )
    return answer.get("Messages", [])


def five_hundred_line_order(order_id: int = BIG + 9) -> bytes:
    lines = [(BIG + 1000 + n, "ABC"[n % 3], 1) for n in range(500)]
    body = order(order_id, lines, location_id=STORE_A)
    # Real line items carry much more than the ledger reads (titles, prices, taxes, properties...).
    for line in body["line_items"]:
        line["title"] = "A product title of a realistic length " * 4
        line["properties"] = [{"name": f"engraving-{n}", "value": "x" * 120} for n in range(7)]
    return json.dumps(body, separators=(",", ":")).encode()


def test_a_500_line_order_of_about_700_kb_is_queued_by_pointer_and_applied_once(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    body = five_hundred_line_order()
    assert 650_000 < len(body) < 800_000
    headers = delivery_headers(body)
    assert invoke(headers, body)["statusCode"] == 200
    [message] = received(local_aws)
    assert len(message["Body"].encode()) < SQS_MAX_MESSAGE_BYTES  # what was sent, measured
    pointer = json.loads(message["Body"])
    assert pointer["body"] == ""
    stored = local_aws.client("s3").get_object(Bucket=local_aws.payload_bucket_name, Key=pointer["body_ref"])
    assert stored["Body"].read() == body  # byte for byte, as signed

    consumer = load_handler("ledger_consumer")
    assert consumer.lambda_handler(sqs_event([message["Body"]]), FakeLambdaContext()) == {"batchItemFailures": []}
    keys = [LevelKey(SHOP, "store-a", sku) for sku in "ABC"]
    balances = ledger.balances(keys)
    assert [balances[key].quantity for key in keys] == [-167, -167, -166]
    # Shopify delivers the same event again (new webhook id): queued again, applied never again.
    again = delivery_headers(body, event_id=headers["X-Shopify-Event-Id"])
    assert invoke(again, body)["statusCode"] == 200
    [second] = [m for m in received(local_aws) if m["MessageId"] != message["MessageId"]]
    assert consumer.lambda_handler(sqs_event([second["Body"]]), FakeLambdaContext()) == {"batchItemFailures": []}
    assert ledger.balances(keys) == balances


def test_a_pointer_whose_body_is_gone_is_parked_not_dropped(ledger: DynamoDbLedger, local_aws: LocalResources) -> None:
    body = five_hundred_line_order()
    assert invoke(delivery_headers(body), body)["statusCode"] == 200
    [message] = received(local_aws)
    key = json.loads(message["Body"])["body_ref"]
    local_aws.client("s3").delete_object(Bucket=local_aws.payload_bucket_name, Key=key)
    consumer = load_handler("ledger_consumer")
    assert consumer.lambda_handler(sqs_event([message["Body"]]), FakeLambdaContext()) == {"batchItemFailures": []}
    [parked] = ledger.parked_events(SHOP)
    assert "stored body unreadable" in parked.reason
    assert json.loads(parked.envelope)["body_ref"] == key  # replayable once the body is restored


def test_a_small_body_still_travels_inside_the_message(ledger: DynamoDbLedger, local_aws: LocalResources) -> None:
    body = json.dumps(order(BIG + 3, [(BIG + 4, "A", 1)], location_id=STORE_A)).encode()
    assert invoke(delivery_headers(body), body)["statusCode"] == 200
    [message] = received(local_aws)
    envelope = json.loads(message["Body"])
    assert envelope["body"].encode() == body
    assert envelope["body_ref"] is None


def test_a_delivery_older_than_the_window_is_refused_and_counted(
    ledger: DynamoDbLedger,
    local_aws: LocalResources,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WEBHOOK_MAX_AGE_SECONDS", "172800")
    config.clear_cached_settings()
    bootstrap.reset()
    body = json.dumps(order(BIG + 3, [(BIG + 4, "A", 1)], location_id=STORE_A)).encode()
    old = delivery_headers(body)
    old["X-Shopify-Triggered-At"] = (datetime.now(UTC) - timedelta(hours=49)).isoformat()
    response = invoke(old, body)
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["status"] == "too_old"
    assert received(local_aws) == []
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("outcome") == "too_old" and m.get("WebhookDeliveries") == [1.0] for m in metrics)
    fresh = delivery_headers(body)
    fresh["X-Shopify-Triggered-At"] = (datetime.now(UTC) - timedelta(hours=47)).isoformat()
    assert invoke(fresh, body)["statusCode"] == 200


def test_a_webhook_id_seen_for_one_shop_is_refused_for_another(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    """One app secret signs every shop's deliveries and the shop header is not signed: a captured
    delivery replayed under another shop must not reach that shop's ledger."""
    other = "other-shop.myshopify.com"
    local_aws.put_shop_secret(other, [SECRET], "shpat_other")
    body = json.dumps(order(BIG + 3, [(BIG + 4, "A", 1)], location_id=STORE_A)).encode()
    headers = delivery_headers(body)
    assert invoke(headers, body)["statusCode"] == 200
    assert invoke(headers, body)["statusCode"] == 200  # Shopify's own retry: same id, same shop
    replayed = {**headers, "X-Shopify-Shop-Domain": other}
    response = invoke(replayed, body)
    assert response["statusCode"] == 401
    forged = invoke(delivery_headers(body, secret="wrong"), body)
    assert json.loads(response["body"]) == json.loads(forged["body"])
    assert [json.loads(m["Body"])["shop_domain"] for m in received(local_aws)] == [SHOP, SHOP]


def test_forged_and_unknown_shop_answers_are_identical_and_probes_are_cached(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    body = b'{"id":1}'
    forged = invoke(delivery_headers(body, secret="wrong"), body)
    secrets = bootstrap.ingress_dependencies().secrets
    before = secrets.lookups
    unknown = [invoke(delivery_headers(body, shop="stranger.myshopify.com"), body) for _ in range(5)]
    assert {u["statusCode"] for u in unknown} == {forged["statusCode"]} == {401}
    assert {u["body"] for u in unknown} == {forged["body"]}
    assert secrets.lookups - before == 1  # one Secrets Manager call for five probes
    # A shop whose secret appears later is known once the cache lapses (here: a new container).
    local_aws.put_shop_secret("stranger.myshopify.com", [SECRET], "shpat_x")
    bootstrap.reset()
    assert invoke(delivery_headers(body, shop="stranger.myshopify.com"), body)["statusCode"] == 200


def test_levels_whose_names_would_run_together_stay_two_levels(ledger: DynamoDbLedger) -> None:
    from inventory_ledger.domain import operations
    from inventory_ledger.service.operations import record_operation

    def when() -> datetime:
        return datetime(2026, 11, 23, 12, tzinfo=UTC)

    record_operation(operations.receive(SHOP, "a#b", "c", 5, "po-1"), ledger, when)
    record_operation(operations.receive(SHOP, "a", "b#c", 7, "po-2"), ledger, when)
    first, second = LevelKey(SHOP, "a#b", "c"), LevelKey(SHOP, "a", "b#c")
    balances = ledger.balances([first, second])
    assert balances[first].quantity == 5
    assert balances[second].quantity == 7
    assert [e.quantity for e in ledger.entries(first)] == [5]
