"""Onboarding ensures the shop's webhook subscriptions and the reconciler reports missing ones, through
moto server and the simulator's webhookSubscriptions / webhookSubscriptionCreate / Delete."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.subscriptions import wanted_topics
from inventory_ledger.service.onboarding import onboard_shop
from inventory_ledger.service.reconcile import reconcile_shop, record_run_metrics
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.support.simulated_merchant import TOKEN, SimulatedMerchant, seed_merchant

pytestmark = pytest.mark.integration

URL = "https://api.example.com/prod/webhooks/shopify"
OLD_URL = "https://old.example.com/prod/webhooks/shopify"
LIST = "{ webhookSubscriptions(first: 50) { nodes { id topic uri } } }"


def _gql(merchant: SimulatedMerchant, query: str, variables: dict[str, Any] | None = None) -> Any:
    import httpx

    url = merchant.sim.graphql_url_template.format(shop=merchant.shop, version="2026-07")
    answer = httpx.post(url, json={"query": query, "variables": variables or {}},
                        headers={"X-Shopify-Access-Token": TOKEN}, timeout=10)  # fmt: skip
    return answer.json()


def _subscribed(merchant: SimulatedMerchant) -> list[tuple[str, str]]:
    nodes = _gql(merchant, LIST)["data"]["webhookSubscriptions"]["nodes"]
    return sorted((n["topic"], n["uri"]) for n in nodes)


def _onboard(merchant: SimulatedMerchant) -> Any:
    return onboard_shop(merchant.shop, primary_location="Main Warehouse", ledger=bootstrap.ledger(),
                        directory=bootstrap.merchant_directory(), shopify=bootstrap.shopify_levels_for(merchant.shop),
                        now=lambda: datetime.now(UTC),
                        ensure_webhooks=bootstrap.webhook_subscription_check(merchant.shop, ensure=True))  # fmt: skip


@pytest.fixture
def merchant(local_aws: LocalResources, shopify_simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    merchant = seed_merchant(shopify_simulator, local_aws, monkeypatch)
    monkeypatch.setenv("WEBHOOK_SUBSCRIPTIONS", "shop")
    monkeypatch.setenv("WEBHOOK_URL", URL)
    return merchant


def test_onboarding_creates_what_is_missing_replaces_an_old_address_and_is_idempotent(merchant: Any) -> None:
    create = ("mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE, "
              "webhookSubscription: {uri: $uri}) { userErrors { message } } }")  # fmt: skip
    stale = _gql(merchant, create, {"uri": OLD_URL})
    assert stale["data"]["webhookSubscriptionCreate"]["userErrors"] == []

    first = _onboard(merchant).summary()["webhooks"]
    assert first["created"] == wanted_topics()
    assert (first["missing"], first["problems"], len(first["deleted"])) == ([], {}, 1)
    assert _subscribed(merchant) == [(topic, URL) for topic in wanted_topics()]
    assert "ORDERS_CREATE" in wanted_topics()
    assert "CUSTOMERS_REDACT" not in wanted_topics()

    again = _onboard(merchant).summary()["webhooks"]
    assert (again["created"], again["missing"], sorted(again["present"])) == ([], [], wanted_topics())
    assert len(_subscribed(merchant)) == len(wanted_topics())


def test_the_reconciler_reports_and_counts_a_shop_whose_subscriptions_are_missing(
    merchant: Any, local_aws: LocalResources, capsys: pytest.CaptureFixture[str]
) -> None:
    _onboard(merchant)
    [orders] = [
        n for n in _gql(merchant, LIST)["data"]["webhookSubscriptions"]["nodes"] if n["topic"] == "ORDERS_CREATE"
    ]
    deleted = _gql(merchant, "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { userErrors { message } } }",
                   {"id": orders["id"]})  # fmt: skip
    assert deleted["data"]["webhookSubscriptionDelete"]["userErrors"] == []

    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert run.subscriptions_missing == ["ORDERS_CREATE"]
    report = json.loads(local_aws.client("s3").get_object(Bucket=local_aws.report_bucket_name,
                                                          Key=run.report_uris[0])["Body"].read())  # fmt: skip
    assert report["summary"]["webhook_subscriptions"]["missing"] == ["ORDERS_CREATE"]
    assert report["summary"]["webhook_subscriptions"]["created"] == []  # the reconciler only checks

    capsys.readouterr()
    from inventory_ledger.observability import metrics

    record_run_metrics([run])
    metrics.flush_metrics()
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    per_shop = [e for e in emf if "WebhookSubscriptionsMissing" in e]
    assert [(e["shop"], e["WebhookSubscriptionsMissing"]) for e in per_shop] == [(merchant.shop, [1.0])]
    assert [e["ShopsMissingWebhookSubscriptions"] for e in emf if "ShopsMissingWebhookSubscriptions" in e] == [[1.0]]


def test_mode_app_says_the_toml_subscriptions_are_not_checked(merchant: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SUBSCRIPTIONS", "app")
    check = _onboard(merchant).summary()["webhooks"]
    assert (check["checked"], check["created"], check["missing"]) == (False, [], [])
    assert "shopify.app.toml" in check["note"]
    assert _subscribed(merchant) == []  # nothing created through the API
    run = reconcile_shop(merchant.shop, bootstrap.reconcile_dependencies())
    assert run.webhook_subscriptions is None
    assert run.subscriptions_missing == []
