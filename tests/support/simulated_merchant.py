"""A merchant on the Shopify simulator whose secret and mappings live on moto server, for the
reconciliation and CLI tests: seeded in the simulator, then onboarded through the real use case."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.webhooks import WebhookEnvelope
from inventory_ledger.service.apply_webhook import ApplyResult, apply_envelope
from inventory_ledger.service.consume import consume_message
from inventory_ledger.service.onboarding import OnboardingResult, onboard_shop
from local_stack.aws import LocalResources
from shopify_simulator import SimulatorServer
from tests.conftest import forget_cached_clients

TOKEN = "shpat_reconcile_test"
SKUS = ("TEE-S", "TEE-M", "MUG")


@dataclass
class SimulatedMerchant:
    shop: str
    sim: SimulatorServer
    aws: LocalResources

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.sim.base_url}/_control/shops/{self.shop}{path}"
        response = httpx.request(method, url, json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def available(self, sku: str, location: str) -> int:
        return int(self.sim.sim.quantity(self.shop, sku, location, "available"))

    def balance(self, location: str, sku: str) -> Any:
        key = LevelKey(self.shop, location, sku)
        return bootstrap.ledger().balances([key]).get(key)

    def deliver_events(self, topic: str) -> int:
        """Hands the shop's events of one topic to the ledger as the consumer would (no ingress)."""
        delivered = 0
        for event in self.control("GET", "/events")["events"]:
            if event["topic"] != topic:
                continue
            envelope = WebhookEnvelope(
                topic=topic,
                shop_domain=self.shop,
                webhook_id=str(uuid.uuid4()),
                event_id=event["event_id"],
                triggered_at=datetime.fromtimestamp(event["triggered_at"], UTC),
                api_version="2026-07",
                received_at=datetime.now(UTC),
                body=event["body"],
            )
            apply_envelope(envelope, bootstrap.ledger(), lambda: datetime.now(UTC))
            delivered += 1
        return delivered

    def consume(self, topic: str, *, times: int = 2) -> list[ApplyResult]:
        """The shop's events of one topic, each delivered ``times`` (a fresh webhook id, Shopify's event
        id and instant), through the consumer reading Shopify with the shop's credentials."""
        results = []
        for event in self.control("GET", "/events")["events"]:
            if event["topic"] != topic:
                continue
            for _ in range(times):
                results.append(self.consume_body(topic, event["body"], event["event_id"], event["triggered_at"]))
        return results

    def consume_body(self, topic: str, body: str, event_id: str, triggered_at: float) -> ApplyResult:
        envelope = WebhookEnvelope(
            topic=topic, shop_domain=self.shop, webhook_id=str(uuid.uuid4()), event_id=event_id,
            triggered_at=datetime.fromtimestamp(triggered_at, UTC), api_version="2026-07",
            received_at=datetime.now(UTC), body=body,
        )  # fmt: skip
        return consume_message(envelope.model_dump_json(), event_id, bootstrap.ledger(), lambda: datetime.now(UTC),
                               fulfillment_orders=bootstrap.shopify_fulfillment_orders_for)  # fmt: skip

    def graphql(self, token: str, query: str, variables: dict[str, Any]) -> Any:
        """An Admin GraphQL call as an app with ``token`` (the merchant's admin acting, in a test)."""
        url = f"{self.sim.base_url}/shops/{self.shop}/admin/api/2026-07/graphql.json"
        response = httpx.post(url, json={"query": query, "variables": variables},
                              headers={"X-Shopify-Access-Token": token}, timeout=10)  # fmt: skip
        assert response.status_code == 200, response.text
        return response.json()["data"]


def align_simulator_clock(base_url: str) -> None:
    """Moves the simulator's manual clock up to ours, as NTP keeps Shopify's and AWS's within seconds:
    the catch-up's windows (orders updated since an instant) are then read on one clock. Forward only,
    and one second ahead: Shopify's timestamps are whole seconds, so an order placed in the second of
    the onboarding would otherwise read as before it."""
    now = httpx.post(f"{base_url}/_control/clock/advance", json={"seconds": 0}, timeout=10).json()["now"]
    behind = datetime.now(UTC).timestamp() + 1 - float(now)
    if behind > 0:
        httpx.post(f"{base_url}/_control/clock/advance", json={"seconds": behind}, timeout=10).raise_for_status()


def seed_merchant(
    sim: SimulatorServer, aws: LocalResources, monkeypatch: pytest.MonkeyPatch, shop: str = "drift.myshopify.com"
) -> SimulatedMerchant:
    """Two locations, three SKUs with stock, no webhook subscriptions (nothing is ever delivered)."""
    spec = {
        "domain": shop,
        "access_token": TOKEN,
        "plan": "plus",
        "locations": [{"name": "Main Warehouse", "primary": True}, {"name": "Store", "fulfills_online_orders": False}],
        "products": [
            {"title": "Tee", "variants": [{"sku": "TEE-S"}, {"sku": "TEE-M"}]},
            {"title": "Mug", "variants": [{"sku": "MUG"}]},
        ],
        "levels": [
            {"sku": "TEE-S", "location": "Main Warehouse", "available": 10},
            {"sku": "TEE-M", "location": "Main Warehouse", "available": 8},
            {"sku": "MUG", "location": "Main Warehouse", "available": 5},
            {"sku": "TEE-S", "location": "Store", "available": 4},
        ],
    }
    return create_merchant(sim, aws, monkeypatch, spec)


def mugs_at_two_shipping_locations(
    shop: str, token: str, locations: tuple[str, str], products: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A primary warehouse and a store that both ship online orders, 10 mugs at each (and ``products``
    besides, unstocked)."""
    return {
        "domain": shop,
        "access_token": token,
        "plan": "plus",
        "locations": [{"name": n, "primary": n == locations[0], "fulfills_online_orders": True} for n in locations],
        "products": [{"title": "Mug", "variants": [{"sku": "MUG"}]}, *(products or [])],
        "levels": [{"sku": "MUG", "location": name, "available": 10} for name in locations],
    }


def create_merchant(
    sim: SimulatorServer, aws: LocalResources, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any]
) -> SimulatedMerchant:
    """The shop of ``spec`` created in the simulator on our clock, its secret (signing secret `whsec`,
    its access token) stored, and the Admin client aimed at the simulator."""
    align_simulator_clock(sim.base_url)
    response = httpx.post(f"{sim.base_url}/_control/shops", json=spec, timeout=10)
    assert response.status_code == 201, response.text
    aws.put_shop_secret(spec["domain"], ["whsec"], spec["access_token"])
    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", sim.graphql_url_template)
    forget_cached_clients()
    return SimulatedMerchant(spec["domain"], sim, aws)


def onboarded_merchant(
    sim: SimulatorServer, aws: LocalResources, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any]
) -> SimulatedMerchant:
    """A merchant seeded from ``spec`` and onboarded through the real use case."""
    merchant = create_merchant(sim, aws, monkeypatch, spec)
    onboard(merchant)
    return merchant


def onboard(merchant: SimulatedMerchant) -> OnboardingResult:
    """Onboards the shop; Shopify's clock is then brought up to ours and a second on, so what happens
    next in Shopify happens after each level's import (the simulator's clock only moves when told)."""
    result = onboard_shop(
        merchant.shop,
        primary_location="Main Warehouse",
        ledger=bootstrap.ledger(),
        directory=bootstrap.merchant_directory(),
        shopify=bootstrap.shopify_levels_for(merchant.shop),
        now=lambda: datetime.now(UTC),
    )
    align_simulator_clock(merchant.sim.base_url)
    # The simulator's clock stands still between calls: move it out of the second of the import, as
    # Shopify's does, so a sale now is after each level's import instant (its `updatedAt`).
    httpx.post(f"{merchant.sim.base_url}/_control/clock/advance", json={"seconds": 1}, timeout=10).raise_for_status()
    return result
