"""The nightly fan-out: one reconciliation message per merchant (per location for large ones).

Each message is the reconciler's own direct-invoke event, ``{"shop": ..., "location": ...}``, so a
queued reconciliation runs exactly what ``ledgerctl reconcile`` and a direct invocation run, one at
a time (BatchSize 1), each within the reconciler's 15 minutes and retried on its own.
"""

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from inventory_ledger.domain.nightly import NightlyPlan, PlannedMessage
from inventory_ledger.observability import logger
from inventory_ledger.ports import MerchantDirectory, NightlyRunLog
from inventory_ledger.service.reconcile import ReconcileRequest

# At or above this many mapped levels (locations x SKUs) a shop is reconciled location by location.
DEFAULT_SPLIT_AT_LEVELS = 20_000


class ReconcileQueue(Protocol):
    def send_all(self, bodies: Sequence[str]) -> int:
        """Queues every body; returns how many were queued (raises when some could not be)."""
        ...


@dataclass
class FanoutSummary:
    run_id: str
    shops: int = 0
    messages: int = 0
    split_shops: list[str] = field(default_factory=list)
    levels: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_fanout(directory: MerchantDirectory, split_at_levels: int) -> tuple[list[ReconcileRequest], FanoutSummary]:
    summary = FanoutSummary(run_id="")
    requests: list[ReconcileRequest] = []
    for shop in sorted(directory.shops()):
        locations = sorted(directory.locations(shop))
        levels = len(locations) * len(directory.skus(shop))
        summary.shops += 1
        summary.levels += levels
        if levels >= split_at_levels and len(locations) > 1:
            summary.split_shops.append(shop)
            requests += [ReconcileRequest(shop=shop, location=location) for location in locations]
        else:
            requests.append(ReconcileRequest(shop=shop))
    summary.messages = len(requests)
    return requests, summary


def fan_out(
    directory: MerchantDirectory,
    queue: ReconcileQueue,
    *,
    split_at_levels: int,
    run_id: str,
    run_log: NightlyRunLog | None = None,
    started_at: datetime | None = None,
) -> FanoutSummary:
    """With a run log, the plan is recorded before any message is queued and each message carries the
    run id, so each reconciliation's outcome joins the night's summary (service/reconcile/nightly.py)."""
    requests, summary = plan_fanout(directory, split_at_levels)
    summary.run_id = run_id
    fields = {"shop", "location"}
    if run_log is not None:
        assert started_at is not None, "a recorded run says when it started"
        messages = tuple(PlannedMessage(r.shop or "", r.location) for r in requests)
        run_log.record_plan(NightlyPlan(run_id, started_at, messages))
        requests = [r.model_copy(update={"run_id": run_id}) for r in requests]
        fields.add("run_id")
    bodies = [request.model_dump_json(include=fields, exclude_none=True) for request in requests]
    queue.send_all(bodies)
    logger.info("nightly reconciliation fanned out", extra=summary.as_dict())
    return summary
