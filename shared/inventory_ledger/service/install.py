"""Installing the app on a merchant's shop with the authorization code grant (many-stores merchants).

``begin_install``: Shopify (or the merchant's link) opens ``GET /oauth/install?shop=...``; we answer
with a redirect to the shop's authorize page carrying our signed ``state``, set as a cookie too.
``complete_install``: Shopify redirects to ``GET /oauth/callback?code&hmac&shop&state&timestamp``; the
query HMAC, the shop's form and the state (signature, shop, expiry, and the cookie) are checked before
the code is exchanged with ``expiring=1``; then the shop's Admin credentials, its signing secret and
its first expiring token are stored, as every other function reads them.

Refusals: malformed shop or missing code 400, bad or stale HMAC 401, state missing, foreign, expired
or not the browser's 403, token endpoint refusing the code 400; nothing is stored for any of them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field

from inventory_ledger.domain.credentials import ExpiringOfflineCredentials, TokenState
from inventory_ledger.domain.oauth import is_signed_query, is_valid_state, issue_state
from inventory_ledger.domain.webhooks import SHOP_DOMAIN
from inventory_ledger.ports import CodeExchange, CredentialWriter, TokenStore


class AppCredentials(BaseModel):
    """The app's own secret (``APP_SECRET_NAME``): one app, installed on many shops."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    client_id: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    scopes: str = Field(min_length=1)
    redirect_uri: str = Field(min_length=1)


class InstallRefused(Exception):
    def __init__(self, status_code: int, reason: str) -> None:
        super().__init__(reason)
        self.status_code = status_code
        self.reason = reason


@dataclass(frozen=True)
class InstallStores:
    tokens: TokenStore
    secrets: CredentialWriter
    admin_secret_name: str  # with {shop}
    signing_secret_name: str  # with {shop}


def _shop(params: Mapping[str, str]) -> str:
    shop = params.get("shop", "").lower()
    if not SHOP_DOMAIN.match(shop):
        raise InstallRefused(400, "shop is not a myshopify.com domain")
    return shop


def begin_install(params: Mapping[str, str], app: AppCredentials, now: float) -> tuple[str, str]:
    """The authorize URL to redirect to, and the state (also to set as the browser's cookie)."""
    shop = _shop(params)
    if "hmac" in params and not is_signed_query(params, app.client_secret, now):
        raise InstallRefused(401, "request not signed by Shopify")
    state = issue_state(shop, app.client_secret, now)
    query = urlencode(
        {"client_id": app.client_id, "scope": app.scopes, "redirect_uri": app.redirect_uri, "state": state}
    )
    return f"https://{shop}/admin/oauth/authorize?{query}", state


def complete_install(
    params: Mapping[str, str],
    cookie_state: str | None,
    app: AppCredentials,
    endpoint: CodeExchange,
    stores: InstallStores,
    now: float,
) -> TokenState:
    shop = _shop(params)
    if not is_signed_query(params, app.client_secret, now):
        raise InstallRefused(401, "request not signed by Shopify")
    state = params.get("state", "")
    if not state or state != cookie_state or not is_valid_state(state, shop, app.client_secret, now):
        raise InstallRefused(403, "state missing, expired, or not this browser's")
    code = params.get("code", "")
    if not code:
        raise InstallRefused(400, "no authorization code")
    credentials = ExpiringOfflineCredentials(
        kind="expiring_offline", client_id=app.client_id, client_secret=app.client_secret
    )
    grant = endpoint.exchange_code(shop, credentials, code)  # TokenRefused: the handler answers 400
    if grant.refresh_token is None or grant.expires_in is None:
        raise InstallRefused(502, "Shopify answered a non-expiring token to an expiring=1 exchange")
    stores.secrets.put(stores.admin_secret_name.format(shop=shop), credentials.model_dump())
    stores.secrets.put(stores.signing_secret_name.format(shop=shop), {"webhook_secrets": [app.client_secret]})
    return stores.tokens.save_grant(shop, grant, now)
