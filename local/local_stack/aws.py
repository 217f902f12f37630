"""Local AWS: moto in server mode on 127.0.0.1, with the resources template.yaml declares.

boto3 reaches it through botocore's own endpoint variables (AWS_ENDPOINT_URL, and
AWS_ENDPOINT_URL_DYNAMODB / _DYNAMODBSTREAMS when the table lives in DynamoDB Local), exactly as the
shipped code reaches AWS. Resource properties are read from template.yaml, so the two cannot drift.
"""

import copy
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import ShardIterator
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from local_stack.template import load_template, resource_properties

REGION = "us-east-1"
STACK_NAME = "inventory-ledger-local"
STAGE = "local"
# moto accepts any credentials; fixed fake ones keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class _SerializedDynamoDb:
    """Runs moto's DynamoDB requests one at a time; every other service stays concurrent.

    moto rolls a failed transaction back by restoring a deep copy of the whole table taken when the
    transaction began, so under concurrent requests it erases writes that other requests committed
    meanwhile (seen here: two consumers lost a sale). DynamoDB is linearizable per item; serializing
    makes moto so too. SQS long polls are not serialized, so they never block the table.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def _copy_stream_shard(shard: StreamShard, memo: dict[int, Any]) -> StreamShard:
    """A deep copy of a stream shard whose record list is new but whose records are shared.

    moto deep-copies the whole table, stream included, at the start of every transaction (to roll a
    failed one back), so each transaction cost grew with every record ever streamed: 36 ms at first,
    250 ms after 500 transactions, and an out-of-memory kill before 2,000. A stream record is a
    snapshot moto never changes after writing it, so sharing it is exact: a rollback still restores
    the list as it was, without the failed transaction's records.
    """
    clone = copy.copy(shard)
    memo[id(shard)] = clone
    clone.table = copy.deepcopy(shard.table, memo)
    clone.items = list(shard.items)
    return clone


StreamShard.__deepcopy__ = _copy_stream_shard  # type: ignore[attr-defined]

_moto_shard_iterator_get = ShardIterator.get


def _get_from_the_live_shard(iterator: ShardIterator, limit: int = 1000) -> dict[str, Any]:
    """GetRecords from the table's stream shard as it is now, not the one the iterator was made on.

    moto rolls a cancelled transaction back by putting its deep copy of the table in the table's
    place, stream shard and all; an iterator made earlier kept the discarded shard. It then returned
    the cancelled transaction's records (written to the discarded shard before the rollback) and never
    a later one, and moto's iterators never expire: the stream poller went quiet for good while the
    driver's drain answered drained (issue 13). On AWS an iterator names a shard, not a copy of one.
    Sequence numbers are positions in the shard's record list, which the rollback restores, so the
    iterator's position stays right on the live shard.
    """
    table = iterator.streams_backend.dynamodb.tables.get(iterator.stream_shard.table.name)
    live = table.stream_shard if table is not None else None
    if live is not None and live.id == iterator.stream_shard.id:
        iterator.stream_shard = live
    return _moto_shard_iterator_get(iterator, limit)


ShardIterator.get = _get_from_the_live_shard  # type: ignore[method-assign,assignment]


class MotoServer:
    """moto in server mode on a free 127.0.0.1 port, in a thread of this process."""

    def __init__(self, port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns test output
        app = _SerializedDynamoDb(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self.endpoint_url = f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "MotoServer":
        self._thread.start()
        return self

    def reset(self) -> None:
        httpx.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


@dataclass(frozen=True)
class LocalResources:
    endpoint_url: str
    dynamodb_endpoint_url: str
    table_name: str
    stream_arn: str
    ingest_queue_url: str
    ingest_dead_letter_queue_url: str
    push_failure_queue_url: str
    report_bucket_name: str
    shop_secret_prefix: str
    region: str = REGION
    payload_bucket_name: str = ""
    reconcile_queue_url: str = ""
    reconcile_dead_letter_queue_url: str = ""
    push_later_queue_url: str = ""

    def environment(self) -> dict[str, str]:
        """The variables a handler needs to run against this stack (see docs/contracts.md)."""
        env = {
            **FAKE_CREDENTIALS,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "LEDGER_TABLE_NAME": self.table_name,
            "INGEST_QUEUE_URL": self.ingest_queue_url,
            "REPORT_BUCKET_NAME": self.report_bucket_name,
            "PAYLOAD_BUCKET_NAME": self.payload_bucket_name,
            "SHOP_SECRET_PREFIX": self.shop_secret_prefix,
            "RECONCILE_QUEUE_URL": self.reconcile_queue_url,
            # Read only where PUSH_SPACING_SECONDS is set too (the template's value: event_sources.py).
            "PUSH_LATER_QUEUE_URL": self.push_later_queue_url,
            "POWERTOOLS_SERVICE_NAME": "inventory-ledger",
            "POWERTOOLS_METRICS_NAMESPACE": "InventoryLedger",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
        if self.dynamodb_endpoint_url != self.endpoint_url:
            env["AWS_ENDPOINT_URL_DYNAMODB"] = self.dynamodb_endpoint_url
            env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = self.dynamodb_endpoint_url
        else:
            # moto's TransactWriteItems costs grow with the table's size (config.LedgerSettings): the
            # pusher acknowledges one level per conditional UpdateItem here, as before batching.
            env["LEDGER_ACK_TRANSACTION_ITEMS"] = "1"
        return env

    def client(self, service: str) -> Any:
        endpoint = self.dynamodb_endpoint_url if service in ("dynamodb", "dynamodbstreams") else self.endpoint_url
        return boto3.client(  # type: ignore[call-overload]  # any service by name; the stubs know literals only
            service,
            endpoint_url=endpoint,
            region_name=self.region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def put_shop_secret(self, shop_domain: str, webhook_secrets: list[str], admin_access_token: str) -> str:
        """Store a shop's secret in the shape docs/contracts.md gives; returns its name."""
        name = f"{self.shop_secret_prefix}{shop_domain}"
        value = json.dumps({"webhook_secrets": webhook_secrets, "admin_access_token": admin_access_token})
        secrets = self.client("secretsmanager")
        try:
            secrets.create_secret(Name=name, SecretString=value)
        except secrets.exceptions.ResourceExistsException:
            secrets.put_secret_value(SecretId=name, SecretString=value)
        return name


class _Resolver:
    """Resolves the few intrinsics the template's resource properties use, for the local stack."""

    def __init__(self, arns: dict[str, str], names: dict[str, str]) -> None:
        self.arns = arns
        self.names = names
        self.pseudo = {"Stage": STAGE, "AWS::StackName": STACK_NAME, "AWS::Region": REGION}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "Ref" in value:
                return self.pseudo.get(value["Ref"], self.names.get(value["Ref"], value["Ref"]))
            if "Fn::GetAtt" in value:
                logical_id, attribute = value["Fn::GetAtt"]
                return self.arns[logical_id] if attribute == "Arn" else self.names[logical_id]
            if "Fn::Sub" in value:
                text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self({"Ref": m.group(1)})), text)
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def provision(endpoint_url: str, dynamodb_endpoint_url: str | None = None) -> LocalResources:
    """Create the table, queues and bucket that template.yaml declares, with its properties."""
    template = load_template()
    dynamodb_endpoint_url = dynamodb_endpoint_url or endpoint_url
    resolve = _Resolver(arns={}, names={})
    draft = LocalResources(endpoint_url, dynamodb_endpoint_url, "", "", "", "", "", "", "")

    sqs = draft.client("sqs")
    queue_urls: dict[str, str] = {}
    # Dead-letter queues first: the others' redrive policies point at them.
    for logical_id in (
        "IngestDeadLetterQueue",
        "PushFailureQueue",
        "PushLaterQueue",
        "IngestQueue",
        "ReconcileDeadLetterQueue",
        "ReconcileQueue",
    ):
        props = resolve(resource_properties(template, logical_id))
        attributes = {
            key: json.dumps(value) if isinstance(value, dict) else str(value)
            for key, value in props.items()
            if key in ("VisibilityTimeout", "MessageRetentionPeriod", "RedrivePolicy", "DelaySeconds")
        }
        name = props.get("QueueName", f"{STACK_NAME}-{logical_id}")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        queue_urls[logical_id] = url
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resolve.arns[logical_id] = arn

    table_props = resolve(resource_properties(template, "LedgerTable"))
    table_name = table_props.get("TableName", f"{STACK_NAME}-ledger")
    create_args = {
        key: table_props[key]
        for key in (
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "StreamSpecification",
            "GlobalSecondaryIndexes",
        )
        if key in table_props
    }
    if "StreamSpecification" in create_args:
        # CloudFormation implies StreamEnabled; the API wants it said.
        create_args["StreamSpecification"] = {**create_args["StreamSpecification"], "StreamEnabled": True}
    dynamodb = draft.client("dynamodb")
    table = dynamodb.create_table(TableName=table_name, **create_args)["TableDescription"]
    dynamodb.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1})
    pitr = table_props.get("PointInTimeRecoverySpecification", {})
    if pitr.get("PointInTimeRecoveryEnabled") and dynamodb_endpoint_url == endpoint_url:
        # DynamoDB Local has no backups; moto does, and mirrors the template.
        dynamodb.update_continuous_backups(
            TableName=table_name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )

    bucket_props = resolve(resource_properties(template, "ReportBucket"))
    bucket = bucket_props.get("BucketName", f"{STACK_NAME}-reports")
    draft.client("s3").create_bucket(Bucket=bucket)
    payload_props = resolve(resource_properties(template, "WebhookPayloadBucket"))
    payload_bucket = payload_props.get("BucketName", f"{STACK_NAME}-webhook-payloads")
    draft.client("s3").create_bucket(Bucket=payload_bucket)

    return LocalResources(
        endpoint_url=endpoint_url,
        dynamodb_endpoint_url=dynamodb_endpoint_url,
        table_name=table_name,
        stream_arn=table["LatestStreamArn"],
        ingest_queue_url=queue_urls["IngestQueue"],
        ingest_dead_letter_queue_url=queue_urls["IngestDeadLetterQueue"],
        push_failure_queue_url=queue_urls["PushFailureQueue"],
        report_bucket_name=bucket,
        shop_secret_prefix=f"inventory-ledger/{STAGE}/shops/",
        payload_bucket_name=payload_bucket,
        reconcile_queue_url=queue_urls["ReconcileQueue"],
        reconcile_dead_letter_queue_url=queue_urls["ReconcileDeadLetterQueue"],
        push_later_queue_url=queue_urls["PushLaterQueue"],
    )
