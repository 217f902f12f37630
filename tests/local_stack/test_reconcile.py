"""drift_reconciler: on demand (method and HTTP route) and on a compressed schedule."""

import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory

pytestmark = pytest.mark.integration


def test_on_demand_direct_payload_and_the_nightly_scheduled_event(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    events: list[Any] = []

    def reconciler(event: Any, context: Any) -> dict[str, Any]:
        events.append(event)
        return {"reconciled": True}

    driver = start_driver(
        local_aws, handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None}
    )
    assert driver.reconcile(shop="demo-shop.myshopify.com", location="store") == {"reconciled": True}
    answer = httpx.post(driver.reconcile_url, json={"shop": "demo-shop.myshopify.com"}, timeout=10)
    assert answer.json() == {"ok": True, "response": {"reconciled": True}}
    assert httpx.post(driver.reconcile_url, timeout=10).status_code == 200
    direct, over_http, nightly = events
    assert direct == {"shop": "demo-shop.myshopify.com", "location": "store"}
    assert over_http == {"shop": "demo-shop.myshopify.com"}
    assert (nightly["detail-type"], nightly["source"], nightly["detail"]) == ("Scheduled Event", "aws.events", {})
    assert nightly["resources"] == [
        "arn:aws:events:us-east-1:123456789012:rule/inventory-ledger-local-nightly-reconcile"
    ]


def test_the_compressed_schedule_invokes_the_fanout(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    events: list[Any] = []
    two_seen = threading.Event()

    def fanout(event: Any, context: Any) -> None:
        events.append(event)
        if len(events) >= 2:
            two_seen.set()

    start_driver(
        local_aws,
        handlers={"reconcile_fanout": fanout, "ledger_consumer": None, "level_pusher": None},
        reconcile_every=0.1,
    )
    assert two_seen.wait(timeout=10)
    assert all(e["detail-type"] == "Scheduled Event" for e in events)


def test_the_nightly_fanout_queues_one_reconciliation_per_merchant_and_location(
    local_aws: LocalResources, start_driver: DriverFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real fan-out over three shops (one large enough to split); the reconciler gets one SQS
    message per invocation, and a merchant that fails is retried on its own until the dead-letter queue."""
    from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory

    directory = DynamoDbMerchantDirectory(local_aws.table_name)
    for shop, locations, skus in (("a.myshopify.com", 1, 3), ("big.myshopify.com", 2, 3), ("down.myshopify.com", 1, 1)):
        directory.register_shop(shop, onboarded_at=datetime(2026, 1, 1, tzinfo=UTC))
        for n in range(locations):
            directory.map_location(shop, f"loc-{n}", 100 + n)
        for n in range(skus):
            directory.map_sku(shop, f"SKU-{n}", 200 + n)
    monkeypatch.setenv("RECONCILE_SPLIT_AT_LEVELS", "6")  # big: 2 x 3 levels
    received: list[dict[str, Any]] = []

    def reconciler(event: Any, context: Any) -> dict[str, Any]:
        [record] = event["Records"]  # BatchSize 1
        body = json.loads(record["body"])
        received.append(body)
        if body["shop"] == "down.myshopify.com":
            return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
        return {"batchItemFailures": []}

    driver = start_driver(
        local_aws, handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None}
    )
    summary = driver.nightly()
    assert (summary["shops"], summary["messages"], summary["split_shops"]) == (3, 4, ["big.myshopify.com"])
    driver.drain(timeout=60)

    night = summary["run_id"]
    assert {b.pop("run_id") for b in received} == {night}  # every message joins the night's summary
    done = [b for b in received if b["shop"] != "down.myshopify.com"]
    assert sorted(map(json.dumps, done)) == sorted(
        map(
            json.dumps,
            [
                {"shop": "a.myshopify.com"},
                {"shop": "big.myshopify.com", "location": "loc-0"},
                {"shop": "big.myshopify.com", "location": "loc-1"},
            ],
        )
    )
    assert [b for b in received if b["shop"] == "down.myshopify.com"] == [{"shop": "down.myshopify.com"}] * 3
    sqs = local_aws.client("sqs")
    dead = sqs.receive_message(QueueUrl=local_aws.reconcile_dead_letter_queue_url, MaxNumberOfMessages=10)
    assert [json.loads(m["Body"]) for m in dead.get("Messages", [])] == [{"shop": "down.myshopify.com",
                                                                          "run_id": night}]  # fmt: skip


def test_a_failing_reconciler_answers_500(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    def reconciler(event: Any, context: Any) -> None:
        raise RuntimeError("Shopify is down")

    driver = start_driver(
        local_aws, handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None}
    )
    answer = httpx.post(driver.reconcile_url, json={"shop": "x"}, timeout=10)
    assert answer.status_code == 500
    assert "Shopify is down" in answer.json()["error"]


def test_the_shipped_fanout_and_reconciler_reconcile_a_merchant_and_park_bad_messages(
    local_aws: LocalResources,
    start_driver: DriverFactory,
    shopify_simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real handlers: the nightly fan-out queues the demo merchant, the reconciler reconciles it from
    the queue (its reports land in the bucket); a body without a shop, one that is not JSON and an
    unknown shop each fail alone, three times, and wait in the dead-letter queue."""
    from tests.conftest import forget_cached_clients
    from tests.support.merchant import SHOP, create_demo_merchant

    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    forget_cached_clients()
    create_demo_merchant(shopify_simulator.base_url, local_aws)
    sqs = local_aws.client("sqs")
    bad = ['{"location": "store-a"}', "not json", '{"shop": "nobody.myshopify.com"}']
    for body in bad:
        sqs.send_message(QueueUrl=local_aws.reconcile_queue_url, MessageBody=body)

    driver = start_driver(local_aws, handlers={"ledger_consumer": None, "level_pusher": None})
    summary = driver.nightly()
    assert (summary["shops"], summary["messages"]) == (1, 1)
    driver.drain(timeout=120)

    objects = local_aws.client("s3").list_objects_v2(Bucket=local_aws.report_bucket_name, Prefix=f"reports/{SHOP}/")
    assert {o["Key"].rsplit(".", 1)[1] for o in objects.get("Contents", [])} == {"json", "csv"}
    dead: list[str] = []
    for _ in range(3):
        answer = sqs.receive_message(QueueUrl=local_aws.reconcile_dead_letter_queue_url, MaxNumberOfMessages=10)
        dead += [m["Body"] for m in answer.get("Messages", [])]
    assert sorted(dead) == sorted(bad)
    assert driver.status()["counters"]["invocations"]["drift_reconciler"] == 1 + 3 * len(bad)
