"""The ingest queue on SQS."""

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

import boto3

from inventory_ledger.adapters.s3_payloads import payload_key
from inventory_ledger.domain.webhooks import WebhookEnvelope
from inventory_ledger.ports import IngestQueue, PayloadStore

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageAttributeValueTypeDef


# What SQS accepts in one message, body and attributes together (its default maximum).
SQS_MAX_MESSAGE_BYTES = 262_144


def message_size(body: str, attributes: Mapping[str, Mapping[str, object]]) -> int:
    """Bytes SQS counts: the body, and each attribute's name, type and value."""
    size = len(body.encode("utf-8"))
    for name, attribute in attributes.items():
        size += len(name.encode()) + sum(
            len(str(attribute.get(part, "")).encode()) for part in ("DataType", "StringValue")
        )
    return size


class SqsIngestQueue(IngestQueue):
    """Sends each envelope whole; one whose message would exceed ``max_message_bytes`` goes with its body
    in ``payloads`` and a pointer (``body_ref``) in the message instead."""

    def __init__(
        self, queue_url: str, payloads: PayloadStore | None = None, max_message_bytes: int = SQS_MAX_MESSAGE_BYTES
    ) -> None:
        self.queue_url = queue_url
        self.payloads = payloads
        self.max_message_bytes = max_message_bytes
        self.offloaded = 0

    @cached_property
    def _sqs(self) -> "SQSClient":
        return boto3.client("sqs")

    def send(self, envelope: WebhookEnvelope) -> str:
        # Attributes let an operator read a DLQ message's origin without parsing its body.
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "topic": {"DataType": "String", "StringValue": envelope.topic.value},
            "shop_domain": {"DataType": "String", "StringValue": envelope.shop_domain},
            "event_id": {"DataType": "String", "StringValue": envelope.event_id},
        }
        body = envelope.model_dump_json()
        if message_size(body, attributes) > self.max_message_bytes:
            if self.payloads is None:
                raise ValueError(f"an envelope of {len(body)} bytes needs a payload store")
            key = payload_key(envelope.shop_domain, envelope.event_id, envelope.webhook_id)
            self.payloads.put(key, envelope.body.encode("utf-8"))
            pointer = envelope.model_copy(update={"body": "", "body_ref": key})
            body = pointer.model_dump_json()
            self.offloaded += 1
        response = self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=body, MessageAttributes=attributes)
        return response["MessageId"]
