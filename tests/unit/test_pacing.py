"""The pusher's pacing of hot levels (service/pacing.py): pushed at once when quiet, scheduled when hot."""

import pytest
from pydantic import ValidationError

from inventory_ledger.domain.later_push import LaterPush
from inventory_ledger.domain.ledger import LevelKey
from inventory_ledger.ports import PushLater, TransientFailure
from inventory_ledger.service.pacing import LevelPacer

A, B = LevelKey("s.myshopify.com", "store", "A"), LevelKey("s.myshopify.com", "store", "B")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Later(PushLater):
    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[dict[LevelKey, int]] = []
        self.fail = fail

    def push_later(self, delays: dict[LevelKey, int]) -> None:
        if self.fail:
            raise TransientFailure("SQS is down")
        self.sent.append(dict(delays))


def test_a_level_not_pushed_lately_is_pushed_at_once() -> None:
    pacer, later = LevelPacer(10, Clock()), Later()
    paced = pacer.pace([A, B, A], later)
    assert paced.now == [A, B]
    assert not paced.scheduled
    assert later.sent == []


def test_a_level_pushed_within_the_spacing_is_scheduled_for_when_it_ends_then_left_to_that_push() -> None:
    clock = Clock()
    pacer, later = LevelPacer(10, clock), Later()
    pacer.pushed([A])
    clock.now += 2.5
    paced = pacer.pace([A, B], later)
    assert paced.now == [B]
    assert paced.scheduled == {A: 8}  # whole seconds, rounded up
    assert later.sent == [{A: 8}]
    clock.now += 1
    paced = pacer.pace([A], later)
    assert (paced.now, paced.already_scheduled, len(later.sent)) == ([], [A], 1)
    # The scheduled push came: the level is free to be scheduled again, its spacing counted from it.
    pacer.scheduled_push_done([A])
    pacer.pushed([A])
    clock.now += 0.2
    assert pacer.pace([A], later).scheduled == {A: 10}


def test_after_the_spacing_the_level_is_pushed_at_once_again() -> None:
    clock = Clock()
    pacer, later = LevelPacer(10, clock), Later()
    pacer.pushed([A])
    clock.now += 10
    assert pacer.pace([A], later).now == [A]


@pytest.mark.parametrize("later", [None, Later(fail=True)], ids=["no queue", "queue refuses"])
def test_without_a_queue_that_takes_the_schedule_the_level_is_pushed_at_once(later: Later | None) -> None:
    pacer = LevelPacer(10, Clock())
    pacer.pushed([A])
    paced = pacer.pace([A], later)
    assert paced.now == [A]
    assert not paced.scheduled
    # Nothing was remembered as scheduled: the next batch does not skip it.
    assert pacer.pace([A], later).now == [A]


def test_a_spacing_of_zero_paces_nothing() -> None:
    pacer, later = LevelPacer(0, Clock()), Later()
    pacer.pushed([A])
    assert pacer.pace([A], later).now == [A]
    assert later.sent == []


def test_the_later_push_message_round_trips_and_refuses_what_is_not_a_level() -> None:
    message = LaterPush.of([A, B])
    assert LaterPush.model_validate_json(message.model_dump_json()).level_keys() == [A, B]
    for body in ("", "{}", '{"levels": []}', '{"levels": [{"shop": "s", "location": "", "sku": "A"}]}',
                 '{"levels": [{"shop": "s", "location": "l", "sku": "A", "extra": 1}]}'):  # fmt: skip
        with pytest.raises(ValidationError):
            LaterPush.model_validate_json(body)
