"""The nightly fan-out's plan: one message per merchant, one per location at or above the split."""

from collections.abc import Sequence
from typing import Any

import pytest

from inventory_ledger.service.fanout import fan_out, plan_fanout


class Directory:
    def __init__(self, shops: dict[str, tuple[int, int]]) -> None:
        self._shops = shops  # shop -> (locations, SKUs)

    def shops(self) -> list[str]:
        return list(self._shops)

    def locations(self, shop: str) -> dict[str, int]:
        return {f"loc-{n}": n for n in range(self._shops[shop][0])}

    def skus(self, shop: str) -> dict[str, int]:
        return {f"SKU-{n}": n for n in range(self._shops[shop][1])}


class Queue:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_all(self, bodies: Sequence[str]) -> int:
        self.bodies += bodies
        return len(bodies)


def test_small_merchants_get_one_message_and_large_ones_one_per_location() -> None:
    directory: Any = Directory(
        {"b.myshopify.com": (3, 10_000), "a.myshopify.com": (2, 50), "one.myshopify.com": (1, 90_000)}
    )
    requests, summary = plan_fanout(directory, split_at_levels=20_000)
    assert [(r.shop, r.location) for r in requests] == [
        ("a.myshopify.com", None),
        ("b.myshopify.com", "loc-0"),
        ("b.myshopify.com", "loc-1"),
        ("b.myshopify.com", "loc-2"),
        ("one.myshopify.com", None),  # one location: nothing to split
    ]
    assert (summary.shops, summary.messages, summary.split_shops) == (3, 5, ["b.myshopify.com"])
    assert summary.levels == 100 + 30_000 + 90_000


def test_the_messages_are_the_reconcilers_direct_event() -> None:
    queue = Queue()
    directory: Any = Directory({"a.myshopify.com": (1, 5), "b.myshopify.com": (2, 5)})
    summary = fan_out(directory, queue, split_at_levels=10, run_id="run-1")
    assert queue.bodies == [
        '{"shop":"a.myshopify.com"}',
        '{"shop":"b.myshopify.com","location":"loc-0"}',
        '{"shop":"b.myshopify.com","location":"loc-1"}',
    ]
    assert summary.as_dict()["run_id"] == "run-1"


def test_no_merchants_queue_nothing() -> None:
    queue = Queue()
    directory: Any = Directory({})
    assert fan_out(directory, queue, split_at_levels=10, run_id="r").messages == 0
    assert queue.bodies == []


@pytest.mark.parametrize("split", [0, -1])
def test_a_split_below_one_level_is_refused_by_the_settings(split: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from inventory_ledger.config import FanoutSettings

    monkeypatch.setenv("LEDGER_TABLE_NAME", "t")
    monkeypatch.setenv("RECONCILE_QUEUE_URL", "http://127.0.0.1/q")
    monkeypatch.setenv("RECONCILE_SPLIT_AT_LEVELS", str(split))
    with pytest.raises(ValidationError):
        FanoutSettings.from_environment()


def test_with_a_run_log_the_plan_is_recorded_before_any_message_and_each_carries_the_run_id() -> None:
    from datetime import UTC, datetime

    from inventory_ledger.domain.nightly import NightlyPlan, PlannedMessage

    events: list[str] = []

    class Log:
        def record_plan(self, plan: NightlyPlan) -> None:
            events.append("plan")
            self.plan = plan

    class RecordingQueue(Queue):
        def send_all(self, bodies: Sequence[str]) -> int:
            events.append("send")
            return super().send_all(bodies)

    queue, log = RecordingQueue(), Log()
    directory: Any = Directory({"a.myshopify.com": (1, 5), "b.myshopify.com": (2, 5)})
    at = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    fan_out(directory, queue, split_at_levels=10, run_id="night-9", run_log=log, started_at=at)  # type: ignore[arg-type]
    assert events == ["plan", "send"]  # an outcome can never arrive for a plan not yet recorded
    assert log.plan == NightlyPlan("night-9", at, (PlannedMessage("a.myshopify.com"),
                                                   PlannedMessage("b.myshopify.com", "loc-0"),
                                                   PlannedMessage("b.myshopify.com", "loc-1")))  # fmt: skip
    assert queue.bodies[0] == '{"shop":"a.myshopify.com","run_id":"night-9"}'
