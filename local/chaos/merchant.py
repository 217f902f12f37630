"""The merchant a chaos plan trades for: the demo's shop (same domain, credentials and primary
location, so the demo's onboarding serves) with as many locations and SKUs as the plan asks."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from demo.seed import shop_seed

# The demo's onboarding names this location primary; only it ships online orders, so Shopify's
# routing and the ledger's rule (online sales leave the primary location) always agree.
PRIMARY = "Warehouse"


@dataclass(frozen=True)
class Merchant:
    locations: tuple[str, ...]  # Shopify location names, the primary first
    skus: tuple[str, ...]  # every SKU, the late ones included
    openings: Mapping[tuple[str, str], int]  # (location, SKU) -> Shopify's available when it is seeded
    # SKUs Shopify gains mid-run (AddSku), sold before the ledger maps them (MapSku): not seeded at first.
    late_skus: tuple[str, ...] = ()
    # Late SKUs that are a second variant of a SKU mapped at onboarding (Shopify lets variants share a
    # SKU): plan SKU -> the SKU Shopify shows for it. The ledger gives it a level of its own.
    shared_skus: Mapping[str, str] = field(default_factory=dict)

    def shopify_sku(self, sku: str) -> str:
        return self.shared_skus.get(sku, sku)

    def levels(self) -> list[tuple[str, str]]:
        return [(location, sku) for location in self.locations for sku in self.skus]

    def simulator_seed(self, webhook_url: str) -> dict[str, Any]:
        first = tuple(sku for sku in self.skus if sku not in self.late_skus)
        return shop_seed(webhook_url, self.locations, first, lambda sku, location: self.openings[(location, sku)])
