"""Measure the two DynamoDB backends side by side: two-item transactions, streams on, one thread.

    .venv/bin/python scripts/measure_backends.py [--levels 2000]

Each transaction is what the ledger writes for one movement: ADD to a level's balance and a new
activity entry with attribute_not_exists, on the table template.yaml declares (stream
NEW_AND_OLD_IMAGES). The table grows as it goes, as the ledger's does. moto server runs in its own
process (as in the stack); DynamoDB Local is the jar from npm (local_stack.dynamodb_local).
"""

import argparse
import time

import boto3
from botocore.config import Config

from local_stack.aws import FAKE_CREDENTIALS, REGION, LocalResources, provision
from local_stack.dynamodb_local import DynamoDBLocal
from local_stack.moto_process import MotoProcess


def run(resources: LocalResources, levels: int, name: str) -> float:
    # No retries and a long read timeout: a retried transaction would fail its own condition, and
    # moto takes longer per transaction as the table grows.
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=resources.dynamodb_endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(read_timeout=900, retries={"max_attempts": 1}),
    )
    table = resources.table_name
    started = lap = time.perf_counter()
    for n in range(levels):
        if n and n % 500 == 0:
            now = time.perf_counter()
            print(f"  {name}: transactions {n - 500}-{n}: {500 / (now - lap):.1f}/s", flush=True)
            lap = now
        pk = {"S": f"LEVEL#bench.myshopify.com#warehouse#SKU-{n:05d}"}
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": pk, "sk": {"S": "BALANCE"}},
                        "UpdateExpression": "ADD quantity :q, version :one SET item_type = :t, changed_by = :by",
                        "ExpressionAttributeValues": {
                            ":q": {"N": "-1"},
                            ":one": {"N": "1"},
                            ":t": {"S": "balance"},
                            ":by": {"S": "ledger"},
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"pk": pk, "sk": {"S": f"ENTRY#order-{n}#line-1#sale"}, "item_type": {"S": "entry"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    elapsed = time.perf_counter() - started
    shards = resources.client("dynamodbstreams").describe_stream(StreamArn=resources.stream_arn)
    assert shards["StreamDescription"]["Shards"], "the stream is on"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", type=int, default=2000)
    parser.add_argument("--backend", choices=("both", "moto", "dynamodb-local"), default="both")
    arguments = parser.parse_args()
    levels = arguments.levels
    moto = MotoProcess().start()
    try:
        ddb_local = DynamoDBLocal().start()
        try:
            backends = {"moto": ("moto server", None), "dynamodb-local": ("DynamoDB Local", ddb_local.endpoint_url)}
            chosen = backends.values() if arguments.backend == "both" else [backends[arguments.backend]]
            for name, dynamodb_endpoint in chosen:
                moto.reset()
                resources = provision(moto.endpoint_url, dynamodb_endpoint)
                elapsed = run(resources, levels, name)
                print(f"{name:<15} {levels} transactions in {elapsed:7.1f} s = {levels / elapsed:7.1f}/s", flush=True)
        finally:
            ddb_local.stop()
    finally:
        moto.stop()


if __name__ == "__main__":
    main()
