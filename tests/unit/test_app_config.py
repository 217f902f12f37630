"""shopify.app.toml subscribes to every topic the ledger consumes, and asks for no scope it does not use.

Format: shopify.dev, "App configuration" (https://shopify.dev/docs/apps/build/cli-for-apps/app-configuration)
and "Manage webhook subscriptions" (https://shopify.dev/docs/apps/build/webhooks/subscribe).
"""

import tomllib
from pathlib import Path
from typing import Any

from inventory_ledger.config import DEFAULT_SHOPIFY_API_VERSION
from inventory_ledger.domain.webhooks import LIFECYCLE_TOPICS, QUEUED_TOPICS

ROOT = Path(__file__).resolve().parents[2]
COMPLIANCE = {"customers/data_request", "customers/redact", "shop/redact"}


def app_config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "shopify.app.toml").read_text())


def test_every_consumed_topic_and_the_compliance_topics_are_subscribed_at_the_webhook_route() -> None:
    config = app_config()
    assert config["webhooks"]["api_version"] == DEFAULT_SHOPIFY_API_VERSION
    subscriptions = config["webhooks"]["subscriptions"]
    topics = {topic for s in subscriptions for topic in s.get("topics", [])}
    compliance = {topic for s in subscriptions for topic in s.get("compliance_topics", [])}
    assert compliance == COMPLIANCE
    assert topics == {t.value for t in QUEUED_TOPICS} - COMPLIANCE
    assert {t.value for t in LIFECYCLE_TOPICS} <= topics | compliance
    assert all(s["uri"].startswith("https://") and s["uri"].endswith("/webhooks/shopify") for s in subscriptions)


def test_scopes_are_only_what_the_ledger_uses() -> None:
    scopes = set(app_config()["access_scopes"]["scopes"].split(","))
    assert scopes == {
        "read_inventory",
        "write_inventory",
        "read_locations",
        # fulfillmentOrder(id:) after fulfillment_orders/moved (docs/ledger.md "Ship-from-store")
        "read_merchant_managed_fulfillment_orders",
        "read_orders",
        "read_products",
        # reverseFulfillmentOrder(id:) after reverse_fulfillment_orders/dispose (docs/ledger.md "Returns and exchanges")
        "read_returns",
    }


def test_the_redirect_url_is_the_oauth_callback_route() -> None:
    config = app_config()
    assert [url.rsplit("/", 2)[-2:] for url in config["auth"]["redirect_urls"]] == [["oauth", "callback"]]
    assert config["application_url"].endswith("/oauth/install")
