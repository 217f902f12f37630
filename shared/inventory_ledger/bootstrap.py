"""The composition root: builds each use case's adapters from settings, once per container."""

from dataclasses import dataclass
from functools import lru_cache

from inventory_ledger.adapters.dynamodb.client import dynamodb_client
from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.adapters.secrets import SecretsManagerShopSecrets
from inventory_ledger.adapters.sqs import SqsIngestQueue
from inventory_ledger.config import ingress_settings, ledger_settings


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


def reset() -> None:
    """For tests and the local driver, after they change the environment."""
    for cached in (ingress_dependencies, ledger, merchant_directory, dynamodb_client):
        cached.cache_clear()
