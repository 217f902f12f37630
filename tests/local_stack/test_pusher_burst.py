"""A burst of changes to one level, through the ledger's real stream and the real level_pusher.

Committed before the pusher reads the stream, as when goods-in scans a delivery one unit at a time
faster than the pusher drains: the stream holds 500 records (one or more of the template's batches),
the first batch reads the level afresh and pushes its latest version, and any other finds Shopify
already agreeing: one push.

Committed while the pusher runs, as in production: with the template's spacing (service/pacing.py) the
first change is pushed at once and the rest once per spacing, from the push-later queue, instead of
once per stream poll; every change reaches Shopify, none twice.
"""

import json
import math
import time

import pytest

from inventory_ledger import bootstrap
from inventory_ledger.domain import operations
from inventory_ledger.service.operations import record_operation
from local_stack.aws import LocalResources
from local_stack.event_sources import read_event_sources
from shopify_simulator import SimulatorServer
from tests.conftest import forget_cached_clients
from tests.local_stack.conftest import DriverFactory
from tests.support.merchant import OPENING, SHOP, DemoMerchant, create_demo_merchant, now

pytestmark = pytest.mark.integration
BURST = 500


@pytest.fixture
def merchant(backend_aws: LocalResources, shopify_on_backend: SimulatorServer) -> DemoMerchant:
    return create_demo_merchant(shopify_on_backend.base_url, backend_aws)


def pushes_seen_by_shopify(merchant: DemoMerchant, location: str, sku: str) -> list[int]:
    """The `available` of every inventory_levels/update Shopify raised for the level: one per write to it."""
    level = (merchant.item_ids[sku], merchant.location_ids[location])
    reported = []
    for event in merchant.events("inventory_levels/update"):
        body = json.loads(event["body"]) if isinstance(event["body"], str) else event["body"]
        if (body["inventory_item_id"], body["location_id"]) == level:
            reported.append(int(body["available"]))
    return reported


def test_a_burst_of_500_changes_to_one_level_yields_one_push(
    merchant: DemoMerchant, backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    for n in range(BURST):
        record_operation(operations.receive(SHOP, "store-a", "B", 1, f"scan-{n}"), merchant.ledger, now)
    assert merchant.shopify_available("store-a", "B") == OPENING

    # The template's own batching window: the setting that ships is the one that must coalesce.
    driver = start_driver(backend_aws, handlers={"ledger_consumer": None}, batching_window=None)
    driver.drain(timeout=120)

    balance = merchant.balance("store-a", "B")
    assert balance.quantity == OPENING + BURST
    assert pushes_seen_by_shopify(merchant, "store-a", "B") == [OPENING + BURST]
    assert merchant.shopify_available("store-a", "B") == OPENING + BURST
    assert (balance.shopify_expected, balance.pushed_version) == (OPENING + BURST, balance.version)
    # The stream did deliver every change, in as many batches as the template's size needs.
    records = driver.status()["counters"]
    assert records["stream"]["delivered"] >= BURST, records
    assert records["invocations"]["level_pusher"] >= math.ceil(BURST / read_event_sources().ledger_stream.batch_size)
    assert bootstrap.ledger().entries(balance.key)[-1].entry_id.endswith(f"scan-{BURST - 1}")


@pytest.fixture
def template_spacing(monkeypatch: pytest.MonkeyPatch) -> float:
    """The pusher's PUSH_SPACING_SECONDS as the template ships it (the local environment leaves it out)."""
    spacing = read_event_sources().push_spacing_seconds
    assert spacing > 0, "the template paces hot levels"
    monkeypatch.setenv("PUSH_SPACING_SECONDS", f"{spacing:g}")
    forget_cached_clients()
    return spacing


def test_a_burst_committed_while_the_pusher_runs_is_pushed_once_per_spacing_and_ends_exact(
    template_spacing: float, merchant: DemoMerchant, backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    driver = start_driver(backend_aws, handlers={"ledger_consumer": None}, batching_window=None)
    started = time.monotonic()
    for n in range(BURST):
        record_operation(operations.receive(SHOP, "store-a", "B", 1, f"scan-{n}"), merchant.ledger, now)
    seconds = time.monotonic() - started
    driver.drain(timeout=120 + template_spacing)

    pushes = pushes_seen_by_shopify(merchant, "store-a", "B")
    # One at once, then one per spacing while the level kept changing (and one after it stopped).
    assert 1 <= len(pushes) <= 1 + math.ceil(seconds / template_spacing), (pushes, seconds)
    assert pushes == sorted(set(pushes))
    assert pushes[-1] == OPENING + BURST
    balance = merchant.balance("store-a", "B")
    assert (balance.quantity, balance.shopify_expected, balance.pushed_version) == (
        OPENING + BURST,
        OPENING + BURST,
        balance.version,
    )
    assert len(bootstrap.ledger().entries(balance.key)) == BURST + 1  # the opening and each scan, once
    counters = driver.status()["counters"]
    if len(pushes) > 1:
        assert counters["push_later_queue"]["deleted"] >= 1, counters
    for queue in (backend_aws.push_later_queue_url, backend_aws.push_failure_queue_url):
        attributes = backend_aws.client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
        assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0", queue


def test_a_later_push_that_is_not_a_list_of_levels_ends_with_the_failed_batches(
    template_spacing: float, merchant: DemoMerchant, backend_aws: LocalResources, start_driver: DriverFactory
) -> None:
    sqs = backend_aws.client("sqs")
    sqs.send_message(QueueUrl=backend_aws.push_later_queue_url, MessageBody='{"levels": "B"}')
    driver = start_driver(backend_aws, handlers={"ledger_consumer": None}, batching_window=None)
    driver.drain(timeout=60)

    [failed] = sqs.receive_message(QueueUrl=backend_aws.push_failure_queue_url, WaitTimeSeconds=1)["Messages"]
    assert failed["Body"] == '{"levels": "B"}'
    counters = driver.status()["counters"]["push_later_queue"]
    assert counters["batch_item_failures"] >= 1, counters
    assert counters.get("deleted", 0) == 0, counters
