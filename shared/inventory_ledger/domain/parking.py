"""Events the ledger could not apply (yet), kept whole with the reason, replayable."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from inventory_ledger.domain.merchant import Problem, ProblemKind
from inventory_ledger.domain.webhooks import WebhookEnvelope


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
    # Replays that found Shopify still unreadable for it (service/apply_webhook.replay_parked counts them).
    replays: int = 0

    @classmethod
    def of(
        cls,
        envelope: WebhookEnvelope,
        queued: str,
        at: datetime,
        problems: Iterable[Problem],
        waiting_for_order: int | None = None,
    ) -> Self:
        """The envelope parked at ``at``, kept as ``queued`` (its JSON) with the problems that stopped it."""
        return cls(
            shop=envelope.shop_domain,
            event_id=envelope.event_id,
            topic=envelope.topic.value,
            received_at=envelope.received_at,
            parked_at=at,
            envelope=queued,
            problems=tuple(problems),
            waiting_for_order=waiting_for_order,
        )

    @property
    def reason(self) -> str:
        return "; ".join(str(problem) for problem in self.problems)

    @property
    def is_waiting(self) -> bool:
        return all(problem.kind is ProblemKind.WAITING_FOR_ORDER for problem in self.problems)

    @property
    def shopify_unreadable(self) -> bool:
        """Parked because Shopify could not be read for it: a replay may apply it once Shopify answers."""
        return any(problem.kind is ProblemKind.SHOPIFY_UNREADABLE for problem in self.problems)
