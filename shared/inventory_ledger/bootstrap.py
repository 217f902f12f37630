"""The composition root: builds each use case's adapters from settings, once per container."""

from dataclasses import dataclass
from functools import lru_cache

from inventory_ledger.adapters.secrets import SecretsManagerShopSecrets
from inventory_ledger.adapters.sqs import SqsIngestQueue
from inventory_ledger.config import ingress_settings


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


def reset() -> None:
    """For tests and the local driver, after they change the environment."""
    ingress_dependencies.cache_clear()
