"""Shopify's orders, cancellations and refunds, turned into ledger movements (the binding rules).

- POS sale: the retail location named on the order. Online sale (no location): the merchant's primary
  shipping location as configured when the order is applied.
- Cancellation: unfulfilled units go back where they were taken; fulfilled ones do not. A cancel
  that arrives before its order carries the whole order, so it applies the sale too.
- Refund: only lines Shopify marks restocked (return, cancel, legacy_restock), at the refund line's
  location; no_restock changes nothing. A line is never restocked past what was sold, and the
  unfulfilled units of a cancelled order are restocked once, whether the cancel or Shopify's `cancel`
  refund line says so first (planning.py).
"""

from collections.abc import Mapping

from inventory_ledger.domain.ledger import LevelKey, MovementKind, OrderLineState, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, Translation
from inventory_ledger.domain.shopify_payloads import LineItem, Order, Refund, RestockType

LineStates = Mapping[tuple[int, int], OrderLineState]


def sale_entry_id(order_id: int, line_item_id: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/sale"


def cancel_entry_id(order_id: int, line_item_id: int) -> str:
    return f"order/{order_id}/line/{line_item_id}/cancel"


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


def _inventory_line(line: LineItem, merchant: MerchantView, translation: Translation) -> str | None:
    """The line's SKU if it moves ledger stock; otherwise records why not and returns None."""
    if line.quantity == 0:
        return None
    if not line.sku:
        # Custom items and gift cards carry no SKU and no inventory.
        translation.skipped.append(f"line {line.id} has no SKU")
        return None
    if line.sku not in merchant.known_skus:
        translation.problems.append(Problem(ProblemKind.UNMAPPED_SKU, f"SKU {line.sku!r} (line {line.id})"))
        return None
    return line.sku


def _sales(order: Order, merchant: MerchantView, lines: LineStates, source: Source, translation: Translation) -> None:
    location = _sale_location(order, merchant)
    before_onboarding = bool(merchant.onboarded_at and order.created_at and order.created_at < merchant.onboarded_at)
    for line in order.line_items:
        sku = _inventory_line(line, merchant, translation)
        if sku is None:
            continue
        known = lines.get((order.id, line.id))
        # Once applied, a line keeps the location it was taken from, whatever the config says now.
        line_location = known.location if known else location
        if isinstance(line_location, Problem):
            translation.problems.append(line_location)
            continue
        translation.movements.append(
            Movement(
                key=LevelKey(merchant.shop, line_location, sku),
                kind=MovementKind.SALE,
                quantity=line.quantity,
                entry_id=sale_entry_id(order.id, line.id),
                source=_line_source(source, order.id, line.id),
                shopify_applied=True,
                order_line=(order.id, line.id),
                before_onboarding=before_onboarding,
                shopify_at=order.created_at,
            )
        )


def _line_source(source: Source, order_id: int, line_item_id: int) -> Source:
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
    sold_at = {m.order_line: m.key for m in translation.movements if m.order_line}
    for line in order.line_items:
        unfulfilled = line.quantity - order.fulfilled_quantity(line.id)
        key = sold_at.get((order.id, line.id))
        if key is None or unfulfilled <= 0:
            continue
        translation.movements.append(
            Movement(
                key=key,
                kind=MovementKind.CANCEL_RESTOCK,
                quantity=unfulfilled,
                entry_id=cancel_entry_id(order.id, line.id),
                source=_line_source(source, order.id, line.id),
                shopify_applied=True,
                order_line=(order.id, line.id),
                undoes_cancellation=True,
                shopify_at=order.cancelled_at,
            )
        )
    return translation


def apply_refund_created(refund: Refund, merchant: MerchantView, lines: LineStates, source: Source) -> Translation:
    translation = Translation()
    for refund_line in refund.refund_line_items:
        if not refund_line.restock_type.restocks or refund_line.quantity == 0:
            continue
        known = lines.get((refund.order_id, refund_line.line_item_id))
        if known is None or known.sold == 0:
            translation.problems.append(
                Problem(ProblemKind.WAITING_FOR_ORDER, f"order {refund.order_id} has not been applied yet")
            )
            continue
        location = known.location
        if refund_line.location_id is not None:
            mapped = merchant.locations_by_shopify_id.get(refund_line.location_id)
            if mapped is None:
                translation.problems.append(
                    Problem(ProblemKind.UNMAPPED_LOCATION, f"Shopify location {refund_line.location_id} is not mapped")
                )
                continue
            location = mapped
        translation.movements.append(
            Movement(
                key=LevelKey(merchant.shop, location, known.sku),
                kind=MovementKind.REFUND_RESTOCK,
                quantity=refund_line.quantity,
                entry_id=refund_entry_id(refund.id, refund_line.id),
                source=Source(
                    topic=source.topic,
                    order_id=refund.order_id,
                    line_item_id=refund_line.line_item_id,
                    refund_id=refund.id,
                    refund_line_id=refund_line.id,
                    webhook_id=source.webhook_id,
                    event_id=source.event_id,
                ),
                shopify_applied=True,
                order_line=(refund.order_id, refund_line.line_item_id),
                reason=refund_line.restock_type.value,
                undoes_cancellation=refund_line.restock_type is RestockType.CANCEL,
                shopify_at=refund.created_at,
            )
        )
    return translation
