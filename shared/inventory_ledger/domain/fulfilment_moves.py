"""A fulfilment order moved to another location: the line's open units follow it at once.

fulfillmentOrderMove re-assigns a fulfilment order's unfulfilled units; Shopify releases them at the
source (committed back to available) and commits them at the destination
(https://shopify.dev/docs/api/admin-graphql/latest/mutations/fulfillmentOrderMove). The webhook names
no order and no line, so the consumer reads the moved fulfilment order from Shopify: its order, where
it is assigned *now*, and each line's `remainingQuantity`. For each line the ledger sold, the
remaining units go back where the ledger holds the line's open units (the line's location: where it
sold them, or where an earlier move took them) and out at the fulfilment order's location, and the
line's location becomes that one, so a later shipment, cancel or `cancel` refund is judged there
(ship_from.py, orders.py). A line already at that location moves nothing: a duplicate delivery, or
a move the ledger followed already by a newer read, is a no-op. Keys are business ids:
`order/<id>/line/<id>/moved/<fulfilment order id>/<n>/back|out`, n counting the line's moves, because
a fulfilment order that moves back and forth keeps its id.
"""

from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, SkipReason, Translation
from inventory_ledger.domain.orders import LineStates, line_source
from inventory_ledger.domain.shopify_payloads import FulfillmentOrderRead

# The statuses under which a fulfilment order's remaining units are committed at its location.
OPEN_STATUSES = frozenset({"OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD", "INCOMPLETE"})


def moved_entry_id(order_id: int, line_item_id: int, fulfillment_order_id: int, move: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/moved/{fulfillment_order_id}/{move}"


def moves_applied(applied: frozenset[str], order_id: int, line_item_id: int) -> int:
    prefix = f"order/{order_id}/line/{line_item_id}/moved/"
    return sum(1 for entry in applied if entry.startswith(prefix) and entry.endswith("/out"))


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
    if not sold and any(line.remaining_quantity for line in moved.line_items):
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
        units = min(line.remaining_quantity, known.sold - known.restocked)
        if known.location == destination or units <= 0:
            continue
        entry = moved_entry_id(
            moved.order_id,
            line.line_item_id,
            moved.id,
            moves_applied(known.applied, moved.order_id, line.line_item_id) + 1,
        )
        reason = f"fulfilment order {moved.id} moved to {destination}: its open units are committed there"
        line_from = line_source(source, moved.order_id, line.line_item_id)
        for key, kind, suffix in (
            (LevelKey(merchant.shop, known.location, known.sku), MovementKind.TRANSFER_IN, "back"),
            (LevelKey(merchant.shop, destination, known.sku), MovementKind.TRANSFER_OUT, "out"),
        ):
            translation.movements.append(
                Movement(key, kind, units, f"{entry}/{suffix}", line_from, shopify_applied=True,
                         order_line=(moved.order_id, line.line_item_id), reason=reason,
                         before_onboarding=before_onboarding, shopify_at=moved_at,
                         relocates_line=suffix == "out")
            )  # fmt: skip
    return translation
