"""Drift reports in the report bucket (private, encrypted at rest by the bucket's default)."""

from functools import cache
from typing import TYPE_CHECKING

import boto3

from inventory_ledger.ports import ReportStore

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@cache
def s3_client() -> "S3Client":
    return boto3.client("s3")


class S3ReportStore(ReportStore):
    def __init__(self, bucket: str, client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self._client = client

    def put(self, key: str, body: bytes, content_type: str) -> str:
        client = self._client or s3_client()
        client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return f"s3://{self.bucket}/{key}"
