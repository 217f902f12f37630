"""Events the ledger could not apply (yet), kept whole with the reason, replayable."""

from dataclasses import dataclass
from datetime import datetime

from inventory_ledger.domain.merchant import Problem, ProblemKind


@dataclass(frozen=True)
class ParkedEvent:
    shop: str
    event_id: str
    topic: str
    received_at: datetime
    parked_at: datetime
    # The ingest envelope as queued (JSON): everything needed to replay it.
    envelope: str
    problems: tuple[Problem, ...]
    # Set when the event waits for an order to reach the ledger; replayed when it does.
    waiting_for_order: int | None = None

    @property
    def reason(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)

    @property
    def is_waiting(self) -> bool:
        return all(problem.kind is ProblemKind.WAITING_FOR_ORDER for problem in self.problems)
