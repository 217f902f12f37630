"""What the ledger must hold after a plan, worked out from the plan's actions and the ledger's rules
(DESIGN.md, docs/ledger.md), never read off a run.

Levels are keyed by Shopify location name and SKU. The only thing taken from the run is the ids
Shopify gave the plan's orders, lines and refunds, because the ledger's entry ids are made of them;
which entries must exist, and every quantity, comes from the plan alone.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from chaos.merchant import PRIMARY
from chaos.plan import AddSku, AdminEdit, Cancel, Count, Fulfil, LostAck, MapSku, PlaceOrder, Plan, Refund, Transfer
from inventory_ledger.domain.orders import cancel_entry_id, refund_entry_id, sale_entry_id

Level = tuple[str, str]  # (Shopify location name, SKU)
RESTOCKING = ("return", "legacy_restock")


@dataclass
class ShopifyIds:
    """The ids Shopify assigned to the plan's actions, recorded as the runner plays them."""

    orders: dict[int, int] = field(default_factory=dict)  # plan order -> order id
    lines: dict[int, list[int]] = field(default_factory=dict)  # plan order -> line item ids, plan order
    refunds: dict[int, tuple[int, list[int]]] = field(default_factory=dict)  # plan refund -> id, line ids
    # plan order -> the refund Shopify made when cancelling it: its id, line item id -> refund line id
    cancel_refunds: dict[int, tuple[int, dict[int, int]]] = field(default_factory=dict)


@dataclass
class Expected:
    levels: dict[Level, int]
    entries: defaultdict[Level, set[str]]  # business movements only: no opening, no heal


@dataclass
class _Order:
    location: str
    skus: list[str]
    quantities: list[int]
    fulfilled: list[int]


def expected(plan: Plan, ids: ShopifyIds) -> Expected:
    levels = dict(plan.merchant.openings)
    entries: defaultdict[Level, set[str]] = defaultdict(set)
    orders: dict[int, _Order] = {}

    def move(level: Level, delta: int, entry_id: str) -> None:
        levels[level] += delta
        entries[level].add(entry_id)

    for phase in plan.phases:
        for action in (*phase.counts, *phase.lost_acks, *phase.actions):
            match action:
                case PlaceOrder(order=number, location=location, lines=lines):
                    # POS: the till's location; online: the primary shipping location.
                    order = _Order(
                        location or PRIMARY,
                        [line.sku for line in lines],
                        [line.quantity for line in lines],
                        [0] * len(lines),
                    )
                    orders[number] = order
                    for index, line in enumerate(lines):
                        sale = sale_entry_id(ids.orders[number], ids.lines[number][index])
                        move((order.location, line.sku), -line.quantity, sale)
                case Fulfil(order=number, lines=lines):
                    for index, units in lines:
                        orders[number].fulfilled[index] += units
                case Cancel(order=number):
                    # Unfulfilled units come back where they were taken, once: the cancel and Shopify's
                    # `cancel` refund line share them (the one that comes second restocks nothing).
                    order = orders[number]
                    for index, sku in enumerate(order.skus):
                        unfulfilled = order.quantities[index] - order.fulfilled[index]
                        line_id = ids.lines[number][index]
                        # The cancel records every line, a shipped one with nothing moved (docs/ledger.md).
                        move((order.location, sku), max(unfulfilled, 0), cancel_entry_id(ids.orders[number], line_id))
                        if unfulfilled <= 0:
                            continue
                        refund_id, refund_lines = ids.cancel_refunds[number]
                        entries[(order.location, sku)].add(refund_entry_id(refund_id, refund_lines[line_id]))
                case Refund(order=number, refund=refund, lines=refund_lines):
                    order = orders[number]
                    refund_id, refund_line_ids = ids.refunds[refund]
                    for refund_line, refund_line_id in zip(refund_lines, refund_line_ids, strict=True):
                        if refund_line.restock_type in RESTOCKING:
                            where = refund_line.location or order.location
                            move(
                                (where, order.skus[refund_line.line]),
                                refund_line.quantity,
                                refund_entry_id(refund_id, refund_line_id),
                            )
                case Transfer(operation_id=operation, sku=sku, source=source, target=target, quantity=quantity):
                    move((source, sku), -quantity, f"transfer/{operation}/out")
                    move((target, sku), quantity, f"transfer/{operation}/in")
                case Count(operation_id=operation, location=location, sku=sku, counted=counted):
                    move((location, sku), counted - levels[(location, sku)], f"count/{operation}")
                case AdminEdit():
                    pass  # Shopify's side only: drift the reconciler heals, never a ledger movement
                case LostAck(operation_id=operation, location=location, sku=sku, quantity=quantity):
                    move((location, sku), quantity, f"receipt/{operation}")  # a receipt; its push lands once
                case AddSku() | MapSku():
                    # Its opening is Shopify's level when seeded; its sales before the mapping count as
                    # any other sale (the import holds them, their replayed entries move nothing).
                    pass
    return Expected(levels, entries)
