"""The composition root: builds each use case's adapters from settings, once per container."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from aws_lambda_powertools.utilities import parameters

from inventory_ledger.adapters.dynamodb.client import dynamodb_client
from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.adapters.s3_reports import S3ReportStore, s3_client
from inventory_ledger.adapters.secrets import SecretsManagerShopSecrets
from inventory_ledger.adapters.shopify.credentials import client_for_shop
from inventory_ledger.adapters.shopify.inventory import ShopifyInventoryGateway
from inventory_ledger.adapters.shopify.levels import BulkSettings, ShopifyLevelsReader
from inventory_ledger.adapters.shopify.push_gateway import ShopifyPushGateway
from inventory_ledger.adapters.sqs import SqsIngestQueue
from inventory_ledger.config import ingress_settings, ledger_settings, report_settings
from inventory_ledger.ports import PushRefused
from inventory_ledger.service.reconcile import ReconcileDependencies, ReconcileOptions


@dataclass(frozen=True)
class IngressDependencies:
    secrets: SecretsManagerShopSecrets
    queue: SqsIngestQueue
    max_body_bytes: int


@lru_cache(maxsize=1)
def ingress_dependencies() -> IngressDependencies:
    settings = ingress_settings()
    return IngressDependencies(
        secrets=SecretsManagerShopSecrets(settings),
        queue=SqsIngestQueue(settings.ingest_queue_url),
        max_body_bytes=settings.max_webhook_body_bytes,
    )


@lru_cache(maxsize=1)
def ledger() -> DynamoDbLedger:
    return DynamoDbLedger(ledger_settings().ledger_table_name)


@lru_cache(maxsize=1)
def merchant_directory() -> DynamoDbMerchantDirectory:
    return DynamoDbMerchantDirectory(ledger_settings().ledger_table_name)


@lru_cache(maxsize=64)
def shopify_for(shop: str) -> ShopifyPushGateway:
    """One client per shop per container: it keeps that shop's cost bucket between batches."""
    try:
        client = client_for_shop(shop)
    except parameters.exceptions.GetParameterError as error:
        raise PushRefused(f"no Shopify credentials for {shop}") from error
    return ShopifyPushGateway(ShopifyInventoryGateway(client))


def shopify_levels_for(shop: str) -> ShopifyLevelsReader:
    """Reads share the shop's client with pushes and heals: one cost bucket per shop per container."""
    gateway = shopify_for(shop)
    return ShopifyLevelsReader(
        gateway.gateway, bulk=BulkSettings(deadline_seconds=report_settings().reconcile_bulk_deadline_seconds)
    )


@lru_cache(maxsize=1)
def report_store() -> S3ReportStore:
    return S3ReportStore(report_settings().report_bucket_name)


def reconcile_dependencies(*, with_reports: bool = True) -> ReconcileDependencies:
    return ReconcileDependencies(
        ledger=ledger(),
        directory=merchant_directory(),
        shopify_levels=shopify_levels_for,
        shopify_inventory=shopify_for,
        reports=report_store() if with_reports else None,
        now=lambda: datetime.now(UTC),
    )


def reconcile_options() -> ReconcileOptions:
    settings = report_settings()
    return ReconcileOptions(
        settle_window=timedelta(seconds=settings.reconcile_settle_seconds),
        bulk_threshold_skus=settings.reconcile_bulk_threshold_skus,
    )


def reset() -> None:
    """For tests and the local driver, after they change the environment."""
    for cached in (
        ingress_dependencies,
        ledger,
        merchant_directory,
        dynamodb_client,
        shopify_for,
        report_store,
        s3_client,
    ):
        cached.cache_clear()
