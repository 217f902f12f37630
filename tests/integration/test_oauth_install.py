"""The authorization code install through the shopify_oauth function, moto server and the simulator.

shopify.dev, "Implement authorization code grant manually"
(https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant):
the query's ``hmac`` is the hex HMAC-SHA256 of the other parameters sorted and joined with ``&``; the
``state`` sent to the authorize page must come back; the code is exchanged at
``/admin/oauth/access_token`` (``expiring=1`` for an expiring offline token, "About offline access
tokens").
"""

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from inventory_ledger import bootstrap, config
from inventory_ledger.adapters.shopify.token_store import DynamoDbTokenStore
from inventory_ledger.domain.oauth import issue_state, query_signature
from local_stack.aws import LocalResources
from local_stack.lambda_events import api_gateway_event
from shopify_simulator import SimulatorServer
from shopify_simulator.oauth import TOKEN_URL_TEMPLATE
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.integration
SHOP = "new-merchant.myshopify.com"
APP = {
    "client_id": "app-id",
    "client_secret": "app-secret",
    "scopes": "read_inventory,write_inventory",
    "redirect_uri": "https://example.invalid/local/oauth/callback",
}


@pytest.fixture
def installable(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SimulatorServer]:
    monkeypatch.setenv("SHOPIFY_TOKEN_URL_TEMPLATE", shopify_simulator.base_url + TOKEN_URL_TEMPLATE)
    monkeypatch.setenv("APP_SECRET_NAME", "inventory-ledger/local/app")
    config.clear_cached_settings()
    bootstrap.reset()
    local_aws.client("secretsmanager").create_secret(Name="inventory-ledger/local/app", SecretString=json.dumps(APP))
    shopify_simulator.state.add_shop(SHOP, "shpat_unused", "whsec")
    shopify_simulator.oauth.install(SHOP, APP["client_id"], APP["client_secret"])
    yield shopify_simulator
    bootstrap.reset()


def signed(params: dict[str, str], secret: str = APP["client_secret"]) -> dict[str, str]:
    params = {**params, "timestamp": str(int(time.time()))}
    return {**params, "hmac": query_signature(params, secret)}


def call(path: str, params: dict[str, str], cookie: str | None = None) -> dict[str, Any]:
    event = api_gateway_event(path=path, headers={"Cookie": cookie} if cookie else {}, body=b"", method="GET")
    event["queryStringParameters"] = params
    response: dict[str, Any] = load_handler("shopify_oauth").lambda_handler(event, FakeLambdaContext())
    return response


def begin() -> tuple[str, str]:
    response = call("/oauth/install", signed({"shop": SHOP}))
    assert response["statusCode"] == 302
    headers = {name: values[0] for name, values in response["multiValueHeaders"].items()}
    location = urlparse(headers["Location"])
    assert location.netloc == SHOP
    assert location.path == "/admin/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == APP["client_id"]
    assert query["redirect_uri"] == APP["redirect_uri"]
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    return query["state"], cookie.split(";")[0]


def test_an_install_stores_the_credentials_and_an_expiring_token(
    installable: SimulatorServer, local_aws: LocalResources
) -> None:
    state, cookie = begin()
    code = installable.oauth.authorization_code(SHOP)
    response = call("/oauth/callback", signed({"shop": SHOP, "code": code, "state": state}), cookie)
    assert response["statusCode"] == 200, response["body"]
    stored = DynamoDbTokenStore(local_aws.table_name).read(SHOP)
    assert stored is not None
    assert installable.oauth.accepts(SHOP, stored.access_token)
    assert stored.expires_at > time.time() + 3000  # an expiring offline token (one hour)
    secrets = local_aws.client("secretsmanager")
    admin = json.loads(secrets.get_secret_value(SecretId=f"inventory-ledger/admin/{SHOP}")["SecretString"])
    assert admin == {"kind": "expiring_offline", "client_id": "app-id", "client_secret": "app-secret"}
    signing = json.loads(secrets.get_secret_value(SecretId=f"{local_aws.shop_secret_prefix}{SHOP}")["SecretString"])
    assert signing == {"webhook_secrets": ["app-secret"]}
    # The same callback again (a reload): the code was spent, Shopify refuses it, nothing changes.
    again = call("/oauth/callback", signed({"shop": SHOP, "code": code, "state": state}), cookie)
    assert again["statusCode"] == 400
    assert DynamoDbTokenStore(local_aws.table_name).read(SHOP) == stored


@pytest.mark.parametrize(
    "case", ["bad_hmac", "no_cookie", "other_browser", "expired_state", "other_shop_state", "bad_shop", "no_code"]
)
def test_a_callback_that_fails_a_check_stores_nothing(
    installable: SimulatorServer, local_aws: LocalResources, case: str
) -> None:
    state, cookie = begin()
    params: dict[str, str] = {"shop": SHOP, "code": installable.oauth.authorization_code(SHOP), "state": state}
    expected = {
        "bad_hmac": 401,
        "no_cookie": 403,
        "other_browser": 403,
        "expired_state": 403,
        "other_shop_state": 403,
        "bad_shop": 400,
        "no_code": 400,
    }[case]
    query = signed(params)
    if case == "bad_hmac":
        query = signed(params, secret="not-the-app-secret")
    elif case == "no_cookie":
        cookie = ""
    elif case == "other_browser":
        cookie = "ledger_oauth_state=" + issue_state(SHOP, APP["client_secret"], time.time())
    elif case in ("expired_state", "other_shop_state"):
        shop = SHOP if case == "expired_state" else "elsewhere.myshopify.com"
        stale = issue_state(shop, APP["client_secret"], time.time() - (700 if case == "expired_state" else 0))
        query, cookie = signed({**params, "state": stale}), f"ledger_oauth_state={stale}"
    elif case == "bad_shop":
        query = signed({**params, "shop": "evil.example.com"})
    elif case == "no_code":
        query = signed({k: v for k, v in params.items() if k != "code"})
    response = call("/oauth/callback", query, cookie or None)
    assert response["statusCode"] == expected, response["body"]
    assert DynamoDbTokenStore(local_aws.table_name).read(SHOP) is None
    assert installable.oauth.apps[SHOP].requests == []  # no code was exchanged
