"""The pusher's port on Shopify: ledger pushes in, per-level outcomes out, Shopify's errors translated."""

from collections import defaultdict
from collections.abc import Sequence

from inventory_ledger.adapters.shopify.admin_operations import ShopifyAdminOperations
from inventory_ledger.adapters.shopify.models import QuantityStatus, SetQuantity
from inventory_ledger.adapters.shopify.port_errors import as_port_errors
from inventory_ledger.domain.ids import gid
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.domain.pushing import PUSH_REASON, LevelPush, PushOutcome, reference_document_uri
from inventory_ledger.ports import ShopifyInventory

OUTCOMES = {
    QuantityStatus.APPLIED: PushOutcome.APPLIED,
    QuantityStatus.STALE: PushOutcome.STALE,
    QuantityStatus.NOT_APPLIED: PushOutcome.NOT_APPLIED,
}


class ShopifyInventoryWriter(ShopifyInventory):
    def __init__(self, gateway: ShopifyAdminOperations) -> None:
        self.gateway = gateway

    def set_available(self, pushes: Sequence[LevelPush], *, idempotency_key: str) -> dict[LevelKey, PushOutcome]:
        quantities = [
            SetQuantity(
                inventory_item_id=gid("InventoryItem", push.inventory_item_id),
                location_id=gid("Location", push.shopify_location_id),
                quantity=push.quantity,
                change_from_quantity=push.change_from,
            )
            for push in pushes
        ]
        with as_port_errors():
            result = self.gateway.set_available(
                quantities,
                reason=PUSH_REASON,
                reference_document_uri=reference_document_uri(pushes[0].key.shop, idempotency_key),
                idempotency_key=idempotency_key,
            )
        return {push.key: OUTCOMES[outcome.status] for push, outcome in zip(pushes, result.outcomes, strict=True)}

    def read_available(self, pushes: Sequence[LevelPush]) -> dict[LevelKey, int | None]:
        by_location: dict[int, list[LevelPush]] = defaultdict(list)
        for push in pushes:
            by_location[push.shopify_location_id].append(push)
        found: dict[LevelKey, int | None] = {}
        with as_port_errors():
            for location_id, at_location in by_location.items():
                items = [gid("InventoryItem", push.inventory_item_id) for push in at_location]
                available = self.gateway.available_at(gid("Location", location_id), items)
                found.update({push.key: available[item] for push, item in zip(at_location, items, strict=True)})
        return found
