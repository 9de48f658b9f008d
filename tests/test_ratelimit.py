from __future__ import annotations

import pytest

from council_social.ratelimit import Backoff, RateLimitWaitTooLong, seconds_until, wait


def test_backoff_grows_and_is_capped():
    backoff = Backoff(base_seconds=1, cap_seconds=8)
    assert 0.5 <= backoff.delay(1) <= 1
    assert 4 <= backoff.delay(4) <= 8
    assert all(4 <= backoff.delay(n) <= 8 for n in range(4, 20))


def test_seconds_until_reset_is_never_negative():
    assert seconds_until(100, now=200) == 0
    assert seconds_until(130, now=100, margin=1) == 31


def test_waits_within_the_cap_and_refuses_beyond_it():
    slept = []
    assert wait(5, cap_seconds=10, what="x", sleep=slept.append) == 5
    assert slept == [5]
    with pytest.raises(RateLimitWaitTooLong, match="asks to wait 900 s, more than the 60 s cap"):
        wait(900, cap_seconds=60, what="X recent search", sleep=slept.append)
    assert slept == [5]
