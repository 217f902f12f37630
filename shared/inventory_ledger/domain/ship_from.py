"""Ship-from-store: the units of a line follow the location Shopify shipped them from.

Shopify commits an online order's units at the location its fulfilment order is assigned to, which is
not always the primary one (order routing, or a merchant moving the fulfilment order), and ships them
from there (FACTS.md; https://shopify.dev/docs/apps/build/orders-fulfillment/order-routing-apps).
The REST order names no assigned location, so the ledger takes an online sale at the primary
location; once a body shows a fulfilment of the line from another location, the shipped units move
there: back at the sold location, out at the shipping one, keyed by fulfilment and line. Transfers
leave the line's sold and restocked counts alone, so cancels and refunds keep their budgets. Shopify
moved those units when it took the order, so the moves carry the order's instant (inside an import
made after it, like the sale).
"""

from collections.abc import Sequence
from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, Translation
from inventory_ledger.domain.shopify_payloads import Fulfillment, LineItem, Order

FAILED_FULFILMENTS = ("cancelled", "error", "failure")


def shipped_elsewhere(
    order: Order,
    line: LineItem,
    sold_at: LevelKey,
    merchant: MerchantView,
    source: Source,
    translation: Translation,
    *,
    before_onboarding: bool,
) -> None:
    """Appends the moves of the line's units shipped from a location other than ``sold_at``'s."""
    shipments_elsewhere((order.id, line.id), order.fulfillments, sold_at, merchant, source, translation,
                        before_onboarding=before_onboarding, shopify_at=order.created_at)  # fmt: skip


def shipments_elsewhere(
    order_line: tuple[int, int],
    fulfillments: Sequence[Fulfillment],
    held_at: LevelKey,
    merchant: MerchantView,
    source: Source,
    translation: Translation,
    *,
    before_onboarding: bool,
    shopify_at: datetime | None,
) -> None:
    """Appends the moves of the line's units that ``fulfillments`` shipped from a location other than
    ``held_at``'s (where the ledger holds the line: where it sold it, or where a move took it)."""
    order_id, line_id = order_line
    for fulfillment in fulfillments:
        if fulfillment.status in FAILED_FULFILMENTS or fulfillment.location_id is None:
            continue
        units = sum(item.quantity for item in fulfillment.line_items if item.id == line_id)
        if units == 0:
            continue
        location = merchant.locations_by_shopify_id.get(fulfillment.location_id)
        if location is None:
            translation.problems.append(
                Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {fulfillment.location_id} is not mapped")
            )
            continue
        if location == held_at.location:
            continue
        entry = f"order/{order_id}/line/{line_id}/shipped/{fulfillment.id}"
        reason = f"shipped from {location}: the units were taken there, not at {held_at.location}"
        for key, kind, suffix in (
            (held_at, MovementKind.TRANSFER_IN, "back"),
            (LevelKey(held_at.shop, location, held_at.sku), MovementKind.TRANSFER_OUT, "out"),
        ):
            translation.movements.append(
                Movement(key, kind, units, f"{entry}/{suffix}", source, shopify_applied=True,
                         order_line=(order_id, line_id), reason=reason, before_onboarding=before_onboarding,
                         shopify_at=shopify_at, ships_away=suffix == "back")
            )  # fmt: skip
