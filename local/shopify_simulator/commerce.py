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
from .state import (
    Disposition,
    Fulfillment,
    InventoryItem,
    InventoryLevel,
    LineItem,
    Order,
    OrderEdit,
    Refund,
    RefundLine,
    Return,
    ReverseLine,
    Shop,
    SimulatorState,
)
from .webhooks import (
    inventory_level_body,
    order_body,
    order_edit_body,
    order_routing_complete_body,
    refund_body,
    returns_process_body,
    reverse_fulfillment_orders_dispose_body,
)

# ReverseFulfillmentOrderDispositionType: RESTOCKED puts units back to available (at a location).
DISPOSITION_TYPES = frozenset({"RESTOCKED", "NOT_RESTOCKED", "MISSING", "PROCESSING_REQUIRED"})


class CommerceError(ValueError):
    """A control-API request Shopify would refuse (unknown SKU, over-refund, ...)."""


@dataclass
class OrderLineSpec:
    """One line: by SKU, or by inventory item (a SKU several variants share), or a custom line."""

    sku: str | None
    quantity: int
    inventory_item_id: int | None = None
    custom_title: str | None = None


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

    def shift(self, shop: Shop, item_id: int, location_id: int, **deltas: int) -> None:
        """Changes quantities of one level (other modules' actions: fulfilment_moves.py)."""
        self._move(shop, self._level(shop, item_id, location_id), **deltas)

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
        self,
        shop: Shop,
        lines: list[OrderLineSpec],
        location_id: int | None,
        email: str | None = None,
        route_to: int | None = None,
    ) -> Order:
        """POS when `location_id` is given (order.location_id set), online otherwise (null). An online
        order is routed to `route_to` when given (as the merchant's order routing rules would), else to
        the first location that can cover it; its fulfilment order's `order_routing_complete` follows
        `orders/create`, as Shopify routes after creating the order."""
        with self.state.lock:
            resolved: list[tuple[InventoryItem | None, OrderLineSpec]] = []
            for spec in lines:
                if spec.quantity <= 0:
                    raise CommerceError("quantity must be positive")
                resolved.append((self._line_item(shop, spec), spec))
            if location_id is not None and location_id not in shop.locations:
                raise CommerceError(f"unknown location {location_id}")
            routed = shop.locations.get(route_to) if route_to is not None else None
            if route_to is not None and (location_id is not None or routed is None or not routed.is_active):
                raise CommerceError("route_to is an active location of the shop, for an online order")
            tracked = [(i.id, spec.quantity) for i, spec in resolved if i is not None and i.tracked]
            assigned = location_id or route_to or self._route(shop, tracked)
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
            for item, spec in resolved:
                qty = spec.quantity
                if item is None:  # a custom line: no variant, no inventory
                    order.line_items.append(
                        LineItem(self.state.ids.next(), None, None, spec.sku, spec.custom_title or "Custom item",
                                 qty, "10.00", assigned)
                    )  # fmt: skip
                    continue
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
            if location_id is None:
                order.fulfillment_orders[assigned] = fulfillment_order_id = self.state.ids.next()
                body = order_routing_complete_body(fulfillment_order_id)
                self.state.emit(shop, "fulfillment_orders/order_routing_complete", body)
            return order

    @staticmethod
    def _line_item(shop: Shop, spec: OrderLineSpec) -> InventoryItem | None:
        if spec.custom_title is not None:
            return None
        if spec.inventory_item_id is not None:
            item = shop.items.get(spec.inventory_item_id)
            if item is None:
                raise CommerceError(f"unknown inventory item {spec.inventory_item_id}")
            return item
        sharing = [i for i in shop.items.values() if i.sku == spec.sku]
        if not sharing:
            raise CommerceError(f"unknown sku {spec.sku}")
        if len(sharing) > 1:
            raise CommerceError(f"sku {spec.sku} is shared by {len(sharing)} variants: name the inventory_item_id")
        return sharing[0]

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
                item = shop.item_of(line)
                if item is not None and item.tracked and line.location_id is not None:
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
        item = shop.item_of(line)
        if item is not None and item.tracked and line.location_id is not None and qty:
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

    def refund(
        self,
        shop: Shop,
        order_id: int,
        lines: list[dict[str, Any]],
        note: str | None = None,
        return_id: int | None = None,
    ) -> Refund:
        """Refund lines: {line_item_id, quantity, restock_type, location_id?}. With ``return_id`` the
        refund is of that return (REST `return` set): its dispositions restocked the units, so its
        `return` lines move nothing.

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
                if line is None or qty <= 0 or qty > line.quantity - line.refunded - line.removed:
                    raise CommerceError(f"cannot refund {qty} of line {spec.get('line_item_id')}")
                if kind not in ("return", "cancel", "no_restock", "legacy_restock"):
                    raise CommerceError(f"unknown restock_type {kind}")
                location_id = spec.get("location_id") or line.location_id
                open_qty = 0 if kind == "return" else min(qty, line.unfulfilled)
                if kind == "cancel" and qty > line.unfulfilled:
                    raise CommerceError("restock_type cancel needs unfulfilled units")
                item = shop.item_of(line)
                if kind in ("cancel", "no_restock", "legacy_restock"):
                    self._restock_open(shop, line, open_qty, restock=kind != "no_restock")
                    line.released += open_qty
                returned = qty if kind == "return" else (qty - open_qty if kind == "legacy_restock" else 0)
                if returned and item is not None and item.tracked and return_id is None:
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
            refund = Refund(self.state.ids.next(), order.id, note, made, now,
                            any(r.restock_type != "no_restock" for r in made), return_id)  # fmt: skip
            order.refunds.append(refund)
            order.updated_at = now
            self.state.emit(shop, "refunds/create", refund_body(shop, order, refund))
            return refund

    def edit_order(
        self, shop: Shop, order_id: int, added: list[OrderLineSpec], changed: list[tuple[int, int, bool]]
    ) -> OrderEdit:
        """Commit an order edit: `added` lines (new line items), `changed` (line id, new quantity,
        restock) for existing lines. Only open units can be edited (orderEditCommit: "You can only edit
        unfulfilled line items"). Added units are committed where the order's units are; removed units
        leave committed, back to available when restocked. Emits orders/edited, then orders/updated."""
        with self.state.lock:
            order = self._order(shop, order_id)
            if order.cancelled_at is not None:
                raise CommerceError("order is cancelled")
            location_id = next((li.location_id for li in order.line_items if li.location_id is not None), None)
            location_id = location_id or order.location_id or self._route(shop, [])
            additions: list[tuple[int, int]] = []
            removals: list[tuple[int, int]] = []
            for line_id, quantity, restock in changed:
                line = order.line(line_id)
                if line is None or quantity < 0:
                    raise CommerceError(f"cannot set line {line_id} to {quantity}")
                current = line.quantity - line.refunded - line.removed
                if quantity > current:
                    delta = quantity - current
                    line.quantity += delta
                    item = shop.item_of(line)
                    if item is not None and item.tracked and line.location_id is not None:
                        self._move(
                            shop, self._level(shop, item.id, line.location_id), available=-delta, committed=delta
                        )
                    additions.append((line.id, delta))
                elif quantity < current:
                    delta = current - quantity
                    if delta > line.unfulfilled:
                        raise CommerceError(f"line {line_id}: only unfulfilled units can be removed")
                    self._restock_open(shop, line, delta, restock)
                    line.removed += delta
                    removals.append((line.id, delta))
            for spec in added:
                item = self._line_item(shop, spec)
                variant = shop.variants[item.variant_id] if item is not None else None
                line = LineItem(
                    id=self.state.ids.next(),
                    variant_id=variant.id if variant else None,
                    product_id=variant.product_id if variant else None,
                    sku=item.sku if item is not None else spec.sku,
                    title=shop.products[variant.product_id].title if variant else spec.custom_title or "Custom item",
                    quantity=spec.quantity,
                    price=variant.price if variant else "10.00",
                    location_id=location_id,
                )
                order.line_items.append(line)
                if item is not None and item.tracked:
                    self._move(shop, self._level(shop, item.id, location_id), available=-spec.quantity,
                               committed=spec.quantity)  # fmt: skip
                additions.append((line.id, spec.quantity))
            if not additions and not removals:
                raise CommerceError("the edit changes nothing")
            now = self.state.clock.now()
            edit = OrderEdit(self.state.ids.next(), now, additions, removals)
            order.edits.append(edit)
            order.updated_at = now
            self.state.emit(shop, "orders/edited", order_edit_body(order, edit))
            self.state.emit(shop, "orders/updated", order_body(shop, order))
            return edit

    def create_return(self, shop: Shop, order_id: int, returned: dict[int, int]) -> Return:
        """A return of shipped units (line id -> units), processed at once: its reverse fulfilment order
        holds one line per returned order line, nothing disposed yet. Only units shipped and not
        returned already come back. The returns/* topics are not simulated."""
        with self.state.lock:
            order = self._order(shop, order_id)
            lines = []
            for line_id, qty in returned.items():
                line = order.line(line_id)
                if line is None or qty <= 0 or qty > line.fulfilled - self._taken_back(order, line):
                    raise CommerceError(f"cannot return {qty} of line {line_id}: only shipped units come back")
                lines.append(ReverseLine(self.state.ids.next(), line_id, self.state.ids.next(), qty))
            if not lines:
                raise CommerceError("a return takes back at least one line")
            made = Return(self.state.ids.next(), self.state.ids.next(), lines, self.state.clock.now())
            order.returns.append(made)
            order.updated_at = made.created_at
            return made

    @staticmethod
    def _taken_back(order: Order, line: LineItem) -> int:
        """Shipped units of the line returned (by a return) or refunded outright (a refund of no return)."""
        of_returns = sum(rl.quantity for r in order.refunds if r.return_id is not None
                         for rl in r.lines if rl.line_item_id == line.id)  # fmt: skip
        return order.returned(line.id) + line.refunded - line.released - of_returns

    def reverse_fulfillment_order(self, shop: Shop, number: int) -> tuple[Order, Return] | None:
        for order in shop.orders.values():
            for made in order.returns:
                if made.reverse_fulfillment_order_id == number:
                    return order, made
        return None

    def dispose(self, shop: Shop, number: int, wanted: list[tuple[int, int, str, int | None]]) -> list[ReverseLine]:
        """reverseFulfillmentOrderDispose: (reverse line id, units, type, location id) each. RESTOCKED
        needs a location and puts the units back to available there; the other types move nothing.
        A line never disposes more than it returned. Emits reverse_fulfillment_orders/dispose."""
        with self.state.lock:
            found = self.reverse_fulfillment_order(shop, number)
            if found is None:
                raise CommerceError(f"unknown reverse fulfillment order {number}")
            order, made = found
            lines = {line.id: line for line in made.lines}
            asked: dict[int, int] = {}
            for line_id, qty, kind, location_id in wanted:
                asked[line_id] = asked.get(line_id, 0) + qty
                if line_id not in lines or qty <= 0 or asked[line_id] > lines[line_id].undisposed:
                    raise CommerceError(f"cannot dispose {qty} of reverse line {line_id}")
                if kind not in DISPOSITION_TYPES:
                    raise CommerceError(f"unknown disposition type {kind}")
                if kind == "RESTOCKED" and (location_id is None or location_id not in shop.locations):
                    raise CommerceError("a RESTOCKED disposition needs a location of the shop")
            now = self.state.clock.now()
            done: list[tuple[ReverseLine, Disposition]] = []
            for line_id, qty, kind, location_id in wanted:
                line = lines[line_id]
                at = location_id if kind == "RESTOCKED" else None
                disposition = Disposition(self.state.ids.next(), kind, qty, at, now)
                line.dispositions.append(disposition)
                done.append((line, disposition))
                ordered = order.line(line.line_item_id)
                item = shop.item_of(ordered) if ordered is not None else None
                if at is not None and item is not None and item.tracked:
                    self._move(shop, self._level(shop, item.id, at), available=qty)
            order.updated_at = now
            self.state.emit(shop, "reverse_fulfillment_orders/dispose",
                            reverse_fulfillment_orders_dispose_body(number, done))  # fmt: skip
            return [line for line, _ in done]

    def process_return(
        self,
        shop: Shop,
        order_id: int,
        returned: dict[int, int],
        disposition: str,
        location_id: int | None,
        refund: bool = False,
    ) -> Return:
        """A return created and processed: every returned unit disposed ``disposition`` (at
        ``location_id`` when RESTOCKED), then, with ``refund``, a refund of the return (`return` set)."""
        with self.state.lock:
            made = self.create_return(shop, order_id, returned)
            self.dispose(shop, made.reverse_fulfillment_order_id,
                         [(line.id, line.quantity, disposition, location_id) for line in made.lines])  # fmt: skip
            if refund:
                lines = [{"line_item_id": line.line_item_id, "quantity": line.quantity, "restock_type": "return",
                          "location_id": location_id} for line in made.lines]  # fmt: skip
                self.refund(shop, order_id, lines, note="return", return_id=made.id)
            return made

    def exchange(
        self, shop: Shop, order_id: int, returned: dict[int, int], items: list[OrderLineSpec], location_id: int
    ) -> Refund:
        """A POS exchange, as Shopify's exchange platform records it since 2025-03: a Return of shipped
        units whose reverse fulfilment order disposes them RESTOCKED at the till's location (emitting
        reverse_fulfillment_orders/dispose), a refund of that return (`return` set, its lines moving
        nothing), and exchange items added to the same order as new line items, handed over at once
        (committed and fulfilled there).
        https://shopify.dev/changelog/retail-exchanges-now-use-the-shopify-exchanges-implementation;
        https://shopify.dev/docs/apps/build/orders-fulfillment/returns-apps/read-exchanges. Emits
        returns/process once the new lines are on the order (no orders/updated: Shopify sends exchanges
        through returns/*); a plain return's returns/* topics are not simulated."""
        with self.state.lock:
            order = self._order(shop, order_id)
            made = self.process_return(shop, order_id, returned, "RESTOCKED", location_id, refund=True)
            refund = next(r for r in order.refunds if r.return_id == made.id)
            now = self.state.clock.now()
            taken = []
            exchanged: list[tuple[int, LineItem]] = []  # (exchange line item id, the order line it became)
            for spec in items:
                item = self._line_item(shop, spec)
                if item is None:
                    raise CommerceError("an exchange item is a product variant")
                variant = shop.variants[item.variant_id]
                line = LineItem(self.state.ids.next(), variant.id, variant.product_id, item.sku,
                                shop.products[variant.product_id].title, spec.quantity, variant.price, location_id,
                                fulfilled=spec.quantity)  # fmt: skip
                order.line_items.append(line)
                if item.tracked:
                    self._move(shop, self._level(shop, item.id, location_id), available=-spec.quantity)
                taken.append((line.id, spec.quantity))
                exchanged.append((self.state.ids.next(), line))
            if taken:
                order.fulfillments.append(Fulfillment(self.state.ids.next(), location_id, taken, now))
            order.updated_at = now
            self.state.emit(shop, "returns/process", returns_process_body(shop, order, made, exchanged))
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
