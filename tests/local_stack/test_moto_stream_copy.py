"""Our moto server copies stream records by reference when a transaction begins: rollbacks stay exact."""

from typing import Any

import pytest

from local_stack.aws import LocalResources

pytestmark = pytest.mark.integration


def stream_records(resources: LocalResources) -> list[dict[str, Any]]:
    streams = resources.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=resources.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=resources.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]
    return records


def put(resources: LocalResources, sk: str, *, only_if_new: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"TableName": resources.table_name, "Item": {"pk": {"S": "P"}, "sk": {"S": sk}}}
    if only_if_new:
        operation["ConditionExpression"] = "attribute_not_exists(pk)"
        operation["Item"]["note"] = {"S": only_if_new}
    return {"Put": operation}


def test_a_failed_transaction_leaves_neither_items_nor_stream_records(local_aws: LocalResources) -> None:
    dynamodb = local_aws.client("dynamodb")
    dynamodb.transact_write_items(TransactItems=[put(local_aws, "A"), put(local_aws, "B")])
    before = stream_records(local_aws)
    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in before] == ["A", "B"]

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        # C is written first, then B's condition fails: moto must roll C back, record and all.
        dynamodb.transact_write_items(TransactItems=[put(local_aws, "C"), put(local_aws, "B", only_if_new="twice")])

    assert stream_records(local_aws) == before
    items = dynamodb.query(
        TableName=local_aws.table_name,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "P"}},
    )["Items"]
    assert sorted(item["sk"]["S"] for item in items) == ["A", "B"]
    assert all("note" not in item for item in items)

    dynamodb.transact_write_items(TransactItems=[put(local_aws, "C")])
    assert [r["dynamodb"]["Keys"]["sk"]["S"] for r in stream_records(local_aws)] == ["A", "B", "C"]


def keys_read(streams: Any, iterator: str) -> tuple[list[str], str]:
    answer = streams.get_records(ShardIterator=iterator, Limit=1000)
    return [r["dynamodb"]["Keys"]["sk"]["S"] for r in answer["Records"]], answer["NextShardIterator"]


def test_an_iterator_made_before_a_cancelled_transaction_reads_the_changes_after_it(
    local_aws: LocalResources,
) -> None:
    """Issue 13, class 7: moto's rollback swapped the table (and its stream shard) for a copy, and an
    iterator kept reading the discarded shard: it returned the cancelled record and never a later one."""
    dynamodb, streams = local_aws.client("dynamodb"), local_aws.client("dynamodbstreams")
    dynamodb.transact_write_items(TransactItems=[put(local_aws, "A")])
    shard = streams.describe_stream(StreamArn=local_aws.stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=local_aws.stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    read, iterator = keys_read(streams, iterator)
    assert read == ["A"]

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[put(local_aws, "C"), put(local_aws, "A", only_if_new="twice")])
    read, iterator = keys_read(streams, iterator)
    assert read == []  # nothing of the cancelled transaction

    dynamodb.transact_write_items(TransactItems=[put(local_aws, "D")])
    dynamodb.put_item(TableName=local_aws.table_name, Item={"pk": {"S": "P"}, "sk": {"S": "E"}})
    read, iterator = keys_read(streams, iterator)
    assert read == ["D", "E"]
    read, _ = keys_read(streams, iterator)
    assert read == []
