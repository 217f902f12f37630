"""The ingest queue → ledger_consumer, as Lambda's SQS event source mapping with partial batch responses."""

import hashlib
import json
from typing import Any

import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory
from tests.support.batch_handlers import RecordingBatchHandler

pytestmark = pytest.mark.integration


class FakeConsumer(RecordingBatchHandler):
    """Fails the bodies it is told to (listing them, or by raising)."""

    def __init__(self, fail_bodies: set[str] | None = None, **failing: Any) -> None:
        bodies = fail_bodies or set()
        super().__init__(lambda r: r["body"] in bodies, lambda r: str(r["messageId"]), **failing)

    def bodies(self) -> list[str]:
        return [r["body"] for r in self.records()]

    def receive_counts(self, body: str) -> list[str]:
        return [r["attributes"]["ApproximateReceiveCount"] for r in self.records() if r["body"] == body]


def send(resources: LocalResources, *bodies: str, **extra: Any) -> None:
    sqs = resources.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=resources.ingest_queue_url, MessageBody=body, **extra)


def queue_depth(resources: LocalResources, queue_url: str) -> int:
    sqs = resources.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_records_have_lambdas_sqs_event_shape(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    consumer = FakeConsumer()
    send(
        local_aws,
        '{"a": 1}',
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "x"},
            "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    )
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None})
    driver.drain(timeout=20)
    [event] = consumer.events
    [record] = event["Records"]
    queue_arn = local_aws.client("sqs").get_queue_attributes(
        QueueUrl=local_aws.ingest_queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert record["body"] == '{"a": 1}'
    assert record["md5OfBody"] == hashlib.md5(b'{"a": 1}').hexdigest()  # noqa: S324 - SQS's own checksum
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", queue_arn, "us-east-1")
    assert record["messageId"]
    assert record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= record["attributes"].keys()
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "x", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "raw": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"},
    }
    assert queue_depth(local_aws, local_aws.ingest_queue_url) == 0


def test_only_the_listed_failures_stay_and_are_redelivered(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    consumer = FakeConsumer({"bad"}, failures_left=1)
    send(local_aws, "good-1", "bad", "good-2")
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None})
    driver.drain(timeout=20)
    assert sorted(consumer.bodies()) == ["bad", "bad", "good-1", "good-2"]  # only "bad" came twice
    assert consumer.receive_counts("bad") == ["1", "2"]
    counters = driver.status()["counters"]["sqs"]
    assert (counters["batch_item_failures"], counters["redeliveries"], counters["deleted"]) == (1, 1, 3)
    assert queue_depth(local_aws, local_aws.ingest_queue_url) == 0


def test_a_handler_error_deletes_nothing_and_the_batch_comes_back(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    consumer = FakeConsumer({"bad"}, failures_left=1, raise_=True)
    send(local_aws, "good", "bad")
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None})
    driver.drain(timeout=20)
    assert sorted(consumer.bodies()) == ["bad", "bad", "good", "good"]  # the whole batch again
    assert driver.status()["counters"]["sqs"]["failed_batches"] == 1


def test_a_killed_consumer_did_its_work_but_the_messages_come_back(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    consumer = FakeConsumer()
    send(local_aws, "only")
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None})
    driver.kill_next("ledger_consumer", 1)
    driver.drain(timeout=20)
    assert consumer.receive_counts("only") == ["1", "2"]
    assert driver.status()["counters"]["killed"] == {"ledger_consumer": 1}


def test_a_consumer_killed_mid_batch_handled_only_the_first_records_and_the_whole_batch_comes_back(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    consumer = FakeConsumer()
    send(local_aws, "first", "second", "third")
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None})
    driver.kill_next("ledger_consumer", 1, after_records=1)
    driver.drain(timeout=20)
    killed, *later = consumer.events
    [handled] = [record["body"] for record in killed["Records"]]
    # The dead invocation deleted nothing: the message it handled comes back too.
    assert consumer.receive_counts(handled) == ["1", "2"]
    assert sorted(record["body"] for event in later for record in event["Records"]) == ["first", "second", "third"]
    assert driver.status()["counters"]["killed"] == {"ledger_consumer": 1}


def test_a_message_that_always_fails_lands_in_the_dead_letter_queue(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    consumer = FakeConsumer({"poison"})
    send(local_aws, "poison", "fine")
    driver = start_driver(local_aws, handlers={"ledger_consumer": consumer, "level_pusher": None}, redelivery_delay=0)
    driver.drain(timeout=30)
    max_receive_count = json.loads(
        local_aws.client("sqs").get_queue_attributes(
            QueueUrl=local_aws.ingest_queue_url, AttributeNames=["RedrivePolicy"]
        )["Attributes"]["RedrivePolicy"]
    )["maxReceiveCount"]
    assert consumer.receive_counts("poison") == [str(n) for n in range(1, max_receive_count + 1)]
    assert consumer.receive_counts("fine") == ["1"]
    dead = local_aws.client("sqs").receive_message(
        QueueUrl=local_aws.ingest_dead_letter_queue_url, MaxNumberOfMessages=10
    )
    assert [m["Body"] for m in dead["Messages"]] == ["poison"]
    assert queue_depth(local_aws, local_aws.ingest_queue_url) == 0
