"""drift_reconciler: on demand (method and HTTP route) and on a compressed schedule."""

import threading
from typing import Any

import httpx
import pytest

from local_stack.aws import LocalResources
from tests.local_stack.conftest import DriverFactory

pytestmark = pytest.mark.integration


def test_on_demand_direct_payload_and_the_nightly_scheduled_event(
    local_aws: LocalResources, start_driver: DriverFactory
) -> None:
    events: list[Any] = []

    def reconciler(event: Any, context: Any) -> dict[str, Any]:
        events.append(event)
        return {"reconciled": True}

    driver = start_driver(
        local_aws, handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None}
    )
    assert driver.reconcile(shop="demo-shop.myshopify.com", location="store") == {"reconciled": True}
    answer = httpx.post(driver.reconcile_url, json={"shop": "demo-shop.myshopify.com"}, timeout=10)
    assert answer.json() == {"ok": True, "response": {"reconciled": True}}
    assert httpx.post(driver.reconcile_url, timeout=10).status_code == 200
    direct, over_http, nightly = events
    assert direct == {"shop": "demo-shop.myshopify.com", "location": "store"}
    assert over_http == {"shop": "demo-shop.myshopify.com"}
    assert (nightly["detail-type"], nightly["source"], nightly["detail"]) == ("Scheduled Event", "aws.events", {})
    assert nightly["resources"] == [
        "arn:aws:events:us-east-1:123456789012:rule/inventory-ledger-local-nightly-reconcile"
    ]


def test_the_compressed_schedule_invokes_the_reconciler(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    events: list[Any] = []
    two_seen = threading.Event()

    def reconciler(event: Any, context: Any) -> None:
        events.append(event)
        if len(events) >= 2:
            two_seen.set()

    start_driver(
        local_aws,
        handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None},
        reconcile_every=0.1,
    )
    assert two_seen.wait(timeout=10)
    assert all(e["detail-type"] == "Scheduled Event" for e in events)


def test_a_failing_reconciler_answers_500(local_aws: LocalResources, start_driver: DriverFactory) -> None:
    def reconciler(event: Any, context: Any) -> None:
        raise RuntimeError("Shopify is down")

    driver = start_driver(
        local_aws, handlers={"drift_reconciler": reconciler, "ledger_consumer": None, "level_pusher": None}
    )
    answer = httpx.post(driver.reconcile_url, json={"shop": "x"}, timeout=10)
    assert answer.status_code == 500
    assert "Shopify is down" in answer.json()["error"]
