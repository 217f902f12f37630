"""The DynamoDB client, built lazily so tests and the local stack can point it elsewhere first, and
what every adapter on the ledger table shares: the table, the one mapping of DynamoDB's transient
errors to TransientFailure, batched reads and conditional writes."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from itertools import batched
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from inventory_ledger.adapters.dynamodb import items
from inventory_ledger.ports import TransientFailure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Adaptive retries absorb throttling inside the call; what still fails becomes TransientFailure.
# Pooled connections for the calls made side by side (acknowledgements, reads in chunks, the
# reconciler's reads): past botocore's default of 10, each extra call would open a connection of its own.
_CONFIG = Config(
    retries={"max_attempts": 8, "mode": "adaptive"}, connect_timeout=3, read_timeout=10, max_pool_connections=50
)

# Errors that say "not now": throttled, or DynamoDB's side failing. The message is retried later.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)
BATCH_GET_KEYS = 100  # BatchGetItem's cap per request
BATCH_GET_CONCURRENCY = 4  # requests of one read in flight at once


@cache
def dynamodb_client() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=_CONFIG)


def error_code(error: ClientError) -> str:
    return error.response["Error"]["Code"]


@contextmanager
def transient_failures() -> Iterator[None]:
    """DynamoDB's transient errors as TransientFailure; every other error as DynamoDB raised it."""
    try:
        yield
    except ClientError as error:
        if error_code(error) in TRANSIENT_CODES:
            raise TransientFailure(error_code(error)) from error
        raise


def conditionally(write: Callable[[], object]) -> bool:
    """True when the conditional write happened, False when its condition did not hold."""
    try:
        write()
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


class DynamoDbTable:
    """Base of the adapters on the ledger table: its name and client (given, or the shared one)."""

    def __init__(self, table_name: str, client: "DynamoDBClient | None" = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> "DynamoDBClient":
        return self._client or dynamodb_client()

    def _call(self, operation: Any, **arguments: Any) -> Any:
        """One client call, its transient errors as TransientFailure."""
        with transient_failures():
            return operation(**arguments)

    def _batch_get(self, keys: list[dict[str, Any]], *, consistent: bool) -> Iterator[items.Item]:
        chunks = [list(chunk) for chunk in batched(keys, BATCH_GET_KEYS)]
        if len(chunks) <= 1:
            for chunk in chunks:
                yield from self._batch_get_chunk(chunk, consistent=consistent)
            return
        # Several requests in flight at once (a pusher batch of 1,000 levels is ten of them).
        with ThreadPoolExecutor(max_workers=min(BATCH_GET_CONCURRENCY, len(chunks)), thread_name_prefix="get") as pool:
            for found in pool.map(lambda chunk: list(self._batch_get_chunk(chunk, consistent=consistent)), chunks):
                yield from found

    def _batch_get_chunk(self, keys: list[dict[str, Any]], *, consistent: bool) -> Iterator[items.Item]:
        request: Any = {self.table_name: {"Keys": keys, "ConsistentRead": consistent}}
        while request:
            response = self._call(self.client.batch_get_item, RequestItems=request)
            for attributes in response["Responses"].get(self.table_name, []):
                yield items.from_attributes(attributes)
            request = response.get("UnprocessedKeys") or None

    def _query_prefix(self, pk: str, sk_prefix: str, *, consistent: bool) -> Iterator[items.Item]:
        """Every item of the partition whose sort key starts with the prefix, page after page."""
        arguments: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": items.to_attributes({":pk": pk, ":prefix": sk_prefix}),
            "ConsistentRead": consistent,
        }
        while True:
            response = self._call(self.client.query, **arguments)
            for attributes in response["Items"]:
                yield items.from_attributes(attributes)
            if "LastEvaluatedKey" not in response:
                return
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _write_if(self, operation: Any, **arguments: Any) -> bool:
        """A conditional write: True when it happened, False when its condition did not hold."""
        return conditionally(lambda: self._call(operation, **arguments))
