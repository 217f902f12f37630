"""Token sources and the client's one refresh after a 401, on httpx.MockTransport (no sockets).

Token endpoint shapes: shopify.dev, "About client credentials"
(https://shopify.dev/docs/apps/build/authentication-authorization/client-secrets): form-encoded
``grant_type=client_credentials&client_id=...&client_secret=...``, answered
``{"access_token", "scope", "expires_in"}``; "Offline access tokens now support expiry and refresh"
(https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh): ``expires_in``
3600 with a ``refresh_token``. 401 body of the Admin API: shopify.dev GraphQL Admin API reference,
``[API] Invalid API key or access token (unrecognized login or wrong password)``.
"""

from urllib.parse import parse_qs

import httpx
import pytest

from inventory_ledger.adapters.shopify.auth import (
    ClientCredentials,
    ClientCredentialsTokenSource,
    TokenEndpoint,
    TokenRefused,
)
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.errors import ShopifyAuthError, ShopifyTransientError

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
