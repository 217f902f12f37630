"""Typed settings, one model per function, read from the environment lazily and cached.

Nothing is read at import time, so tests and the local driver can set the environment first.

Each field is read from the variable of its name, upper or lower case, and validated by pydantic (a
malformed value, or a required one missing, raises ValidationError naming the model). Every setting is
one scalar, so this is all pydantic-settings did here; that package imports its AWS, Azure, GCP, CLI and
dotenv sources with it, about a tenth of every function's first invocation.
"""

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from inventory_ledger.domain.drift import DEFAULT_SETTLE_WINDOW
from inventory_ledger.domain.subscriptions import SubscriptionMode
from inventory_ledger.ports import DEFAULT_BULK_THRESHOLD_SKUS

DEFAULT_SHOPIFY_API_VERSION = "2026-07"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_environment(cls, **given: Any) -> Self:
        """The model from the environment; `given` values win over it."""
        environment = {name.lower(): value for name, value in os.environ.items()}
        read = {name: environment[name] for name in cls.model_fields if name in environment}
        return cls.model_validate({**read, **given})


class SecretSettings(Settings):
    shop_secret_prefix: str = "inventory-ledger/shops/"  # noqa: S105  (a name prefix, not a secret)
    # Secrets are cached this long; a rotation is picked up within it (both secrets stay valid).
    secret_max_age_seconds: int = Field(default=300, ge=0)

    def secret_name(self, shop_domain: str) -> str:
        return f"{self.shop_secret_prefix}{shop_domain}"


class IngressSettings(SecretSettings):
    ingest_queue_url: str
    # Bodies whose message would exceed one SQS message go to this bucket, the message carries a pointer.
    payload_bucket_name: str | None = None
    sqs_max_message_bytes: int = Field(default=262_144, gt=0)
    # API Gateway's own limit: no authentic Shopify delivery comes near it.
    max_webhook_body_bytes: int = Field(default=10_485_760, gt=0)
    # Deliveries triggered longer ago than this are refused (401-free: 400 `too_old`) and counted;
    # None accepts any age. Shopify retries a failed delivery over 4 hours; the template states 48 h.
    webhook_max_age_seconds: int | None = Field(default=None, gt=0)
    # Shops without a secret are remembered this long, so probing costs no Secrets Manager call.
    unknown_shop_cache_seconds: int = Field(default=300, ge=0)
    # Where webhook ids are claimed per shop (a delivery replayed under another shop is refused).
    ledger_table_name: str | None = None


class PayloadSettings(Settings):
    payload_bucket_name: str | None = None


class LedgerSettings(Settings):
    ledger_table_name: str
    # Push acknowledgements written per TransactWriteItems (1: one conditional UpdateItem a level).
    # DynamoDB takes 100; moto's transactions cost grows with the table (a 100-item one over 6,000
    # items: ~33 s), so the local stack on moto writes them one by one (local_stack/aws.py).
    ledger_ack_transaction_items: int = Field(default=100, ge=1, le=100)


class PusherSettings(Settings):
    # The push-later queue (service/pacing.py); without it, or with a spacing of 0, every level is
    # pushed in the batch that carried its change.
    push_later_queue_url: str | None = None
    # A level Shopify took a push for this recently is pushed again once this has passed since.
    push_spacing_seconds: float = Field(default=0.0, ge=0, le=900)


class ShopifySettings(SecretSettings):
    shopify_api_version: str = DEFAULT_SHOPIFY_API_VERSION
    shopify_admin_url_template: str = "https://{shop}/admin/api/{version}/graphql.json"
    # The Admin credentials are a separate secret from the signing secrets (docs/contracts.md), under a
    # prefix webhook_ingress cannot read: `{"kind": "static" | "client_credentials" | "expiring_offline", ...}`.
    admin_secret_prefix: str = "inventory-ledger/admin/"  # noqa: S105  (a name prefix, not a secret)
    shopify_token_url_template: str = "https://{shop}/admin/oauth/access_token"  # noqa: S105  (a URL)
    # A minted or refreshed token is replaced this long before Shopify says it expires.
    token_refresh_margin_seconds: int = Field(default=300, ge=0)
    # A Lambda waiting for another one's refresh of the same shop gives up after this long.
    token_refresh_wait_seconds: float = Field(default=20.0, gt=0)

    # The app's own client id and secret, scopes and redirect URL (authorization code installs only).
    app_secret_name: str = "inventory-ledger/app"  # noqa: S105  (a name, not a secret)

    def admin_secret_name(self, shop_domain: str) -> str:
        return f"{self.admin_secret_prefix}{shop_domain}"

    def token_url(self, shop_domain: str) -> str:
        return self.shopify_token_url_template.format(shop=shop_domain)

    def graphql_url(self, shop_domain: str) -> str:
        return self.shopify_admin_url_template.format(shop=shop_domain, version=self.shopify_api_version)


class ReportSettings(Settings):
    report_bucket_name: str
    # A level whose ledger balance changed this recently, with its push not yet acknowledged, is in
    # flight, not drift (docs/reconciliation.md).
    reconcile_settle_seconds: float = Field(default=DEFAULT_SETTLE_WINDOW.total_seconds(), ge=0)
    # At or above this many mapped SKUs a shop is read with one bulk query instead of pages.
    reconcile_bulk_threshold_skus: int = Field(default=DEFAULT_BULK_THRESHOLD_SKUS, ge=1)
    # How long the reconciler waits for a bulk query (its own, or one already running for the shop).
    reconcile_bulk_deadline_seconds: float = Field(default=600.0, gt=0)


class SubscriptionSettings(Settings):
    # "app": the subscriptions live in shopify.app.toml (invisible to the API: not checked); "shop":
    # onboarding creates them per shop through the API and every reconciliation checks them.
    webhook_subscriptions: SubscriptionMode = SubscriptionMode.APP
    # The deployed webhook endpoint (the stack's WebhookUrl output) the subscriptions must point at.
    webhook_url: str | None = None


class FanoutSettings(LedgerSettings):
    reconcile_queue_url: str
    # A shop with at least this many mapped levels is reconciled one location per message.
    reconcile_split_at_levels: int = Field(default=20_000, ge=1)
    # Where the night's summary is written (the summariser's run of the same function needs it).
    report_bucket_name: str | None = None
    # The summariser closes the latest run started within this many hours.
    nightly_summary_lookback_hours: float = Field(default=24.0, gt=0)


# What each cached reader forgets on clear_cached_settings: filled by _read_once, so none is missed.
_CACHE_CLEARS: list[Callable[[], None]] = []


def _read_once[S: Settings](kind: type[S]) -> Callable[[], S]:
    """A reader of ``kind``: the environment is read at its first call, then the settings are kept."""
    read = lru_cache(maxsize=1)(kind.from_environment)
    _CACHE_CLEARS.append(read.cache_clear)
    return read


ingress_settings = _read_once(IngressSettings)
payload_settings = _read_once(PayloadSettings)
ledger_settings = _read_once(LedgerSettings)
pusher_settings = _read_once(PusherSettings)
shopify_settings = _read_once(ShopifySettings)
report_settings = _read_once(ReportSettings)


def clear_cached_settings() -> None:
    """For tests and the local driver, which change the environment between runs."""
    for clear in _CACHE_CLEARS:
        clear()
