"""Webhook bodies too large for one SQS message, kept in the payload bucket for the consumer.

The bucket is private, encrypted and expires objects after the ingest queues' retention (template), so
a body lives no longer than the message that points at it could.
"""

import hashlib
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from inventory_ledger.adapters.s3_reports import S3Bucket
from inventory_ledger.ports import MissingPayload, PayloadStore

if TYPE_CHECKING:
    pass


def payload_key(shop: str, event_id: str, webhook_id: str) -> str:
    """One object per delivery; the ids are hashed, so no header can shape the key."""
    digest = hashlib.sha256(f"{event_id}\x00{webhook_id}".encode()).hexdigest()[:40]
    return f"webhooks/{shop}/{digest}.json"


class S3PayloadStore(S3Bucket, PayloadStore):
    def put(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        return key

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404"):
                raise MissingPayload(key) from error
            raise
