"""A processed return's units restocked by its reverse fulfilment order's dispositions.

Shopify decouples restocking from refunding: a return's units are restocked by the dispositions made
on its reverse fulfilment order's line items (`ReverseFulfillmentOrderLineItem.dispositions`), not by
its refund, and an exchange is a return that may never be refunded (Shopify support, quoted in
github.com/microsoft/ALAppExtensions/issues/26215). A disposition of type RESTOCKED puts its units back
to available at its location; NOT_RESTOCKED, MISSING and PROCESSING_REQUIRED move nothing. So a
refund that belongs to a return (its `return` set) restocks nothing from its lines (orders.py), and
the two can never count one unit twice.

reverse_fulfillment_orders/dispose names the reverse fulfilment order and carries no disposition ids,
so the consumer reads the reverse fulfilment order and applies every RESTOCKED disposition it holds,
each keyed by its own id (`order/<o>/line/<l>/disposed/<disposition id>`): a duplicate, a replay or a
later dispose of the same order (which reads them all again) finds it applied. A line never restocks
more than its reverse line returned (`totalQuantity`, in the order Shopify lists the dispositions), and
the planner never restocks a line past what it sold less what was restocked already (planning.py).
"""

from datetime import datetime

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, SkipReason, Translation
from inventory_ledger.domain.orders import LineStates, line_source
from inventory_ledger.domain.shopify_payloads import ReverseFulfillmentOrderLine, ReverseFulfillmentOrderRead

RESTOCKED = "RESTOCKED"


def disposed_entry_id(order_id: int, line_item_id: int, disposition_id: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/disposed/{disposition_id}"


def restocked_units(line: ReverseFulfillmentOrderLine) -> list[tuple[int, int, int]]:
    """(disposition id, location id, units) of each RESTOCKED disposition, cut so that together they
    never restock more than the reverse line returned; in Shopify's order, so every read cuts alike."""
    left = line.total_quantity
    restocks = []
    for disposition in line.dispositions:
        if disposition.type.upper() != RESTOCKED or disposition.location_id is None:
            continue
        units = min(disposition.quantity, left)
        left -= units
        restocks.append((disposition.id, disposition.location_id, units))
    return restocks


def _tracked(line: ReverseFulfillmentOrderLine, merchant: MerchantView) -> bool:
    level = merchant.levels_by_variant.get(line.variant_id) if line.variant_id is not None else None
    return level is not None and level.tracked


def apply_reverse_fulfillment_order_disposed(
    returned: ReverseFulfillmentOrderRead,
    merchant: MerchantView,
    lines: LineStates,
    source: Source,
    *,
    disposed_at: datetime | None,
) -> Translation:
    """The restocks of every RESTOCKED disposition on ``returned``, at each disposition's location."""
    translation = Translation()
    order_id = returned.order_id
    before_onboarding = bool(merchant.onboarded_at and disposed_at and disposed_at < merchant.onboarded_at)
    for line in returned.line_items:
        restocks = [r for r in restocked_units(line) if r[2] > 0]
        if not restocks:
            continue  # nothing restocked (yet): a later dispose reads this line again
        known = lines.get((order_id, line.line_item_id))
        if known is None or not known.sold:
            if not lines and _tracked(line, merchant):
                translation.problems.append(
                    Problem(ProblemKind.WAITING_FOR_ORDER, f"order {order_id} has not been applied yet")
                )
                return translation
            # The order is in the ledger and this line is not (a gift card, an untracked or custom line),
            # or the line's variant is not tracked: its return moves no ledger stock.
            translation.skipped_lines.append(SkippedLine(line.line_item_id, SkipReason.NOT_IN_LEDGER, None))
            continue
        line_from = line_source(source, order_id, line.line_item_id)
        for disposition_id, location_id, units in restocks:
            location = merchant.locations_by_shopify_id.get(location_id)
            if location is None:
                translation.problems.append(
                    Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {location_id} is not mapped")
                )
                continue
            translation.movements.append(
                Movement(
                    key=LevelKey(merchant.shop, location, known.sku),
                    kind=MovementKind.RETURN_RESTOCK,
                    quantity=units,
                    entry_id=disposed_entry_id(order_id, line.line_item_id, disposition_id),
                    source=line_from,
                    shopify_applied=True,
                    order_line=(order_id, line.line_item_id),
                    reason=f"returned: disposed RESTOCKED (reverse fulfilment order {returned.id})",
                    before_onboarding=before_onboarding,
                    shopify_at=disposed_at,
                )
            )
    return translation
