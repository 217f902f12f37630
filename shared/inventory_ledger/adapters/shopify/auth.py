"""Admin API access tokens as Shopify issues them now: minted, refreshed, or (legacy) static.

A shop's Admin credentials (secret ``<ADMIN_SECRET_PREFIX><shop>``, read with powertools' TTL) are one of:

- ``{"kind": "static", "access_token": "shpat_..."}``: a legacy token of an admin-created custom app.
- ``{"kind": "client_credentials", "client_id": ..., "client_secret": ...}``: an app of the merchant's own
  organisation. Tokens are minted with ``grant_type=client_credentials`` (24 h) and cached in the
  container until shortly before they expire (shopify.dev, "Using the client credentials grant").
- ``{"kind": "expiring_offline", "client_id": ..., "client_secret": ...}``: an app installed with the
  authorization code grant and ``expiring=1``. The access token (1 h) and its refresh token live in the
  ledger table (:mod:`token_store`), because every refresh replaces the refresh token: only the Lambda
  holding the shop's refresh lease spends it, the others wait for its result.

Every source answers :meth:`TokenSource.token` and, after Shopify answered 401 to a token,
:meth:`TokenSource.refreshed`: a new token to try once, or None when there is nothing to refresh.
"""

import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

import httpx
from pydantic import ValidationError

from inventory_ledger.adapters.shopify.errors import ShopifyAuthError, ShopifyTransientError
from inventory_ledger.clock import Clock, Sleeper
from inventory_ledger.domain.credentials import (
    ClientCredentials,
    ExpiringOfflineCredentials,
    StaticCredentials,
    TokenGrant,
    TokenState,
)
from inventory_ledger.observability import logger
from inventory_ledger.ports import TokenStore

TOKEN_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=5.0)


class TokenRefused(ShopifyAuthError):
    """The token endpoint refused the request (invalid_client, invalid_grant, ...): retrying cannot help."""

    def __init__(self, status_code: int, error: str, description: str) -> None:
        super().__init__(status_code, f"token endpoint: {error}: {description}")
        self.error = error


class TokenEndpoint:
    """``POST https://{shop}/admin/oauth/access_token``, form-encoded as shopify.dev shows it."""

    def __init__(self, url_for: Callable[[str], str], http_client: httpx.Client | None = None) -> None:
        self._url_for = url_for
        self._http = http_client if http_client is not None else httpx.Client(timeout=TOKEN_TIMEOUT)

    def client_credentials(self, shop: str, credentials: ClientCredentials) -> TokenGrant:
        return self._post(shop, {"grant_type": "client_credentials", **_client(credentials)})

    def refresh(self, shop: str, credentials: ExpiringOfflineCredentials, refresh_token: str) -> TokenGrant:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **_client(credentials)}
        return self._post(shop, form)

    def exchange_code(self, shop: str, credentials: ExpiringOfflineCredentials, code: str) -> TokenGrant:
        return self._post(shop, {"code": code, "expiring": "1", **_client(credentials)})

    def _post(self, shop: str, form: dict[str, str]) -> TokenGrant:
        try:
            response = self._http.post(self._url_for(shop), data=form, headers={"Accept": "application/json"})
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise ShopifyTransientError(f"token endpoint: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise ShopifyTransientError(f"token endpoint: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            description = body.get("error_description") if isinstance(body, dict) else None
            raise TokenRefused(response.status_code, str(error or "refused"), str(description or response.text[:200]))
        try:
            return TokenGrant.model_validate(body)
        except ValidationError as exc:
            # A lost or mangled answer: Shopify keeps the refresh token used until its replacement is
            # used, so asking again is safe.
            raise ShopifyTransientError("token endpoint: 200 without a usable token") from exc


def _client(credentials: ClientCredentials | ExpiringOfflineCredentials) -> dict[str, str]:
    return {"client_id": credentials.client_id, "client_secret": credentials.client_secret}


class TokenSource(Protocol):
    def token(self) -> str:
        """A token to send now; raises TokenRefused, ShopifyAuthError or ShopifyTransientError."""
        ...

    def refreshed(self, rejected: str) -> str | None:
        """Shopify answered 401 to ``rejected``: a different token to try once, or None."""
        ...


class StaticTokenSource:
    """A legacy token, re-read from its secret (TTL) so a rotated one is picked up without a redeploy."""

    def __init__(self, read: Callable[[bool], StaticCredentials]) -> None:
        self._read = read  # read(force_fetch)

    def token(self) -> str:
        return self._read(False).access_token

    def refreshed(self, rejected: str) -> str | None:
        fresh = self._read(True).access_token
        return fresh if fresh != rejected else None


class _GrantedTokenSource[C: ClientCredentials | ExpiringOfflineCredentials]:
    """What the two sources that ask the token endpoint hold alike: the shop, how its credentials are
    read, the endpoint, how long before expiry a token counts as spent, the clock, and the lock under
    which one thread at a time gets a new token."""

    def __init__(self, shop: str, read: Callable[[], C], endpoint: TokenEndpoint, margin: float, clock: Clock) -> None:
        self.shop = shop
        self._read = read
        self._endpoint = endpoint
        self._margin = margin
        self._clock = clock
        self._lock = threading.Lock()


class ClientCredentialsTokenSource(_GrantedTokenSource[ClientCredentials]):
    """Mints with the client credentials grant; one token per container until shortly before expiry."""

    def __init__(
        self,
        shop: str,
        read: Callable[[], ClientCredentials],
        endpoint: TokenEndpoint,
        *,
        margin_seconds: float,
        clock: Clock = time.time,
    ) -> None:
        super().__init__(shop, read, endpoint, margin_seconds, clock)
        self._token: str | None = None
        self._valid_until = 0.0
        self.minted = 0

    def token(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._valid_until:
                return self._token
            return self._mint()

    def refreshed(self, rejected: str) -> str | None:
        with self._lock:
            if self._token is not None and self._token != rejected and self._clock() < self._valid_until:
                return self._token
            return self._mint()

    def _mint(self) -> str:
        grant = self._endpoint.client_credentials(self.shop, self._read())
        self.minted += 1
        lifetime = grant.expires_in if grant.expires_in is not None else 86_399
        self._token = grant.access_token
        self._valid_until = self._clock() + max(0.0, lifetime - self._margin)
        logger.info("shopify token minted", extra={"shop": self.shop, "expires_in": grant.expires_in})
        return grant.access_token


class NoTokenStored(ShopifyAuthError):
    """An expiring-offline shop without stored tokens: the app must be installed (again)."""

    def __init__(self, shop: str) -> None:
        super().__init__(401, f"no stored access token for {shop}: install the app")


class ExpiringOfflineTokenSource(_GrantedTokenSource[ExpiringOfflineCredentials]):
    """Refreshes an expiring offline token before it expires; one refresh per shop across Lambdas.

    The refresh token rotates, so two Lambdas must never both spend it: a Lambda takes the shop's
    lease (a conditional write on the stored version) before it refreshes; one that finds the lease
    taken polls the stored state until the version moves (or the lease lapses, then tries to take it).
    """

    def __init__(
        self,
        shop: str,
        read: Callable[[], ExpiringOfflineCredentials],
        endpoint: TokenEndpoint,
        store: TokenStore,
        *,
        margin_seconds: float,
        wait_seconds: float,
        lease_seconds: float = 30.0,
        poll_seconds: float = 0.05,
        clock: Clock = time.time,
        sleeper: Sleeper = time.sleep,
    ) -> None:
        super().__init__(shop, read, endpoint, margin_seconds, clock)
        self._store = store
        self._wait = wait_seconds
        self._lease = lease_seconds
        self._poll = poll_seconds
        self._sleeper = sleeper
        self._owner = uuid.uuid4().hex
        self._state: TokenState | None = None
        self.refreshes = 0

    def token(self) -> str:
        with self._lock:
            state = self._state
            if state is None or not self._fresh(state):
                state = self._load()
                if not self._fresh(state):
                    state = self._refresh(state)
            return state.access_token

    def refreshed(self, rejected: str) -> str | None:
        with self._lock:
            state = self._load()
            if state.access_token != rejected and self._fresh(state):
                return state.access_token  # another Lambda refreshed already
            return self._refresh(state).access_token

    def _fresh(self, state: TokenState) -> bool:
        return self._clock() < state.expires_at - self._margin

    def _load(self) -> TokenState:
        state = self._store.read(self.shop)
        if state is None:
            raise NoTokenStored(self.shop)
        self._state = state
        return state

    def _refresh(self, seen: TokenState) -> TokenState:
        deadline = self._clock() + self._wait
        state = seen
        while True:
            now = self._clock()
            if self._store.try_lease(self.shop, state.version, self._owner, now, now + self._lease):
                return self._spend(state)
            # Someone else holds the lease (or refreshed already): wait for its result.
            while True:
                current = self._load()
                if current.version != seen.version and self._fresh(current):
                    return current
                if self._clock() >= deadline:
                    raise ShopifyTransientError(f"token refresh of {self.shop} by another invocation did not finish")
                # Lapsed exactly as the store's condition says (`lease_until < now`), so a lease the store
                # still counts as live is never retried in a busy loop.
                if current.lease_until is None or current.lease_until < self._clock():
                    state = current
                    break  # no live lease: try to take it
                self._sleeper(self._poll)

    def _spend(self, state: TokenState) -> TokenState:
        try:
            grant = self._endpoint.refresh(self.shop, self._read(), state.refresh_token)
        except BaseException:
            self._store.release(self.shop, self._owner)
            raise
        self.refreshes += 1
        stored = self._store.complete(self.shop, state.version, grant, self._clock())
        if stored is None:
            # Our lease lapsed and another invocation stored a refresh first: its tokens are the live ones.
            raise ShopifyTransientError(f"token refresh of {self.shop} outlived its lease")
        self._state = stored
        logger.info("shopify token refreshed", extra={"shop": self.shop, "version": stored.version})
        return stored
