"""The bench weighs the backend's own CPU beside the functions' (scripts/bench/pipeline.py)."""

import time

import boto3

from local_stack.dynamodb_local import DynamoDBLocal


def test_a_running_backend_reports_the_cpu_it_has_used_and_more_after_work(dynamodb_local: DynamoDBLocal) -> None:
    before = dynamodb_local.cpu_seconds()
    assert before is not None
    assert before > 0  # a JVM that has started has used some
    client = boto3.client(
        "dynamodb", endpoint_url=dynamodb_local.endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    deadline = time.monotonic() + 60
    after = before
    while after <= before and time.monotonic() < deadline:  # clock ticks are coarse: work until one shows
        for _ in range(20):
            client.list_tables()
        after = dynamodb_local.cpu_seconds() or 0.0
    assert after > before


def test_a_backend_not_running_reports_none() -> None:
    assert DynamoDBLocal().cpu_seconds() is None
