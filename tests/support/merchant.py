"""A demo merchant in the Shopify simulator and the same merchant in the ledger, for integration tests."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory
from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.movements import Movement
from inventory_ledger.service.operations import record_operation
from local_stack.aws import LocalResources
from shopify_simulator.seeds import LEDGER_TOPICS

SHOP = "demo-shop.myshopify.com"
TOKEN = "shpat_demo_token"
WEBHOOK_SECRET = "demo-webhook-secret"
LOCATIONS = {"Warehouse": "warehouse", "Store A": "store-a", "Store B": "store-b"}
SKUS = ("A", "B", "C")
OPENING = 10


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DemoMerchant:
    """Talks to the simulator's control API and to the ledger of one demo shop."""

    control_url: str
    resources: LocalResources
    location_ids: dict[str, int] = field(default_factory=dict)  # ledger location -> Shopify id
    item_ids: dict[str, int] = field(default_factory=dict)  # SKU -> inventory item id
    shop: str = SHOP

    @property
    def ledger(self) -> DynamoDbLedger:
        return DynamoDbLedger(self.resources.table_name)

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.control_url}/_control/shops/{self.shop}{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def shopify_available(self, location: str, sku: str) -> int:
        for level in self.control("GET", "/levels")["levels"]:
            if level["sku"] == sku and level["location_id"] == self.location_ids[location]:
                return int(level["quantities"]["available"])
        raise LookupError((location, sku))

    def balance(self, location: str, sku: str) -> Any:
        key = LevelKey(self.shop, location, sku)
        return self.ledger.balances([key])[key]

    def events(self, topic: str) -> list[dict[str, Any]]:
        return [event for event in self.control("GET", "/events")["events"] if event["topic"] == topic]


def create_demo_merchant(
    simulator_url: str, resources: LocalResources, *, webhook_address: str | None = None, shop_domain: str = SHOP
) -> DemoMerchant:
    """Seeds the simulator with the demo shop and mirrors it in the ledger (mappings + opening levels)."""
    shop: dict[str, Any] = {
        "domain": shop_domain,
        "access_token": TOKEN,
        "webhook_secret": WEBHOOK_SECRET,
        "locations": [{"name": name, "primary": name == "Warehouse"} for name in LOCATIONS],
        "products": [{"title": f"Product {sku}", "variants": [{"sku": sku, "tracked": True}]} for sku in SKUS],
        "levels": [{"sku": sku, "location": name, "available": OPENING} for name in LOCATIONS for sku in SKUS],
    }
    if webhook_address:
        shop["webhooks"] = [{"topic": topic, "address": webhook_address} for topic in LEDGER_TOPICS]
    httpx.post(f"{simulator_url}/_control/shops", json=shop, timeout=10).raise_for_status()
    summary = httpx.get(f"{simulator_url}/_control/shops/{shop_domain}", timeout=10).json()
    merchant = DemoMerchant(simulator_url, resources, shop=shop_domain)
    merchant.location_ids = {LOCATIONS[loc["name"]]: int(loc["id"]) for loc in summary["locations"]}
    merchant.item_ids = {v["sku"]: int(v["inventory_item_id"]) for v in summary["variants"]}

    resources.put_shop_secret(shop_domain, [WEBHOOK_SECRET], TOKEN)
    directory = DynamoDbMerchantDirectory(resources.table_name)
    directory.register_shop(shop_domain, onboarded_at=datetime(2026, 1, 1, tzinfo=UTC))
    for location, shopify_id in merchant.location_ids.items():
        directory.map_location(shop_domain, location, shopify_id)
    directory.set_primary_location(shop_domain, "warehouse")
    for sku, item_id in merchant.item_ids.items():
        directory.map_sku(shop_domain, sku, item_id)
    for location in LOCATIONS.values():
        for sku in SKUS:
            # An opening balance Shopify already shows: the ledger and shopify_expected both start there.
            key = LevelKey(shop_domain, location, sku)
            opening = Movement(
                key,
                MovementKind.RECEIPT,
                OPENING,
                f"opening/{location}/{sku}",
                Source(topic="test-setup"),
                shopify_applied=True,
            )
            record_operation([opening], merchant.ledger, now)
    return merchant
