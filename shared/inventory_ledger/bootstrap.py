"""The composition root: builds each use case's adapters from settings, once per container.

Each factory imports its own adapters, so a function's cold start pays only for what it uses: the
webhook ingress never loads the Shopify client, httpx or the DynamoDB adapters.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from inventory_ledger.clock import utc_now

if TYPE_CHECKING:
    from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
    from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
    from inventory_ledger.adapters.dynamodb.nightly_runs import DynamoDbNightlyRunLog
    from inventory_ledger.adapters.push_later_queue import SqsPushLater
    from inventory_ledger.adapters.s3_payloads import S3PayloadStore
    from inventory_ledger.adapters.s3_reports import S3ReportStore
    from inventory_ledger.adapters.secrets import SecretsManagerShopSecrets
    from inventory_ledger.adapters.shopify.auth import TokenEndpoint
    from inventory_ledger.adapters.shopify.fulfillment_orders import ShopifyFulfillmentOrdersReader
    from inventory_ledger.adapters.shopify.inventory_writer import ShopifyInventoryWriter
    from inventory_ledger.adapters.shopify.levels import ShopifyLevelsReader
    from inventory_ledger.adapters.shopify.orders import ShopifyOrdersReader
    from inventory_ledger.adapters.sqs import SqsIngestQueue
    from inventory_ledger.domain.subscriptions import SubscriptionCheck
    from inventory_ledger.ports import DeliveryRegistry
    from inventory_ledger.service.install import AppCredentials, InstallStores
    from inventory_ledger.service.pacing import LevelPacer
    from inventory_ledger.service.reconcile import ReconcileDependencies, ReconcileOptions


@dataclass(frozen=True)
class IngressDependencies:
    secrets: "SecretsManagerShopSecrets"
    queue: "SqsIngestQueue"
    max_body_bytes: int
    max_age: timedelta | None = None
    registry: "DeliveryRegistry | None" = None


@lru_cache(maxsize=1)
def ingress_dependencies() -> IngressDependencies:
    from inventory_ledger.adapters.secrets import SecretsManagerShopSecrets
    from inventory_ledger.adapters.sqs import SqsIngestQueue
    from inventory_ledger.config import ingress_settings

    settings = ingress_settings()
    registry = None
    if settings.ledger_table_name:
        from inventory_ledger.adapters.webhook_registry import DynamoDbDeliveryRegistry

        registry = DynamoDbDeliveryRegistry(settings.ledger_table_name)
    return IngressDependencies(
        secrets=SecretsManagerShopSecrets(settings, unknown_for_seconds=settings.unknown_shop_cache_seconds),
        registry=registry,
        queue=SqsIngestQueue(settings.ingest_queue_url, payload_store(), settings.sqs_max_message_bytes),
        max_body_bytes=settings.max_webhook_body_bytes,
        max_age=timedelta(seconds=settings.webhook_max_age_seconds) if settings.webhook_max_age_seconds else None,
    )


@dataclass(frozen=True)
class InstallDependencies:
    app_secret_name: str
    endpoint: "TokenEndpoint"
    stores: "InstallStores"
    max_age_seconds: int

    def app(self) -> "AppCredentials":
        """The app's credentials (read with the secrets' TTL, so a rotated client secret is picked up)."""
        from aws_lambda_powertools.utilities import parameters

        from inventory_ledger.service.install import AppCredentials

        raw = parameters.get_secret(self.app_secret_name, transform="json", max_age=self.max_age_seconds)
        return AppCredentials.model_validate(raw)


@lru_cache(maxsize=1)
def install_dependencies() -> InstallDependencies:
    from inventory_ledger.adapters.secrets import SecretsManagerWriter
    from inventory_ledger.adapters.shopify.auth import TokenEndpoint
    from inventory_ledger.adapters.shopify.token_store import DynamoDbTokenStore
    from inventory_ledger.config import ledger_settings, shopify_settings
    from inventory_ledger.service.install import InstallStores

    settings = shopify_settings()
    return InstallDependencies(
        app_secret_name=settings.app_secret_name,
        endpoint=TokenEndpoint(settings.token_url),
        stores=InstallStores(
            tokens=DynamoDbTokenStore(ledger_settings().ledger_table_name),
            secrets=SecretsManagerWriter(),
            admin_secret_name=settings.admin_secret_name("{shop}"),
            signing_secret_name=settings.secret_name("{shop}"),
        ),
        max_age_seconds=settings.secret_max_age_seconds,
    )


@lru_cache(maxsize=1)
def payload_store() -> "S3PayloadStore | None":
    """Where bodies too large for one queue message go; None where no bucket is configured."""
    from inventory_ledger.adapters.s3_payloads import S3PayloadStore
    from inventory_ledger.config import payload_settings

    bucket = payload_settings().payload_bucket_name
    return S3PayloadStore(bucket) if bucket else None


@lru_cache(maxsize=1)
def ledger() -> "DynamoDbLedger":
    from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
    from inventory_ledger.config import ledger_settings

    settings = ledger_settings()
    return DynamoDbLedger(settings.ledger_table_name, ack_transaction_items=settings.ledger_ack_transaction_items)


@lru_cache(maxsize=1)
def merchant_directory() -> "DynamoDbMerchantDirectory":
    from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
    from inventory_ledger.config import ledger_settings

    return DynamoDbMerchantDirectory(ledger_settings().ledger_table_name)


def shopify_for(shop: str) -> "ShopifyInventoryWriter":
    """One client per shop per container: it keeps that shop's cost bucket between batches."""
    return _shopify_within(shop, "default")


@lru_cache(maxsize=128)
def _shopify_within(shop: str, budget: Literal["default", "consumer_read"]) -> "ShopifyInventoryWriter":
    from aws_lambda_powertools.utilities import parameters
    from pydantic import ValidationError

    from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
    from inventory_ledger.adapters.shopify.client import CONSUMER_READ_RETRIES, DEFAULT_RETRIES
    from inventory_ledger.adapters.shopify.credentials import client_for_shop
    from inventory_ledger.adapters.shopify.inventory_writer import ShopifyInventoryWriter
    from inventory_ledger.ports import PushRefused

    retries = CONSUMER_READ_RETRIES if budget == "consumer_read" else DEFAULT_RETRIES
    try:
        client = client_for_shop(shop, retries=retries)
    except (parameters.exceptions.GetParameterError, ValidationError) as error:
        # Not cached (lru_cache keeps only results): the next batch reads the secret again.
        raise PushRefused(f"no usable Shopify credentials for {shop}: {type(error).__name__}") from error
    return ShopifyInventoryWriter(ShopifyAdminOperations(client))


def shopify_levels_for(shop: str) -> "ShopifyLevelsReader":
    """Reads share the shop's client with pushes and heals: one cost bucket per shop per container."""
    from inventory_ledger.adapters.shopify.levels import BulkSettings, ShopifyLevelsReader
    from inventory_ledger.config import report_settings

    gateway = shopify_for(shop)
    return ShopifyLevelsReader(
        gateway.gateway, bulk=BulkSettings(deadline_seconds=report_settings().reconcile_bulk_deadline_seconds)
    )


def shopify_orders_for(shop: str) -> "ShopifyOrdersReader":
    """The catch-up's reads share the shop's client too."""
    from inventory_ledger.adapters.shopify.orders import ShopifyOrdersReader

    return ShopifyOrdersReader(shopify_for(shop).gateway)


def shopify_fulfillment_orders_for(shop: str) -> "ShopifyFulfillmentOrdersReader":
    """The consumer's read after a fulfilment order was routed or moved, on a client that gives up early
    (client.CONSUMER_READ_RETRIES): a sale in the same queue batch must not wait out Shopify's outage."""
    from inventory_ledger.adapters.shopify.fulfillment_orders import ShopifyFulfillmentOrdersReader

    return ShopifyFulfillmentOrdersReader(_shopify_within(shop, "consumer_read").gateway)


@lru_cache(maxsize=1)
def report_store() -> "S3ReportStore":
    from inventory_ledger.adapters.s3_reports import S3ReportStore
    from inventory_ledger.config import report_settings

    return S3ReportStore(report_settings().report_bucket_name)


def reconcile_dependencies(*, with_reports: bool = True) -> "ReconcileDependencies":
    from inventory_ledger.service.reconcile import ReconcileDependencies

    return ReconcileDependencies(
        ledger=ledger(),
        directory=merchant_directory(),
        shopify_levels=shopify_levels_for,
        shopify_inventory=shopify_for,
        shopify_orders=shopify_orders_for,
        webhook_subscriptions=_nightly_subscription_check(),
        fulfillment_orders=shopify_fulfillment_orders_for,
        reports=report_store() if with_reports else None,
        now=utc_now,
    )


def webhook_subscription_check(shop: str, *, ensure: bool) -> "Callable[[], SubscriptionCheck]":
    """The shop's webhook subscription check as the deployment configures it (WEBHOOK_SUBSCRIPTIONS,
    WEBHOOK_URL); with `ensure`, missing ones are created (onboarding)."""
    from inventory_ledger.adapters.shopify.webhook_subscriptions import ShopifyWebhookSubscriptionsGateway
    from inventory_ledger.config import SubscriptionSettings
    from inventory_ledger.domain.subscriptions import SubscriptionMode
    from inventory_ledger.service.webhook_subscriptions import check_subscriptions

    settings = SubscriptionSettings.from_environment()

    def check() -> "SubscriptionCheck":
        gateway = None
        if settings.webhook_subscriptions is SubscriptionMode.SHOP:
            gateway = ShopifyWebhookSubscriptionsGateway(shopify_for(shop).gateway.client)
        return check_subscriptions(gateway, settings.webhook_subscriptions, settings.webhook_url, ensure=ensure)

    return check


def _nightly_subscription_check() -> "Callable[[str], SubscriptionCheck] | None":
    """Mode "shop" only: the toml's subscriptions cannot be checked, so the reports say nothing."""
    from inventory_ledger.config import SubscriptionSettings
    from inventory_ledger.domain.subscriptions import SubscriptionMode

    if SubscriptionSettings.from_environment().webhook_subscriptions is not SubscriptionMode.SHOP:
        return None
    return lambda shop: webhook_subscription_check(shop, ensure=False)()


@lru_cache(maxsize=1)
def nightly_run_log() -> "DynamoDbNightlyRunLog":
    from inventory_ledger.adapters.dynamodb.nightly_runs import DynamoDbNightlyRunLog
    from inventory_ledger.config import ledger_settings

    return DynamoDbNightlyRunLog(ledger_settings().ledger_table_name)


def reconcile_options() -> "ReconcileOptions":
    from inventory_ledger.config import report_settings
    from inventory_ledger.service.reconcile import ReconcileOptions

    settings = report_settings()
    return ReconcileOptions(
        settle_window=timedelta(seconds=settings.reconcile_settle_seconds),
        bulk_threshold_skus=settings.reconcile_bulk_threshold_skus,
    )


@lru_cache(maxsize=1)
def push_pacing() -> "tuple[LevelPacer, SqsPushLater | None]":
    """The container's pacer for hot levels, and the queue its later pushes go to (None: no pacing)."""
    from inventory_ledger.config import pusher_settings
    from inventory_ledger.service.pacing import LevelPacer

    settings = pusher_settings()
    pacer = LevelPacer(settings.push_spacing_seconds)
    if not settings.push_later_queue_url or settings.push_spacing_seconds <= 0:
        return pacer, None
    from inventory_ledger.adapters.push_later_queue import SqsPushLater

    return pacer, SqsPushLater(settings.push_later_queue_url)


def reset() -> None:
    """For tests and the local driver, after they change the environment."""
    import sys

    cached = [
        ingress_dependencies,
        ledger,
        merchant_directory,
        _shopify_within,
        report_store,
        payload_store,
        install_dependencies,
        push_pacing,
        nightly_run_log,
    ]
    # Module-level client caches, only where their modules were loaded at all.
    for module, name in (
        ("inventory_ledger.adapters.dynamodb.client", "dynamodb_client"),
        ("inventory_ledger.adapters.s3_reports", "s3_client"),
    ):
        if module in sys.modules:
            cached.append(getattr(sys.modules[module], name))
    for function in cached:
        function.cache_clear()
