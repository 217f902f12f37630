"""Order edits (orders/edited): the units an edit removed are restocked; the units it added are sold
from the order's body.

Shopify lets a merchant edit only the open (unfulfilled) units of an open order (orderEditCommit,
shopify.dev). The orders/edited body names, per line item, the units added or removed, but neither
the variant of a line the edit created nor whether removed units were restocked. A line's
`quantity` counts every unit ordered, added ones included, and keeps the removed ones. So:
- Added units come from the order's bodies (orders/updated, which Shopify sends with the edit,
  orders/cancelled, the catch-up): a line the ledger has not sold is sold at its quantity, and a
  line it sold short of its quantity is sold the difference (orders.py). Any body showing the same
  quantity finds that applied; the edit's own additions move nothing.
- Removed units are restocked where the line was sold, keyed by edit and line, within what the
  line sold; they count against a later cancel's restock (the cancel's body still counts them).
  Shopify's admin restocks removed items unless told not to, and the webhook does not say: the
  ledger restocks them (docs/ledger.md "Order edits").
- A line whose cancel the ledger applied first is settled: Shopify edits only open orders, so the
  edit came before the cancel, whose restock counted the removed units already. The removal is
  recorded with nothing moved.
- A removal of a line the ledger does not know yet, or of units an edit added that no body has
  shown yet, waits for the order's next body (parked waiting_for_order); a line the order's body
  shows is not stock (gift card, untracked, custom) is skipped.
"""

from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, Translation
from inventory_ledger.domain.orders import LineStates, cancel_entry_id, line_level, line_source
from inventory_ledger.domain.shopify_payloads import Order, OrderEdit


def edit_entry_id(edit_id: int, line_item_id: int) -> str:
    return f"order_edit/{edit_id}/line/{line_item_id}/remove"


def apply_order_edited(
    edit: OrderEdit, order: Order | None, merchant: MerchantView, lines: LineStates, source: Source
) -> Translation:
    """``order``: a body of the order, when a replay has one (to tell a removed line that is not stock)."""
    translation = Translation()
    body_lines = {line.id: line for line in order.line_items} if order is not None else {}
    for removed in edit.line_items.removals:
        if removed.delta == 0:
            continue
        known = lines.get((edit.order_id, removed.id))
        line = body_lines.get(removed.id)
        settled = known is not None and _settled_by_cancel(edit, known)
        done = known is not None and edit_entry_id(edit.id, removed.id) in known.applied
        if done:
            continue  # a redelivery
        if known is not None and (settled or known.sold - known.restocked >= removed.delta):
            translation.movements.append(_restock(edit, known, 0 if settled else removed.delta, source, merchant))
        elif known is not None and known.sold:
            # Removes units the edit added, which the ledger has not sold yet: it waits for the body.
            translation.problems.append(_waiting(edit, removed.id, "its added units not sold yet"))
        elif line is not None and isinstance(skip := line_level(line, merchant), SkippedLine):
            translation.skipped_lines.append(skip)
        else:
            translation.problems.append(_waiting(edit, removed.id, "not known yet"))
    return translation


def _waiting(edit: OrderEdit, line_item_id: int, why: str) -> Problem:
    return Problem(
        ProblemKind.WAITING_FOR_ORDER, f"order edit {edit.id}: line {line_item_id} of order {edit.order_id} {why}"
    )


def _settled_by_cancel(edit: OrderEdit, known: OrderLineState) -> bool:
    return cancel_entry_id(edit.order_id, known.line_item_id) in known.applied


def _restock(edit: OrderEdit, known: OrderLineState, units: int, source: Source, merchant: MerchantView) -> Movement:
    before = bool(merchant.onboarded_at and edit.created_at and edit.created_at < merchant.onboarded_at)
    return Movement(
        key=LevelKey(merchant.shop, known.location, known.sku),
        kind=MovementKind.CANCEL_RESTOCK,
        quantity=units,
        entry_id=edit_entry_id(edit.id, known.line_item_id),
        source=line_source(source, edit.order_id, known.line_item_id),
        shopify_applied=True,
        order_line=(edit.order_id, known.line_item_id),
        reason=f"order edit {edit.id}: units removed (restocked)"
        if units
        else f"order edit {edit.id}: units removed, restocked by the cancel",
        releases_open_units=True,
        # An edit made before onboarding (or its level's import) is inside the imported level.
        before_onboarding=before,
        shopify_at=edit.created_at,
    )
