"""Checking (and, where the app manages them in code, creating) a shop's webhook subscriptions.

Onboarding ensures them: every consumed topic subscribed to the deployed webhook URL, subscriptions
of our topics that point elsewhere (an older deployment) replaced. The nightly reconciliation only
checks, and reports what is missing. Mode "app" (shopify.app.toml) cannot be checked through the API:
the check says so and finds nothing missing. Details: README "Connecting a shop".
"""

from inventory_ledger.domain.subscriptions import SubscriptionCheck, SubscriptionMode, judge
from inventory_ledger.observability import logger
from inventory_ledger.ports import ShopifyWebhookSubscriptions

APP_NOTE = ("subscriptions declared in shopify.app.toml are not visible to the webhookSubscriptions "
            "query: not checked")  # fmt: skip


def check_subscriptions(
    subscriptions: ShopifyWebhookSubscriptions | None, mode: SubscriptionMode, url: str | None, *, ensure: bool
) -> SubscriptionCheck:
    """Raises TransientFailure / PushRefused when Shopify cannot be read."""
    if mode is SubscriptionMode.APP or subscriptions is None:
        return SubscriptionCheck(mode, url, checked=False, note=APP_NOTE)
    if not url:
        raise ValueError("WEBHOOK_URL is not set: there is no address to check the subscriptions against")
    found = subscriptions.subscriptions()
    check = judge(found, url, mode)
    if not ensure:
        return check
    for topic in list(check.missing):
        for stale in (s for s in found if s.topic == topic and s.uri != url):
            problem = subscriptions.delete(stale.id)
            if problem is None:
                check.deleted.append(stale.id)
            else:
                check.problems[f"delete {stale.id}"] = problem
        created = subscriptions.create(topic, url)
        if isinstance(created, str):
            check.problems[topic] = created
            continue
        check.missing.remove(topic)
        check.misdirected.pop(topic, None)
        check.created.append(topic)
        check.present.append(topic)
    logger.info("webhook subscriptions ensured", extra={"webhook_subscriptions": check.summary()})
    return check
