"""The night's summary through moto server and the simulator: the shipped fan-out records the plan,
the shipped reconciler records each merchant's outcome, and the summariser joins them (report bucket,
metrics, log) with merchants that succeed, fail and never run."""

import json
from typing import Any

import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.integration

FAILING = "no-secret.myshopify.com"  # onboarded in the ledger, but no Admin credentials stored: fails
LOST = "lost.myshopify.com"  # its message is taken off the queue before the reconciler sees it


def _register(local_aws: LocalResources, shop: str) -> None:
    from datetime import UTC, datetime

    from inventory_ledger.adapters.dynamodb.merchant_directory import DynamoDbMerchantDirectory

    directory = DynamoDbMerchantDirectory(local_aws.table_name)
    directory.register_shop(shop, onboarded_at=datetime(2026, 1, 1, tzinfo=UTC))
    directory.map_location(shop, "store", 100)
    directory.map_sku(shop, "TEE", 200)


def _lose_the_message_of(local_aws: LocalResources, shop: str, expected: int) -> None:
    """Takes every queued message off and sends back all but the shop's (fresh: receiving them here
    counts as a receive, which would bring the failing one to the dead-letter queue a receive early)."""
    sqs, url = local_aws.client("sqs"), local_aws.reconcile_queue_url
    bodies: list[str] = []
    for _ in range(20):  # the driver is not polling yet: every message is ours to take
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300)
        for message in answer.get("Messages", []):
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if len(bodies) == expected:
            break
    assert len(bodies) == expected, bodies
    kept = [body for body in bodies if json.loads(body)["shop"] != shop]
    assert len(kept) == expected - 1
    for body in kept:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def test_the_summary_counts_reconciled_drifted_failed_and_never_run_merchants(
    local_aws: LocalResources,
    start_driver: DriverFactory,
    shopify_simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.conftest import forget_cached_clients
    from tests.support.merchant import SHOP, create_demo_merchant

    monkeypatch.setenv("SHOPIFY_ADMIN_URL_TEMPLATE", shopify_simulator.graphql_url_template)
    forget_cached_clients()
    create_demo_merchant(shopify_simulator.base_url, local_aws)
    _register(local_aws, FAILING)
    _register(local_aws, LOST)

    fanout = load_handler("reconcile_fanout").lambda_handler
    planned = fanout({"id": "night-1", "detail-type": "Scheduled Event"}, FakeLambdaContext())
    assert (planned["run_id"], planned["shops"], planned["messages"]) == ("night-1", 3, 3)
    _lose_the_message_of(local_aws, LOST, expected=3)  # never reconciled

    driver = start_driver(local_aws, handlers={"ledger_consumer": None, "level_pusher": None})
    driver.drain(timeout=120)
    capsys.readouterr()
    # The summary's log line (a warning: merchants failed); powertools' handler holds the stream it was
    # built with, so the line is read here rather than from captured output.
    from inventory_ledger.observability import logger

    warnings: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(logger, "warning", lambda message, extra: warnings.append((message, extra)))

    import httpx

    answer = httpx.post(f"{driver.base_url}/_driver/summary", params={"run_id": "night-1"}, timeout=60).json()
    assert answer["ok"] is True
    summary = answer["response"]
    assert summary["merchants"] == 3
    assert (summary["reconciled"], summary["failed"], summary["not_run"]) == (1, 1, 1)
    assert list(summary["failed_shops"]) == [FAILING]
    assert "3 attempt(s)" in summary["failed_shops"][FAILING]  # every receive recorded, then the DLQ
    assert summary["not_run_shops"] == [LOST]
    assert summary["levels_checked"] > 0

    s3 = local_aws.client("s3")
    stored = s3.list_objects_v2(Bucket=local_aws.report_bucket_name, Prefix="nightly/")["Contents"]
    [key] = [o["Key"] for o in stored]
    assert key.endswith("/night-1.json")
    body = json.loads(s3.get_object(Bucket=local_aws.report_bucket_name, Key=key)["Body"].read())
    assert body == summary
    # The demo merchant's report is keyed by the night's id.
    reports = s3.list_objects_v2(Bucket=local_aws.report_bucket_name, Prefix=f"reports/{SHOP}/")["Contents"]
    assert {o["Key"] for o in reports} == {f"reports/{SHOP}/night-1.json", f"reports/{SHOP}/night-1.csv"}

    out = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [emf] = [line for line in out if "_aws" in line and "NightlyMerchantsFailed" in line]
    published = {name: emf[name] for name in ("NightlyMerchantsFailed", "NightlyMerchantsNotRun",
                                              "NightlyMerchantsReconciled", "NightlyMerchantsDrifted")}  # fmt: skip
    assert published == {"NightlyMerchantsFailed": [1.0], "NightlyMerchantsNotRun": [1.0],
                         "NightlyMerchantsReconciled": [1.0], "NightlyMerchantsDrifted": [0.0]}  # fmt: skip
    assert emf["service"] == "inventory-ledger"
    [(message, extra)] = warnings
    assert (message, extra["failed"], extra["not_run"]) == ("nightly summary", 1, 1)
    assert extra["summary_object"].endswith(key)


def test_without_a_fanout_every_merchant_is_not_run_and_a_bad_request_is_refused(
    local_aws: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The schedule did not fire (or the fan-out died before its plan): the summary after the window
    still comes, and says every merchant did not run."""
    from tests.conftest import forget_cached_clients

    forget_cached_clients()
    _register(local_aws, FAILING)
    fanout = load_handler("reconcile_fanout").lambda_handler
    summary = fanout({"summarise": True}, FakeLambdaContext())
    assert (summary["merchants"], summary["not_run_shops"], summary["run_id"]) == (1, [FAILING], None)
    assert summary["note"] == "no nightly fan-out started in the window"
    with pytest.raises(LookupError, match="no nightly run 'no-such-night' is recorded"):
        fanout({"summarise": "no-such-night"}, FakeLambdaContext())
    stored = local_aws.client("s3").list_objects_v2(Bucket=local_aws.report_bucket_name, Prefix="nightly/")
    assert len(stored["Contents"]) == 1  # the first summary only: the refused one wrote nothing
    for bad in (False, "", 3):
        with pytest.raises(ValueError, match="summarise"):
            fanout({"summarise": bad}, FakeLambdaContext())


def test_a_late_duplicate_never_turns_a_success_into_a_failure(local_aws: LocalResources) -> None:
    """SQS delivers at least once: an attempt that starts or fails after the message succeeded
    leaves the success recorded; an attempt that started and never finished counts as failed."""
    from datetime import UTC, datetime

    from inventory_ledger.adapters.dynamodb.nightly_runs import DynamoDbNightlyRunLog
    from inventory_ledger.domain.nightly import MessageOutcome, MessageStatus, NightlyPlan, PlannedMessage, summarise

    log = DynamoDbNightlyRunLog(local_aws.table_name)
    at = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    plan = NightlyPlan("n", at, (PlannedMessage("a.myshopify.com"), PlannedMessage("b.myshopify.com", "loc-0"),
                                 PlannedMessage("b.myshopify.com", "loc-1")))  # fmt: skip
    log.record_plan(plan)
    assert log.latest_plan(at) == plan
    assert log.latest_plan(datetime(2026, 12, 2, 3, 1, tzinfo=UTC)) is None
    log.record_started("n", "a.myshopify.com", None, at)
    log.record_outcome("n", MessageOutcome("a.myshopify.com", None, MessageStatus.RECONCILED, drifted=2, levels=9), at)
    log.record_started("n", "a.myshopify.com", None, at)  # the duplicate
    log.record_outcome("n", MessageOutcome("a.myshopify.com", None, MessageStatus.FAILED, error="late"), at)
    log.record_started("n", "b.myshopify.com", "loc-0", at)  # timed out: never finished
    log.record_started("n", "b.myshopify.com", "loc-1", at)
    log.record_outcome("n", MessageOutcome("b.myshopify.com", "loc-1", MessageStatus.RECONCILED, levels=4), at)

    outcomes = {(o.shop, o.location): o for o in log.outcomes("n")}
    assert outcomes[("a.myshopify.com", None)].status is MessageStatus.RECONCILED
    assert outcomes[("a.myshopify.com", None)].drifted == 2
    assert outcomes[("b.myshopify.com", "loc-0")].status is MessageStatus.STARTED
    summary = summarise(plan, outcomes.values(), closed_at=at)
    assert (summary.reconciled, summary.drifted, summary.not_run) == (["a.myshopify.com"], ["a.myshopify.com"], [])
    assert summary.failed == {"b.myshopify.com": "started at loc-0 and never finished (timeout or crash), 1 attempt(s)"}
