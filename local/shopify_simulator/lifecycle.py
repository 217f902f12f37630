"""The app's lifecycle on a shop and the mandatory compliance topics, as Shopify sends them.

- ``app/uninstalled``: the body is the shop (the REST Shop resource, the topic's payload in
  https://shopify.dev/docs/api/webhooks?reference=toml, topic APP_UNINSTALLED). Afterwards the app's
  access tokens stop working (GraphQL answers 401) and its webhook subscriptions are gone, so a
  reinstall subscribes again (Shopify staff, https://community.shopify.com/c/Shopify-APIs-SDKs/Webhook-behavior-for-APP-SUBSCRIPTIONS-UPDATE-topic-on-uninstall/m-p/855640).
- The compliance topics (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance):
  ``customers/data_request`` ``{shop_id, shop_domain, orders_requested, customer: {id, email, phone},
  data_request: {id}}``, ``customers/redact`` ``{shop_id, shop_domain, customer, orders_to_redact}``,
  ``shop/redact`` ``{shop_id, shop_domain}``, the last sent 48 hours after an uninstall (so refused here
  while the app is installed; the 48 hours are not waited for). They are configured on the app, not
  per shop, so an uninstall keeps their subscriptions.
Deliveries carry the headers of every topic (delivery.py): signed body, X-Shopify-Topic, -Shop-Domain,
-API-Version, -Webhook-Id, -Event-Id, -Triggered-At.
"""

from __future__ import annotations

from typing import Final

from .clock import iso_offset
from .commerce import CommerceError
from .jsonish import JsonObject
from .state import Shop, SimulatorState

APP_UNINSTALLED: Final = "app/uninstalled"
CUSTOMERS_DATA_REQUEST: Final = "customers/data_request"
CUSTOMERS_REDACT: Final = "customers/redact"
SHOP_REDACT: Final = "shop/redact"
COMPLIANCE_TOPICS: Final = frozenset({CUSTOMERS_DATA_REQUEST, CUSTOMERS_REDACT, SHOP_REDACT})


def shop_body(shop: Shop) -> JsonObject:
    """The REST Shop resource, as far as the simulator knows the shop."""
    name = shop.domain.removesuffix(".myshopify.com")
    created = iso_offset(shop.created_at)
    return {
        "id": shop.id,
        "name": name,
        "email": f"owner@{shop.domain}",
        "domain": shop.domain,
        "myshopify_domain": shop.domain,
        "shop_owner": "Shop Owner",
        "country_code": "US",
        "currency": "USD",
        "primary_locale": "en",
        "iana_timezone": "UTC",
        "timezone": "(GMT+00:00) UTC",
        "plan_name": shop.plan,
        "plan_display_name": shop.plan.capitalize(),
        "created_at": created,
        "updated_at": created,
    }


def uninstall(state: SimulatorState, shop: Shop) -> JsonObject:
    """Sends app/uninstalled and stops the app's access; 409 when it is not installed."""
    with state.lock:
        if not shop.app_installed:
            raise CommerceError(f"the app is not installed on {shop.domain}")
        body = shop_body(shop)
        state.emit(shop, APP_UNINSTALLED, body)
        shop.app_installed = False
        return body


def install(state: SimulatorState, shop: Shop) -> None:
    """The merchant installs the app again: its seeded token works again (Shopify would mint a new one)."""
    with state.lock:
        if shop.app_installed:
            raise CommerceError(f"the app is already installed on {shop.domain}")
        shop.app_installed = True


def compliance_body(
    state: SimulatorState, shop: Shop, topic: str, customer: JsonObject | None, orders: list[int]
) -> JsonObject:
    body: JsonObject = {"shop_id": shop.id, "shop_domain": shop.domain}
    if topic == CUSTOMERS_DATA_REQUEST:
        return body | {"orders_requested": list(orders), "customer": customer, "data_request": {"id": state.ids.next()}}
    if topic == CUSTOMERS_REDACT:
        return body | {"customer": customer, "orders_to_redact": list(orders)}
    return body


def send_compliance(
    state: SimulatorState, shop: Shop, topic: str, customer: JsonObject | None, orders: list[int]
) -> JsonObject:
    """Sends one compliance request; 409 for shop/redact while the app is installed."""
    with state.lock:
        if topic == SHOP_REDACT and shop.app_installed:
            raise CommerceError("shop/redact is sent 48 hours after the app is uninstalled; uninstall it first")
        body = compliance_body(state, shop, topic, customer, orders)
        state.emit(shop, topic, body)
        return body
