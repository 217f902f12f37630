"""Shop-scoped webhook subscriptions: the `webhookSubscriptions` query, `webhookSubscriptionCreate`
and `webhookSubscriptionDelete`, as Shopify answers them.

Two kinds of subscription deliver alike (delivery.py), but only one is visible to the API:
- app-scoped ones, declared in shopify.app.toml: here the seed's `webhooks` and the control API's
  `POST /_control/shops/<shop>/webhooks`. The query never returns them ("Returns only shop-scoped
  subscriptions, not app-scoped subscriptions configured in TOML files",
  https://shopify.dev/docs/api/admin-graphql/2025-07/queries/webhookSubscriptions; the 2025-10 page
  says the same).
- shop-scoped ones, created through the API: listed, and deletable, by the API.

Create answers userErrors, never a top-level error, for an address it will not deliver to: not an
absolute URL, not HTTPS (https://shopify.dev/docs/apps/build/webhooks/subscribe/https: "an HTTPS
webhook address"; plain http is accepted for loopback hosts only, so the local stack can be
subscribed), or the same topic and address already subscribed ("Address for this topic has already
been taken"). A topic outside WebhookSubscriptionTopic (the compliance topics among them: they are
declared in the app's configuration only) fails the schema's variable check, before any resolver.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLEnumType, GraphQLResolveInfo

from .clock import iso
from .graph import ExecContext, connection, resource
from .ids import parse_gid_of
from .obj import Obj
from .schema import get_schema
from .state import SubscriptionRecord, SubscriptionRegistry

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_REST_TOPIC = re.compile(r"`([a-z_]+/[a-z_]+)`")


@lru_cache(maxsize=8)
def topics(version: str) -> dict[str, str]:
    """WebhookSubscriptionTopic value -> the REST topic its description names (ORDERS_CREATE ->
    orders/create); the schema is the one place that says it for every topic."""
    enum = get_schema(version).get_type("WebhookSubscriptionTopic")
    assert isinstance(enum, GraphQLEnumType)
    found = {}
    for name, value in enum.values.items():
        match = _REST_TOPIC.search(value.description or "")
        if match:
            found[name] = match.group(1)
    return found


def _user_error(field: list[str], message: str) -> Obj:
    return Obj("UserError", field=field, message=message)


def _registry(ctx: ExecContext) -> SubscriptionRegistry:
    assert ctx.state.delivery is not None, "the simulator wires its delivery engine into the state"
    return ctx.state.delivery


def _subscription_obj(ctx: ExecContext, sub: SubscriptionRecord, created_at: float) -> Obj:
    enum_name = next((name for name, rest in topics(ctx.version).items() if rest == sub.topic), sub.topic)
    version = Obj("ApiVersion", handle=ctx.shop.webhook_api_version, displayName=ctx.shop.webhook_api_version,
                  supported=True)  # fmt: skip
    return resource(
        "WebhookSubscription",
        sub.id,
        topic=enum_name,
        uri=sub.address,
        callbackUrl=sub.address,
        endpoint=Obj("WebhookHttpEndpoint", callbackUrl=sub.address),
        format="JSON",
        includeFields=[],
        metafieldNamespaces=[],
        metafields=[],
        filter=None,
        name=None,
        apiVersion=version,
        createdAt=iso(created_at),
        updatedAt=iso(created_at),
    )


def _shop_scoped(ctx: ExecContext) -> list[tuple[SubscriptionRecord, float]]:
    created = ctx.shop.api_webhook_subscriptions
    return [(sub, created[sub.id]) for sub in _registry(ctx).subscriptions(ctx.shop.domain) if sub.id in created]


def webhook_subscriptions(ctx: ExecContext) -> Any:
    def resolve(info: GraphQLResolveInfo, **args: Any) -> Obj:
        wanted = {topics(ctx.version).get(t, t) for t in args.pop("topics", None) or ()}
        args.pop("format", None)
        args.pop("query", None)
        by_id = (args.pop("sortKey", None) or "CREATED_AT") == "ID"
        found = [(sub, at) for sub, at in _shop_scoped(ctx) if not wanted or sub.topic in wanted]
        found.sort(key=lambda pair: (float(pair[0].id), 0.0) if by_id else (pair[1], float(pair[0].id)))
        nodes = [(sub.id, _subscription_obj(ctx, sub, at)) for sub, at in found]
        return connection(info, "WebhookSubscriptionConnection", nodes, presorted=True, **args)

    return resolve


def _address_problem(address: str | None) -> str | None:
    if not address:
        return "Address can't be blank"
    parts = urlsplit(address)
    if not parts.scheme or not parts.hostname:
        return "Address is invalid"
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return None
    return f"Address protocol {parts.scheme}:// is not supported"


def create(info: GraphQLResolveInfo, topic: str, webhookSubscription: dict[str, Any]) -> Obj:
    ctx: ExecContext = info.context
    address = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
    field = ["webhookSubscription", "uri" if "uri" in webhookSubscription else "callbackUrl"]
    rest_topic = topics(ctx.version).get(topic, topic)
    problem = _address_problem(address)
    if problem is None and any(s.topic == rest_topic and s.address == address for s, _ in _shop_scoped(ctx)):
        problem = "Address for this topic has already been taken"
    if problem is not None or address is None:
        error = _user_error(field, problem or "Address can't be blank")
        return Obj("WebhookSubscriptionCreatePayload", webhookSubscription=None, userErrors=[error])
    sub = _registry(ctx).subscribe(ctx.shop.domain, rest_topic, address)
    now = ctx.state.clock.now()
    ctx.shop.api_webhook_subscriptions[sub.id] = now
    return Obj("WebhookSubscriptionCreatePayload", webhookSubscription=_subscription_obj(ctx, sub, now), userErrors=[])


def delete(info: GraphQLResolveInfo, id: str) -> Obj:
    ctx: ExecContext = info.context
    number = parse_gid_of("WebhookSubscription", id)
    if number is None or number not in ctx.shop.api_webhook_subscriptions:
        error = _user_error(["id"], "Webhook subscription does not exist")
        return Obj("WebhookSubscriptionDeletePayload", deletedWebhookSubscriptionId=None, userErrors=[error])
    _registry(ctx).unsubscribe(ctx.shop.domain, number)
    del ctx.shop.api_webhook_subscriptions[number]
    return Obj("WebhookSubscriptionDeletePayload", deletedWebhookSubscriptionId=id, userErrors=[])
