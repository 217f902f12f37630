"""Which webhook subscriptions a shop needs, and what is wrong with the ones it has. Pure.

Two ways to subscribe (https://shopify.dev/docs/apps/build/webhooks/subscribe): app-specific ones in
shopify.app.toml, which Shopify keeps for every shop and which the `webhookSubscriptions` query does
not return; and shop-specific ones created with `webhookSubscriptionCreate`, which it does. Only the
second kind can be checked through the Admin API, so only a deployment that manages them in code
(mode "shop") verifies them; mode "app" (the toml, the default) says it could not.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from inventory_ledger.domain.webhooks import LIFECYCLE_TOPICS, Topic

# The compliance topics are declared in the app's configuration only (they are not in the Admin
# API's WebhookSubscriptionTopic enum); app/uninstalled is subscribed like any other topic.
COMPLIANCE_TOPICS = LIFECYCLE_TOPICS - {Topic.APP_UNINSTALLED}


class SubscriptionMode(StrEnum):
    APP = "app"  # declared in shopify.app.toml: invisible to the API, not checked
    SHOP = "shop"  # created per shop through the API by onboarding, checked every night


def wanted_topics() -> list[str]:
    """WebhookSubscriptionTopic values (ORDERS_CREATE, ...) of every topic the ledger consumes."""
    return sorted(topic.name for topic in Topic if topic not in COMPLIANCE_TOPICS)


@dataclass(frozen=True)
class WebhookSubscription:
    id: str
    topic: str  # the WebhookSubscriptionTopic value
    uri: str


@dataclass
class SubscriptionCheck:
    mode: SubscriptionMode
    url: str | None
    checked: bool = True
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # Our topics subscribed to another address (an old deployment's URL): topic -> the address.
    misdirected: dict[str, str] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    note: str | None = None

    def summary(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "url": self.url, "checked": self.checked, "present": list(self.present),
                "missing": list(self.missing), "misdirected": dict(self.misdirected), "created": list(self.created),
                "deleted": list(self.deleted), "problems": dict(self.problems), "note": self.note}  # fmt: skip


def judge(found: Iterable[WebhookSubscription], url: str, mode: SubscriptionMode) -> SubscriptionCheck:
    """Each wanted topic is present when a subscription of it points at `url`, else missing."""
    check = SubscriptionCheck(mode, url)
    subscriptions = list(found)
    for topic in wanted_topics():
        if any(s.topic == topic and s.uri == url for s in subscriptions):
            check.present.append(topic)
            continue
        check.missing.append(topic)
        elsewhere = [s.uri for s in subscriptions if s.topic == topic]
        if elsewhere:
            check.misdirected[topic] = elsewhere[0]
    return check
