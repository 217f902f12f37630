"""Shopify's token endpoint, ``POST /shops/{shop}/admin/oauth/access_token``, as the simulator plays it.

What it answers (shopify.dev, "Using the client credentials grant", "About offline access tokens",
"Offline access tokens now support expiry and refresh", "Implement authorization code grant manually"):

- ``grant_type=client_credentials`` + ``client_id`` + ``client_secret``: a token valid 24 h
  (``expires_in`` 86399), no refresh token. Earlier minted tokens stay valid until they expire.
- ``code`` + ``client_id`` + ``client_secret`` (authorization code exchange): with ``expiring=1`` an
  offline token of one hour with a ``refresh_token``; without it a non-expiring offline token. A code
  works once.
- ``grant_type=refresh_token`` + ``refresh_token``: a new access token and a NEW refresh token; the
  refresh token used and the access token it replaced stop working (rotation).

Refusals are OAuth-shaped: 400 ``{"error": "invalid_grant" | "invalid_client" | "invalid_request" |
"unsupported_grant_type", "error_description": ...}``; an unknown shop is 404. Request bodies may be
form-encoded (as shopify.dev shows) or JSON (as Shopify's own libraries send). The GraphQL endpoint
asks :meth:`OAuthApps.accepts` for tokens it did not get from the seed: an expired or replaced token
is answered 401 with Shopify's ``Invalid API key or access token`` body.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from .state import SimulatorState

TOKEN_URL_TEMPLATE = "/shops/{shop}/admin/oauth/access_token"  # noqa: S105 (a path, not a secret)
CLIENT_CREDENTIALS_TTL = 86_399
EXPIRING_OFFLINE_TTL = 3_600
REFRESH_TOKEN_TTL = 90 * 24 * 3600
# The scopes shopify.app.toml asks for.
DEFAULT_SCOPES = (
    "read_inventory,write_inventory,read_locations,read_merchant_managed_fulfillment_orders,read_orders,read_products,"
    "read_returns"
)


@dataclass
class IssuedToken:
    shop: str
    access_token: str
    expires_at: float | None  # None: a non-expiring offline token
    refresh_token: str | None = None
    refresh_expires_at: float | None = None
    revoked: bool = False


@dataclass
class App:
    """One app installed on one shop: its credentials and what the token endpoint has issued."""

    shop: str
    client_id: str
    client_secret: str
    scope: str
    access_token_ttl: int = EXPIRING_OFFLINE_TTL
    client_credentials_ttl: int = CLIENT_CREDENTIALS_TTL
    tokens: dict[str, IssuedToken] = field(default_factory=dict)  # access token -> issued
    refresh_tokens: dict[str, IssuedToken] = field(default_factory=dict)  # live refresh token -> issued
    codes: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)  # grant of each accepted request, in order
    refused: list[str] = field(default_factory=list)  # error code of each refused request


class OAuthError(Exception):
    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status


class OAuthApps:
    """The apps installed per shop and the tokens issued; thread safe (the server is threaded)."""

    def __init__(self, state: SimulatorState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self.apps: dict[str, App] = {}

    def reset(self) -> None:
        with self._lock:
            self.apps.clear()

    # -- what tests and the control side do -------------------------------------------------------
    def install(
        self,
        shop: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str = DEFAULT_SCOPES,
        access_token_ttl: int = EXPIRING_OFFLINE_TTL,
        client_credentials_ttl: int = CLIENT_CREDENTIALS_TTL,
    ) -> App:
        with self._lock:
            app = App(shop, client_id, client_secret, scope, access_token_ttl, client_credentials_ttl)
            self.apps[shop] = app
            return app

    def authorization_code(self, shop: str) -> str:
        """What Shopify puts in the redirect after the merchant approves the install."""
        with self._lock:
            code = secrets.token_hex(16)
            self.apps[shop].codes.add(code)
            return code

    def revoke(self, shop: str) -> None:
        """The app was uninstalled: every token and refresh token of the shop stops working."""
        with self._lock:
            app = self.apps.get(shop)
            if app is not None:
                for issued in app.tokens.values():
                    issued.revoked = True
                app.refresh_tokens.clear()

    def accepts(self, shop: str, access_token: str) -> bool:
        with self._lock:
            app = self.apps.get(shop)
            issued = app.tokens.get(access_token) if app else None
            if issued is None or issued.revoked:
                return False
            return issued.expires_at is None or self.state.clock.now() < issued.expires_at

    # -- the endpoint -------------------------------------------------------------------------------
    def handle(self, request: Request, shop: str) -> Response:
        if request.method != "POST":
            return _json({"errors": "Not Found"}, 404)
        params = _params(request)
        with self._lock:
            app = self.apps.get(shop)
            if app is None:
                return _json({"errors": "Not Found"}, 404)
            try:
                grant, body = self._grant(app, params)
            except OAuthError as error:
                app.refused.append(error.code)
                return _json({"error": error.code, "error_description": error.description}, error.status)
            app.requests.append(grant)
            return _json(body)

    def _grant(self, app: App, params: dict[str, str]) -> tuple[str, dict[str, Any]]:
        if not params.get("client_id") or not params.get("client_secret"):
            raise OAuthError("invalid_request", "client_id and client_secret are required")
        if params["client_id"] != app.client_id or not secrets.compare_digest(
            params["client_secret"], app.client_secret
        ):
            raise OAuthError("invalid_client", "Client authentication failed")
        grant = params.get("grant_type") or ("authorization_code" if "code" in params else "")
        now = self.state.clock.now()
        if grant == "client_credentials":
            return grant, self._issue(app, now, app.client_credentials_ttl, refresh=False)
        if grant == "authorization_code":
            code = params.get("code", "")
            if code not in app.codes:
                raise OAuthError("invalid_grant", "The authorization code is invalid or was used already")
            app.codes.discard(code)
            expiring = params.get("expiring") in ("1", "true")
            return grant, self._issue(app, now, app.access_token_ttl if expiring else None, refresh=expiring)
        if grant == "refresh_token":
            issued = app.refresh_tokens.pop(params.get("refresh_token", ""), None)
            if issued is None or (issued.refresh_expires_at is not None and now >= issued.refresh_expires_at):
                raise OAuthError("invalid_grant", "The refresh token is invalid, expired, revoked or was used already")
            issued.revoked = True  # the access token it came with is replaced too
            return grant, self._issue(app, now, app.access_token_ttl, refresh=True)
        raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _issue(self, app: App, now: float, ttl: int | None, *, refresh: bool) -> dict[str, Any]:
        access = "shpat_" + secrets.token_hex(16)
        issued = IssuedToken(app.shop, access, None if ttl is None else now + ttl)
        body: dict[str, Any] = {"access_token": access, "scope": app.scope}
        if ttl is not None:
            body["expires_in"] = ttl
        if refresh:
            issued.refresh_token = "shprt_" + secrets.token_hex(16)
            issued.refresh_expires_at = now + REFRESH_TOKEN_TTL
            app.refresh_tokens[issued.refresh_token] = issued
            body["refresh_token"] = issued.refresh_token
            body["refresh_token_expires_in"] = REFRESH_TOKEN_TTL
        app.tokens[access] = issued
        return body


def _params(request: Request) -> dict[str, str]:
    if request.mimetype == "application/json":
        try:
            raw = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
    merged = {**request.args.to_dict(), **request.form.to_dict()}
    return {str(k): str(v) for k, v in merged.items()}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")
