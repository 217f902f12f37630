"""The simulator as one object: state, commerce actions, webhook delivery, faults, seeding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from .clock import Clock, ManualClock
from .commerce import Commerce, CommerceError
from .control_models import LevelRef, LevelSpec, SeedFile, ShopSeed, ShopSpec
from .delivery import DeliveryEngine
from .faults import FaultInjector
from .ids import gid
from .jsonish import JsonObject
from .lifecycle import COMPLIANCE_TOPICS, uninstall
from .quantities import STORED_STATES
from .state import Shop, SimulatorState, VariantSeed


class Simulator:
    def __init__(self, clock: Clock | None = None, plan: str = "standard") -> None:
        self.state = SimulatorState(clock)
        self.state.default_plan = plan
        self.commerce = Commerce(self.state)
        self.delivery = DeliveryEngine(self.state)
        self.faults = FaultInjector()
        self.state.emit = self.delivery.emit
        self.state.delivery = self.delivery

    @property
    def clock(self) -> Clock:
        return self.state.clock

    def advance(self, seconds: float) -> None:
        """Move a ManualClock (tests); refused on the system clock."""
        if not isinstance(self.state.clock, ManualClock):
            raise CommerceError("the simulator runs on the system clock")
        self.state.clock.advance(seconds)

    def reset(self) -> None:
        self.state.reset()
        self.delivery.reset()
        self.faults.clear()

    def uninstall_app(self, shop: Shop) -> JsonObject:
        """app/uninstalled, then the shop's subscriptions go (the compliance ones are the app's own)."""
        body = uninstall(self.state, shop)
        for sub in self.delivery.subscriptions(shop.domain):
            if sub.topic not in COMPLIANCE_TOPICS:
                self.delivery.unsubscribe(shop.domain, sub.id)
        return body

    # -- seeding -------------------------------------------------------------------------------
    def seed(self, seed: SeedFile | dict[str, Any] | str | Path) -> list[Shop]:
        if isinstance(seed, str | Path):
            seed = json.loads(Path(seed).read_text(encoding="utf-8"))
        spec = seed if isinstance(seed, SeedFile) else SeedFile.model_validate(seed)
        return [self.add_shop(s) for s in spec.shops]

    def add_shop(self, spec: ShopSpec) -> Shop:
        shop = self.state.add_shop(
            spec.domain, spec.access_token, spec.webhook_secret, spec.plan, spec.webhook_api_version
        )
        self.seed_shop(
            shop, ShopSeed(locations=spec.locations, products=spec.products, levels=spec.levels, webhooks=spec.webhooks)
        )
        return shop

    def seed_shop(self, shop: Shop, spec: ShopSeed) -> None:
        with self.state.lock:
            for loc_spec in spec.locations:
                try:
                    loc = self.state.add_location(
                        shop,
                        loc_spec.name,
                        loc_spec.fulfills_online_orders,
                        loc_spec.id,
                        loc_spec.active,
                        loc_spec.deleted,
                    )
                except ValueError as exc:
                    raise CommerceError(str(exc)) from exc
                if loc_spec.primary:
                    shop.primary_location_id = loc.id
            for prod in spec.products:
                # A VariantSpec's fields are VariantSeed's keys, so its dump is one.
                variants = [cast(VariantSeed, v.model_dump()) for v in prod.variants]
                try:
                    self.state.add_product(shop, prod.title, variants, prod.status, prod.id, prod.gift_card)
                except ValueError as exc:
                    raise CommerceError(str(exc)) from exc
            for level_spec in spec.levels:
                self.set_level(shop, level_spec)
        for hook in spec.webhooks:
            self.delivery.subscribe(shop.domain, hook.topic, hook.address)

    def resolve(self, shop: Shop, ref: LevelRef) -> tuple[int, int]:
        """(inventory item id, location id) of a reference by sku/name or ids."""
        if ref.sku is not None:
            sharing = [i for i in shop.items.values() if i.sku == ref.sku]
            if not sharing:
                raise CommerceError(f"unknown sku {ref.sku}")
            if len(sharing) > 1:
                raise CommerceError(f"sku {ref.sku} is shared by {len(sharing)} variants: name the inventory_item_id")
            item_id = sharing[0].id
        else:
            item_id = int(ref.inventory_item_id or 0)
            if item_id not in shop.items:
                raise CommerceError(f"unknown inventory item {item_id}")
        if ref.location is not None:
            loc = shop.location_by_name(ref.location)
            if loc is None:
                raise CommerceError(f"unknown location {ref.location}")
            loc_id = loc.id
        else:
            loc_id = int(ref.location_id or 0)
            if loc_id not in shop.locations:
                raise CommerceError(f"unknown location {loc_id}")
        return item_id, loc_id

    def set_level(self, shop: Shop, spec: LevelSpec) -> None:
        item_id, loc_id = self.resolve(shop, spec)
        with self.state.lock:
            level = self.state.activate(shop, item_id, loc_id)
            for name in STORED_STATES:
                level.quantities[name] = int(getattr(spec, name))
            level.active = spec.active

    # -- reading -------------------------------------------------------------------------------
    def levels(self, shop: Shop) -> list[dict[str, Any]]:
        with self.state.lock:
            out = []
            for level in sorted(shop.levels.values(), key=lambda lv: (lv.location_id, lv.item_id)):
                item = shop.items[level.item_id]
                loc = shop.locations[level.location_id]
                out.append(
                    {
                        "sku": item.sku,
                        "inventory_item_id": item.id,
                        "inventory_item_gid": gid("InventoryItem", item.id),
                        "location_id": loc.id,
                        "location_gid": gid("Location", loc.id),
                        "location_name": loc.name,
                        "quantities": level.as_dict(),
                        # Seconds since the epoch on the simulator's clock: when a quantity last changed.
                        "changed_at": level.changed_at,
                    }
                )
            return out

    def quantity(self, shop_domain: str, sku: str, location: str, name: str = "available") -> int:
        """A test helper: one named quantity of a level (by sku and location name)."""
        shop = self.state.shops[shop_domain]
        item_id, loc_id = self.resolve(shop, LevelRef(sku=sku, location=location))
        level = shop.level(item_id, loc_id)
        return int(level.get(name) or 0) if level else 0

    def shop_summary(self, shop: Shop) -> dict[str, Any]:
        with self.state.lock:
            return {
                "domain": shop.domain,
                "plan": shop.plan,
                "webhook_api_version": shop.webhook_api_version,
                "id": shop.id,
                "app_installed": shop.app_installed,
                "primary_location_id": shop.primary_location_id,
                "throttle_status": shop.bucket.status(),
                "locations": [
                    {
                        "id": loc.id,
                        "gid": gid("Location", loc.id),
                        "name": loc.name,
                        "fulfills_online_orders": loc.fulfills_online_orders,
                        "primary": loc.id == shop.primary_location_id,
                        "active": loc.is_active,
                        "deleted": loc.deleted,
                    }
                    for loc in shop.locations.values()
                ],
                "variants": [
                    {
                        "sku": v.sku,
                        "variant_id": v.id,
                        "product_id": v.product_id,
                        "inventory_item_id": v.inventory_item_id,
                        "inventory_item_gid": gid("InventoryItem", v.inventory_item_id),
                    }
                    for v in shop.variants.values()
                ],
            }
