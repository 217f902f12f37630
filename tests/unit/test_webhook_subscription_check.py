"""The webhook subscription check (service/webhook_subscriptions.py): what it creates, deletes, reports."""

import pytest

from inventory_ledger.domain.subscriptions import SubscriptionMode, WebhookSubscription, wanted_topics
from inventory_ledger.ports import ShopifyWebhookSubscriptions
from inventory_ledger.service.webhook_subscriptions import check_subscriptions

URL = "https://api.example.com/prod/webhooks/shopify"


class Shopify(ShopifyWebhookSubscriptions):
    def __init__(self, found: list[WebhookSubscription], refuse: str | None = None) -> None:
        self.found, self.refuse = list(found), refuse
        self.calls: list[str] = []

    def subscriptions(self) -> list[WebhookSubscription]:
        return list(self.found)

    def create(self, topic: str, uri: str) -> WebhookSubscription | str:
        self.calls.append(f"create {topic}")
        if topic == self.refuse:
            return "webhookSubscription.uri: Address protocol http:// is not supported"
        created = WebhookSubscription(f"gid://shopify/WebhookSubscription/{len(self.found) + 1}", topic, uri)
        self.found.append(created)
        return created

    def delete(self, subscription_id: str) -> str | None:
        self.calls.append(f"delete {subscription_id}")
        self.found = [s for s in self.found if s.id != subscription_id]
        return None


def test_a_refused_create_stays_missing_with_shopifys_words() -> None:
    shopify = Shopify([], refuse="ORDERS_CREATE")
    check = check_subscriptions(shopify, SubscriptionMode.SHOP, URL, ensure=True)
    assert check.missing == ["ORDERS_CREATE"]
    assert check.problems == {"ORDERS_CREATE": "webhookSubscription.uri: Address protocol http:// is not supported"}
    assert sorted(check.created) == [t for t in wanted_topics() if t != "ORDERS_CREATE"]


def test_checking_only_never_writes() -> None:
    shopify = Shopify([WebhookSubscription("gid://shopify/WebhookSubscription/9", "ORDERS_CREATE", "https://old/")])
    check = check_subscriptions(shopify, SubscriptionMode.SHOP, URL, ensure=False)
    assert (check.missing, check.misdirected["ORDERS_CREATE"], shopify.calls) == (wanted_topics(), "https://old/", [])


def test_without_a_url_the_shop_mode_refuses_and_the_app_mode_checks_nothing() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        check_subscriptions(Shopify([]), SubscriptionMode.SHOP, None, ensure=True)
    check = check_subscriptions(Shopify([]), SubscriptionMode.APP, None, ensure=True)
    assert (check.checked, check.missing) == (False, [])
