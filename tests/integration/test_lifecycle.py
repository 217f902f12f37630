"""app/uninstalled and the compliance topics, through the consumer on moto server (and the simulator).

Payload shapes: shopify.dev, "Privacy law compliance"
(https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance): ``customers/redact``
``{"shop_id", "shop_domain", "customer": {"id", "email", "phone"}, "orders_to_redact": [...]}``,
``customers/data_request`` adds ``orders_requested`` and ``data_request: {"id"}``, ``shop/redact``
``{"shop_id", "shop_domain"}``; an invalid HMAC on them must be answered 401.
"""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.adapters.dynamodb import items
from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.domain import operations
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.webhooks import Topic
from inventory_ledger.service.apply_webhook import replay_parked
from inventory_ledger.service.consume import consume_message
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import push_levels
from local_stack.aws import LocalResources
from tests.support.histories import SHOP, onboard_history_merchant
from tests.support.merchant import SHOP as DEMO_SHOP
from tests.support.merchant import DemoMerchant
from tests.support.shopify_payloads import BIG, envelope, order

pytestmark = pytest.mark.integration
STORE_A = BIG + 101
PERSONAL = {
    "email": "jane@example.com",
    "phone": "+15551234567",
    "customer": {"id": 7, "first_name": "Jane", "last_name": "Doe", "email": "jane@example.com"},
    "shipping_address": {"first_name": "Jane", "address1": "1 Main St", "zip": "10001", "phone": "+1555"},
    "billing_address": {"name": "Jane Doe", "address1": "1 Main St"},
}


def now() -> datetime:
    return datetime(2026, 11, 23, 12, tzinfo=UTC)


def consume(resources: LocalResources, topic: Topic, body: dict[str, Any], shop: str, event_id: str) -> Any:
    directory = DynamoDbMerchantDirectory(resources.table_name)
    message = envelope(topic, body, shop=shop, event_id=event_id).model_dump_json()
    return consume_message(message, event_id, DynamoDbLedger(resources.table_name), now, None, directory)


def test_an_uninstall_stops_pushes_and_reconciliation_and_keeps_the_ledger(
    merchant: DemoMerchant, local_aws: LocalResources
) -> None:
    directory = DynamoDbMerchantDirectory(local_aws.table_name)
    key = LevelKey(DEMO_SHOP, "warehouse", "A")

    def receive_and_push(quantity: int, ref: str) -> Any:
        record_operation(operations.receive(DEMO_SHOP, "warehouse", "A", quantity, ref), merchant.ledger, now)
        return push_levels([key], merchant.ledger, directory, bootstrap.shopify_for, now)

    assert receive_and_push(2, "po-1").failed == {}
    assert merchant.shopify_available("warehouse", "A") == 12
    # The merchant uninstalls the app in Shopify: the simulator sends app/uninstalled (the shop's REST
    # resource) and the app's token stops working there; the consumer gets that very body.
    merchant.control("POST", "/app/uninstall")
    [uninstalled] = merchant.events("app/uninstalled")
    consume(local_aws, Topic.APP_UNINSTALLED, json.loads(uninstalled["body"]), DEMO_SHOP, uninstalled["event_id"])

    report = receive_and_push(3, "po-2")
    assert report.pushed == []
    assert report.failed == {}  # not retried: there is nothing to retry against
    assert report.unpushable == {key: "the app was uninstalled from the shop"}
    assert merchant.shopify_available("warehouse", "A") == 12
    assert merchant.balance("warehouse", "A").quantity == 15  # the ledger is kept, and keeps counting
    assert DEMO_SHOP not in directory.shops()  # the nightly reconciler lists no uninstalled shop
    [record] = directory.compliance_records(DEMO_SHOP)
    assert record["topic"] == "app/uninstalled"

    # Installed and onboarded again: active, and the level catches up.
    merchant.control("POST", "/app/install")
    directory.register_shop(DEMO_SHOP, onboarded_at=now())
    assert DEMO_SHOP in directory.shops()
    assert len(push_levels([key], merchant.ledger, directory, bootstrap.shopify_for, now).pushed) == 1
    assert merchant.shopify_available("warehouse", "A") == 15


@pytest.fixture
def ledger(local_aws: LocalResources) -> DynamoDbLedger:
    return onboard_history_merchant(local_aws.table_name)


def park_unmapped_order(resources: LocalResources, order_id: int, event_id: str) -> None:
    body = {**order(order_id, [(order_id + 1, "NEW-SKU", 2)], location_id=STORE_A), **PERSONAL}
    result = consume(resources, Topic.ORDERS_CREATE, body, SHOP, event_id)
    assert result.parked is not None


def stored_envelopes(resources: LocalResources) -> list[str]:
    answer = resources.client("dynamodb").query(
        TableName=resources.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": items.parked_pk(SHOP)}},
    )
    return [item["envelope"]["S"] for item in answer["Items"]]


def test_parked_events_keep_no_personal_data_and_stay_replayable(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    park_unmapped_order(local_aws, BIG + 50, "o-1")
    [stored] = stored_envelopes(local_aws)
    for value in ("jane@example.com", "Jane", "Doe", "1 Main St", "+1555"):
        assert value not in stored
    # What replay needs is there: once the SKU is mapped, the order applies.
    DynamoDbMerchantDirectory(local_aws.table_name).map_sku(SHOP, "NEW-SKU", BIG + 900)
    [parked] = ledger.parked_events(SHOP)
    result = replay_parked(parked, ledger, now)
    assert [entry.quantity for entry in result.applied] == [-2]
    assert ledger.parked_events(SHOP) == []


def test_a_customer_redact_removes_personal_data_from_parked_events_and_is_recorded(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    # An event parked before parking scrubbed anything: written as it was then.
    legacy_body = json.dumps({**order(BIG + 60, [(BIG + 61, "NEW-SKU", 1)], location_id=STORE_A), **PERSONAL})
    legacy = envelope(Topic.ORDERS_CREATE, json.loads(legacy_body), shop=SHOP, event_id="old-1").model_dump_json()
    item = {
        "pk": items.parked_pk(SHOP),
        "sk": "EVENT#old-1",
        "item_type": "parked_event",
        "shop": SHOP,
        "event_id": "old-1",
        "topic": "orders/create",
        "received_at": now().isoformat(),
        "parked_at": now().isoformat(),
        "envelope": legacy,
        "problems": [],
        "reason": "unmapped",
    }
    local_aws.client("dynamodb").put_item(TableName=local_aws.table_name, Item=items.to_attributes(item))
    assert any("jane@example.com" in stored for stored in stored_envelopes(local_aws))

    redact = {
        "shop_id": 1,
        "shop_domain": SHOP,
        "customer": {"id": 7, "email": "jane@example.com"},
        "orders_to_redact": [BIG + 60],
    }
    result = consume(local_aws, Topic.CUSTOMERS_REDACT, redact, SHOP, "redact-1")
    assert result.parked is None
    assert all("jane@example.com" not in stored and "1 Main St" not in stored for stored in stored_envelopes(local_aws))
    [record] = DynamoDbMerchantDirectory(local_aws.table_name).compliance_records(SHOP)
    assert record["topic"] == "customers/redact"
    assert record["detail"] == "personal data removed from 1 parked event(s)"
    # The same request delivered again: recorded once, nothing left to remove.
    consume(local_aws, Topic.CUSTOMERS_REDACT, redact, SHOP, "redact-1")
    assert len(DynamoDbMerchantDirectory(local_aws.table_name).compliance_records(SHOP)) == 1


def test_a_data_request_and_a_shop_redact_are_answered_and_recorded(
    ledger: DynamoDbLedger, local_aws: LocalResources
) -> None:
    park_unmapped_order(local_aws, BIG + 70, "o-2")
    request = {
        "shop_id": 1,
        "shop_domain": SHOP,
        "customer": {"id": 7},
        "orders_requested": [BIG + 70],
        "data_request": {"id": 9999},
    }
    consume(local_aws, Topic.CUSTOMERS_DATA_REQUEST, request, SHOP, "dr-1")
    consume(local_aws, Topic.SHOP_REDACT, {"shop_id": 1, "shop_domain": SHOP}, SHOP, "sr-1")
    records = {
        r["topic"]: r["detail"] for r in DynamoDbMerchantDirectory(local_aws.table_name).compliance_records(SHOP)
    }
    assert (
        records["customers/data_request"]
        == "no personal data held; parked events referring to requested orders: ['o-2']"
    )
    assert records["shop/redact"].startswith("1 parked event(s) deleted")
    assert ledger.parked_events(SHOP) == []
    # A malformed compliance body is still recorded, and the redact applies to the whole shop.
    consume(local_aws, Topic.CUSTOMERS_REDACT, {"unexpected": True}, SHOP, "redact-2")
    assert "customers/redact" in {
        r["topic"] for r in DynamoDbMerchantDirectory(local_aws.table_name).compliance_records(SHOP)
    }
