"""template.yaml declares the whole system as docs/contracts.md describes it; events/ are signed and exact.

No sockets and no SAM CLI: the template is read with cfn-lint's decoder (or a YAML loader that knows
the short intrinsic tags), the events with json.
"""

import ast
import base64
import hashlib
import hmac
import importlib.util
import json
import re
from pathlib import Path
from typing import Any, cast

import pytest

from local_stack import template as local_stack_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
CONTRACTS = ROOT / "docs" / "contracts.md"
EVENTS = ROOT / "events"
TEST_SECRET = "events-test-secret"
SECRET_PREFIX_ARN_END = ":secret:inventory-ledger/${Stage}/shops/*"
ADMIN_PREFIX_ARN_END = ":secret:inventory-ledger/${Stage}/admin/*"

FUNCTIONS = {
    "WebhookIngressFunction": ("functions/webhook_ingress/", "Api"),
    "LedgerConsumerFunction": ("functions/ledger_consumer/", "SQS"),
    "LevelPusherFunction": ("functions/level_pusher/", "DynamoDB"),
    "DriftReconcilerFunction": ("functions/drift_reconciler/", "SQS"),
    "ReconcileFanoutFunction": ("functions/reconcile_fanout/", "Schedule"),
}


def _plain(value: Any) -> Any:
    """cfn-lint's nodes as plain dicts, lists and strings (so comparisons and json.dumps behave)."""
    return json.loads(json.dumps(value))


def load_template() -> dict[str, Any]:
    text = TEMPLATE.read_text()
    try:
        from cfnlint.decode import decode_str  # type: ignore[import-untyped]
    except ImportError:
        # The same loader the local stack provisions from, so both read the template alike.
        return cast(dict[str, Any], _plain(local_stack_template.load_template(TEMPLATE)))
    template, errors = decode_str(text)
    assert not errors, errors
    return cast(dict[str, Any], _plain(template))


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], template["Resources"])


def props(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return resources[logical_id].get("Properties") or {}


# Triggers beside a function's main one: the pusher's re-push sweep (service/repush.py).
EXTRA_EVENTS = {
    "LevelPusherFunction": {"RepushSweep": "Schedule", "LaterPushes": "SQS"},
    "ReconcileFanoutFunction": {"NightlySummary": "Schedule"},
}


def only_event(resources: dict[str, Any], logical_id: str) -> dict[str, Any]:
    events = dict(props(resources, logical_id)["Events"])
    for name, kind in EXTRA_EVENTS.get(logical_id, {}).items():
        assert events.pop(name)["Type"] == kind, (logical_id, name)
    assert len(events) == 1, f"{logical_id} has {len(events)} main triggers"
    return cast(dict[str, Any], next(iter(events.values())))


def test_the_pusher_sweeps_the_levels_set_aside_every_few_minutes(resources: dict[str, Any]) -> None:
    sweep = props(resources, "LevelPusherFunction")["Events"]["RepushSweep"]["Properties"]
    assert sweep["Schedule"] == "rate(5 minutes)"
    assert sweep["Enabled"] is True


def contract_stream_filter() -> dict[str, Any]:
    text = CONTRACTS.read_text()
    blocks = re.findall(r"```json\n(.*?)\n```", text, flags=re.DOTALL)
    filters = [json.loads(block) for block in blocks if '"Filters"' in block]
    assert len(filters) == 1, "docs/contracts.md should hold exactly one stream filter block"
    return cast(dict[str, Any], filters[0])


def ref_of(value: Any) -> str:
    """The logical id an !Ref / !GetAtt points at."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    raise AssertionError(f"not a reference: {value!r}")


# ---------------------------------------------------------------------------- functions


def test_the_four_functions_and_their_triggers(resources: dict[str, Any]) -> None:
    functions = {k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    assert functions == {*FUNCTIONS, "ShopifyOAuthFunction"}
    oauth = props(resources, "ShopifyOAuthFunction")
    assert oauth["CodeUri"] == "functions/shopify_oauth/"
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in oauth["Events"].values()}
    assert routes == {("/oauth/install", "get"), ("/oauth/callback", "get")}
    for logical_id, (code_uri, trigger) in FUNCTIONS.items():
        assert props(resources, logical_id)["CodeUri"] == code_uri
        assert (ROOT / code_uri).is_dir(), code_uri
        assert only_event(resources, logical_id)["Type"] == trigger, logical_id


def test_globals_runtime_tracing_layer_and_environment(template: dict[str, Any]) -> None:
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.12"
    assert glob["Handler"] == "app.lambda_handler"
    assert glob["Tracing"] == "Active"
    assert glob["Layers"] == [{"Ref": "DependenciesLayer"}]
    env = glob["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "inventory-ledger"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "InventoryLedger"
    assert env["LEDGER_TABLE_NAME"] == {"Ref": "LedgerTable"}
    assert env["SHOP_SECRET_PREFIX"] == {"Fn::Sub": "inventory-ledger/${Stage}/shops/"}
    assert env["SHOPIFY_API_VERSION"] == "2026-07"
    assert "{shop}" in env["SHOPIFY_ADMIN_URL_TEMPLATE"]
    assert "{version}" in env["SHOPIFY_ADMIN_URL_TEMPLATE"]
    assert "POWERTOOLS_LOG_LEVEL" in env


def test_no_function_overrides_runtime_or_handler(resources: dict[str, Any]) -> None:
    for logical_id in FUNCTIONS:
        assert "Runtime" not in props(resources, logical_id), logical_id
        assert "Handler" not in props(resources, logical_id), logical_id


def test_function_specific_environment(resources: dict[str, Any]) -> None:
    ingress = props(resources, "WebhookIngressFunction")["Environment"]["Variables"]
    assert ingress["INGEST_QUEUE_URL"] == {"Ref": "IngestQueue"}
    reconciler = props(resources, "DriftReconcilerFunction")["Environment"]["Variables"]
    assert reconciler["REPORT_BUCKET_NAME"] == {"Ref": "ReportBucket"}


def test_webhook_route_passes_the_raw_body(resources: dict[str, Any]) -> None:
    event = only_event(resources, "WebhookIngressFunction")["Properties"]
    assert event["Path"] == "/webhooks/shopify"
    assert event["Method"].lower() == "post"
    assert ref_of(event["RestApiId"]) == "WebhookApi"
    api = props(resources, "WebhookApi")
    assert resources["WebhookApi"]["Type"] == "AWS::Serverless::Api"
    assert "*~1*" in api["BinaryMediaTypes"]


def test_consumer_reads_the_ingest_queue_with_partial_batch_responses(resources: dict[str, Any]) -> None:
    event = only_event(resources, "LedgerConsumerFunction")["Properties"]
    assert ref_of(event["Queue"]) == "IngestQueue"
    assert event["BatchSize"] == 10
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "MaximumBatchingWindowInSeconds" in event


def test_pusher_stream_event(resources: dict[str, Any]) -> None:
    event = only_event(resources, "LevelPusherFunction")["Properties"]
    assert event["Stream"] == {"Fn::GetAtt": ["LedgerTable", "StreamArn"]}
    assert event["StartingPosition"] == "LATEST"
    # A backlog drains four Shopify calls of 250 per invocation (docs/benchmarks.md).
    assert event["BatchSize"] == 1000
    # Whole seconds only, and 1 s would miss the 1 s webhook-to-Shopify goal (docs/benchmarks.md).
    assert event["MaximumBatchingWindowInSeconds"] == 0
    assert event["BisectBatchOnFunctionError"] is True
    assert event["MaximumRetryAttempts"] >= 1
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    on_failure = event["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    assert ref_of(on_failure["Destination"]) == "PushFailureQueue"


def test_pusher_stream_filter_is_the_contract(resources: dict[str, Any]) -> None:
    event = only_event(resources, "LevelPusherFunction")["Properties"]
    contract = contract_stream_filter()
    assert event["FilterCriteria"] == contract  # the same string, byte for byte
    patterns = [json.loads(f["Pattern"]) for f in event["FilterCriteria"]["Filters"]]
    assert patterns == [{"dynamodb": {"NewImage": {"item_type": {"S": ["balance"]}, "changed_by": {"S": ["ledger"]}}}}]


def test_reconciler_runs_nightly_with_room_to_work(resources: dict[str, Any]) -> None:
    event = only_event(resources, "ReconcileFanoutFunction")["Properties"]
    assert event["Schedule"] == "cron(0 3 * * ? *)"
    queued = only_event(resources, "DriftReconcilerFunction")["Properties"]
    assert queued["Queue"] == {"Fn::GetAtt": ["ReconcileQueue", "Arn"]}
    assert queued["BatchSize"] == 1
    assert queued["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = props(resources, "ReconcileQueue")
    assert queue["VisibilityTimeout"] >= 6 * props(resources, "DriftReconcilerFunction")["Timeout"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["ReconcileDeadLetterQueue", "Arn"]}
    reconciler = props(resources, "DriftReconcilerFunction")
    assert reconciler["Timeout"] == 900
    assert reconciler["MemorySize"] >= 1769


# ---------------------------------------------------------------------------- data and queues


def test_ledger_table(resources: dict[str, Any]) -> None:
    table = resources["LedgerTable"]
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert table["DeletionPolicy"] == "Retain"
    p = table["Properties"]
    assert p["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert sorted(p["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "sk", "AttributeType": "S"},
    ]
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    assert p["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert p["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert p["SSESpecification"]["SSEEnabled"] is True


def test_ingest_queue_redrives_to_its_dead_letter_queue(resources: dict[str, Any]) -> None:
    queue = props(resources, "IngestQueue")
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["IngestDeadLetterQueue", "Arn"]}
    assert redrive["maxReceiveCount"] == 5
    consumer_timeout = props(resources, "LedgerConsumerFunction")["Timeout"]
    assert queue["VisibilityTimeout"] >= 6 * consumer_timeout
    assert props(resources, "IngestDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert resources["PushFailureQueue"]["Type"] == "AWS::SQS::Queue"


def test_report_bucket_is_private_and_encrypted(resources: dict[str, Any]) -> None:
    bucket = props(resources, "ReportBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert bucket["LifecycleConfiguration"]["Rules"]


def test_dependencies_layer_is_built_by_its_makefile(resources: dict[str, Any], template: dict[str, Any]) -> None:
    layer = resources["DependenciesLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    content = ROOT / layer["Properties"]["ContentUri"]
    makefile = (content / "Makefile").read_text()
    assert re.search(r"^build-DependenciesLayer:", makefile, flags=re.MULTILINE)
    # The wheels' platform matches the functions' architecture.
    (arch,) = template["Globals"]["Function"]["Architectures"]
    assert layer["Properties"]["CompatibleArchitectures"] == [arch]
    assert layer["Metadata"]["BuildArchitecture"] == arch
    platform = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}[arch]
    assert f"LAMBDA_PLATFORM ?= {platform}" in makefile


# ---------------------------------------------------------------------------- least privilege


def _statements(resources: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    statements = []
    for policy in props(resources, logical_id).get("Policies", []):
        assert isinstance(policy, dict), f"{logical_id}: only inline statements"
        assert "Statement" in policy, f"{logical_id}: only inline statements"
        statements.extend(policy["Statement"])
    return statements


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_no_wildcard_action_or_resource(resources: dict[str, Any], logical_id: str) -> None:
    statements = _statements(resources, logical_id)
    assert statements, logical_id
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, (logical_id, action)
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", logical_id
            assert "*" not in json.dumps(resource) or json.dumps(resource).endswith('/*"}'), (logical_id, resource)


def _granted(resources: dict[str, Any], logical_id: str) -> dict[str, list[Any]]:
    granted: dict[str, list[Any]] = {}
    for statement in _statements(resources, logical_id):
        for action in _as_list(statement["Action"]):
            granted.setdefault(action, []).extend(_as_list(statement["Resource"]))
    return granted


def _secret_prefix_only(resources: list[Any], *ends: str) -> bool:
    ends = ends or (SECRET_PREFIX_ARN_END,)
    return bool(resources) and all(isinstance(r, dict) and r.get("Fn::Sub", "").endswith(ends) for r in resources)


def test_each_function_reaches_only_its_own_resources(resources: dict[str, Any]) -> None:
    table = {"Fn::GetAtt": ["LedgerTable", "Arn"]}
    ingress = _granted(resources, "WebhookIngressFunction")
    assert set(ingress) == {"sqs:SendMessage", "secretsmanager:GetSecretValue", "s3:PutObject", "dynamodb:PutItem"}
    assert ingress["sqs:SendMessage"] == [{"Fn::GetAtt": ["IngestQueue", "Arn"]}]
    assert ingress["s3:PutObject"] == [{"Fn::Sub": "${WebhookPayloadBucket.Arn}/webhooks/*"}]
    # Only webhook-id claims: the ledger's own items are out of its reach.
    [claim] = [st for st in _statements(resources, "WebhookIngressFunction") if st["Action"] == "dynamodb:PutItem"]
    assert claim["Resource"] == table
    assert claim["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["WEBHOOK#*"]}}
    # The signing secrets only: never the Admin credentials.
    assert _secret_prefix_only(ingress["secretsmanager:GetSecretValue"])

    consumer = _granted(resources, "LedgerConsumerFunction")
    assert consumer.pop("s3:GetObject") == [{"Fn::Sub": "${WebhookPayloadBucket.Arn}/webhooks/*"}]
    # The read of a moved fulfilment order (fulfillment_orders/moved) uses the shop's Admin credentials.
    secrets = consumer.pop("secretsmanager:GetSecretValue")
    assert _secret_prefix_only(secrets, SECRET_PREFIX_ARN_END, ADMIN_PREFIX_ARN_END)
    assert all(action.startswith("dynamodb:") for action in consumer)
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= set(consumer)
    assert all(grant == [table] for grant in consumer.values())

    pusher = _granted(resources, "LevelPusherFunction")
    assert "dynamodb:UpdateItem" in pusher
    # The re-push sweep catches up on Shopify's orders (the webhook apply path: entries, parked events)
    # and clears its marks: Put and Delete, on the ledger table only (checked just below).
    assert {"dynamodb:PutItem", "dynamodb:DeleteItem"} <= set(pusher)
    assert all(pusher[a] == [table] for a in pusher if a.startswith("dynamodb:"))
    # Failed batches, and hot levels' later pushes (service/pacing.py).
    queues = ("PushFailureQueue", "PushLaterQueue")
    assert pusher["sqs:SendMessage"] == [{"Fn::GetAtt": [queue, "Arn"]} for queue in queues]
    assert _secret_prefix_only(pusher["secretsmanager:GetSecretValue"], SECRET_PREFIX_ARN_END, ADMIN_PREFIX_ARN_END)

    reconciler = _granted(resources, "DriftReconcilerFunction")
    assert reconciler["s3:PutObject"] == [{"Fn::Sub": "${ReportBucket.Arn}/*"}]
    # The catch-up releases a refund that waited for its order (unpark): DeleteItem, on the table only.
    assert "dynamodb:DeleteItem" in reconciler
    assert all(reconciler[a] == [table] for a in reconciler if a.startswith("dynamodb:"))
    assert _secret_prefix_only(reconciler["secretsmanager:GetSecretValue"], SECRET_PREFIX_ARN_END, ADMIN_PREFIX_ARN_END)


# ---------------------------------------------------------------------------- alarms


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}


def test_drift_alarm_watches_the_reconcilers_metric(resources: dict[str, Any], template: dict[str, Any]) -> None:
    alarm = _alarms(resources)["DriftAlarm"]
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["MetricName"] == "DriftedLevels"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert {"Ref": "AlarmTopic"} in json.loads(json.dumps(alarm["AlarmActions"]))["Fn::If"][2]


@pytest.mark.parametrize(
    ("alarm_id", "queue_id"),
    [("IngestDeadLetterAlarm", "IngestDeadLetterQueue"), ("PushFailureAlarm", "PushFailureQueue")],
)
def test_queue_depth_alarms(resources: dict[str, Any], alarm_id: str, queue_id: str) -> None:
    alarm = _alarms(resources)[alarm_id]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}]
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_alarm_email_is_optional(template: dict[str, Any], resources: dict[str, Any]) -> None:
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}


def test_dashboard_shows_the_operational_metrics(resources: dict[str, Any]) -> None:
    body = props(resources, "Dashboard")["DashboardBody"]["Fn::Sub"][0]
    for metric in ("DriftedLevels", "DriftUnits", "Oversell", "ParkedEvents", "PushFailures"):
        assert f'"{metric}"' in body, metric
    assert "${DeadLetterQueueName}" in body
    substituted = re.sub(r"\$\{[^}]+\}", "x", body)
    assert json.loads(substituted)["widgets"]


def test_outputs(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    for name in ("WebhookUrl", "LedgerTableName", "IngestQueueUrl", "ReportBucketName", "AlarmTopicArn"):
        assert name in outputs, name
    assert outputs["WebhookUrl"]["Value"]["Fn::Sub"].endswith("/${Stage}/webhooks/shopify")


# ---------------------------------------------------------------------------- events


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def _raw_body(event: dict[str, Any]) -> bytes:
    body: str = event["body"]
    return base64.b64decode(body, validate=True) if event["isBase64Encoded"] else body.encode("utf-8")


def _signature(raw: bytes) -> str:
    return base64.b64encode(hmac.new(TEST_SECRET.encode(), raw, hashlib.sha256).digest()).decode()


GENUINE = sorted(p.stem for p in EVENTS.glob("apigw_*.json") if p.stem != "apigw_forged_signature")


def test_every_accepted_topic_has_a_sample() -> None:
    topics = {_event(name)["headers"]["X-Shopify-Topic"] for name in GENUINE}
    assert topics == {"orders/create", "orders/cancelled", "refunds/create", "inventory_levels/update"}
    assert any(_event(name)["isBase64Encoded"] for name in GENUINE)


@pytest.mark.parametrize("name", GENUINE)
def test_sample_deliveries_are_signed_with_the_test_secret(name: str) -> None:
    event = _event(name)
    headers = event["headers"]
    assert hmac.compare_digest(_signature(_raw_body(event)), headers["X-Shopify-Hmac-Sha256"])
    assert headers["X-Shopify-Shop-Domain"] == "demo-shop.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-07"
    for header in ("X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Triggered-At"):
        assert headers[header], header
    assert event["httpMethod"] == "POST"
    assert event["resource"] == "/webhooks/shopify"
    assert event["multiValueHeaders"]["X-Shopify-Hmac-Sha256"] == [headers["X-Shopify-Hmac-Sha256"]]


def test_forged_delivery_does_not_verify() -> None:
    event = _event("apigw_forged_signature")
    assert not hmac.compare_digest(_signature(_raw_body(event)), event["headers"]["X-Shopify-Hmac-Sha256"])


def test_redelivery_keeps_the_event_id_and_the_body() -> None:
    first, second = _event("apigw_orders_create_online"), _event("apigw_orders_create_online_base64")
    assert second["headers"]["X-Shopify-Event-Id"] == first["headers"]["X-Shopify-Event-Id"]
    assert second["headers"]["X-Shopify-Webhook-Id"] != first["headers"]["X-Shopify-Webhook-Id"]
    assert _raw_body(second) == _raw_body(first)


@pytest.mark.parametrize(
    ("name", "exact", "corrupted"),
    [
        ("apigw_orders_create_online", '"id":820982911946154508,', "820982911946154500"),
        ("apigw_orders_create_online", '"id":866550311766439020,', "866550311766439000"),
        ("apigw_orders_cancelled", '"id":820982911946154508,', "820982911946154500"),
        ("apigw_refunds_create", '"order_id":820982911946154508,', "820982911946154500"),
        ("apigw_refunds_create", '"line_item_id":141249953214522974,', "141249953214522980"),
        ("apigw_inventory_levels_update", '"inventory_item_id":271878346596884015,', "271878346596884000"),
    ],
)
def test_sample_bodies_carry_exact_ids(name: str, exact: str, corrupted: str) -> None:
    body = _raw_body(_event(name)).decode()
    assert exact in body
    assert corrupted not in body
    assert json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False) == body  # compact


def test_online_and_pos_orders_differ_where_the_rules_look() -> None:
    online = json.loads(_raw_body(_event("apigw_orders_create_online")))
    pos = json.loads(_raw_body(_event("apigw_orders_create_pos")))
    assert online["location_id"] is None
    assert online["source_name"] == "web"
    assert isinstance(pos["location_id"], int)
    assert pos["source_name"] == "pos"
    assert pos["id"] > 2**53
    assert pos["id"] != online["id"]


def test_sqs_batch_carries_the_accepted_deliveries_as_envelopes() -> None:
    records = _event("sqs_ingest_batch")["Records"]
    bodies_by_webhook = {
        _event(name)["headers"]["X-Shopify-Webhook-Id"]: _raw_body(_event(name)).decode() for name in GENUINE
    }
    assert 1 <= len(records) <= 10
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode(), usedforsecurity=False).hexdigest()
        envelope = json.loads(record["body"])
        assert set(envelope) == {
            "topic",
            "shop_domain",
            "webhook_id",
            "event_id",
            "triggered_at",
            "api_version",
            "received_at",
            "body",
        }
        assert envelope["body"] == bodies_by_webhook[envelope["webhook_id"]]
    assert {json.loads(r["body"])["topic"] for r in records} == {
        "orders/create",
        "orders/cancelled",
        "refunds/create",
        "inventory_levels/update",
    }


def _matches(pattern: Any, value: Any) -> bool:
    """The subset of EventBridge pattern matching the stream filter uses: nested keys, lists of exact values."""
    if isinstance(pattern, list):
        return value in pattern
    return isinstance(value, dict) and all(k in value and _matches(v, value[k]) for k, v in pattern.items())


def test_stream_samples_and_the_filter_agree() -> None:
    (pattern,) = [json.loads(f["Pattern"]) for f in contract_stream_filter()["Filters"]]
    pushed = _event("dynamodb_stream_balances")["Records"]
    assert {r["eventName"] for r in pushed} == {"INSERT", "MODIFY"}
    assert all(_matches(pattern, record) for record in pushed)
    assert any("OldImage" in r["dynamodb"] for r in pushed)
    acknowledgements = _event("dynamodb_stream_pusher_ack")["Records"]
    assert not any(_matches(pattern, record) for record in acknowledgements)
    for record in pushed + acknowledgements:
        assert record["eventSourceARN"].startswith("arn:aws:dynamodb:")
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_schedule_and_direct_invoke_samples() -> None:
    schedule = _event("schedule_nightly")
    assert schedule["detail-type"] == "Scheduled Event"
    assert schedule["source"] == "aws.events"
    assert set(_event("reconcile_direct")) == {"shop", "location"}


def test_events_are_what_the_generator_makes() -> None:
    spec = importlib.util.spec_from_file_location("make_events", ROOT / "scripts" / "make_events.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # The samples live in the repository; without them this must fail, not pass quietly.
    assert module.DEFAULT_PAYLOADS.is_dir(), "reference/shopify/payloads is missing from the repository"
    for name, event in module.build_events().items():
        on_disk = (EVENTS / f"{name}.json").read_text(encoding="utf-8")
        assert on_disk == json.dumps(event, indent=2, ensure_ascii=False) + "\n", name
    assert (EVENTS / "README.md").read_text(encoding="utf-8") == module.readme()


# ---------------------------------------------------------------------------- alarms watch published metrics

CODE_ROOTS = (ROOT / "shared" / "inventory_ledger", ROOT / "functions")
RUNBOOK = ROOT / "docs" / "runbook.md"
Published = set[tuple[str, frozenset[str]]]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_call_to(node: ast.AST, method: str, owner: str | None = None) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr == method and (owner is None or (isinstance(func.value, ast.Name) and func.value.id == owner))
    return isinstance(func, ast.Name) and func.id == method and owner is None


def _names(expr: ast.expr | None, scope: ast.AST) -> set[str]:
    """The names an argument can take: a literal, either branch of a conditional, or a loop variable
    over literal tuples."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _names(expr.body, scope) | _names(expr.orelse, scope)
    if isinstance(expr, ast.Name):
        found: set[str] = set()
        for loop in ast.walk(scope):
            if not isinstance(loop, ast.For) or not isinstance(loop.iter, ast.Tuple | ast.List):
                continue
            targets = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
            for position, target in enumerate(targets):
                if isinstance(target, ast.Name) and target.id == expr.id:
                    for element in loop.iter.elts:
                        value = element.elts[position] if isinstance(element, ast.Tuple) else element
                        if isinstance(value, ast.Constant) and isinstance(value.value, str):
                            found.add(value.value)
        return found
    return set()


def published_metrics(source: str) -> Published:
    """(metric, dimension names) that powertools publishes from this code. Every metric carries the
    ``service`` dimension (POWERTOOLS_SERVICE_NAME); ``metrics.add_dimension`` in a function adds to
    that function's ``metrics.add_metric`` calls, ``m.add_dimension`` to its ``single_metric`` block."""
    published: Published = set()
    for scope in ast.walk(ast.parse(source)):
        if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        shared = {"service"}
        for node in ast.walk(scope):
            if _is_call_to(node, "add_dimension", "metrics"):
                shared |= _names(_keyword(cast(ast.Call, node), "name"), scope)
        for node in ast.walk(scope):
            if _is_call_to(node, "add_metric", "metrics"):
                for name in _names(_keyword(cast(ast.Call, node), "name"), scope):
                    published.add((name, frozenset(shared)))
            if isinstance(node, ast.With):
                for item in node.items:
                    if not _is_call_to(item.context_expr, "single_metric"):
                        continue
                    own = {"service"}
                    alias = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
                    for inner in (n for statement in node.body for n in ast.walk(statement)):
                        if alias and _is_call_to(inner, "add_dimension", alias):
                            own |= _names(_keyword(cast(ast.Call, inner), "name"), node)
                    for name in _names(_keyword(cast(ast.Call, item.context_expr), "name"), scope):
                        published.add((name, frozenset(own)))
    return published


def code_metrics() -> Published:
    published: Published = set()
    for root in CODE_ROOTS:
        for path in root.rglob("*.py"):
            published |= published_metrics(path.read_text())
    return published


def _watched(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Each metric an alarm reads: its own, or each MetricStat of its metric math."""
    if "MetricName" in alarm:
        return [{"Namespace": alarm["Namespace"], "MetricName": alarm["MetricName"], "Dimensions": alarm["Dimensions"]}]
    return [query["MetricStat"]["Metric"] for query in alarm["Metrics"] if "MetricStat" in query]


def test_the_scanner_sees_what_an_alarm_on_service_alone_would_miss() -> None:
    per_level_only = """
def record(entry):
    with single_metric(name="Oversell", unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="shop", value=entry.shop)
        metric.add_dimension(name="location", value=entry.location)
"""
    assert published_metrics(per_level_only) == {("Oversell", frozenset({"service", "shop", "location"}))}
    assert ("Oversell", frozenset({"service"})) not in published_metrics(per_level_only)
    looped = """
def record(runs):
    for name, value in (("DriftedLevels", 1), ("DriftUnits", 2)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.add_dimension(name="outcome", value="x")
"""
    assert published_metrics(looped) == {
        ("DriftedLevels", frozenset({"service", "outcome"})),
        ("DriftUnits", frozenset({"service", "outcome"})),
    }


def test_every_alarm_watches_a_metric_the_code_publishes_with_those_dimensions(
    resources: dict[str, Any], template: dict[str, Any]
) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    published = code_metrics()
    for logical_id, alarm in _alarms(resources).items():
        for metric in _watched(alarm):
            dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            if metric["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]:
                assert dimensions.get("service") == env["POWERTOOLS_SERVICE_NAME"], logical_id
                key = (metric["MetricName"], frozenset(dimensions))
                assert key in published, f"{logical_id}: no code publishes {key} (published: {sorted(published)})"
                continue
            assert metric["Namespace"].startswith("AWS/"), logical_id
            for value in dimensions.values():  # AWS's own metrics: of a resource this template declares
                if not isinstance(value, dict):
                    continue
                referenced = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
                if referenced and referenced != "Stage":
                    assert referenced in resources, (logical_id, value)
            if metric["Namespace"] == "AWS/ApiGateway":
                assert dimensions["ApiName"] == props(resources, "WebhookApi")["Name"], logical_id


def test_the_missing_alarms_exist(resources: dict[str, Any]) -> None:
    watched = {
        (m["Namespace"], m["MetricName"], json.dumps(m["Dimensions"]))
        for a in _alarms(resources).values()
        for m in _watched(a)
    }
    for function in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            dims = json.dumps([{"Name": "FunctionName", "Value": {"Ref": function}}])
            assert ("AWS/Lambda", metric, dims) in watched, (function, metric)
    names = {(namespace, metric) for namespace, metric, _ in watched}
    assert {("AWS/ApiGateway", "4XXError"), ("AWS/ApiGateway", "5XXError")} <= names
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage") in names
    assert ("InventoryLedger", "ReconcileFailures") in names
    missing_run = _alarms(resources)["NightlyRunMissingAlarm"]
    assert (missing_run["TreatMissingData"], missing_run["ComparisonOperator"]) == ("breaching", "LessThanThreshold")


def _runbook_anchors() -> set[str]:
    headings = re.findall(r"^#{2,3} (.+)$", RUNBOOK.read_text(), re.MULTILINE)
    return {re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_every_alarm_links_its_runbook_section_and_notifies_the_topic(resources: dict[str, Any]) -> None:
    anchors = _runbook_anchors()
    for logical_id, alarm in _alarms(resources).items():
        link = re.search(r"docs/runbook\.md#([a-z0-9-]+)", alarm["AlarmDescription"])
        assert link, logical_id
        assert link.group(1) in anchors, (logical_id, link.group(1))
        assert {"Ref": "AlarmTopic"} in alarm["AlarmActions"]["Fn::If"][2], logical_id


def test_the_stack_says_when_alarms_notify_nobody(template: dict[str, Any]) -> None:
    value = template["Outputs"]["AlarmNotifications"]["Value"]["Fn::If"]
    assert value[0] == "HasAlarmEmail"
    assert "NOBODY" in json.dumps(value[2])


def test_make_deploy_warns_when_no_one_is_notified(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("alarm_notifications", ROOT / "make" / "alarm_notifications.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = tmp_path / "samconfig.toml"
    config.write_text(
        '[default.deploy.parameters]\nparameter_overrides = "Stage=dev AlarmEmail=\\"\\""\n'
        '[prod.deploy.parameters]\nparameter_overrides = "Stage=prod AlarmEmail=ops@example.com"\n'
    )
    assert module.main(["x", str(config), "default"]) == 0
    assert "notify NOBODY" in capsys.readouterr().out
    assert module.main(["x", str(config), "prod"]) == 0
    out = capsys.readouterr().out
    assert "NOBODY" not in out
    assert "AlarmEmail=ops@example.com" in out


# ---------------------------------------------------------------------------- hygiene


def test_grants_are_what_the_adapters_call(resources: dict[str, Any]) -> None:
    """Read off the DynamoDB adapters' calls per function (docs/operations.md): nothing more."""
    dynamodb = {
        function: {a for a in _granted(resources, function) if a.startswith("dynamodb:")}
        for function in ("LedgerConsumerFunction", "LevelPusherFunction", "DriftReconcilerFunction")
    }
    applying_orders = {
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
    # The consumer reads a shop's stored Admin token (after fulfillment_orders/moved); the pusher's
    # re-push sweep and the reconciler's catch-up apply orders and clear marks too, and read the
    # merchant's config item.
    assert dynamodb["LedgerConsumerFunction"] == applying_orders | {"dynamodb:GetItem"}
    assert dynamodb["LevelPusherFunction"] == applying_orders | {"dynamodb:GetItem"}
    assert dynamodb["DriftReconcilerFunction"] == applying_orders | {"dynamodb:GetItem"}
    for granted in dynamodb.values():
        assert not granted & {"dynamodb:Scan", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"}


@pytest.mark.parametrize("logical_id", ["ReportBucket", "IngestDeadLetterQueue", "PushFailureQueue", "LedgerTable"])
def test_what_must_outlive_the_stack_is_retained(resources: dict[str, Any], logical_id: str) -> None:
    assert resources[logical_id]["DeletionPolicy"] == "Retain"
    assert resources[logical_id]["UpdateReplacePolicy"] == "Retain"


def test_api_access_logs_and_the_optional_waf_rate_rule(resources: dict[str, Any], template: dict[str, Any]) -> None:
    access = props(resources, "WebhookApi")["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["WebhookApiAccessLogGroup", "Arn"]}
    assert json.loads(access["Format"])["status"] == "$context.status"
    assert resources["ApiGatewayAccount"]["Condition"] == "ManagesApiGatewayLoggingRole"
    assert template["Parameters"]["WebhookRateLimitPerFiveMinutes"]["Default"] == 0
    for logical_id in ("WebhookRateLimit", "WebhookRateLimitAssociation"):
        assert resources[logical_id]["Condition"] == "HasWafRateLimit"
    rule = props(resources, "WebhookRateLimit")["Rules"][0]
    assert rule["Statement"]["RateBasedStatement"]["Limit"] == {"Ref": "WebhookRateLimitPerFiveMinutes"}
    assert rule["Action"] == {"Block": {}}


def test_json_logs_and_tags(resources: dict[str, Any], template: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        assert props(resources, function)["LoggingConfig"]["LogFormat"] == "JSON", function
    assert template["Globals"]["Function"]["Tags"]["project"] == "inventory-ledger"
    for logical_id in ("LedgerTable", "IngestQueue", "IngestDeadLetterQueue", "PushFailureQueue", "ReportBucket"):
        tags = {t["Key"]: t["Value"] for t in props(resources, logical_id)["Tags"]}
        assert tags == {"project": "inventory-ledger", "stage": {"Ref": "Stage"}}, logical_id
