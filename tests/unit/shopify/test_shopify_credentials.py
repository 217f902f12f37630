"""The admin token comes from the shop's secret (powertools Parameters over Secrets Manager, moto in-process)."""

import json
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from pydantic import ValidationError

from inventory_ledger.adapters.shopify.credentials import admin_access_token, client_for_shop
from inventory_ledger.config import ShopifySettings

SHOP = "demo.myshopify.com"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifySettings]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(name, raising=False)
    parameters.clear_caches()
    parameters.base.DEFAULT_PROVIDERS.clear()
    with mock_aws():
        yield ShopifySettings(
            shop_secret_prefix="test/shops/",
            shopify_admin_url_template="http://127.0.0.1:9/shops/{shop}/admin/api/{version}/graphql.json",
        )
    parameters.clear_caches()
    parameters.base.DEFAULT_PROVIDERS.clear()


def put_secret(name: str, value: str) -> None:
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=value)


def test_client_for_shop_uses_the_secret_token_and_the_pinned_version(settings: ShopifySettings) -> None:
    put_secret(
        "test/shops/demo.myshopify.com",
        json.dumps({"webhook_secrets": ["new", "old"], "admin_access_token": "shpat_abc"}),
    )
    client = client_for_shop(SHOP, settings=settings)
    try:
        assert client.shop_domain == SHOP
        assert client._access_token == "shpat_abc"
        assert client.endpoint_url == "http://127.0.0.1:9/shops/demo.myshopify.com/admin/api/2026-07/graphql.json"
    finally:
        client.close()


def test_a_secret_without_a_token_is_rejected(settings: ShopifySettings) -> None:
    put_secret("test/shops/demo.myshopify.com", json.dumps({"webhook_secrets": ["s"]}))
    with pytest.raises(ValidationError):
        admin_access_token(SHOP, settings)


def test_a_missing_secret_raises(settings: ShopifySettings) -> None:
    with pytest.raises(parameters.exceptions.GetParameterError):
        admin_access_token("nobody.myshopify.com", settings)
