"""Every adapter on the ledger table maps DynamoDB's throttling to TransientFailure the same way
(adapters/dynamodb/client.py), so the consumer and the pusher retry the message instead of parking it
or failing for good. botocore's Stubber answers: no sockets."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.adapters.shopify.token_store import DynamoDbTokenStore
from inventory_ledger.adapters.webhook_registry import DynamoDbDeliveryRegistry
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.ports import TransientFailure

SHOP = "demo.myshopify.com"
AT = datetime(2026, 11, 23, 12, tzinfo=UTC)


def client() -> Any:
    return boto3.client(
        "dynamodb", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


CALLS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "directory reads a config item": ("get_item", lambda c: DynamoDbMerchantDirectory("t", c).healing_policy(SHOP)),
    "directory maps a location": (
        "transact_write_items",
        lambda c: DynamoDbMerchantDirectory("t", c).map_location(SHOP, "store", 1),
    ),
    "directory lists locations": ("query", lambda c: DynamoDbMerchantDirectory("t", c).locations(SHOP)),
    "directory reads Shopify ids": (
        "batch_get_item",
        lambda c: DynamoDbMerchantDirectory("t", c).shopify_ids(SHOP, ["store"], ["A"]),
    ),
    "directory registers a shop": (
        "update_item",
        lambda c: DynamoDbMerchantDirectory("t", c).register_shop(SHOP, onboarded_at=AT),
    ),
    "ledger reads balances": (
        "batch_get_item",
        lambda c: DynamoDbLedger("t", c).balances([LevelKey(SHOP, "store", "A")]),
    ),
    "token store reads a token": ("get_item", lambda c: DynamoDbTokenStore("t", c).read(SHOP)),
    "registry claims a webhook id": ("put_item", lambda c: DynamoDbDeliveryRegistry("t", c).claim("w1", SHOP, AT)),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_throttling_and_server_errors_are_transient(name: str, code: str) -> None:
    operation, call = CALLS[name]
    dynamodb = client()
    with Stubber(dynamodb) as stubber:
        stubber.add_client_error(operation, service_error_code=code, http_status_code=400)
        with pytest.raises(TransientFailure, match=code):
            call(dynamodb)


def test_other_errors_stay_what_dynamodb_raised() -> None:
    dynamodb = client()
    with Stubber(dynamodb) as stubber:
        stubber.add_client_error("get_item", service_error_code="ResourceNotFoundException", http_status_code=400)
        with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
            DynamoDbMerchantDirectory("t", dynamodb).healing_policy(SHOP)


def test_a_condition_that_fails_is_an_answer_not_an_error() -> None:
    dynamodb = client()
    with Stubber(dynamodb) as stubber:
        stubber.add_client_error("put_item", service_error_code="ConditionalCheckFailedException", http_status_code=400)
        assert DynamoDbDeliveryRegistry("t", dynamodb).claim("w1", "other.myshopify.com", AT) is False
