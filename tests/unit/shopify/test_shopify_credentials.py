"""Admin credentials come from their own secret, or the legacy combined one (powertools Parameters over
Secrets Manager, moto in-process), re-read within the TTL."""

import json
from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from pydantic import ValidationError

from inventory_ledger.adapters.shopify.auth import ClientCredentialsTokenSource
from inventory_ledger.adapters.shopify.credentials import (
    admin_access_token,
    admin_credentials,
    client_for_shop,
    token_source,
)
from inventory_ledger.config import ShopifySettings
from inventory_ledger.domain.credentials import ClientCredentials

SHOP = "demo.myshopify.com"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[ShopifySettings]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(name, raising=False)
    parameters.clear_caches()  # also drops the cached providers, so mock_aws's clients are the ones used
    with mock_aws():
        yield ShopifySettings.from_environment(
            shop_secret_prefix="test/shops/",
            shopify_admin_url_template="http://127.0.0.1:9/shops/{shop}/admin/api/{version}/graphql.json",
        )
    parameters.clear_caches()


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
        assert client._tokens.token() == "shpat_abc"
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


def test_the_admin_secret_is_preferred_and_its_kind_chooses_the_source(settings: ShopifySettings) -> None:
    put_secret("test/shops/demo.myshopify.com", json.dumps({"webhook_secrets": ["s"], "admin_access_token": "old"}))
    put_secret("inventory-ledger/admin/demo.myshopify.com", json.dumps({"kind": "static", "access_token": "shpat_new"}))
    assert admin_access_token(SHOP, settings) == "shpat_new"
    boto3.client("secretsmanager").put_secret_value(
        SecretId="inventory-ledger/admin/demo.myshopify.com",
        SecretString=json.dumps({"kind": "client_credentials", "client_id": "id", "client_secret": "sec"}),
    )
    credentials = admin_credentials(SHOP, settings, force=True)
    assert isinstance(credentials, ClientCredentials)
    assert credentials.client_id == "id"
    assert isinstance(token_source(SHOP, settings), ClientCredentialsTokenSource)


def test_a_rotated_static_token_is_picked_up_after_a_401_without_a_redeploy(settings: ShopifySettings) -> None:
    put_secret("inventory-ledger/admin/demo.myshopify.com", json.dumps({"kind": "static", "access_token": "one"}))
    source = token_source(SHOP, settings)
    assert source.token() == "one"
    boto3.client("secretsmanager").put_secret_value(
        SecretId="inventory-ledger/admin/demo.myshopify.com",
        SecretString=json.dumps({"kind": "static", "access_token": "two"}),
    )
    assert source.token() == "one"  # cached within max_age
    assert source.refreshed("one") == "two"  # Shopify refused it: read again now
    assert source.refreshed("two") is None  # nothing newer: the shop fails


@pytest.mark.parametrize(
    "value",
    [
        {"kind": "client_credentials", "client_id": "id"},
        {"kind": "nonsense", "access_token": "t"},
        {"kind": "static", "access_token": ""},
    ],
)
def test_malformed_admin_credentials_are_refused(settings: ShopifySettings, value: dict[str, str]) -> None:
    put_secret("inventory-ledger/admin/demo.myshopify.com", json.dumps(value))
    with pytest.raises(ValidationError):
        admin_credentials(SHOP, settings)
