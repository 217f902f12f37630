"""Admin tokens as Shopify issues them now, through moto server (secrets, token table) and the simulator.

Shapes of the token endpoint's requests and answers: shopify.dev
- https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/client-credentials-grant
- https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets
- https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/offline-access-tokens
- https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh
- https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant
"""

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from inventory_ledger import bootstrap, config
from inventory_ledger.adapters.shopify.auth import ExpiringOfflineTokenSource, TokenEndpoint, TokenRefused
from inventory_ledger.adapters.shopify.token_store import DynamoDbTokenStore
from inventory_ledger.config import shopify_settings
from inventory_ledger.domain import operations
from inventory_ledger.domain.credentials import ExpiringOfflineCredentials
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.service.operations import record_operation
from inventory_ledger.service.push import PushReport, push_levels
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from shopify_simulator.oauth import TOKEN_URL_TEMPLATE
from tests.support.merchant import SHOP, DemoMerchant, create_demo_merchant, now

pytestmark = pytest.mark.integration
CLIENT_ID = "client-id-demo"
CLIENT_SECRET = "client-secret-demo"
CREDENTIALS = ExpiringOfflineCredentials(kind="expiring_offline", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest.fixture
def merchant(
    local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DemoMerchant]:
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    monkeypatch.setenv("SHOPIFY_TOKEN_URL_TEMPLATE", shopify_simulator.base_url + TOKEN_URL_TEMPLATE)
    config.clear_cached_settings()
    bootstrap.reset()
    merchant = create_demo_merchant(shopify_simulator.base_url, local_aws)
    # The legacy token stops working: from here on only tokens the token endpoint issued are taken.
    shopify_simulator.state.shop(SHOP).access_token = "shpat_revoked"
    yield merchant
    bootstrap.reset()


def put_admin_secret(resources: LocalResources, value: dict[str, str]) -> None:
    name = shopify_settings().admin_secret_name(SHOP)
    client = resources.client("secretsmanager")
    try:
        client.create_secret(Name=name, SecretString=json.dumps(value))
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=json.dumps(value))


def install_expiring(merchant: DemoMerchant, simulator: SimulatorServer) -> DynamoDbTokenStore:
    """What the OAuth callback does: exchange the code (expiring=1), store the tokens, store the client."""
    simulator.oauth.install(SHOP, CLIENT_ID, CLIENT_SECRET)
    put_admin_secret(merchant.resources, CREDENTIALS.model_dump())
    endpoint = TokenEndpoint(shopify_settings().token_url)
    grant = endpoint.exchange_code(SHOP, CREDENTIALS, simulator.oauth.authorization_code(SHOP))
    assert grant.expires_in == 3600
    assert grant.refresh_token
    store = DynamoDbTokenStore(merchant.resources.table_name)
    store.save_grant(SHOP, grant, time.time())
    return store


def receive_and_push(merchant: DemoMerchant, sku: str, quantity: int, ref: str) -> PushReport:
    record_operation(operations.receive(SHOP, "warehouse", sku, quantity, ref), merchant.ledger, now)
    keys = [LevelKey(SHOP, "warehouse", sku)]
    return push_levels(keys, merchant.ledger, bootstrap.merchant_directory(), bootstrap.shopify_for, now)


def test_an_expiring_token_that_expires_mid_run_is_refreshed_and_the_pushes_continue(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """An offline token expires after an hour (expires_in 3600); the refresh answers a new access token
    and a new refresh token, and the one used stops working (shopify.dev changelog, "Offline access
    tokens now support expiry and refresh"; "About offline access tokens")."""
    store = install_expiring(merchant, shopify_simulator)
    first = store.read(SHOP)
    assert first is not None
    report = receive_and_push(merchant, "A", 2, "po-1")
    assert report.failed == {}
    assert len(report.pushed) == 1
    assert merchant.shopify_available("warehouse", "A") == 12

    shopify_simulator.sim.advance(3601)  # Shopify's clock: the token has expired, ours does not know yet
    report = receive_and_push(merchant, "A", 3, "po-2")
    assert report.failed == {}
    assert len(report.pushed) == 1
    assert merchant.shopify_available("warehouse", "A") == 15
    app = shopify_simulator.oauth.apps[SHOP]
    assert app.requests == ["authorization_code", "refresh_token"]
    second = store.read(SHOP)
    assert second is not None
    assert second.version == first.version + 1
    assert second.refresh_token != first.refresh_token
    # Rotation: the refresh token spent is refused from now on.
    with pytest.raises(TokenRefused) as refused:
        TokenEndpoint(shopify_settings().token_url).refresh(SHOP, CREDENTIALS, first.refresh_token)
    assert refused.value.status_code == 400
    assert refused.value.error == "invalid_grant"
    # The expired token is answered as Shopify does.
    answer = httpx.post(
        shopify_simulator.graphql_url(SHOP),
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": first.access_token},
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json() == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def test_two_lambdas_refreshing_at_once_spend_the_refresh_token_once_and_keep_the_shop(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """Refresh tokens rotate on every use (shopify.dev, "Use expiring offline access tokens"): two
    invocations that both see the token expiring must not both spend it."""
    store = install_expiring(merchant, shopify_simulator)
    endpoint = TokenEndpoint(shopify_settings().token_url)

    def later() -> float:
        return time.time() + 3_500  # within the refresh margin of the stored expiry, for both

    table = merchant.resources.table_name
    lambdas = [
        ExpiringOfflineTokenSource(
            SHOP,
            lambda: CREDENTIALS,
            endpoint,
            DynamoDbTokenStore(table),
            margin_seconds=300,
            wait_seconds=20,
            clock=later,
        )
        for _ in range(2)
    ]
    start = threading.Barrier(2)
    tokens: list[str] = []
    errors: list[BaseException] = []

    def run(source: ExpiringOfflineTokenSource) -> None:
        start.wait()
        try:
            tokens.append(source.token())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(source,)) for source in lambdas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    app = shopify_simulator.oauth.apps[SHOP]
    assert app.requests.count("refresh_token") == 1
    assert app.refused == []
    assert sum(source.refreshes for source in lambdas) == 1
    assert shopify_simulator.oauth.accepts(SHOP, tokens[0])
    state = store.read(SHOP)
    assert state is not None
    assert state.access_token == tokens[0]
    assert state.lease_owner is None
    # And the shop still pushes, with the stored token.
    report = receive_and_push(merchant, "B", 1, "po-3")
    assert report.failed == {}
    assert merchant.shopify_available("warehouse", "B") == 11


def test_client_credentials_are_minted_once_and_again_when_shopify_expires_the_token(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """grant_type=client_credentials answers a token valid 24 hours, no refresh token (shopify.dev,
    "Using the client credentials grant")."""
    shopify_simulator.oauth.install(SHOP, CLIENT_ID, CLIENT_SECRET)
    put_admin_secret(
        merchant.resources, {"kind": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    for n, ref in enumerate(("po-1", "po-2")):
        assert receive_and_push(merchant, "C", 1, ref).failed == {}
        assert merchant.shopify_available("warehouse", "C") == 11 + n
    app = shopify_simulator.oauth.apps[SHOP]
    assert app.requests == ["client_credentials"]  # cached between batches
    shopify_simulator.sim.advance(86_400)
    assert receive_and_push(merchant, "C", 1, "po-3").failed == {}
    assert merchant.shopify_available("warehouse", "C") == 13
    assert app.requests == ["client_credentials", "client_credentials"]


def test_a_revoked_app_fails_that_shops_pushes_after_one_refresh_and_says_why(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """The uninstalled app's tokens and refresh tokens stop working: one refresh is tried
    (invalid_grant), then the shop's levels are set aside, marked for re-push (the batch succeeds for
    other shops); nothing is retried in a loop."""
    install_expiring(merchant, shopify_simulator)
    shopify_simulator.oauth.revoke(SHOP)
    report = receive_and_push(merchant, "A", 1, "po-1")
    key = LevelKey(SHOP, "warehouse", "A")
    assert list(report.set_aside) == [key]
    assert report.failed == {}
    assert "invalid_grant" in report.set_aside[key]
    assert merchant.ledger.repush_marks(SHOP) == [key]
    assert shopify_simulator.oauth.apps[SHOP].refused == ["invalid_grant"]
    assert merchant.shopify_available("warehouse", "A") == 10


def test_wrong_client_secret_is_refused_by_the_token_endpoint(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    shopify_simulator.oauth.install(SHOP, CLIENT_ID, CLIENT_SECRET)
    put_admin_secret(merchant.resources, {"kind": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"})
    report = receive_and_push(merchant, "A", 1, "po-1")
    key = LevelKey(SHOP, "warehouse", "A")
    assert "invalid_client" in report.set_aside[key]
    assert shopify_simulator.oauth.apps[SHOP].refused == ["invalid_client"]


def test_one_shops_broken_credentials_set_aside_only_that_shops_levels_in_the_batch(
    merchant: DemoMerchant, shopify_simulator: SimulatorServer
) -> None:
    """Two shops in one stream batch: the one whose token cannot be minted (the token endpoint does
    not know the app: 404) is set aside for re-push; the other is pushed."""
    shopify_simulator.oauth.install(SHOP, CLIENT_ID, CLIENT_SECRET)
    put_admin_secret(
        merchant.resources, {"kind": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    broken = "broken-shop.myshopify.com"
    directory = bootstrap.merchant_directory()
    directory.register_shop(broken, onboarded_at=now())
    directory.map_location(broken, "warehouse", 1)
    directory.set_primary_location(broken, "warehouse")
    directory.map_sku(broken, "A", 2)
    client = merchant.resources.client("secretsmanager")
    client.create_secret(
        Name=shopify_settings().admin_secret_name(broken),
        SecretString=json.dumps({"kind": "client_credentials", "client_id": "x", "client_secret": "y"}),
    )
    record_operation(operations.receive(broken, "warehouse", "A", 4, "po-b"), merchant.ledger, now)
    record_operation(operations.receive(SHOP, "warehouse", "A", 2, "po-a"), merchant.ledger, now)
    keys = [LevelKey(SHOP, "warehouse", "A"), LevelKey(broken, "warehouse", "A")]
    report = push_levels(keys, merchant.ledger, directory, bootstrap.shopify_for, now)
    assert [push.key for push in report.pushed] == [keys[0]]
    assert list(report.set_aside) == [keys[1]]
    assert "HTTP 404" in report.set_aside[keys[1]]
    assert report.failed == {}
    assert merchant.shopify_available("warehouse", "A") == 12
