"""The ingest queue on SQS."""

from functools import cached_property
from typing import TYPE_CHECKING

import boto3

from inventory_ledger.domain.webhooks import WebhookEnvelope
from inventory_ledger.ports import IngestQueue

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsIngestQueue(IngestQueue):
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    @cached_property
    def _sqs(self) -> "SQSClient":
        return boto3.client("sqs")

    def send(self, envelope: WebhookEnvelope) -> str:
        response = self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=envelope.model_dump_json(),
            # Attributes let an operator read a DLQ message's origin without parsing its body.
            MessageAttributes={
                "topic": {"DataType": "String", "StringValue": envelope.topic.value},
                "shop_domain": {"DataType": "String", "StringValue": envelope.shop_domain},
                "event_id": {"DataType": "String", "StringValue": envelope.event_id},
            },
        )
        return response["MessageId"]
