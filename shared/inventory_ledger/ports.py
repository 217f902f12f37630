"""What the services need from the outside world, as abstract classes the adapters implement."""

from abc import ABC, abstractmethod
from collections.abc import Sequence

from inventory_ledger.domain.webhooks import WebhookEnvelope


class UnknownShop(LookupError):
    """No secret is stored for this shop: it is not a merchant of ours."""


class ShopSecrets(ABC):
    @abstractmethod
    def webhook_secrets(self, shop_domain: str) -> Sequence[str]:
        """The shop's current webhook signing secrets; raises UnknownShop."""


class IngestQueue(ABC):
    @abstractmethod
    def send(self, envelope: WebhookEnvelope) -> str:
        """Queues one envelope for the ledger consumer; returns the queue's message id."""
