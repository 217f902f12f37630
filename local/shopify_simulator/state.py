"""The simulator's own store: shops, locations, products, inventory, orders; one lock around it all."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypedDict

from .clock import Clock, SystemClock
from .ids import IdGenerator
from .jsonish import JsonObject
from .obj import Obj
from .quantities import STORED_STATES, read
from .throttle import PLANS, LeakyBucket


class SubscriptionRecord(Protocol):
    """One webhook subscription as the delivery engine holds it."""

    id: int
    topic: str
    address: str


class SubscriptionRegistry(Protocol):
    """The delivery engine's subscriptions (delivery.py), as webhook_subscriptions.py uses them."""

    def subscribe(self, shop: str, topic: str, address: str) -> SubscriptionRecord: ...

    def subscriptions(self, shop: str) -> Sequence[SubscriptionRecord]: ...

    def unsubscribe(self, shop: str, sub_id: int) -> bool: ...


class VariantSeed(TypedDict, total=False):
    """One variant to create: sku None is a variant without a SKU; a missing key takes the default."""

    sku: str | None
    title: str
    price: str | None
    tracked: bool
    id: int | None
    inventory_item_id: int | None
    requires_shipping: bool | None


@dataclass
class Location:
    id: int
    name: str
    fulfills_online_orders: bool = True
    is_active: bool = True
    created_at: float = 0.0
    # A deleted location is gone from every read (even includeInactive) and every total.
    deleted: bool = False


@dataclass
class Product:
    id: int
    title: str
    handle: str
    status: str = "ACTIVE"
    variant_ids: list[int] = field(default_factory=list)
    created_at: float = 0.0
    is_gift_card: bool = False


@dataclass
class Variant:
    id: int
    product_id: int
    sku: str | None  # None: the variant has no SKU (Shopify allows it, and allows shared SKUs)
    title: str
    price: str
    inventory_item_id: int


@dataclass
class InventoryItem:
    id: int
    variant_id: int
    sku: str | None
    tracked: bool = True
    requires_shipping: bool = True
    created_at: float = 0.0
    updated_at: float = 0.0


@dataclass
class InventoryLevel:
    item_id: int
    location_id: int
    quantities: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STORED_STATES, 0))
    updated_at: dict[str, float] = field(default_factory=dict)
    created_at: float = 0.0
    changed_at: float = 0.0
    # inventoryDeactivate makes a level inactive: hidden from default reads and totals, its
    # quantities kept (2026-04+ inventoryActivate without quantities brings them back).
    active: bool = True

    def get(self, name: str) -> int | None:
        return read(self.quantities, name)

    def as_dict(self) -> dict[str, int]:
        names = (*STORED_STATES, "on_hand", "unavailable")
        return {n: int(read(self.quantities, n) or 0) for n in names}


@dataclass
class LineItem:
    id: int
    variant_id: int | None  # None: a custom line (no product, no inventory)
    product_id: int | None
    sku: str | None
    title: str
    quantity: int
    price: str
    location_id: int | None  # where its units were committed (the fulfillment order's location)
    fulfilled: int = 0
    refunded: int = 0  # units removed from the order by refunds (restocked or not)
    released: int = 0  # of those, units that were still open (unfulfilled) when removed
    removed: int = 0  # open units an order edit removed (`quantity` keeps counting them, as Shopify's does)
    cancelled: bool = False

    @property
    def unfulfilled(self) -> int:
        """Units still committed (open) on this line."""
        if self.cancelled:
            return 0
        return max(self.quantity - self.fulfilled - self.released - self.removed, 0)


@dataclass
class Fulfillment:
    id: int
    location_id: int
    lines: list[tuple[int, int]]  # (line item id, quantity)
    created_at: float


@dataclass
class RefundLine:
    id: int
    line_item_id: int
    quantity: int
    restock_type: str
    location_id: int | None


@dataclass
class Refund:
    id: int
    order_id: int
    note: str | None
    lines: list[RefundLine]
    created_at: float
    restock: bool
    return_id: int | None = None  # the return it refunds (REST `return`), whose dispositions restock


@dataclass
class Disposition:
    """What was done with returned units (ReverseFulfillmentOrderDisposition): RESTOCKED at a location,
    NOT_RESTOCKED, MISSING or PROCESSING_REQUIRED."""

    id: int
    type: str
    quantity: int
    location_id: int | None
    created_at: float


@dataclass
class ReverseLine:
    """A ReverseFulfillmentOrderLineItem: units of one shipped order line coming back."""

    id: int
    line_item_id: int
    fulfillment_line_item_id: int
    quantity: int
    dispositions: list[Disposition] = field(default_factory=list)

    @property
    def undisposed(self) -> int:
        return self.quantity - sum(d.quantity for d in self.dispositions)


@dataclass
class Return:
    """A processed return and its one reverse fulfilment order (Shopify's returns model)."""

    id: int
    reverse_fulfillment_order_id: int
    lines: list[ReverseLine]
    created_at: float


@dataclass
class OrderEdit:
    id: int
    created_at: float
    additions: list[tuple[int, int]]  # (line item id, units added)
    removals: list[tuple[int, int]]  # (line item id, units removed)
    staff_note: str = ""


@dataclass
class Order:
    id: int
    number: int
    location_id: int | None  # set for POS orders only (FACTS.md)
    source_name: str
    line_items: list[LineItem]
    created_at: float
    updated_at: float
    email: str | None = None
    cancelled_at: float | None = None
    cancel_reason: str | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    edits: list[OrderEdit] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)
    # The open fulfilment order assigned at each location (location id -> fulfilment order id),
    # allocated when first named (a move); the REST order itself carries none.
    fulfillment_orders: dict[int, int] = field(default_factory=dict)
    # (fulfilment order id, line item id) -> its FulfillmentOrderLineItem id.
    fulfillment_order_lines: dict[tuple[int, int], int] = field(default_factory=dict)

    def line(self, line_id: int) -> LineItem | None:
        return next((li for li in self.line_items if li.id == line_id), None)

    def returned(self, line_id: int) -> int:
        """Units of the line a return took back (disposed or not yet)."""
        return sum(rl.quantity for r in self.returns for rl in r.lines if rl.line_item_id == line_id)


@dataclass
class BulkOperation:
    id: int
    query: str
    status: str
    created_at: float
    complete_at: float | None  # None: held until the control API completes it
    jsonl: str = ""
    object_count: int = 0
    root_object_count: int = 0
    completed_at: float | None = None
    error_code: str | None = None
    type: str = "QUERY"


@dataclass
class IdempotentRecord:
    field: str
    fingerprint: str
    payload: Obj  # the answer replayed for the same key


@dataclass
class Shop:
    domain: str
    access_token: str
    webhook_secret: str
    plan: str
    bucket: LeakyBucket
    webhook_api_version: str = "2026-07"
    locations: dict[int, Location] = field(default_factory=dict)
    primary_location_id: int | None = None
    products: dict[int, Product] = field(default_factory=dict)
    variants: dict[int, Variant] = field(default_factory=dict)
    items: dict[int, InventoryItem] = field(default_factory=dict)
    levels: dict[tuple[int, int], InventoryLevel] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    idempotency: dict[str, IdempotentRecord] = field(default_factory=dict)
    bulk_operations: dict[int, BulkOperation] = field(default_factory=dict)
    bulk_duration_s: float | None = 0.0  # None: bulk queries wait for the control API
    forced_stale: dict[tuple[int, int], int] = field(default_factory=dict)
    record_failed_idempotent_attempts: bool = False
    adjustment_groups: int = 0
    order_number: int = 1000
    # Active locations a store may hold; deactivated ones don't count
    # (https://help.shopify.com/en/manual/locations/setting-up-your-locations: 1000 on paid plans).
    location_limit: int = 1000
    id: int = 0
    created_at: float = 0.0
    app_installed: bool = True  # False after app/uninstalled: the app's tokens stop working
    # Subscriptions created through the API (shop-scoped: webhook_subscriptions.py), id -> created at.
    api_webhook_subscriptions: dict[int, float] = field(default_factory=dict)

    def item_by_sku(self, sku: str) -> InventoryItem | None:
        return next((i for i in self.items.values() if i.sku == sku), None)

    def item_of(self, line: LineItem) -> InventoryItem | None:
        """The inventory item a line's units come from; None for a custom line."""
        variant = self.variants.get(line.variant_id) if line.variant_id is not None else None
        return self.items.get(variant.inventory_item_id) if variant is not None else None

    def location_by_name(self, name: str) -> Location | None:
        return next((loc for loc in self.locations.values() if loc.name == name), None)

    def level(self, item_id: int, location_id: int) -> InventoryLevel | None:
        return self.levels.get((item_id, location_id))

    def level_visible(self, level: InventoryLevel, include_inactive: bool = False) -> bool:
        """Whether a read shows this level: never at a deleted location; inactive ones on request.

        A level is inactive when deactivated itself or when its location is deactivated.
        """
        loc = self.locations.get(level.location_id)
        if loc is None or loc.deleted:
            return False
        return include_inactive or self.level_active(level)

    def level_active(self, level: InventoryLevel) -> bool:
        loc = self.locations.get(level.location_id)
        return level.active and loc is not None and loc.is_active and not loc.deleted

    def active_levels_of_item(self, item_id: int) -> list[InventoryLevel]:
        """The levels that count in totals (inventoryQuantity, totalInventory)."""
        return [lv for lv in self.levels.values() if lv.item_id == item_id and self.level_active(lv)]

    def ordered_locations(self) -> list[Location]:
        """Primary first, then in creation order: the order Shopify's default routing ranks them."""
        locs = [loc for loc in self.locations.values() if not loc.deleted]
        locs.sort(key=lambda loc: (loc.id != self.primary_location_id, loc.created_at, loc.id))
        return locs


class SimulatorState:
    """Everything the simulator knows. Hold `lock` for any read or write (it is re-entrant)."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.ids = IdGenerator()
        self.shops: dict[str, Shop] = {}
        self.base_url = ""
        self.default_plan = "standard"
        # Set by the server to the webhook delivery engine: (shop, topic, REST body) -> None.
        self.emit: Callable[[Shop, str, JsonObject], None] = lambda shop, topic, body: None
        # Set by the simulator to its delivery engine (the subscriptions the API creates deliver too).
        self.delivery: SubscriptionRegistry | None = None

    def reset(self) -> None:
        with self.lock:
            self.shops.clear()

    def add_shop(
        self,
        domain: str,
        access_token: str,
        webhook_secret: str,
        plan: str | None = None,
        webhook_api_version: str = "2026-07",
    ) -> Shop:
        plan = plan or self.default_plan
        size, rate = PLANS[plan]
        with self.lock:
            shop = Shop(
                domain=domain,
                access_token=access_token,
                webhook_secret=webhook_secret,
                plan=plan,
                bucket=LeakyBucket(size, rate, self.clock),
                webhook_api_version=webhook_api_version,
                id=self.ids.next(),
                created_at=self.clock.now(),
            )
            self.shops[domain] = shop
            return shop

    def shop(self, domain: str) -> Shop | None:
        with self.lock:
            return self.shops.get(domain)

    def add_location(
        self,
        shop: Shop,
        name: str,
        fulfills_online_orders: bool = True,
        location_id: int | None = None,
        is_active: bool = True,
        deleted: bool = False,
    ) -> Location:
        with self.lock:
            loc_id = self._new_id(shop, location_id)
            loc = Location(loc_id, name, fulfills_online_orders, is_active, self.clock.now(), deleted)
            shop.locations[loc.id] = loc
            if shop.primary_location_id is None:
                shop.primary_location_id = loc.id
            return loc

    def _new_id(self, shop: Shop, explicit: int | None) -> int:
        """A fresh id, or the seed's own (so captured payloads replay unchanged) when not yet taken."""
        if explicit is None:
            return self.ids.next()
        taken = (shop.locations, shop.products, shop.variants, shop.items)
        if any(explicit in table for table in taken):
            raise ValueError(f"id {explicit} is already used in {shop.domain}")
        return explicit

    def add_product(
        self,
        shop: Shop,
        title: str,
        variants: list[VariantSeed],
        status: str = "ACTIVE",
        product_id: int | None = None,
        gift_card: bool = False,
    ) -> Product:
        """`variants`: what each variant says of itself; what it leaves out takes Shopify's default."""
        with self.lock:
            now = self.clock.now()
            handle = "-".join(title.lower().split())
            product = Product(self._new_id(shop, product_id), title, handle, status, [], now, gift_card)
            shop.products[product.id] = product
            for spec in variants:
                item_id = self._new_id(shop, spec.get("inventory_item_id"))
                sku = spec.get("sku")
                variant = Variant(
                    self._new_id(shop, spec.get("id")),
                    product.id,
                    None if sku is None else str(sku),
                    str(spec.get("title") or "Default Title"),
                    str(spec.get("price") or "10.00"),
                    item_id,
                )
                # A gift card needs no shipping (Shopify's default for gift card products).
                requires_shipping = spec.get("requires_shipping")
                if requires_shipping is None:
                    requires_shipping = not gift_card
                item = InventoryItem(
                    item_id, variant.id, variant.sku, bool(spec.get("tracked", True)), requires_shipping, now, now
                )
                shop.variants[variant.id] = variant
                shop.items[item.id] = item
                product.variant_ids.append(variant.id)
            return product

    def activate(self, shop: Shop, item_id: int, location_id: int) -> InventoryLevel:
        """Stock an item at a location (idempotent), as inventoryActivate does."""
        with self.lock:
            key = (item_id, location_id)
            if key not in shop.levels:
                now = self.clock.now()
                shop.levels[key] = InventoryLevel(item_id, location_id, created_at=now, changed_at=now)
            return shop.levels[key]
