"""A shop's shop-scoped webhook subscriptions through the Admin API (documents.WEBHOOK_SUBSCRIPTION_*)."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from inventory_ledger.adapters.shopify import documents
from inventory_ledger.adapters.shopify.client import ShopifyAdminClient
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.subscriptions import WebhookSubscription
from inventory_ledger.ports import ShopifyWebhookSubscriptions

PAGE_SIZE = 100


class _Node(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    id: str
    topic: str
    uri: str


class _UserError(BaseModel):
    model_config = ConfigDict(extra="ignore")
    field: list[str] | None = None
    message: str


class _Page(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    nodes: list[_Node] = Field(default_factory=list)
    has_next: bool = False
    end_cursor: str | None = None


def _errors(payload: dict[str, Any]) -> str | None:
    errors = [_UserError.model_validate(e) for e in payload.get("userErrors") or []]
    return "; ".join(f"{'.'.join(e.field or [])}: {e.message}".lstrip(": ") for e in errors) or None


class ShopifyWebhookSubscriptionsGateway(ShopifyWebhookSubscriptions):
    def __init__(self, client: ShopifyAdminClient) -> None:
        self.client = client

    def subscriptions(self) -> list[WebhookSubscription]:
        found: list[WebhookSubscription] = []
        after: str | None = None
        with as_port_errors():
            while True:
                data = self.client.execute(documents.WEBHOOK_SUBSCRIPTIONS_PAGE, {"first": PAGE_SIZE, "after": after})
                connection = data.get("webhookSubscriptions") or {}
                info = connection.get("pageInfo") or {}
                page = _Page(nodes=connection.get("nodes") or [], has_next=bool(info.get("hasNextPage")),
                             end_cursor=info.get("endCursor"))  # fmt: skip
                found += [WebhookSubscription(n.id, n.topic, n.uri) for n in page.nodes]
                if not page.has_next or not page.end_cursor:
                    return found
                after = page.end_cursor

    def create(self, topic: str, uri: str) -> WebhookSubscription | str:
        with as_port_errors():
            data = self.client.execute(documents.WEBHOOK_SUBSCRIPTION_CREATE, {"topic": topic, "uri": uri})
        payload = data.get("webhookSubscriptionCreate") or {}
        problem = _errors(payload)
        if problem is not None or not payload.get("webhookSubscription"):
            return problem or "Shopify created no subscription"
        node = _Node.model_validate(payload["webhookSubscription"])
        return WebhookSubscription(node.id, node.topic, node.uri)

    def delete(self, subscription_id: str) -> str | None:
        with as_port_errors():
            data = self.client.execute(documents.WEBHOOK_SUBSCRIPTION_DELETE, {"id": subscription_id})
        return _errors(data.get("webhookSubscriptionDelete") or {})
