"""scripts/fleet_capacity: what it counts from the simulator's buckets, and the verdict it prints."""

import pytest

from scripts.fleet_capacity import CountingBucket, Merchant, extrapolate
from shopify_simulator.clock import ManualClock
from shopify_simulator.throttle import LeakyBucket


def test_the_counting_bucket_counts_points_given_refunded_and_refused() -> None:
    clock = ManualClock()
    bucket = CountingBucket(LeakyBucket(100.0, 10.0, clock))
    assert bucket.try_take(80)
    bucket.refund(30)  # the query cost less than requested
    assert not bucket.try_take(60)  # 50 left: THROTTLED
    clock.advance(1.0)  # 10 points restored
    assert bucket.try_take(60)
    assert (bucket.points, bucket.refused) == (110.0, 1)


def test_the_extrapolation_says_whether_the_night_holds(capsys: pytest.CaptureFixture[str]) -> None:
    # 3 points a level paged: 30,000 points for 10,000 levels = 280 s past a 2,000-point bucket.
    paged = [Merchant("a", 2, 20, seconds=0.4, read_mode="paged", levels=40, points=120.0)]
    extrapolate(paged, "standard", concurrency=50)
    out = capsys.readouterr().out
    assert "280 s" in out
    assert "5,600 s = 1.56 h of the 5.5 h window: fits" in out
    extrapolate(paged, "standard", concurrency=5)
    assert "DOES NOT FIT" in capsys.readouterr().out
    slow_bulk = [Merchant("b", 5, 2000, seconds=1000.0, read_mode="bulk", levels=10_000, points=10.0)]
    extrapolate(slow_bulk, "standard", concurrency=1000)
    assert "DOES NOT FIT" in capsys.readouterr().out  # one merchant past Lambda's 900 s
