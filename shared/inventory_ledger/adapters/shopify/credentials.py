"""A shop's Admin credentials from Secrets Manager (powertools Parameters, TTL) and the client factory.

Two secrets per shop (docs/contracts.md): the signing secrets ``<SHOP_SECRET_PREFIX><shop>``
(``{"webhook_secrets": [...]}``, the only ones webhook_ingress may read) and the Admin credentials
``<ADMIN_SECRET_PREFIX><shop>`` (see :mod:`auth` for the three kinds). A shop that still has only the
legacy combined secret (``{"webhook_secrets": [...], "admin_access_token": "shpat_..."}``) is read as
a static token from it. Both are cached ``secret_max_age_seconds``, so a rotation is picked up
without a redeploy.
"""

from functools import partial
from typing import Any

import httpx
from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from inventory_ledger.adapters.secrets import secret_not_found
from inventory_ledger.adapters.shopify.auth import (
    ClientCredentialsTokenSource,
    ExpiringOfflineTokenSource,
    StaticTokenSource,
    TokenEndpoint,
    TokenSource,
)
from inventory_ledger.adapters.shopify.client import DEFAULT_RETRIES, RetryBudget, ShopifyAdminClient
from inventory_ledger.adapters.shopify.errors import ShopifyAuthError, ShopifyTransientError
from inventory_ledger.config import ShopifySettings, shopify_settings
from inventory_ledger.domain.credentials import (
    AdminCredentials,
    ClientCredentials,
    ExpiringOfflineCredentials,
    StaticCredentials,
)
from inventory_ledger.ports import TokenStore

_ADMIN = TypeAdapter[AdminCredentials](AdminCredentials)


class ShopSecret(BaseModel):
    """The legacy combined secret's static Admin token (its signing secrets are read by adapters/secrets.py)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    admin_access_token: str = Field(min_length=1)


def _get(name: str, settings: ShopifySettings, *, force: bool = False) -> Any:
    return parameters.get_secret(name, transform="json", max_age=settings.secret_max_age_seconds, force_fetch=force)


def admin_credentials(
    shop_domain: str, settings: ShopifySettings | None = None, *, force: bool = False
) -> AdminCredentials:
    """The shop's Admin credentials; the legacy combined secret's token when there are none.

    Raises GetParameterError (no secret at all, or Secrets Manager failing) or ValidationError.
    """
    settings = settings or shopify_settings()
    try:
        raw = _get(settings.admin_secret_name(shop_domain), settings, force=force)
    except parameters.exceptions.GetParameterError as error:
        if not secret_not_found(error):
            raise
        legacy = ShopSecret.model_validate(_get(settings.secret_name(shop_domain), settings, force=force))
        return StaticCredentials(access_token=legacy.admin_access_token)
    return _ADMIN.validate_python(raw)


def admin_access_token(shop_domain: str, settings: ShopifySettings | None = None) -> str:
    """A static token (legacy shops); minted and refreshed kinds go through :func:`token_source`."""
    credentials = admin_credentials(shop_domain, settings)
    if not isinstance(credentials, StaticCredentials):
        raise TypeError(f"{shop_domain} has {credentials.kind} credentials, not a static token")
    return credentials.access_token


def _read_kind[T: BaseModel](shop: str, settings: ShopifySettings, kind: type[T], force: bool = False) -> T:
    """Re-read at each mint (TTL-cached); failures become the client's errors, so only this shop fails."""
    try:
        credentials = admin_credentials(shop, settings, force=force)
    except parameters.exceptions.GetParameterError as error:
        if secret_not_found(error):
            raise ShopifyAuthError(401, f"the Admin credentials of {shop} were deleted") from error
        raise ShopifyTransientError(f"Secrets Manager: {type(error.__context__).__name__}") from error
    except ValidationError as error:
        raise ShopifyAuthError(401, f"the Admin credentials of {shop} are malformed") from error
    if not isinstance(credentials, kind):
        raise ShopifyAuthError(401, f"the credentials of {shop} changed kind to {credentials.kind}: start again")
    return credentials


def token_source(
    shop_domain: str,
    settings: ShopifySettings,
    *,
    http_client: httpx.Client | None = None,
    token_store: TokenStore | None = None,
) -> TokenSource:
    """The shop's token source, by the kind of its credentials (read now, and again at each mint)."""
    credentials = admin_credentials(shop_domain, settings)
    endpoint = TokenEndpoint(settings.token_url, http_client)
    if isinstance(credentials, StaticCredentials):
        return StaticTokenSource(lambda force: _read_kind(shop_domain, settings, StaticCredentials, force))
    if isinstance(credentials, ClientCredentials):
        return ClientCredentialsTokenSource(
            shop_domain,
            partial(_read_kind, shop_domain, settings, ClientCredentials),
            endpoint,
            margin_seconds=settings.token_refresh_margin_seconds,
        )
    if token_store is None:
        from inventory_ledger.adapters.shopify.token_store import DynamoDbTokenStore
        from inventory_ledger.config import ledger_settings

        token_store = DynamoDbTokenStore(ledger_settings().ledger_table_name)
    return ExpiringOfflineTokenSource(
        shop_domain,
        partial(_read_kind, shop_domain, settings, ExpiringOfflineCredentials),
        endpoint,
        token_store,
        margin_seconds=settings.token_refresh_margin_seconds,
        wait_seconds=settings.token_refresh_wait_seconds,
    )


def client_for_shop(
    shop_domain: str,
    *,
    settings: ShopifySettings | None = None,
    http_client: httpx.Client | None = None,
    token_store: TokenStore | None = None,
    retries: RetryBudget = DEFAULT_RETRIES,
) -> ShopifyAdminClient:
    """A client for one shop: endpoint from settings (API version pinned there), tokens from its source,
    retrying within ``retries``."""
    settings = settings or shopify_settings()
    return ShopifyAdminClient(
        shop_domain=shop_domain,
        access_token=token_source(shop_domain, settings, http_client=http_client, token_store=token_store),
        endpoint_url=settings.graphql_url(shop_domain),
        http_client=http_client,
        retry_deadline_seconds=retries.deadline_seconds,
        max_attempts=retries.max_attempts,
    )
