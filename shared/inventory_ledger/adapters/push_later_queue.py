"""The push-later queue on SQS: one delayed message per delay, read by the level pusher."""

from collections import defaultdict
from functools import cached_property
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from inventory_ledger.domain.later_push import LaterPush
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.ports import PushLater, TransientFailure

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = 10  # SendMessageBatch's limit
LEVELS_PER_MESSAGE = 100  # a message stays far below SQS's 256 KiB
MAX_DELAY_SECONDS = 900  # SQS's limit


class SqsPushLater(PushLater):
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    @cached_property
    def _sqs(self) -> "SQSClient":
        return boto3.client("sqs")

    def push_later(self, delays: dict[LevelKey, int]) -> None:
        by_delay: dict[int, list[LevelKey]] = defaultdict(list)
        for key, delay in delays.items():
            by_delay[min(MAX_DELAY_SECONDS, max(0, delay))].append(key)
        messages = [
            (delay, LaterPush.of(keys[i : i + LEVELS_PER_MESSAGE]).model_dump_json())
            for delay, keys in by_delay.items()
            for i in range(0, len(keys), LEVELS_PER_MESSAGE)
        ]
        entries = [
            {"Id": str(n), "DelaySeconds": delay, "MessageBody": body} for n, (delay, body) in enumerate(messages)
        ]
        try:
            for start in range(0, len(entries), BATCH):
                answer = self._sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries[start : start + BATCH])  # type: ignore[arg-type]
                if answer.get("Failed"):
                    raise TransientFailure(f"SQS refused {len(answer['Failed'])} push-later message(s)")
        except (BotoCoreError, ClientError) as error:
            raise TransientFailure(f"push-later queue: {error}") from error
