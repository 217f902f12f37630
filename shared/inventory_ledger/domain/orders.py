"""Shopify's orders, cancellations and refunds, turned into ledger movements (the binding rules).

- The level: the line's variant (two variants sharing a SKU are two levels); its SKU only when that
  SKU's level is nobody else's. Gift cards, untracked items and custom lines are skipped with a reason.
- POS sale: the retail location named on the order. Online sale (no location): the merchant's primary
  shipping location as configured when the order is applied; units shipped from elsewhere then move
  there (ship_from.py). Units an order edit added are sold from the bodies that show them.
- Cancellation: unfulfilled units go back where they were taken; fulfilled ones (by fulfillments[], or
  the whole line when the line says `fulfilled`) do not. A cancel that arrives before its order
  carries the whole order, so it applies the sale too.
- Refund: nothing when it belongs to a return (`return` set): the return's dispositions restock its
  units (returns.py). Otherwise only lines Shopify marks restocked (return, cancel, legacy_restock),
  at the refund line's location (a `cancel` line: where the ledger took the units); no_restock
  changes nothing. A line is never restocked past what was sold, and the unfulfilled units of a
  cancelled order are restocked once, whether the cancel or Shopify's `cancel` refund line says so first (planning.py).
"""

from collections.abc import Mapping
from dataclasses import replace

from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, SkippedLine, SkipReason, Translation
from inventory_ledger.domain.ship_from import shipped_elsewhere
from inventory_ledger.domain.shopify_payloads import LineItem, Order, Refund, RestockType

LineStates = Mapping[tuple[int, int], OrderLineState]


def sale_entry_id(order_id: int, line_item_id: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/sale"


def cancel_entry_id(order_id: int, line_item_id: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/cancel"


def sold_to_entry_id(order_id: int, line_item_id: int, quantity: int) -> str:
    """Units an order edit added, sold when a body first shows the line at ``quantity`` units."""
    return f"order/{order_id}/line/{line_item_id}/sold-to/{quantity}"


def refund_entry_id(refund_id: int, refund_line_id: int) -> str:
    return f"refund/{refund_id}/line/{refund_line_id}"


def _sale_location(order: Order, merchant: MerchantView) -> str | Problem:
    if order.location_id is not None:
        location = merchant.locations_by_shopify_id.get(order.location_id)
        if location is None:
            return Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {order.location_id} is not mapped")
        return location
    if merchant.primary_location is None:
        return Problem(ProblemKind.NO_PRIMARY_LOCATION, "online order and no primary shipping location is set")
    return merchant.primary_location


def line_level(line: LineItem, merchant: MerchantView) -> str | SkippedLine | Problem:
    """The SKU part of the level a line moves, why it is not stock, or why it cannot be placed.

    By variant first: two variants may share a SKU, and each is its own level. A variant the
    mappings do not hold falls back to its SKU only when that SKU's level is not another variant's.
    """
    not_stock = _not_stock(line, merchant)
    if not_stock is not None:
        return not_stock
    mapped = merchant.levels_by_variant.get(line.variant_id) if line.variant_id is not None else None
    if mapped is not None:
        return mapped.sku
    if line.variant_id is None:
        return SkippedLine(line.id, SkipReason.CUSTOM_ITEM, line.sku)
    if not line.sku:
        return SkippedLine(line.id, SkipReason.NO_SKU, None)
    if line.sku not in merchant.known_skus:
        return Problem(ProblemKind.UNMAPPED_SKU, f"SKU {line.sku!r} (line {line.id}, variant {line.variant_id})")
    owner = merchant.variant_of_sku.get(line.sku)
    if owner is not None and owner != line.variant_id:
        return Problem(
            ProblemKind.UNMAPPED_SKU,
            f"variant {line.variant_id} (line {line.id}) is not mapped; SKU {line.sku!r} is variant {owner}'s level",
        )
    return line.sku


def _not_stock(line: LineItem, merchant: MerchantView) -> SkippedLine | None:
    """What the payload or the mapping says outright is not stock (gift card, untracked, custom)."""
    if line.gift_card:
        return SkippedLine(line.id, SkipReason.GIFT_CARD, line.sku)
    mapped = merchant.levels_by_variant.get(line.variant_id) if line.variant_id is not None else None
    if (line.product_exists is False or line.without_variant) and mapped is None:
        return SkippedLine(line.id, SkipReason.CUSTOM_ITEM, line.sku)
    if (mapped is not None and not mapped.tracked) or line.inventory_tracked is False:
        return SkippedLine(line.id, SkipReason.UNTRACKED, line.sku)
    return None


def _inventory_line(
    line: LineItem, merchant: MerchantView, known: OrderLineState | None, translation: Translation
) -> str | None:
    """The level SKU of a line that moves ledger stock; otherwise records why not and returns None."""
    if line.quantity == 0:
        return None
    if known is not None and known.sold:
        return known.sku  # once applied, a line keeps the level it was taken from
    level = line_level(line, merchant)
    if isinstance(level, SkippedLine):
        translation.skipped_lines.append(level)
        return None
    if isinstance(level, Problem):
        translation.problems.append(level)
        return None
    return level


def _sales(order: Order, merchant: MerchantView, lines: LineStates, source: Source, translation: Translation) -> None:
    location = _sale_location(order, merchant)
    before_onboarding = bool(merchant.onboarded_at and order.created_at and order.created_at < merchant.onboarded_at)
    for line in order.line_items:
        known = lines.get((order.id, line.id))
        sku = _inventory_line(line, merchant, known, translation)
        if sku is None:
            continue
        # Once applied, a line keeps the location it was taken from, whatever the config says now.
        line_location = known.location if known else location
        if isinstance(line_location, Problem):
            translation.problems.append(line_location)
            continue
        sold_at = LevelKey(merchant.shop, line_location, sku)
        line_from = line_source(source, order.id, line.id)
        translation.movements.append(
            Movement(
                key=sold_at,
                kind=MovementKind.SALE,
                quantity=line.quantity,
                entry_id=sale_entry_id(order.id, line.id),
                source=line_from,
                shopify_applied=True,
                order_line=(order.id, line.id),
                before_onboarding=before_onboarding,
                shopify_at=order.created_at,
            )
        )
        if known is not None and 0 < known.sold < line.quantity:
            translation.movements.append(_top_up(order, line, known, merchant, source))
        shipped_elsewhere(order, line, sold_at, merchant, line_from, translation, before_onboarding=before_onboarding)


def _top_up(order: Order, line: LineItem, known: OrderLineState, merchant: MerchantView, source: Source) -> Movement:
    """Units an order edit added to a line the ledger sold: `quantity` counts every unit ordered, so a
    body showing more than the line sold sells the difference, keyed by the quantity it reaches (any
    body showing it, webhook or catch-up, finds it applied)."""
    changed_before = bool(merchant.onboarded_at and order.updated_at and order.updated_at < merchant.onboarded_at)
    return Movement(
        key=LevelKey(merchant.shop, known.location, known.sku),
        kind=MovementKind.SALE,
        quantity=line.quantity - known.sold,
        entry_id=sold_to_entry_id(order.id, line.id, line.quantity),
        source=line_source(source, order.id, line.id),
        shopify_applied=True,
        order_line=(order.id, line.id),
        reason=f"units added to the line by an order edit (now {line.quantity} ordered)",
        before_onboarding=changed_before,
        shopify_at=order.updated_at,
    )


def line_source(source: Source, order_id: int, line_item_id: int) -> Source:
    """The event's source narrowed to one order line."""
    return Source(
        topic=source.topic,
        order_id=order_id,
        line_item_id=line_item_id,
        webhook_id=source.webhook_id,
        event_id=source.event_id,
    )


def apply_order_created(order: Order, merchant: MerchantView, lines: LineStates, source: Source) -> Translation:
    translation = Translation()
    _sales(order, merchant, lines, source, translation)
    return translation


def apply_order_cancelled(order: Order, merchant: MerchantView, lines: LineStates, source: Source) -> Translation:
    translation = Translation()
    _sales(order, merchant, lines, source, translation)
    sold_at = {m.order_line: m.key for m in translation.movements if m.order_line and m.kind is MovementKind.SALE}
    for line in order.line_items:
        known = lines.get((order.id, line.id))
        key = sold_at.get((order.id, line.id))
        ordered = max(line.quantity, known.sold if known else 0)
        unfulfilled = ordered - order.fulfilled_quantity(line)
        if key is None:
            continue
        # Recorded even when every unit shipped (nothing moves): an order edit heard of later finds
        # the line settled by the cancel (order_edits.py).
        translation.movements.append(
            Movement(
                key=key,
                kind=MovementKind.CANCEL_RESTOCK,
                quantity=max(unfulfilled, 0),
                entry_id=cancel_entry_id(order.id, line.id),
                source=line_source(source, order.id, line.id),
                shopify_applied=True,
                order_line=(order.id, line.id),
                undoes_cancellation=True,
                shopify_at=order.cancelled_at,
            )
        )
    return translation


def apply_refund_created(refund: Refund, merchant: MerchantView, lines: LineStates, source: Source) -> Translation:
    translation = Translation()
    if refund.return_ is not None:
        return translation  # a return's units are restocked by its dispositions (returns.py), never twice
    for refund_line in refund.refund_line_items:
        if not refund_line.restock_type.restocks or refund_line.quantity == 0:
            continue
        known = lines.get((refund.order_id, refund_line.line_item_id))
        if (known is None or known.sold == 0) and refund_line.line_item is not None:
            not_stock = _not_stock(refund_line.line_item, merchant)
            if not_stock is not None:
                translation.skipped_lines.append(not_stock)  # a gift card's return waits for nothing
                continue
        if known is None or known.sold == 0:
            translation.problems.append(
                Problem(ProblemKind.WAITING_FOR_ORDER, f"order {refund.order_id} has not been applied yet")
            )
            continue
        location = known.location
        # `cancel` releases open units, which the ledger holds where it took them (an online order's
        # assigned location may differ from where the ledger sold it until it ships: ship_from.py).
        if refund_line.location_id is not None and refund_line.restock_type is not RestockType.CANCEL:
            mapped = merchant.locations_by_shopify_id.get(refund_line.location_id)
            if mapped is None:
                translation.problems.append(
                    Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {refund_line.location_id} is not mapped")
                )
                continue
            location = mapped
        # The refund line's source: its order line's, naming the refund and its line too.
        line_from = line_source(source, refund.order_id, refund_line.line_item_id)
        translation.movements.append(
            Movement(
                key=LevelKey(merchant.shop, location, known.sku),
                kind=MovementKind.REFUND_RESTOCK,
                quantity=refund_line.quantity,
                entry_id=refund_entry_id(refund.id, refund_line.id),
                source=replace(line_from, refund_id=refund.id, refund_line_id=refund_line.id),
                shopify_applied=True,
                order_line=(refund.order_id, refund_line.line_item_id),
                reason=refund_line.restock_type.value,
                undoes_cancellation=refund_line.restock_type is RestockType.CANCEL,
                shopify_at=refund.created_at,
            )
        )
    return translation
