"""What the ledger must know about a merchant to turn Shopify's ids into ledger levels."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class VariantLevel:
    """The ledger level a Shopify variant's inventory item is (mapped at onboarding).

    ``sku`` is the level's SKU part: the variant's SKU, or ``SKU@<inventory item id>`` when several
    inventory items share that SKU (domain/onboarding.py, docs/ledger.md "Which level a line moves").
    """

    sku: str
    inventory_item_id: int
    tracked: bool = True


@dataclass(frozen=True)
class MappingQuery:
    """The mappings one event needs read: its Shopify locations, SKUs, inventory items and variants."""

    shopify_location_ids: frozenset[int] = frozenset()
    skus: frozenset[str] = frozenset()
    inventory_item_ids: frozenset[int] = frozenset()
    variant_ids: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        *,
        shopify_location_ids: Iterable[int | None] = (),
        skus: Iterable[str | None] = (),
        inventory_item_ids: Iterable[int | None] = (),
        variant_ids: Iterable[int | None] = (),
    ) -> "MappingQuery":
        """From the ids a payload names; a missing one (None, an empty SKU) asks for nothing."""
        return cls(
            frozenset(i for i in shopify_location_ids if i is not None),
            frozenset(sku for sku in skus if sku),
            frozenset(i for i in inventory_item_ids if i is not None),
            frozenset(i for i in variant_ids if i is not None),
        )


# The merchant's configuration alone: no mapping asked for.
CONFIG_ONLY = MappingQuery()


@dataclass(frozen=True)
class MerchantView:
    """The part of a merchant's configuration one event needs, as read when it is applied."""

    shop: str
    primary_location: str | None
    onboarded_at: datetime | None = None
    # Only the mappings this event asked for; an id absent here is unmapped.
    locations_by_shopify_id: Mapping[int, str] = field(default_factory=dict)
    known_skus: frozenset[str] = frozenset()
    skus_by_inventory_item: Mapping[int, str] = field(default_factory=dict)
    levels_by_variant: Mapping[int, VariantLevel] = field(default_factory=dict)
    # The variant each asked-for SKU level was mapped from (None: mapped by SKU alone).
    variant_of_sku: Mapping[str, int | None] = field(default_factory=dict)


class ProblemKind(StrEnum):
    UNKNOWN_SHOP = "unknown_shop"
    UNMAPPED_LOCATION = "unmapped_location"
    UNMAPPED_SKU = "unmapped_sku"
    NO_PRIMARY_LOCATION = "no_primary_location"
    INVALID_PAYLOAD = "invalid_payload"
    # The event is well formed but Shopify could not be read for it (the shop's credentials refused, or
    # no client at hand): the pusher's sweep replays it once Shopify answers for the shop again.
    SHOPIFY_UNREADABLE = "shopify_unreadable"
    # Not an error: a refund whose order has not reached the ledger yet waits for it.
    WAITING_FOR_ORDER = "waiting_for_order"


@dataclass(frozen=True)
class Problem:
    """Why part of an event could not be applied; the event is parked with it."""

    kind: ProblemKind
    detail: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.detail}"
