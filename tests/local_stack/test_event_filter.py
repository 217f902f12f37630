"""The subset of Lambda event filtering the template's stream filter uses."""

import pytest

from local_stack.event_filter import EventFilter, UnsupportedPattern
from local_stack.event_sources import read_event_sources


def balance(item_type: str = "balance", changed_by: str | None = "ledger", event: str = "MODIFY") -> dict[str, object]:
    image: dict[str, object] = {"item_type": {"S": item_type}}
    if changed_by is not None:
        image["changed_by"] = {"S": changed_by}
    return {"eventName": event, "dynamodb": {"NewImage": image}}


def test_the_templates_filter_keeps_only_balances_the_ledger_wrote() -> None:
    stream_filter = read_event_sources().ledger_stream.event_filter
    assert stream_filter.matches(balance())
    assert not stream_filter.matches(balance(changed_by="pusher"))
    assert not stream_filter.matches(balance(changed_by=None))
    assert not stream_filter.matches(balance(item_type="entry"))
    assert not stream_filter.matches({"eventName": "REMOVE", "dynamodb": {"OldImage": {"item_type": {"S": "balance"}}}})


def test_filters_are_alternatives_and_a_list_value_matches_any_element() -> None:
    stream_filter = EventFilter([{"a": ["x"]}, {"b": [1, 2]}])
    assert stream_filter.matches({"a": "x"})
    assert stream_filter.matches({"b": 2})
    assert stream_filter.matches({"a": ["y", "x"]})
    assert not stream_filter.matches({"a": "y", "b": 3})
    assert EventFilter([]).matches({"anything": True})


@pytest.mark.parametrize("pattern", [{"a": [{"prefix": "x"}]}, {"a": "x"}, {"a": {}}])
def test_operators_it_does_not_implement_are_refused(pattern: dict[str, object]) -> None:
    with pytest.raises(UnsupportedPattern):
        EventFilter([pattern])
