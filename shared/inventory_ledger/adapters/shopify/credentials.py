"""A shop's Admin API token from Secrets Manager (powertools Parameters) and the client factory.

The secret ``<SHOP_SECRET_PREFIX><shop>`` holds ``{"webhook_secrets": [...], "admin_access_token":
"shpat_..."}`` (docs/contracts.md). powertools caches it ``secret_max_age_seconds``.
"""

from typing import Any

import httpx
from aws_lambda_powertools.utilities import parameters
from pydantic import BaseModel, ConfigDict, Field

from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.config import ShopifySettings, shopify_settings


class ShopSecret(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    webhook_secrets: list[str] = Field(default_factory=list)
    admin_access_token: str = Field(min_length=1)


def shop_secret(shop_domain: str, settings: ShopifySettings | None = None) -> ShopSecret:
    """Read and validate a shop's secret (raises powertools' GetParameterError / TransformParameterError,
    or pydantic's ValidationError when the JSON lacks an admin token)."""
    settings = settings or shopify_settings()
    raw: Any = parameters.get_secret(
        settings.secret_name(shop_domain), transform="json", max_age=settings.secret_max_age_seconds
    )
    return ShopSecret.model_validate(raw)


def admin_access_token(shop_domain: str, settings: ShopifySettings | None = None) -> str:
    return shop_secret(shop_domain, settings).admin_access_token


def client_for_shop(
    shop_domain: str,
    *,
    settings: ShopifySettings | None = None,
    http_client: httpx.Client | None = None,
) -> ShopifyAdminClient:
    """A client for one shop: endpoint from settings (API version pinned there), token from its secret."""
    settings = settings or shopify_settings()
    return ShopifyAdminClient(
        shop_domain=shop_domain,
        access_token=admin_access_token(shop_domain, settings),
        endpoint_url=settings.graphql_url(shop_domain),
        http_client=http_client,
    )
