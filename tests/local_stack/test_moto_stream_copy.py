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
