"""Request bodies of the control API (pydantic v2). Ids are ints: JSON carries them exactly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Plan = Literal["standard", "advanced", "plus", "enterprise"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationSpec(_Model):
    name: str
    fulfills_online_orders: bool = True
    primary: bool = False
    id: int | None = Field(default=None, gt=0)  # a captured store's own id, to replay its payloads
    active: bool = True  # False: deactivated (hidden unless includeInactive, out of totals)
    deleted: bool = False  # gone from every read


class VariantSpec(_Model):
    sku: str | None = None  # None: a variant without a SKU; several variants may share one
    price: str = "10.00"
    title: str = "Default Title"
    tracked: bool = True
    id: int | None = Field(default=None, gt=0)
    inventory_item_id: int | None = Field(default=None, gt=0)
    requires_shipping: bool | None = None  # default: True, False for a gift card


class ProductSpec(_Model):
    title: str
    variants: list[VariantSpec]
    status: str = "ACTIVE"
    id: int | None = Field(default=None, gt=0)
    gift_card: bool = False


class LevelRef(_Model):
    """An item (by sku or inventory_item_id) at a location (by name or location_id)."""

    sku: str | None = None
    inventory_item_id: int | None = None
    location: str | None = None
    location_id: int | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> LevelRef:
        if (self.sku is None) == (self.inventory_item_id is None):
            raise ValueError("give exactly one of sku, inventory_item_id")
        if (self.location is None) == (self.location_id is None):
            raise ValueError("give exactly one of location, location_id")
        return self


class LevelSpec(LevelRef):
    """Seed a level's stored quantities directly (no webhook): what a store already holds."""

    available: int = 0
    committed: int = 0
    incoming: int = 0
    damaged: int = 0
    quality_control: int = 0
    reserved: int = 0
    safety_stock: int = 0
    active: bool = True  # False: an inactive level (deactivated; its quantities kept)


class WebhookSpec(_Model):
    topic: str
    address: str


class ShopSpec(_Model):
    domain: str
    access_token: str = "shpat_simulator"  # noqa: S105 (a local test default)
    webhook_secret: str = "simulator-webhook-secret"  # noqa: S105
    plan: Plan | None = None
    webhook_api_version: str = "2026-07"
    locations: list[LocationSpec] = Field(default_factory=list)
    products: list[ProductSpec] = Field(default_factory=list)
    levels: list[LevelSpec] = Field(default_factory=list)
    webhooks: list[WebhookSpec] = Field(default_factory=list)


class SeedFile(_Model):
    shops: list[ShopSpec]


class ShopSeed(_Model):
    """Seed more into an existing shop."""

    locations: list[LocationSpec] = Field(default_factory=list)
    products: list[ProductSpec] = Field(default_factory=list)
    levels: list[LevelSpec] = Field(default_factory=list)
    webhooks: list[WebhookSpec] = Field(default_factory=list)


class PlanUpdate(_Model):
    plan: Plan | None = None
    maximum_available: float | None = None
    restore_rate: float | None = None
    currently_available: float | None = None


class OrderLine(_Model):
    """By sku, by inventory_item_id (a SKU several variants share), or a custom line (custom_title)."""

    sku: str | None = None
    inventory_item_id: int | None = Field(default=None, gt=0)
    custom_title: str | None = None
    quantity: int = Field(gt=0)

    @model_validator(mode="after")
    def _one_way(self) -> OrderLine:
        if self.custom_title is None and (self.sku is None) == (self.inventory_item_id is None):
            raise ValueError("give exactly one of sku, inventory_item_id (or a custom_title)")
        return self


class PlaceOrder(_Model):
    """POS order when a location is given (order.location_id set); online order otherwise."""

    lines: list[OrderLine]
    location: str | None = None
    location_id: int | None = None
    email: str | None = None
    # The location Shopify's order routing assigns an online order to (default: the first that covers it).
    route_to: str | None = None


class EditSetQuantity(_Model):
    """orderEditSetQuantity: a line's new quantity; `restock` for units removed (Shopify's default)."""

    line_item_id: int
    quantity: int = Field(ge=0)
    restock: bool = True


class OrderEditSpec(_Model):
    """One committed order edit: new lines (orderEditAddVariant / AddCustomItem) and quantity changes."""

    add: list[OrderLine] = Field(default_factory=list)
    set: list[EditSetQuantity] = Field(default_factory=list)


class ReturnedLine(_Model):
    line_item_id: int
    quantity: int = Field(gt=0)


class ExchangeSpec(_Model):
    """A POS exchange at a location: shipped units returned (restocked there), exchange items handed over."""

    location: str
    returned: list[ReturnedLine]
    exchange: list[OrderLine] = Field(default_factory=list)


class ReturnSpec(_Model):
    """A return of shipped units, processed: each unit disposed `disposition` (RESTOCKED at `location`),
    or, with no disposition, left to dispose through reverseFulfillmentOrderDispose; `refund` refunds it."""

    returned: list[ReturnedLine]
    disposition: str | None = "RESTOCKED"
    location: str | None = None
    refund: bool = False


class FulfilLine(_Model):
    line_item_id: int
    quantity: int = Field(gt=0)


class Fulfil(_Model):
    lines: list[FulfilLine] | None = None


class MoveFulfilment(_Model):
    """fulfillmentOrderMove of every open unit of the order to the named location."""

    location: str


class Cancel(_Model):
    restock: bool = True
    reason: str = "customer"


class RefundLineSpec(_Model):
    line_item_id: int
    quantity: int = Field(gt=0)
    restock_type: Literal["return", "cancel", "no_restock", "legacy_restock"] = "no_restock"
    location_id: int | None = None


class RefundSpec(_Model):
    lines: list[RefundLineSpec]
    note: str | None = None


class AdminLevelEdit(LevelRef):
    available: int


class FaultSpec(_Model):
    kind: Literal["status", "delay", "drop"]
    count: int = Field(default=1, ge=1)
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0


class StaleSpec(LevelRef):
    count: int = Field(default=1, ge=1)


class DeliveryModeSpec(_Model):
    hold: bool = False
    duplicate: int = Field(default=0, ge=0)
    delay_s: float = Field(default=0.0, ge=0)
    retry: bool = True
    retry_compression: float = Field(default=1.0, gt=0)


class FlushSpec(_Model):
    shuffle_seed: int | None = None
    # Newest first: the surest way to deliver a cancel before its order.
    reverse: bool = False


class BulkSettings(_Model):
    duration_s: float | None = 0.0


class ClockAdvance(_Model):
    seconds: float


class ComplianceCustomer(_Model):
    id: int = Field(gt=0)
    email: str | None = None
    phone: str | None = None


class ComplianceRequest(_Model):
    """A privacy request Shopify forwards to the app: customers/* name a customer, shop/redact does not."""

    topic: Literal["customers/data_request", "customers/redact", "shop/redact"]
    customer: ComplianceCustomer | None = None
    orders: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _customer_matches_topic(self) -> ComplianceRequest:
        if self.topic == "shop/redact" and (self.customer is not None or self.orders):
            raise ValueError("shop/redact names no customer and no orders")
        if self.topic != "shop/redact" and self.customer is None:
            raise ValueError(f"{self.topic} needs a customer")
        return self
