"""Drift reports in the report bucket (private, encrypted at rest by the bucket's default)."""

from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

import boto3

from inventory_ledger.ports import ReportStore

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@cache
def s3_client() -> "S3Client":
    return boto3.client("s3")


class S3Bucket:
    """Base of the adapters on a bucket (reports here, webhook payloads): its name and client."""

    def __init__(self, bucket: str, client: "S3Client | None" = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def client(self) -> "S3Client":
        return self._client or s3_client()


class S3ReportStore(S3Bucket, ReportStore):
    def put(self, key: str, body: bytes, content_type: str) -> str:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return f"s3://{self.bucket}/{key}"

    def keys(self, prefix: str) -> list[tuple[str, int, datetime]]:
        """(key, size, last modified) of every object under the prefix (for ledgerctl reports)."""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found += [(o["Key"], o["Size"], o["LastModified"]) for o in page.get("Contents", [])]
        return found
