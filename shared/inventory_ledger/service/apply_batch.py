"""Several queued order events of one shop applied in one transaction: one read, one commit.

The ingest queue hands the consumer up to ten messages at a time. Applied one by one, each costs a
read and a commit of its own; in a flash sale each also races the others for the same balance. Here
the events of one shop are read together (their orders' lines and the balances they touch, one
BatchGetItem), planned in turn on that snapshot (domain/planning.py `plan_changes`: each event moves
a level's version by one, and its entries are exactly what separate commits would have written), and
committed as one conditioned transaction. A hot level is written once for all of them.

Every rule of the one-by-one path holds: entries are conditional puts keyed by business ids, lines
and balances are conditioned on the versions read, and the commit is all or nothing. A lost race
plans the whole group again (with the same full-jitter backoff); anything else this path does not
handle (an event with problems to park, more than one transaction's worth of lines, an entry that
exists already, a commit that keeps losing races or fails) leaves the events to the one-by-one
path (service/apply_webhook.py), which applies each exactly once whatever was done here.
"""

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inventory_ledger.clock import Now
from inventory_ledger.domain.ledger import Balance, LevelKey
from inventory_ledger.domain.movements import Movement, Translation
from inventory_ledger.domain.planning import plan_changes
from inventory_ledger.ports import ApplyingLedger, ConcurrentChange, DuplicateEntry, TransientFailure
from inventory_ledger.service.apply_webhook import (
    BACKOFF_BASE_SECONDS,
    BACKOFF_CAP_SECONDS,
    FirstRead,
    Lines,
    PreparedEvent,
    first_chunk,
    movement_applied,
)

# TransactWriteItems' limit.
MAX_TRANSACTION_ITEMS = 100
# Lost races before the group is left to the one-by-one path (which has its own 40).
GROUP_ATTEMPTS = 5


@dataclass
class _Member:
    event: PreparedEvent
    translation: Translation
    pending: list[Movement]


@dataclass
class Together:
    """Events committed together (with their translations) and events left to the one-by-one path."""

    applied: list[tuple[PreparedEvent, Translation]]
    left: list[PreparedEvent]


def apply_together(
    events: Sequence[PreparedEvent],
    ledger: ApplyingLedger,
    now: Now,
    sleep: Callable[[float], None] = time.sleep,
    *,
    first_read: FirstRead | None = None,
) -> Together:
    """``events``: one shop's, each of another order. Fills each applied event's ``result.applied``.
    ``first_read``: the first attempt's lines and balances, read already with the merchant's views
    (of these events' orders and levels, and maybe more)."""
    expected = {m.key for event in events for m in event.translate({}).movements}
    line_ids = {event.order_id: event.line_ids for event in events}
    for attempt in range(1, GROUP_ATTEMPTS + 1):
        if first_read is not None:
            (lines, balances), first_read = first_read, None
        else:
            lines, balances = ledger.orders_lines_and_balances(events[0].shop, line_ids, expected)
        members, left = _members(events, lines)
        unread = {m.key for member in members for m in member.pending} - expected
        if unread:
            balances = {**balances, **ledger.balances(unread)}
            expected |= unread
        chosen, too_many = _fitting(members, lines, balances, now)
        if len(chosen) < 2:  # nothing to gain: the one-by-one path, exactly as without batching
            return Together([], list(events))
        change = plan_changes([member.pending for member in chosen], lines, balances, now())
        try:
            ledger.commit(change)
        except ConcurrentChange:
            sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)))  # noqa: S311
            continue
        except (DuplicateEntry, TransientFailure):
            return Together([], list(events))
        for member in chosen:
            ids = {(m.key, m.entry_id) for m in member.pending}
            member.event.result.applied.extend(e for e in change.entries if (e.key, e.entry_id) in ids)
        return Together([(member.event, member.translation) for member in chosen], left + too_many)
    return Together([], list(events))


def _members(events: Sequence[PreparedEvent], lines: Lines) -> tuple[list[_Member], list[PreparedEvent]]:
    members, left = [], []
    for event in events:
        own = {ids: line for ids, line in lines.items() if ids[0] == event.order_id}
        translation = event.translate(own)
        pending = [m for m in translation.movements if not movement_applied(m, own)]
        # Problems are parked, nothing pending and long orders are the one-by-one path's to handle.
        if translation.problems or not pending or len(first_chunk(pending)) < len(pending):
            left.append(event)
        else:
            members.append(_Member(event, translation, pending))
    return members, left


def _fitting(
    members: list[_Member], lines: Lines, balances: dict[LevelKey, Balance], now: Now
) -> tuple[list[_Member], list[PreparedEvent]]:
    chosen: list[_Member] = []
    too_many: list[PreparedEvent] = []
    at = now()
    for member in members:
        trial = plan_changes([m.pending for m in [*chosen, member]], lines, balances, at)
        if trial.item_count() <= MAX_TRANSACTION_ITEMS:
            chosen.append(member)
        else:
            too_many.append(member.event)
    return chosen, too_many
