"""Token sources and the client's one refresh after a 401, on httpx.MockTransport (no sockets).

Token endpoint shapes: shopify.dev, "About client credentials"
(https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets): form-encoded
``grant_type=client_credentials&client_id=...&client_secret=...``, answered
``{"access_token", "scope", "expires_in"}``; "Offline access tokens now support expiry and refresh"
(https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh): ``expires_in``
3600 with a ``refresh_token``. 401 body of the Admin API: shopify.dev GraphQL Admin API reference,
``[API] Invalid API key or access token (unrecognized login or wrong password)``.
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from inventory_ledger.adapters.shopify.auth import (
    ClientCredentialsTokenSource,
    ExpiringOfflineTokenSource,
    TokenEndpoint,
    TokenRefused,
)
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.errors import ShopifyAuthError, ShopifyTransientError
from inventory_ledger.domain.credentials import ClientCredentials, ExpiringOfflineCredentials, TokenGrant, TokenState

SHOP = "demo.myshopify.com"
INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
CREDENTIALS = ClientCredentials(kind="client_credentials", client_id="id", client_secret="secret")


class TokenShop:
    """The token endpoint and a GraphQL endpoint that takes only the newest minted token."""

    def __init__(self) -> None:
        self.minted: list[str] = []
        self.forms: list[dict[str, list[str]]] = []
        self.token_answer: httpx.Response | None = None
        self.reject_all = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/admin/oauth/access_token"):
            self.forms.append(parse_qs(request.content.decode()))
            if self.token_answer is not None:
                return self.token_answer
            token = f"shpat_{len(self.minted)}"
            self.minted.append(token)
            return httpx.Response(200, json={"access_token": token, "scope": "write_inventory", "expires_in": 86399})
        token = request.headers.get("X-Shopify-Access-Token")
        if self.reject_all or not self.minted or token != self.minted[-1]:
            return httpx.Response(401, json=INVALID)
        return httpx.Response(200, json={"data": {"shop": {"name": "x"}}})


def make(shop: TokenShop, now: list[float]) -> tuple[ShopifyAdminClient, ClientCredentialsTokenSource]:
    http = httpx.Client(transport=httpx.MockTransport(shop))
    endpoint = TokenEndpoint(lambda s: f"https://{s}/admin/oauth/access_token", http)
    source = ClientCredentialsTokenSource(SHOP, lambda: CREDENTIALS, endpoint, margin_seconds=300, clock=lambda: now[0])
    client = ShopifyAdminClient(
        SHOP, source, f"https://{SHOP}/admin/api/2026-07/graphql.json", http_client=http, sleeper=lambda s: None
    )
    return client, source


def test_a_token_is_minted_with_the_documented_form_and_cached_until_shortly_before_expiry() -> None:
    shop, now = TokenShop(), [1_000.0]
    client, source = make(shop, now)
    client.execute("query Shop { shop { name } }")
    client.execute("query Shop { shop { name } }")
    assert source.minted == 1
    assert shop.forms[0] == {"grant_type": ["client_credentials"], "client_id": ["id"], "client_secret": ["secret"]}
    now[0] += 86_399 - 300  # inside the margin: minted again before Shopify would refuse it
    client.execute("query Shop { shop { name } }")
    assert source.minted == 2


def test_a_401_mints_once_and_the_call_goes_through() -> None:
    shop, now = TokenShop(), [1_000.0]
    client, source = make(shop, now)
    client.execute("query Shop { shop { name } }")
    shop.minted.append("shpat_minted_elsewhere")  # Shopify no longer takes ours
    assert client.execute("query Shop { shop { name } }") == {"shop": {"name": "x"}}
    assert source.minted == 2


def test_a_second_401_fails_the_call_without_a_loop() -> None:
    shop, now = TokenShop(), [1_000.0]
    client, source = make(shop, now)
    shop.reject_all = True
    with pytest.raises(ShopifyAuthError) as error:
        client.execute("query Shop { shop { name } }")
    assert error.value.status_code == 401
    assert source.minted == 2  # the first token, and one refresh


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (httpx.Response(400, json={"error": "invalid_client", "error_description": "bad"}), TokenRefused),
        (httpx.Response(400, text="<html>oops</html>"), TokenRefused),
        (httpx.Response(503, text="unavailable"), ShopifyTransientError),
        (httpx.Response(200, json={"scope": "x"}), ShopifyTransientError),  # no token in a 200
        (httpx.Response(200, text="not json"), ShopifyTransientError),
    ],
)
def test_token_endpoint_answers_become_typed_errors(answer: httpx.Response, expected: type[Exception]) -> None:
    shop = TokenShop()
    shop.token_answer = answer
    endpoint = TokenEndpoint(
        lambda s: f"https://{s}/admin/oauth/access_token", httpx.Client(transport=httpx.MockTransport(shop))
    )
    with pytest.raises(expected):
        endpoint.client_credentials(SHOP, CREDENTIALS)


def test_a_refused_mint_is_not_retried_by_the_client() -> None:
    shop, now = TokenShop(), [1_000.0]
    shop.token_answer = httpx.Response(400, json={"error": "invalid_client", "error_description": "bad"})
    client, _ = make(shop, now)
    with pytest.raises(TokenRefused) as error:
        client.execute("query Shop { shop { name } }")
    assert error.value.error == "invalid_client"
    assert len(shop.forms) == 1


class MemoryTokenStore:
    """The DynamoDB token store's conditions, in memory (the DynamoDB one runs in the integration tests)."""

    def __init__(self, state: TokenState) -> None:
        self.state = state

    def read(self, shop: str) -> TokenState | None:
        return self.state

    def save_grant(self, shop: str, grant: TokenGrant, now: float) -> TokenState:
        raise NotImplementedError

    def try_lease(self, shop: str, version: int, owner: str, now: float, until: float) -> bool:
        live = self.state.lease_until is not None and not self.state.lease_until < now  # as DynamoDB's condition
        if self.state.version != version or live:
            return False
        self.state = self.state.model_copy(update={"lease_owner": owner, "lease_until": until})
        return True

    def complete(self, shop: str, version: int, grant: TokenGrant, now: float) -> TokenState | None:
        if self.state.version != version:
            return None
        assert grant.refresh_token is not None
        assert grant.expires_in is not None
        self.state = TokenState(
            access_token=grant.access_token,
            expires_at=now + grant.expires_in,
            refresh_token=grant.refresh_token,
            version=version + 1,
        )
        return self.state

    def release(self, shop: str, owner: str) -> None:
        if self.state.lease_owner == owner:
            self.state = self.state.model_copy(update={"lease_owner": None, "lease_until": None})


def refreshing_endpoint(answers: list[httpx.Response]) -> tuple[TokenEndpoint, list[dict[str, list[str]]]]:
    forms: list[dict[str, list[str]]] = []

    def route(request: httpx.Request) -> httpx.Response:
        forms.append(parse_qs(request.content.decode()))
        return answers.pop(0)

    return TokenEndpoint(lambda s: f"https://{s}/t", httpx.Client(transport=httpx.MockTransport(route))), forms


EXPIRING = ExpiringOfflineCredentials(kind="expiring_offline", client_id="id", client_secret="secret")
ROTATED = {"access_token": "new", "expires_in": 3600, "refresh_token": "r2", "refresh_token_expires_in": 7_776_000}


def expired_token(now: float, *, version: int = 1, **lease: Any) -> TokenState:
    """The stored token "old", expired a second ago, refreshable with "r1"; ``lease`` as stored."""
    return TokenState(access_token="old", expires_at=now - 1, refresh_token="r1", version=version, **lease)


def expiring_source(
    endpoint: TokenEndpoint, store: MemoryTokenStore, now: list[float], sleep: Callable[[float], None], **timing: float
) -> ExpiringOfflineTokenSource:
    """The shop's expiring offline token source on a clock the test moves (``now[0]``)."""
    timing = {"margin_seconds": 300, "wait_seconds": 60, **timing}
    return ExpiringOfflineTokenSource(
        SHOP, lambda: EXPIRING, endpoint, store, clock=lambda: now[0], sleeper=sleep, **timing
    )


def test_a_lease_left_by_a_dead_invocation_is_taken_once_it_lapses() -> None:
    now = [10_000.0]
    expired = expired_token(now[0], version=3, lease_owner="dead", lease_until=now[0] + 30)
    store = MemoryTokenStore(expired)
    endpoint, forms = refreshing_endpoint([httpx.Response(200, json=ROTATED)])

    def sleep(seconds: float) -> None:
        now[0] += seconds  # the poll interval passes

    source = expiring_source(endpoint, store, now, sleep, poll_seconds=5)
    assert source.token() == "new"
    assert forms == [
        {"grant_type": ["refresh_token"], "refresh_token": ["r1"], "client_id": ["id"], "client_secret": ["secret"]}
    ]
    assert store.state.version == 4
    assert store.state.lease_owner is None


def test_a_refresh_refused_releases_the_lease_and_fails_the_shop() -> None:
    now = [10_000.0]
    store = MemoryTokenStore(expired_token(now[0]))
    refused = httpx.Response(400, json={"error": "invalid_grant", "error_description": "used"})
    endpoint, _ = refreshing_endpoint([refused])
    source = expiring_source(endpoint, store, now, lambda s: None)
    with pytest.raises(TokenRefused):
        source.token()
    assert store.state.lease_owner is None  # the next invocation may try (after a reinstall)
    assert store.state.version == 1


def test_waiting_past_the_deadline_for_anothers_refresh_is_transient() -> None:
    now = [10_000.0]
    busy = expired_token(now[0], lease_owner="other", lease_until=now[0] + 10_000)
    endpoint, forms = refreshing_endpoint([])

    def sleep(seconds: float) -> None:
        now[0] += seconds

    source = expiring_source(endpoint, MemoryTokenStore(busy), now, sleep, wait_seconds=20, poll_seconds=5)
    with pytest.raises(ShopifyTransientError):
        source.token()
    assert forms == []  # never spent a refresh token it did not hold the lease for
