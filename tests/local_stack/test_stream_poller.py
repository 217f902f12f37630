"""The ledger's stream → level_pusher, as Lambda's DynamoDB event source mapping, on both DynamoDB backends."""

import json
from typing import Any

import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory
from tests.support.batch_handlers import RecordingBatchHandler

pytestmark = pytest.mark.integration
LEVEL = "LEVEL#demo-shop.myshopify.com#store#"


class FakePusher(RecordingBatchHandler):
    """Fails the records of the SKUs it is told to (listing them, or by raising)."""

    def __init__(self, fail_skus: set[str] | None = None, **failing: Any) -> None:
        skus = fail_skus or set()
        super().__init__(lambda r: sku_of(r) in skus, lambda r: str(r["dynamodb"]["SequenceNumber"]), **failing)

    def skus(self) -> list[str]:
        return [sku_of(r) for r in self.records()]


def sku_of(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["pk"]["S"].rsplit("#", 1)[1])


def put(
    resources: LocalResources, sku: str, *, sk: str = "BALANCE", item_type: str = "balance", changed_by: str = "ledger"
) -> None:
    item = {"pk": {"S": LEVEL + sku}, "sk": {"S": sk}, "item_type": {"S": item_type}, "quantity": {"N": "5"}}
    if item_type == "balance":
        item["changed_by"] = {"S": changed_by}
    resources.client("dynamodb").put_item(TableName=resources.table_name, Item=item)


def test_only_balances_the_ledger_wrote_reach_the_pusher_as_a_lambda_stream_event(
    backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    pusher = FakePusher()
    driver = start_driver(backend_aws, handlers={"level_pusher": pusher, "ledger_consumer": None})
    put(backend_aws, "A")
    put(backend_aws, "B", changed_by="pusher")
    put(backend_aws, "C", sk="ENTRY#1", item_type="entry")
    driver.drain(timeout=30)
    [event] = pusher.events
    [record] = event["Records"]
    assert sku_of(record) == "A"
    assert record["eventName"] == "INSERT"
    assert (record["eventSource"], record["eventVersion"], record["awsRegion"]) == ("aws:dynamodb", "1.1", "us-east-1")
    assert record["eventSourceARN"] == backend_aws.stream_arn
    dynamodb = record["dynamodb"]
    assert isinstance(dynamodb["ApproximateCreationDateTime"], int)
    assert dynamodb["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(dynamodb["SizeBytes"], int)
    assert dynamodb["SizeBytes"] > 0
    assert dynamodb["NewImage"]["changed_by"] == {"S": "ledger"}
    assert dynamodb["SequenceNumber"]
    json.dumps(event)  # what Lambda hands over is JSON: no datetimes, no bytes
    counters = driver.status()["counters"]["stream"]
    assert (counters["records_read"], counters["filtered_out"], counters["delivered"]) == (3, 2, 1)


def test_a_partial_failure_retries_from_the_first_failed_record(
    backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    pusher = FakePusher({"B"}, failures_left=1)
    for sku in "ABC":
        put(backend_aws, sku)
    driver = start_driver(backend_aws, handlers={"level_pusher": pusher, "ledger_consumer": None})
    driver.drain(timeout=30)
    assert [[sku_of(r) for r in e["Records"]] for e in pusher.events] == [["A", "B", "C"], ["B", "C"]]


def test_a_record_that_keeps_failing_is_bisected_out_and_reported_to_the_on_failure_queue(
    backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    pusher = FakePusher({"C"}, raise_=True)
    for sku in "ABCD":
        put(backend_aws, sku)
    driver = start_driver(
        backend_aws, handlers={"level_pusher": pusher, "ledger_consumer": None}, stream_max_retry_attempts=2
    )
    driver.drain(timeout=30)
    batches = [[sku_of(r) for r in e["Records"]] for e in pusher.events]
    assert batches == [["A", "B", "C", "D"], ["A", "B"], ["C", "D"], ["C"], ["C"], ["C"], ["D"]]
    sqs = backend_aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl=backend_aws.push_failure_queue_url, MaxNumberOfMessages=10)["Messages"]
    failure = json.loads(message["Body"])
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["DDBStreamBatchInfo"]
    c_record = pusher.events[3]["Records"][0]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == c_record["dynamodb"]["SequenceNumber"]
    assert (info["batchSize"], info["streamArn"]) == (1, backend_aws.stream_arn)
    assert info["shardId"].startswith("shardId-")
    counters = driver.status()["counters"]["stream"]
    assert (counters["bisections"], counters["sent_to_on_failure"]) == (2, 1)


def test_attaching_at_latest_skips_what_was_written_before(
    backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    put(backend_aws, "OLD")
    pusher = FakePusher()
    driver = start_driver(
        backend_aws, handlers={"level_pusher": pusher, "ledger_consumer": None}, stream_starting_position="LATEST"
    )
    put(backend_aws, "NEW")
    driver.drain(timeout=30)
    assert pusher.skus() == ["NEW"]
