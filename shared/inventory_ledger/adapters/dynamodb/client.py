"""The DynamoDB client, built lazily so tests and the local stack can point it elsewhere first."""

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Adaptive retries absorb throttling inside the call; what still fails becomes TransientFailure.
# Pooled connections for the calls made side by side (acknowledgements, reads in chunks, the
# reconciler's reads): past botocore's default of 10, each extra call would open a connection of its own.
_CONFIG = Config(
    retries={"max_attempts": 8, "mode": "adaptive"}, connect_timeout=3, read_timeout=10, max_pool_connections=50
)


@cache
def dynamodb_client() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=_CONFIG)
