"""The night's summary: what the fan-out planned joined with what each reconciliation recorded.

A merchant's verdict is the worst of its messages (one per merchant, or one per location of a large
one): failed (a message failed, or started and never finished: a timeout or a crash), else not run
(a message has no outcome at all: never received, or still waiting), else reconciled (drifted when
any level differed from the ledger).
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MessageStatus(StrEnum):
    STARTED = "started"
    RECONCILED = "reconciled"
    FAILED = "failed"


@dataclass(frozen=True)
class PlannedMessage:
    shop: str
    location: str | None = None


@dataclass(frozen=True)
class NightlyPlan:
    run_id: str
    started_at: datetime
    messages: tuple[PlannedMessage, ...]


@dataclass(frozen=True)
class MessageOutcome:
    shop: str
    location: str | None
    status: MessageStatus
    attempts: int = 1
    drifted: int = 0
    levels: int = 0
    error: str | None = None
    # Webhook topics the shop's subscriptions lack (empty: all there, or not checkable).
    subscriptions_missing: tuple[str, ...] = ()


@dataclass
class NightlySummary:
    run_id: str | None
    started_at: datetime | None
    closed_at: datetime
    reconciled: list[str] = field(default_factory=list)
    drifted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_run: list[str] = field(default_factory=list)
    levels_checked: int = 0
    subscriptions_missing: dict[str, list[str]] = field(default_factory=dict)
    note: str | None = None

    @property
    def merchants(self) -> int:
        return len(self.reconciled) + len(self.failed) + len(self.not_run)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "closed_at": self.closed_at.isoformat(),
            "merchants": self.merchants,
            "reconciled": len(self.reconciled),
            "drifted": len(self.drifted),
            "failed": len(self.failed),
            "not_run": len(self.not_run),
            "levels_checked": self.levels_checked,
            "drifted_shops": sorted(self.drifted),
            "failed_shops": dict(sorted(self.failed.items())),
            "not_run_shops": sorted(self.not_run),
            "subscriptions_missing": dict(sorted(self.subscriptions_missing.items())),
            "note": self.note,
        }


def summarise(
    plan: NightlyPlan | None, outcomes: Iterable[MessageOutcome], *, closed_at: datetime, shops: Sequence[str] = ()
) -> NightlySummary:
    """Joins the plan with the outcomes. Without a plan (no fan-out ran in the window) every shop
    given is not run. An outcome the plan does not hold (a message sent by hand) is ignored."""
    if plan is None:
        return NightlySummary(None, None, closed_at, not_run=sorted(shops),
                              note="no nightly fan-out started in the window")  # fmt: skip
    recorded = {(o.shop, o.location): o for o in outcomes}
    by_shop: dict[str, list[MessageOutcome | None]] = defaultdict(list)
    for message in plan.messages:
        by_shop[message.shop].append(recorded.get((message.shop, message.location)))
    summary = NightlySummary(plan.run_id, plan.started_at, closed_at)
    for shop, found in sorted(by_shop.items()):
        done = [o for o in found if o is not None]
        missing = sorted({topic for o in done for topic in o.subscriptions_missing})
        if missing:
            summary.subscriptions_missing[shop] = missing
        broken = [o for o in done if o.status is not MessageStatus.RECONCILED]
        if broken:
            summary.failed[shop] = "; ".join(_why(o) for o in broken)
        elif len(done) < len(found):
            summary.not_run.append(shop)
        else:
            summary.reconciled.append(shop)
            summary.levels_checked += sum(o.levels for o in done)
            if any(o.drifted for o in done):
                summary.drifted.append(shop)
    return summary


def _why(outcome: MessageOutcome) -> str:
    where = f" at {outcome.location}" if outcome.location else ""
    if outcome.status is MessageStatus.STARTED:
        return f"started{where} and never finished (timeout or crash), {outcome.attempts} attempt(s)"
    return f"failed{where} after {outcome.attempts} attempt(s): {outcome.error or 'no error recorded'}"
