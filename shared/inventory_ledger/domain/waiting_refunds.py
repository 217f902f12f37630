"""The deadline rule for a refund still waiting for its order (docs/reconciliation.md, "Waiting refunds").

A refund that beats its order waits (parked, `waiting_for_order`). Its order reaches the ledger by its
webhook or by the reconciler's catch-up (the refund itself updated the order, so the catch-up reads it,
even for an order placed before onboarding). A refund still waiting past the deadline, after a catch-up
that read Shopify, has an order Shopify no longer returns. It is then settled from the refund alone:
each restocked line goes back at the location Shopify restocked it (the refund line's own location),
as Shopify did on its side; a line that names no mapped location or SKU stays parked, no longer
waiting, for the operator. Pure: the refund and the merchant's mappings in, movements out.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from inventory_ledger.domain.ledger import LevelKey, MovementKind, Source
from inventory_ledger.domain.merchant import MerchantView, Problem, ProblemKind
from inventory_ledger.domain.movements import Movement, Translation
from inventory_ledger.domain.orders import refund_entry_id
from inventory_ledger.domain.shopify_payloads import Refund, RefundLineItem

# Shopify retries a webhook for 4 hours and the nightly catch-up reads every order a refund updated:
# a day covers both, with a night's run to spare.
REFUND_WAIT_DEADLINE = timedelta(hours=24)
SETTLED = "settled at the deadline: its order never reached the ledger"


def past_deadline(parked_at: datetime, now: datetime, deadline: timedelta = REFUND_WAIT_DEADLINE) -> bool:
    return now - parked_at >= deadline


def settle_refund(refund: Refund, merchant: MerchantView, source: Source) -> Translation:
    """The refund's restocks without its order: at the refund line's location, as Shopify restocked."""
    translation = Translation()
    for line in refund.refund_line_items:
        if line.restock_type.restocks and line.quantity > 0:
            _settle_line(refund, line, merchant, source, translation)
    return translation


def _settle_line(refund: Refund, line: RefundLineItem, merchant: MerchantView, source: Source,
                 translation: Translation) -> None:  # fmt: skip
    sku = line.line_item.sku if line.line_item is not None else None
    location = merchant.locations_by_shopify_id.get(line.location_id or 0)
    if location is None or sku not in merchant.known_skus:
        kind = ProblemKind.UNMAPPED_LOCATION if location is None else ProblemKind.UNMAPPED_SKU
        translation.problems.append(Problem(kind, f"refund line {line.id} past the deadline: nowhere to restock"))
        return
    ids = replace(source, order_id=refund.order_id, line_item_id=line.line_item_id, refund_id=refund.id)
    restock = Movement(LevelKey(merchant.shop, location, str(sku)), MovementKind.REFUND_RESTOCK, line.quantity,
                       # The id its order's arrival would give it: a later replay finds it applied.
                       refund_entry_id(refund.id, line.id), replace(ids, refund_line_id=line.id),
                       shopify_applied=True, reason=f"{line.restock_type.value}; {SETTLED}",
                       shopify_at=refund.created_at)  # fmt: skip
    translation.movements.append(restock)
