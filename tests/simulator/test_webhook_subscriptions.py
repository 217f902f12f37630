"""Webhook subscriptions through the Admin API: list, create, delete, as Shopify answers them."""

from __future__ import annotations

from typing import Any

from .conftest import Sink, Store, wait_until

LIST = """query Subs($first: Int!, $topics: [WebhookSubscriptionTopic!]) {
  webhookSubscriptions(first: $first, topics: $topics) {
    nodes { id topic uri format apiVersion { handle } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CREATE = """mutation Create($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}"""
DELETE = """mutation Delete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}"""


def _create(store: Store, topic: str, uri: str) -> dict[str, Any]:
    return store.gql(CREATE, {"topic": topic, "uri": uri})["data"]["webhookSubscriptionCreate"]


def _listed(store: Store, **variables: object) -> list[dict[str, Any]]:
    return store.gql(LIST, {"first": 50, **variables})["data"]["webhookSubscriptions"]["nodes"]


def test_the_query_lists_shop_scoped_subscriptions_not_the_apps_toml_ones(store: Store, sink: Sink) -> None:
    """https://shopify.dev/docs/api/admin-graphql/2025-07/queries/webhookSubscriptions: "Returns only
    shop-scoped subscriptions, not app-scoped subscriptions configured in TOML files" (the control
    API's subscriptions play the TOML ones: they deliver, and the query does not see them)."""
    store.control("POST", "/webhooks", {"topic": "orders/create", "address": sink.url})
    assert _listed(store) == []
    created = _create(store, "INVENTORY_LEVELS_UPDATE", sink.url)
    assert created["userErrors"] == []
    assert created["webhookSubscription"]["topic"] == "INVENTORY_LEVELS_UPDATE"
    assert created["webhookSubscription"]["id"].startswith("gid://shopify/WebhookSubscription/")
    [listed] = _listed(store)
    assert (listed["topic"], listed["uri"], listed["format"]) == ("INVENTORY_LEVELS_UPDATE", sink.url, "JSON")
    assert listed["apiVersion"]["handle"] == "2026-07"
    assert _listed(store, topics=["ORDERS_CREATE"]) == []
    # The subscription created through the API delivers: an admin edit sends inventory_levels/update.
    store.control("POST", "/admin/levels", {"sku": "TEE-1", "location": "Warehouse", "available": 3})
    wait_until(lambda: sink.of("inventory_levels/update"))


def test_create_answers_user_errors_for_an_address_it_will_not_deliver_to(store: Store) -> None:
    """https://shopify.dev/docs/apps/build/webhooks/subscribe/https: the endpoint must be an HTTPS
    address; the same topic and address twice is "Address for this topic has already been taken"
    (https://shopify.dev/docs/api/admin-graphql/latest/enums/PubSubWebhookSubscriptionCreateUserErrorCode,
    TAKEN)."""
    for uri, message in (
        ("http://hooks.example.com/webhooks", "Address protocol http:// is not supported"),
        ("not a url", "Address is invalid"),
        ("", "Address can't be blank"),
    ):
        answer = _create(store, "ORDERS_CREATE", uri)
        assert answer == {"webhookSubscription": None,
                          "userErrors": [{"field": ["webhookSubscription", "uri"], "message": message}]}  # fmt: skip
    assert _create(store, "ORDERS_CREATE", "https://hooks.example.com/w")["userErrors"] == []
    taken = _create(store, "ORDERS_CREATE", "https://hooks.example.com/w")
    assert taken["userErrors"] == [{"field": ["webhookSubscription", "uri"],
                                    "message": "Address for this topic has already been taken"}]  # fmt: skip
    assert _create(store, "ORDERS_CANCELLED", "https://hooks.example.com/w")["userErrors"] == []
    assert len(_listed(store)) == 2


def test_a_topic_outside_the_enum_is_refused_by_the_schema(store: Store) -> None:
    """WebhookSubscriptionTopic holds no compliance topic: those are declared in the app's
    configuration only (https://shopify.dev/docs/apps/build/webhooks/subscribe: compliance
    subscriptions are created in the Dev Dashboard or the app configuration file)."""
    for topic in ("CUSTOMERS_REDACT", "orders/create"):
        answer = store.gql(CREATE, {"topic": topic, "uri": "https://hooks.example.com/w"})
        assert "data" not in answer or answer["data"] is None
        assert "WebhookSubscriptionTopic" in answer["errors"][0]["message"]
    assert _listed(store) == []


def test_delete_removes_a_shop_scoped_subscription_and_refuses_an_unknown_id(store: Store, sink: Sink) -> None:
    """webhookSubscriptionDelete "stops all future webhooks to its endpoint. Returns the deleted
    subscription's ID" (its description in the 2026-07 schema, reference/shopify/schema/, which
    shopify.dev/docs/api/admin-graphql renders)."""
    created = _create(store, "INVENTORY_LEVELS_UPDATE", sink.url)["webhookSubscription"]
    answer = store.gql(DELETE, {"id": created["id"]})["data"]["webhookSubscriptionDelete"]
    assert answer == {"deletedWebhookSubscriptionId": created["id"], "userErrors": []}
    assert _listed(store) == []
    again = store.gql(DELETE, {"id": created["id"]})["data"]["webhookSubscriptionDelete"]
    assert again == {"deletedWebhookSubscriptionId": None,
                     "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}]}  # fmt: skip
    store.control("POST", "/admin/levels", {"sku": "TEE-1", "location": "Warehouse", "available": 4})
    assert store.control("GET", "/webhooks") == {"webhooks": []}
