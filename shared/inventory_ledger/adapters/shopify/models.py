"""Pydantic v2 models of what the client sends and what Shopify answers.

Ids are strings (gids: Shopify ids exceed 2^53, so never floats); quantities are strict ints, so a
float sneaking in from anywhere fails loudly instead of rounding.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, field_validator
from pydantic.alias_generators import to_camel

# Shopify caps every input array at 250 items (MAX_INPUT_SIZE_EXCEEDED beyond; see the captures).
MAX_QUANTITIES_PER_CALL = 250

Gid = Annotated[str, Field(min_length=len("gid://"), pattern=r"^gid://")]


class _Wire(BaseModel):
    """Shapes as Shopify spells them (camelCase), read-only once parsed."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore")


# ---------------------------------------------------------------- cost (extensions.cost)
class ThrottleStatus(_Wire):
    # Shopify has sent these both as ints and as floats (1000.0): points, not quantities.
    maximum_available: float
    currently_available: float
    restore_rate: float


class QueryCost(_Wire):
    requested_query_cost: float
    actual_query_cost: float | None = None  # null when the request was throttled
    throttle_status: ThrottleStatus


# ---------------------------------------------------------------- reads
class Location(_Wire):
    id: Gid
    name: str
    is_active: bool
    fulfills_online_orders: bool


class _ItemRef(_Wire):
    id: Gid


class _VariantItem(_ItemRef):
    # Whether Shopify tracks the item's inventory: an untracked one moves no stock when sold.
    tracked: bool = True


class ProductVariant(_Wire):
    id: Gid
    sku: str | None
    inventory_item: _VariantItem

    @property
    def inventory_item_id(self) -> str:
        return self.inventory_item.id


class PageInfo(_Wire):
    has_next_page: bool
    end_cursor: str | None = None


class _Quantity(_Wire):
    name: str
    quantity: StrictInt


class _LevelItem(_Wire):
    id: Gid
    sku: str | None = None


class InventoryLevelNode(_Wire):
    """One node of ``Location.inventoryLevels`` as the page and bulk queries select it."""

    id: str | None = None
    item: _LevelItem
    quantities: list[_Quantity]
    # Shopify's clock: the last change the level's quantities hold (onboarding's per-level boundary).
    updated_at: AwareDatetime | None = None

    def quantity(self, name: str) -> int:
        for q in self.quantities:
            if q.name == name:
                return q.quantity
        raise ValueError(f"quantity {name!r} missing from level {self.id}")


class LevelSnapshot(BaseModel):
    """Shopify's view of one (inventory item, location) level."""

    model_config = ConfigDict(frozen=True)

    location_id: str
    inventory_item_id: str
    sku: str | None
    available: StrictInt
    committed: StrictInt
    on_hand: StrictInt
    updated_at: AwareDatetime | None = None

    @classmethod
    def from_node(cls, location_id: str, node: InventoryLevelNode) -> "LevelSnapshot":
        return cls(
            location_id=location_id,
            inventory_item_id=node.item.id,
            sku=node.item.sku,
            available=node.quantity("available"),
            committed=node.quantity("committed"),
            on_hand=node.quantity("on_hand"),
            updated_at=node.updated_at,
        )


# ---------------------------------------------------------------- writes
class _Input(BaseModel):
    """What we send, named as in Python and sent as Shopify spells it (camelCase); None goes as null."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_input(self) -> dict[str, object]:
        return self.model_dump(by_alias=True)


class SetQuantity(_Input):
    """One quantity of an ``inventorySetQuantities`` call.

    ``change_from_quantity`` is what we believe Shopify shows now (compare-and-swap); ``None`` is sent
    as an explicit null, which opts out of the check (Shopify requires the field to be present).
    """

    inventory_item_id: Gid
    location_id: Gid
    quantity: StrictInt
    change_from_quantity: StrictInt | None


class AdjustQuantity(_Input):
    """One change of an ``inventoryAdjustQuantities`` call (a delta, optionally compare-and-swap)."""

    inventory_item_id: Gid
    location_id: Gid
    delta: StrictInt
    change_from_quantity: StrictInt | None


class _ChangeRef(_Wire):
    id: str


class InventoryChange(_Wire):
    name: str
    delta: StrictInt
    quantity_after_change: StrictInt | None = None
    item: _ChangeRef | None = None
    location: _ChangeRef | None = None


class InventoryAdjustmentGroup(_Wire):
    reason: str
    reference_document_uri: str | None = None
    changes: list[InventoryChange]


class _UserErrorWire(_Wire):
    field: list[str] | None = None
    message: str
    code: str | None = None

    @field_validator("field", mode="before")
    @classmethod
    def _indices_as_strings(cls, value: object) -> object:
        # Shopify spells list indices as strings ("3"); accept ints too, keep them as strings.
        if isinstance(value, list):
            return [str(v) for v in value]
        return value


class MutationPayload(_Wire):
    inventory_adjustment_group: InventoryAdjustmentGroup | None = None
    user_errors: list[_UserErrorWire]


class QuantityStatus(StrEnum):
    APPLIED = "applied"
    # Shopify's value differed from change_from_quantity: a change we have not seen yet.
    STALE = "stale"
    # Not stale itself, but Shopify refuses the whole mutation when any quantity is stale.
    NOT_APPLIED = "not_applied"


class QuantityOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    quantity: SetQuantity
    status: QuantityStatus


class SetResult(BaseModel):
    """What became of each quantity of one ``inventorySetQuantities`` call (same order as sent)."""

    model_config = ConfigDict(frozen=True)

    outcomes: list[QuantityOutcome]
    changes: list[InventoryChange] = Field(default_factory=list)

    @property
    def applied(self) -> bool:
        return all(o.status is QuantityStatus.APPLIED for o in self.outcomes)

    @property
    def stale(self) -> list[SetQuantity]:
        return [o.quantity for o in self.outcomes if o.status is QuantityStatus.STALE]

    @property
    def not_applied(self) -> list[SetQuantity]:
        return [o.quantity for o in self.outcomes if o.status is QuantityStatus.NOT_APPLIED]


class AdjustResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    changes: list[InventoryChange]


# ---------------------------------------------------------------- bulk
class BulkOperationStatus(StrEnum):
    CANCELED = "CANCELED"
    CANCELING = "CANCELING"
    COMPLETED = "COMPLETED"
    CREATED = "CREATED"
    EXPIRED = "EXPIRED"
    FAILED = "FAILED"
    RUNNING = "RUNNING"


class BulkOperation(_Wire):
    id: Gid
    status: BulkOperationStatus
    error_code: str | None = None
    # UnsignedInt64: Shopify sends it as a string ("0"); parsed to an exact int.
    object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None

    @property
    def finished(self) -> bool:
        return self.status not in (
            BulkOperationStatus.CREATED,
            BulkOperationStatus.RUNNING,
            BulkOperationStatus.CANCELING,
        )

    @field_validator("object_count", mode="before")
    @classmethod
    def _exact_int(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError("objectCount must be an integer or a decimal string, not a float")
        return value
