"""The pusher against the Shopify simulator and the DynamoDB ledger on moto server."""

import json
from pathlib import Path
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.inventory_writer import ShopifyInventoryWriter
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import apply_envelope
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import push_levels
from shopify_simulator import SimulatorServer
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext
from tests.support.merchant import SHOP, TOKEN, DemoMerchant, now
from tests.support.shopify_payloads import envelope

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).resolve().parents[2] / "events"


def push_all(merchant: DemoMerchant, shopify_for: Any = None) -> Any:
    keys = [LevelKey(SHOP, location, sku) for location in merchant.location_ids for sku in merchant.item_ids]
    return push_levels(keys, merchant.ledger, bootstrap.merchant_directory(), shopify_for or bootstrap.shopify_for, now)


def apply_shopify_event(merchant: DemoMerchant, topic: str, index: int = -1) -> None:
    event = merchant.events(topic)[index]
    body = json.loads(event["body"]) if isinstance(event["body"], str) else event["body"]
    apply_envelope(envelope(Topic(topic), body, shop=SHOP, event_id=event["event_id"]), merchant.ledger, now)


def test_after_a_pos_sale_an_online_sale_a_transfer_and_a_count_shopify_shows_the_ledger(
    merchant: DemoMerchant,
) -> None:
    merchant.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 2}], "location": "Store A"})
    apply_shopify_event(merchant, "orders/create")
    merchant.control("POST", "/orders", {"lines": [{"sku": "B", "quantity": 3}]})
    apply_shopify_event(merchant, "orders/create")
    record_operation(operations.transfer(SHOP, "A", "warehouse", "store-b", 4, "t-1"), merchant.ledger, now)
    record_operation(operations.count(SHOP, "store-a", "C", 6, "c-1"), merchant.ledger, now)
    report = push_all(merchant)
    assert report.stale == []
    assert report.failed == {}
    for location in merchant.location_ids:
        for sku in merchant.item_ids:
            assert merchant.shopify_available(location, sku) == merchant.balance(location, sku).quantity, (
                location,
                sku,
            )
    assert merchant.shopify_available("store-a", "A") == 8
    assert merchant.shopify_available("warehouse", "B") == 7
    assert merchant.shopify_available("store-b", "A") == 14
    assert merchant.shopify_available("store-a", "C") == 6
    assert len(report.pushed) == 3  # the sales were Shopify's own: nothing to push for them
    assert push_all(merchant).pushed == []


def test_an_order_that_reached_shopify_first_is_never_re_inflated(merchant: DemoMerchant) -> None:
    merchant.control("POST", "/orders", {"lines": [{"sku": "A", "quantity": 1}], "location": "Store A"})
    assert merchant.shopify_available("store-a", "A") == 9
    record_operation(operations.receive(SHOP, "store-a", "A", 5, "po-1"), merchant.ledger, now)  # ledger 15
    report = push_all(merchant)
    assert [p.key.sku for p in report.stale] == ["A"]
    assert merchant.shopify_available("store-a", "A") == 9  # a blind set would have shown 15
    apply_shopify_event(merchant, "orders/create")  # the late webhook: ledger 14, expected 9
    push_all(merchant)
    assert merchant.shopify_available("store-a", "A") == 14 == merchant.balance("store-a", "A").quantity


def test_a_failing_shopify_converges_once_it_recovers(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    record_operation(operations.receive(SHOP, "warehouse", "C", 3, "po-1"), merchant.ledger, now)
    merchant.control("POST", "/faults", {"kind": "status", "status": 503, "count": 50})
    url = shopify_simulator.graphql_url_template.format(shop=SHOP, version="2026-07")
    impatient = ShopifyAdminClient(
        SHOP, TOKEN, url, max_attempts=3, backoff_base_seconds=0.01, backoff_cap_seconds=0.02
    )
    report = push_all(merchant, lambda shop: ShopifyInventoryWriter(ShopifyAdminOperations(impatient)))
    assert LevelKey(SHOP, "warehouse", "C") in report.set_aside
    assert report.failed == {}
    assert merchant.shopify_available("warehouse", "C") == 10
    merchant.control("DELETE", "/faults")
    assert len(push_all(merchant).pushed) == 1
    assert merchant.shopify_available("warehouse", "C") == 13


def stream_event(image: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "dynamodb_stream_balances.json").read_text())
    record = event["Records"][0]
    record["dynamodb"]["NewImage"] = {
        name: {"N": str(value)} if isinstance(value, int) else {"S": value} for name, value in image.items()
    }
    record["dynamodb"].pop("OldImage", None)
    event["Records"] = [record]
    return event


def test_a_replayed_old_stream_record_never_overwrites_a_newer_level(merchant: DemoMerchant) -> None:
    record_operation(operations.receive(SHOP, "store-b", "B", 5, "po-1"), merchant.ledger, now)
    record_operation(
        operations.adjust(SHOP, "store-b", "B", -3, operations.AdjustmentReason.DAMAGED, "a-1"), merchant.ledger, now
    )
    handler = load_handler("level_pusher")
    old = {
        "pk": f"LEVEL#{SHOP}#store-b#B",
        "sk": "BALANCE",
        "item_type": "balance",
        "changed_by": "ledger",
        "shop": SHOP,
        "location": "store-b",
        "sku": "B",
        "quantity": 15,
        "version": 2,
        "shopify_expected": 10,
    }
    assert handler.lambda_handler(stream_event(old), FakeLambdaContext()) == {"batchItemFailures": []}
    assert merchant.shopify_available("store-b", "B") == 12  # the latest version, not the record's 15
    before = merchant.balance("store-b", "B")
    assert handler.lambda_handler(stream_event(old), FakeLambdaContext()) == {"batchItemFailures": []}
    assert merchant.shopify_available("store-b", "B") == 12
    assert merchant.balance("store-b", "B").pushed_version == before.pushed_version


def test_the_admin_token_is_never_logged(
    merchant: DemoMerchant, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    # Ours and httpx's at debug, where the client logs each call's cost. (botocore's own DEBUG logs
    # whole response bodies, secrets included: it is never enabled, here or in Lambda.)
    for name in ("inventory-ledger", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    record_operation(operations.receive(SHOP, "warehouse", "A", 1, "po-1"), merchant.ledger, now)
    assert len(push_all(merchant).pushed) == 1
    output = capsys.readouterr()
    logged = output.out + output.err + caplog.text
    assert "graphql.json" in logged  # the calls were logged (httpx), so the check below means something
    assert TOKEN not in logged
