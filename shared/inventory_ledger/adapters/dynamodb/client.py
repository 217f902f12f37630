"""The DynamoDB client, built lazily so tests and the local stack can point it elsewhere first."""

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Adaptive retries absorb throttling inside the call; what still fails becomes TransientFailure.
_CONFIG = Config(retries={"max_attempts": 8, "mode": "adaptive"}, connect_timeout=3, read_timeout=10)


@cache
def dynamodb_client() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=_CONFIG)
