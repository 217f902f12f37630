"""A DynamoDbLedger on a client of its own whose DynamoDB operations are counted by name."""

from collections import Counter
from typing import Any

from inventory_ledger.adapters.dynamodb.ledger_repository import DynamoDbLedger
from local_stack.aws import LocalResources


def counted_ledger(resources: LocalResources, **options: Any) -> tuple[DynamoDbLedger, Counter[str]]:
    """The ledger (its mapping cache empty) and the count of each operation it calls, by name."""
    client = resources.client("dynamodb")
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    client.meta.events.register("before-call.dynamodb.*", count)
    return DynamoDbLedger(resources.table_name, client, **options), calls
