"""A fulfilment order routed or moved to a location: the line's units follow it at once.

fulfillmentOrderMove re-assigns a fulfilment order's unfulfilled units; Shopify releases them at the
source (committed back to available) and commits them at the destination
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). The webhook names
no order and no line, so the consumer reads the moved fulfilment order from Shopify: its order, where
it is assigned *now*, and each line's `remainingQuantity`.

Shopify's order routing is the first such assignment: after an order is created, Shopify assigns
its fulfilment orders to locations and sends `fulfillment_orders/order_routing_complete`, naming only
the fulfilment order (https://shopify.dev/docs/api/webhooks/2026-07). The ledger took the online sale
at the primary location; the routing is applied by the same rule as a move, read the same way, so a
fulfilment order routed to a store moves the line's units there (entries as a move's: the first
assignment away from the primary is the line's move 1), and one routed to the primary moves nothing.

The ledger holds every unit a line sold at the line's location, except the units its shipments from
elsewhere moved off (ship_from.py, `shipped_away`) and what a cancel released. A line of the moved
order with units remaining there moves all it holds: back at the line's location, out at the
fulfilment order's, and the line's location becomes that one. Shipments are then judged against the
new location: one made from there moves nothing, one made from the old location (before the move, or
a unit the move left behind) moves its units back there by its own entry. So every shipment, cancel
and `cancel` refund ends where Shopify's does, whichever reaches the ledger first, and a read that is
no longer current (a move parked while its order had not arrived) only decides where the open units
wait. A line already at that location moves nothing: a duplicate delivery is a no-op. Keys are business
ids: `order/<id>/line/<id>/moved/<fulfilment order id>/<n>/back|out`, n counting the line's moves,
because a fulfilment order that moves back and forth keeps its id.
"""

from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, SkipReason, Translation
from inventory_ledger.domain.orders import LineStates, line_source
from inventory_ledger.domain.ship_from import shipments_elsewhere
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderLine, FulfillmentOrderRead

# The statuses under which a fulfilment order's remaining units are committed at its location.
OPEN_STATUSES = frozenset({"OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD", "INCOMPLETE"})


def moved_entry_id(order_id: int, line_item_id: int, fulfillment_order_id: int, move: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/moved/{fulfillment_order_id}/{move}"


def moves_applied(applied: frozenset[str], order_id: int, line_item_id: int) -> int:
    prefix = f"order/{order_id}/line/{line_item_id}/moved/"
    return sum(1 for entry in applied if entry.startswith(prefix) and entry.endswith("/out"))


def _tracked(line: FulfillmentOrderLine, merchant: MerchantView) -> bool:
    """The line's variant is mapped to a level Shopify tracks (the merchant's view asked for it)."""
    level = merchant.levels_by_variant.get(line.variant_id) if line.variant_id is not None else None
    return level is not None and level.tracked


def held(line: OrderLineState) -> int:
    """Units the ledger holds at the line's location for it: sold, less what a cancel (or an edit)
    released there and what shipments from elsewhere moved off."""
    return line.sold - line.cancel_restocked - line.shipped_away


def apply_fulfillment_order_moved(
    moved: FulfillmentOrderRead,
    merchant: MerchantView,
    lines: LineStates,
    source: Source,
    *,
    moved_at: datetime | None,
) -> Translation:
    """The moves that bring each sold line's open units to where ``moved`` is assigned now."""
    translation = Translation()
    if moved.status.upper() not in OPEN_STATUSES:
        return translation  # closed or cancelled since: nothing of it is committed anywhere
    if moved.location_id is None:
        translation.problems.append(
            Problem(ProblemKind.INVALID_PAYLOAD, f"fulfilment order {moved.id} has no location")
        )
        return translation
    destination = merchant.locations_by_shopify_id.get(moved.location_id)
    if destination is None:
        translation.problems.append(
            Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {moved.location_id} is not mapped")
        )
        return translation
    sold = [
        line for line in moved.line_items if (known := lines.get((moved.order_id, line.line_item_id))) and known.sold
    ]
    if not sold and any(line.remaining_quantity and _tracked(line, merchant) for line in moved.line_items):
        # Waits only for lines of a tracked variant: an order of nothing but gift cards, untracked or
        # custom items is never in the ledger, and its routing must not wait for it forever.
        translation.problems.append(
            Problem(ProblemKind.WAITING_FOR_ORDER, f"order {moved.order_id} has not been applied yet")
        )
        return translation
    before_onboarding = bool(merchant.onboarded_at and moved_at and moved_at < merchant.onboarded_at)
    for line in moved.line_items:
        known = lines.get((moved.order_id, line.line_item_id))
        if known is None or not known.sold:
            # The order is in the ledger and this line is not: it is not stock (gift card, custom line).
            translation.skipped_lines.append(SkippedLine(line.line_item_id, SkipReason.NOT_IN_LEDGER, None))
            continue
        units = held(known)
        if known.location == destination or line.remaining_quantity == 0 or units <= 0:
            continue
        entry = moved_entry_id(
            moved.order_id,
            line.line_item_id,
            moved.id,
            moves_applied(known.applied, moved.order_id, line.line_item_id) + 1,
        )
        reason = f"fulfilment order {moved.id} is assigned to {destination}: the line's units are held there now"
        line_from = line_source(source, moved.order_id, line.line_item_id)
        held_at = LevelKey(merchant.shop, destination, known.sku)
        for key, kind, suffix in (
            (LevelKey(merchant.shop, known.location, known.sku), MovementKind.TRANSFER_IN, "back"),
            (held_at, MovementKind.TRANSFER_OUT, "out"),
        ):
            translation.movements.append(
                Movement(key, kind, units, f"{entry}/{suffix}", line_from, shopify_applied=True,
                         order_line=(moved.order_id, line.line_item_id), reason=reason,
                         before_onboarding=before_onboarding, shopify_at=moved_at,
                         relocates_line=suffix == "out")
            )  # fmt: skip
        # The line's shipments from anywhere else (the old location included) now move their units
        # off the new one; those the ledger moved already are applied entries, so they move nothing.
        shipments_elsewhere((moved.order_id, line.line_item_id), moved.fulfillments, held_at, merchant, line_from,
                            translation, before_onboarding=before_onboarding, shopify_at=moved_at)  # fmt: skip
    return translation
