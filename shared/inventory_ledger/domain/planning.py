"""From movements and a snapshot of the ledger to one change that commits atomically or not at all.

Every item the change writes carries the version it was read at; a lost race fails the commit and
the caller plans again from a fresh snapshot, so balances never lose an update and every entry's
balance_after is exact. Sales are never refused: a sale that takes a level below zero is applied and
its entry flagged as an oversell.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from inventory_ledger.domain.ledger import (
    ActivityEntry,
    Balance,
    BalanceUpdate,
    LedgerChange,
    LevelKey,
    LineUpdate,
    MovementKind,
    OrderLineState,
)
from inventory_ledger.domain.movements import RESTOCKS, Movement


@dataclass
class _Level:
    read: Balance
    quantity: int
    shopify_expected: int
    # Versions this change moves the level by: one per event (group of movements) that touches it.
    versions: int = 0
    imported_at: datetime | None = None


def inside_import(movement: Movement, balance: Balance) -> bool:
    """A Shopify movement its level's opening balance already holds. Per level, on Shopify's clock: at
    or before the level's import instant (its `updatedAt` when read: a sale that was the level's last
    change has exactly that instant). A level imported without one falls back to the shop-wide rule."""
    if not movement.shopify_applied:
        return False
    if balance.imported_at is not None and movement.shopify_at is not None:
        return movement.shopify_at <= balance.imported_at
    return movement.before_onboarding


def plan_change(
    movements: Iterable[Movement],
    lines: Mapping[tuple[int, int], OrderLineState],
    balances: Mapping[LevelKey, Balance],
    now: datetime,
) -> LedgerChange:
    """The change that applies ``movements`` to this snapshot; empty when all were applied before."""
    return plan_changes([list(movements)], lines, balances, now)


def plan_changes(
    events: Sequence[Sequence[Movement]],
    lines: Mapping[tuple[int, int], OrderLineState],
    balances: Mapping[LevelKey, Balance],
    now: datetime,
) -> LedgerChange:
    """One change applying several events' movements in turn, as if committed one after another.

    Each event that touches a level moves its version by one, and its entries carry that version and
    the balance after it, exactly as separate commits would have written them; the level is written
    once, conditioned on the version read. For several orders of one hot level in one transaction.
    """
    levels: dict[LevelKey, _Level] = {}
    line_states: dict[tuple[int, int], OrderLineState] = {}
    entries: list[ActivityEntry] = []
    for event in events:
        _plan_event(event, lines, balances, now, levels, line_states, entries)
    return LedgerChange(
        balances=[
            BalanceUpdate(
                key=key,
                expected_version=level.read.version,
                quantity_delta=level.quantity - level.read.quantity,
                shopify_expected_delta=level.shopify_expected - level.read.shopify_expected,
                version_delta=level.versions,
                imported_at=level.imported_at,
            )
            for key, level in sorted(levels.items())
            if level.versions
        ],
        lines=[_line_update(lines, state) for state in line_states.values()],
        entries=entries,
    )


def _plan_event(
    movements: Iterable[Movement],
    lines: Mapping[tuple[int, int], OrderLineState],
    balances: Mapping[LevelKey, Balance],
    now: datetime,
    levels: dict[LevelKey, _Level],
    line_states: dict[tuple[int, int], OrderLineState],
    entries: list[ActivityEntry],
) -> None:
    touched: set[LevelKey] = set()
    for movement in movements:
        line = _line_state(movement, lines, line_states)
        if line is not None and movement.entry_id in line.applied:
            continue  # a redelivery: this fact is in the ledger already
        read = balances.get(movement.key, Balance(movement.key))
        level = levels.setdefault(movement.key, _Level(read, read.quantity, read.shopify_expected))
        if movement.key not in touched:
            touched.add(movement.key)
            level.versions += 1

        delta, requested = _delta(movement, level, line)
        # The line records what the movement did even when its units are already inside the level
        # imported at onboarding, which it then leaves as it is.
        recorded = delta
        inside = inside_import(movement, read)
        if inside:
            delta = 0
        level.quantity += delta
        if movement.kind is MovementKind.OPENING and movement.shopify_at is not None and read.imported_at is None:
            level.imported_at = movement.shopify_at
        if movement.shopify_applied and not inside:
            level.shopify_expected += delta
        if line is not None:
            sold = abs(recorded) if movement.kind is MovementKind.SALE else 0
            restocked = recorded if movement.kind in RESTOCKS else 0
            line_states[movement.order_line] = replace(  # type: ignore[index]
                line,
                sold=line.sold + sold,
                restocked=line.restocked + restocked,
                cancel_restocked=line.cancel_restocked
                + (restocked if movement.undoes_cancellation or movement.releases_open_units else 0),
                applied=line.applied | {movement.entry_id},
                location=movement.key.location if movement.relocates_line else line.location,
                shipped_away=line.shipped_away + (recorded if movement.ships_away else 0),
            )
        entries.append(
            ActivityEntry(
                key=movement.key,
                entry_id=movement.entry_id,
                kind=movement.kind,
                quantity=delta,
                balance_after=level.quantity,
                version_after=level.read.version + level.versions,
                applied_at=now,
                source=movement.source,
                reason=_inside_reason(movement) if inside else movement.reason,
                oversell=movement.kind is MovementKind.SALE and delta < 0 and level.quantity < 0,
                requested_quantity=requested,
            )
        )


def _inside_reason(movement: Movement) -> str:
    if movement.kind is MovementKind.SALE:
        return "sold before onboarding: already in the imported level"
    return f"{movement.reason or movement.kind.value}: before the level's import, already in the imported level"


def _line_state(
    movement: Movement,
    lines: Mapping[tuple[int, int], OrderLineState],
    working: dict[tuple[int, int], OrderLineState],
) -> OrderLineState | None:
    if movement.order_line is None:
        return None
    if movement.order_line in working:
        return working[movement.order_line]
    order_id, line_item_id = movement.order_line
    known = lines.get(movement.order_line)
    state = known or OrderLineState(movement.key.shop, order_id, line_item_id, movement.key.sku, movement.key.location)
    working[movement.order_line] = state
    return state


def _delta(movement: Movement, level: _Level, line: OrderLineState | None) -> tuple[int, int | None]:
    """The signed change to the level, and what was asked for when a restock was cut short."""
    if movement.kind in (MovementKind.COUNT, MovementKind.OPENING):
        assert movement.counted is not None
        return movement.counted - level.quantity, None
    if movement.kind in RESTOCKS and line is not None:
        restockable = max(0, line.sold - line.restocked)
        if movement.undoes_cancellation:
            restockable = min(restockable, max(0, movement.quantity - line.cancel_restocked))
        if movement.quantity > restockable:
            return restockable, movement.quantity
    return movement.signed_quantity, None


def _line_update(lines: Mapping[tuple[int, int], OrderLineState], state: OrderLineState) -> LineUpdate:
    read = lines.get((state.order_id, state.line_item_id))
    return LineUpdate(
        shop=state.shop,
        order_id=state.order_id,
        line_item_id=state.line_item_id,
        sku=state.sku,
        location=state.location,
        expected_version=read.version if read else 0,
        sold_delta=state.sold - (read.sold if read else 0),
        restocked_delta=state.restocked - (read.restocked if read else 0),
        cancel_restocked_delta=state.cancel_restocked - (read.cancel_restocked if read else 0),
        applied=state.applied - (read.applied if read else frozenset()),
        relocated=read is not None and state.location != read.location,
        shipped_away_delta=state.shipped_away - (read.shipped_away if read else 0),
    )
