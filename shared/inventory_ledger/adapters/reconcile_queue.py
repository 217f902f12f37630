"""The reconcile fan-out queue on SQS (SendMessageBatch, ten at a time)."""

from collections.abc import Sequence
from functools import cached_property
from itertools import batched
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 3


class SqsReconcileQueue:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    @cached_property
    def _sqs(self) -> "SQSClient":
        return boto3.client("sqs")

    def send_all(self, bodies: Sequence[str]) -> int:
        for batch in batched(bodies, BATCH):
            pending = {str(i): body for i, body in enumerate(batch)}
            for _ in range(ATTEMPTS):  # entries SQS refused (throttled) are sent again
                answer = self._sqs.send_message_batch(
                    QueueUrl=self.queue_url, Entries=[{"Id": i, "MessageBody": b} for i, b in pending.items()]
                )
                pending = {f["Id"]: pending[f["Id"]] for f in answer.get("Failed", [])}
                if not pending:
                    break
            if pending:
                raise RuntimeError(f"SQS refused {len(pending)} reconcile message(s) after {ATTEMPTS} attempts")
        return len(bodies)
