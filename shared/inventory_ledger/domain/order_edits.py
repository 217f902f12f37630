"""Order edits (orders/edited) turned into movements: added units sold, removed units restocked.

Shopify lets a merchant edit only unfulfilled units (orderEditCommit, shopify.dev), and the webhook
says per line item how many units were added or removed, not which variant a new line is nor
whether removed units were restocked. So:
- Added units of a line the ledger holds are a sale at that line's level, keyed by edit and line.
- Added units already inside a line's sale (the line was first sold from a body showing the edit,
  as the catch-up's is) are recorded with nothing moved.
- A line the edit created is sold under its own sale id (the id orders/create and the catch-up give
  a line), once an order body naming it is known (orders/updated or orders/cancelled, which carry
  the order as it is now) and the order reached the ledger; until then the edit waits for it.
- A line whose cancel the ledger applied first is settled: the cancel restocked every open unit
  its body showed (an edit always precedes the cancel in Shopify), so the edit is recorded with
  nothing moved; a cancel that sees units an edit added before the edit does sells them first.
- Removed units are restocked where the line was sold, within what the line sold and sharing the
  budget of a later cancel (they are open units it would otherwise restock again). Shopify's admin
  restocks removed items unless told not to, and the webhook does not say: docs/ledger.md states it.
"""

from dataclasses import replace

from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, Translation
from inventory_ledger.domain.orders import (
    LineStates,
    cancel_entry_id,
    cancel_sale_entry_id,
    line_level,
    line_source,
    sale_entry_id,
)
from inventory_ledger.domain.shopify_payloads import LineItem, Order, OrderEdit


def edit_entry_id(edit_id: int, line_item_id: int, change: str) -> str:
    return f"order_edit/{edit_id}/line/{line_item_id}/{change}"


def apply_order_edited(
    edit: OrderEdit, order: Order | None, merchant: MerchantView, lines: LineStates, source: Source
) -> Translation:
    """``order``: the order as Shopify shows it now, when one is at hand (to place lines the edit created)."""
    translation = Translation()
    held = [state for (order_id, _), state in lines.items() if order_id == edit.order_id and state.sold]
    body_lines = {line.id: line for line in order.line_items} if order is not None else {}
    shows_edit = bool(order and order.updated_at and edit.created_at and order.updated_at >= edit.created_at)
    changes = [(change, False) for change in edit.line_items.additions]
    changes += [(change, True) for change in edit.line_items.removals]
    for change, removal in changes:
        known = lines.get((edit.order_id, change.id))
        line = body_lines.get(change.id)
        if change.delta == 0:
            continue
        if known is not None and known.sold:
            units = change.delta
            # Already inside the line's sale (first sold from a body showing the edit), or settled by
            # a cancel applied first (it restocked every open unit, removed ones included): recorded
            # with nothing moved, so a redelivery stays a no-op.
            inside_sale = shows_edit and line is not None and known.sold >= line.quantity and not removal
            if _cancelled(edit, known) or inside_sale:
                units = 0
            movement = _movement(edit, known.sku, known.location, change.id, units, source, merchant, removal=removal)
            translation.movements.append(movement)
        elif line is not None and isinstance(skip := line_level(line, merchant), SkippedLine):
            translation.skipped_lines.append(skip)
        elif removal or line is None or not held:
            translation.problems.append(_waiting(edit, change.id))
        else:
            _new_line(edit, line, change.delta, held[0].location, merchant, source, translation)
    return translation


def _new_line(
    edit: OrderEdit,
    line: LineItem,
    units: int,
    location: str,
    merchant: MerchantView,
    source: Source,
    translation: Translation,
) -> None:
    """A line the edit created: its sale is the line's own, wherever the ledger hears of it first."""
    level = line_level(line, merchant)
    if isinstance(level, SkippedLine):
        translation.skipped_lines.append(level)
    elif isinstance(level, Problem):
        translation.problems.append(level)
    else:
        added = _movement(edit, level, location, line.id, units, source, merchant)
        translation.movements.append(replace(added, entry_id=sale_entry_id(edit.order_id, line.id)))
        # The edit's own entry, with nothing moved: a redelivery of the edit then finds it applied.
        translation.movements.append(replace(added, quantity=0, reason=f"order edit {edit.id}: created the line"))


def _cancelled(edit: OrderEdit, known: OrderLineState) -> bool:
    """Shopify edits only open orders: an edit the ledger hears of after the cancel came before it, and
    the cancel's body (every unit ordered, every unit shipped) has settled the line already."""
    settled = {
        cancel_entry_id(edit.order_id, known.line_item_id),
        cancel_sale_entry_id(edit.order_id, known.line_item_id),
    }
    return bool(settled & known.applied)


def _waiting(edit: OrderEdit, line_item_id: int) -> Problem:
    return Problem(
        ProblemKind.WAITING_FOR_ORDER,
        f"order edit {edit.id}: line {line_item_id} of order {edit.order_id} not known yet",
    )


def _movement(
    edit: OrderEdit,
    sku: str,
    location: str,
    line_item_id: int,
    quantity: int,
    source: Source,
    merchant: MerchantView,
    *,
    removal: bool = False,
) -> Movement:
    before = bool(merchant.onboarded_at and edit.created_at and edit.created_at < merchant.onboarded_at)
    return Movement(
        key=LevelKey(merchant.shop, location, sku),
        kind=MovementKind.CANCEL_RESTOCK if removal else MovementKind.SALE,
        quantity=quantity,
        entry_id=edit_entry_id(edit.id, line_item_id, "remove" if removal else "add"),
        source=line_source(source, edit.order_id, line_item_id),
        shopify_applied=True,
        order_line=(edit.order_id, line_item_id),
        reason=f"order edit {edit.id}: " + ("units removed (restocked)" if removal else "units added"),
        releases_open_units=removal,
        # An edit made before onboarding is inside the imported level, like the order's own sale.
        before_onboarding=before,
    )
