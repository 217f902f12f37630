"""Shopify's side of the story: orders, fulfilment, cancels, refunds and admin edits.

Each action moves the simulator's own quantities as Shopify does (FACTS.md; inventory states at
https://shopify.dev/docs/apps/build/orders-fulfillment/inventory-management-apps/inventory-states):
an order moves available -> committed where it is assigned; a fulfilment takes committed (and so
on_hand); a restock returns units to available; an admin edit sets available. Each then emits the
webhooks Shopify would send, with the REST resource as the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .ids import gid
from .state import Fulfillment, InventoryLevel, LineItem, Order, Refund, RefundLine, Shop, SimulatorState
from .webhooks import inventory_level_body, order_body, refund_body


class CommerceError(ValueError):
    """A control-API request Shopify would refuse (unknown SKU, over-refund, ...)."""


@dataclass
class OrderLineSpec:
    sku: str
    quantity: int


class Commerce:
    def __init__(self, state: SimulatorState) -> None:
        self.state = state

    # -- helpers -------------------------------------------------------------------------------
    def _level(self, shop: Shop, item_id: int, location_id: int) -> InventoryLevel:
        # Selling at a location where the item is not stocked stocks it there (at zero) first.
        return self.state.activate(shop, item_id, location_id)

    def _move(self, shop: Shop, level: InventoryLevel, **deltas: int) -> None:
        now = self.state.clock.now()
        for name, delta in deltas.items():
            if delta:
                level.quantities[name] += delta
                level.updated_at[name] = now
        level.changed_at = now
        if deltas.get("available"):
            self.state.emit(shop, "inventory_levels/update", inventory_level_body(level, now))

    def _route(self, shop: Shop, lines: list[tuple[int, int]]) -> int:
        """Online orders: the first fulfilling location (primary first) that can cover every line."""
        candidates = [loc for loc in shop.ordered_locations() if loc.is_active and loc.fulfills_online_orders]
        for loc in candidates:
            if all(
                (lv := shop.level(item_id, loc.id)) is not None and lv.active and int(lv.get("available") or 0) >= qty
                for item_id, qty in lines
            ):
                return loc.id
        if shop.primary_location_id is not None:
            return shop.primary_location_id
        if candidates:
            return candidates[0].id
        raise CommerceError("the shop has no location")

    def _order(self, shop: Shop, order_id: int) -> Order:
        order = shop.orders.get(order_id)
        if order is None:
            raise CommerceError(f"unknown order {order_id}")
        return order

    # -- actions -------------------------------------------------------------------------------
    def place_order(
        self, shop: Shop, lines: list[OrderLineSpec], location_id: int | None, email: str | None = None
    ) -> Order:
        """POS when `location_id` is given (order.location_id set), online otherwise (null)."""
        with self.state.lock:
            resolved = []
            for spec in lines:
                item = shop.item_by_sku(spec.sku)
                if item is None:
                    raise CommerceError(f"unknown sku {spec.sku}")
                if spec.quantity <= 0:
                    raise CommerceError("quantity must be positive")
                resolved.append((item, spec.quantity))
            if location_id is not None and location_id not in shop.locations:
                raise CommerceError(f"unknown location {location_id}")
            assigned = location_id or self._route(shop, [(i.id, q) for i, q in resolved])
            now = self.state.clock.now()
            shop.order_number += 1
            order = Order(
                id=self.state.ids.next(),
                number=shop.order_number,
                location_id=location_id,
                source_name="pos" if location_id is not None else "web",
                line_items=[],
                created_at=now,
                updated_at=now,
                email=email,
            )
            for item, qty in resolved:
                variant = shop.variants[item.variant_id]
                product = shop.products[variant.product_id]
                order.line_items.append(
                    LineItem(
                        id=self.state.ids.next(),
                        variant_id=variant.id,
                        product_id=product.id,
                        sku=item.sku,
                        title=product.title,
                        quantity=qty,
                        price=variant.price,
                        location_id=assigned,
                    )
                )
                if item.tracked:
                    self._move(shop, self._level(shop, item.id, assigned), available=-qty, committed=qty)
            shop.orders[order.id] = order
            self.state.emit(shop, "orders/create", order_body(shop, order))
            return order

    def fulfil(self, shop: Shop, order_id: int, lines: dict[int, int] | None = None) -> Fulfillment:
        """Fulfil `lines` (line id -> quantity), or everything open. Takes committed and on_hand."""
        with self.state.lock:
            order = self._order(shop, order_id)
            if order.cancelled_at is not None:
                raise CommerceError("order is cancelled")
            wanted = lines or {li.id: li.unfulfilled for li in order.line_items if li.unfulfilled}
            taken: list[tuple[int, int]] = []
            location_id = None
            for line_id, qty in wanted.items():
                line = order.line(line_id)
                if line is None or qty <= 0 or qty > line.unfulfilled:
                    raise CommerceError(f"cannot fulfil {qty} of line {line_id}")
                line.fulfilled += qty
                location_id = line.location_id
                item = shop.items[shop.variants[line.variant_id].inventory_item_id]
                if item.tracked and line.location_id is not None:
                    self._move(shop, self._level(shop, item.id, line.location_id), committed=-qty)
                taken.append((line_id, qty))
            if not taken or location_id is None:
                raise CommerceError("nothing to fulfil")
            now = self.state.clock.now()
            fulfillment = Fulfillment(self.state.ids.next(), location_id, taken, now)
            order.fulfillments.append(fulfillment)
            order.updated_at = now
            body = order_body(shop, order)
            self.state.emit(shop, "fulfillments/create", body["fulfillments"][-1])
            self.state.emit(shop, "orders/updated", body)
            return fulfillment

    def _restock_open(self, shop: Shop, line: LineItem, qty: int, restock: bool) -> None:
        """Units still committed leave committed; with a restock they go back to available."""
        item = shop.items[shop.variants[line.variant_id].inventory_item_id]
        if item.tracked and line.location_id is not None and qty:
            level = self._level(shop, item.id, line.location_id)
            self._move(shop, level, committed=-qty, available=qty if restock else 0)

    def cancel(self, shop: Shop, order_id: int, restock: bool = True, reason: str = "customer") -> Order:
        """Cancel: open units are released (restocked or not); fulfilled units stay out."""
        with self.state.lock:
            order = self._order(shop, order_id)
            if order.cancelled_at is not None:
                raise CommerceError("order is already cancelled")
            now = self.state.clock.now()
            refund_lines = []
            for line in order.line_items:
                open_qty = line.unfulfilled
                if open_qty:
                    self._restock_open(shop, line, open_qty, restock)
                    refund_lines.append(
                        RefundLine(
                            self.state.ids.next(),
                            line.id,
                            open_qty,
                            "cancel" if restock else "no_restock",
                            line.location_id if restock else None,
                        )
                    )
                    line.refunded += open_qty
                    line.released += open_qty
                line.cancelled = True
            order.cancelled_at = now
            order.cancel_reason = reason
            order.updated_at = now
            refund = None
            if refund_lines:
                refund = Refund(self.state.ids.next(), order.id, "Order canceled", refund_lines, now, restock)
                order.refunds.append(refund)
            self.state.emit(shop, "orders/cancelled", order_body(shop, order))
            if refund is not None:
                self.state.emit(shop, "refunds/create", refund_body(shop, order, refund))
            return order

    def refund(self, shop: Shop, order_id: int, lines: list[dict[str, Any]], note: str | None = None) -> Refund:
        """Refund lines: {line_item_id, quantity, restock_type, location_id?}.

        return: fulfilled units come back to available at location_id (default: the line's).
        cancel: open (committed) units are released back to available.
        no_restock: open units leave committed without coming back; fulfilled units stay out.
        legacy_restock: open units as `cancel`, the rest as `return`.
        """
        with self.state.lock:
            order = self._order(shop, order_id)
            now = self.state.clock.now()
            made: list[RefundLine] = []
            for spec in lines:
                line = order.line(int(spec["line_item_id"]))
                qty = int(spec["quantity"])
                kind = str(spec.get("restock_type", "no_restock"))
                if line is None or qty <= 0 or qty > line.quantity - line.refunded:
                    raise CommerceError(f"cannot refund {qty} of line {spec.get('line_item_id')}")
                if kind not in ("return", "cancel", "no_restock", "legacy_restock"):
                    raise CommerceError(f"unknown restock_type {kind}")
                location_id = spec.get("location_id") or line.location_id
                open_qty = 0 if kind == "return" else min(qty, line.unfulfilled)
                if kind == "cancel" and qty > line.unfulfilled:
                    raise CommerceError("restock_type cancel needs unfulfilled units")
                item = shop.items[shop.variants[line.variant_id].inventory_item_id]
                if kind in ("cancel", "no_restock", "legacy_restock"):
                    self._restock_open(shop, line, open_qty, restock=kind != "no_restock")
                    line.released += open_qty
                returned = qty if kind == "return" else (qty - open_qty if kind == "legacy_restock" else 0)
                if returned and item.tracked:
                    if location_id is None:
                        raise CommerceError(f"line {line.id} has no location to return units to: give location_id")
                    self._move(shop, self._level(shop, item.id, int(location_id)), available=returned)
                line.refunded += qty
                made.append(
                    RefundLine(
                        self.state.ids.next(),
                        line.id,
                        qty,
                        kind,
                        None if kind == "no_restock" else int(location_id) if location_id else None,
                    )
                )
            refund = Refund(
                self.state.ids.next(), order.id, note, made, now, any(r.restock_type != "no_restock" for r in made)
            )
            order.refunds.append(refund)
            order.updated_at = now
            self.state.emit(shop, "refunds/create", refund_body(shop, order, refund))
            return refund

    def admin_set_available(self, shop: Shop, item_id: int, location_id: int, available: int) -> InventoryLevel:
        """A merchant edits `available` in the admin: on_hand follows; inventory_levels/update fires."""
        with self.state.lock:
            if item_id not in shop.items or location_id not in shop.locations:
                raise CommerceError("unknown item or location")
            level = self._level(shop, item_id, location_id)
            self._move(shop, level, available=available - int(level.get("available") or 0))
            return level


def order_summary(shop: Shop, order: Order) -> dict[str, Any]:
    body = order_body(shop, order)
    body["admin_graphql_api_id"] = gid("Order", order.id)
    return body
