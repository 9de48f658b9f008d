"""Waiting on platform APIs, owned by the pipeline rather than the client libraries.

tweepy's ``wait_on_rate_limit`` waits forever (even on X's monthly cap) and the Graph API signals
throttling through error codes and usage headers, so connectors decide here how long to wait: never
longer than a cap, never in a tight loop, and with a clear error when waiting cannot help.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass


class RateLimitWaitTooLong(RuntimeError):
    """The API asks for a wait longer than the cap: fail the task (Airflow retries it later)."""


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter for temporary failures (429 without reset, 5xx)."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_attempts: int = 6

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based); full jitter avoids herds."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


def seconds_until(reset_epoch: float, *, now: float | None = None, margin: float = 1.0) -> float:
    """Seconds until a reset time given as a Unix epoch (X's ``x-rate-limit-reset``), never negative."""
    return max(0.0, reset_epoch - (time.time() if now is None else now) + margin)


def wait(seconds: float, *, cap_seconds: float, what: str, sleep=time.sleep) -> float:
    """Sleep ``seconds`` unless that exceeds the cap, in which case raise with a message saying why."""
    if seconds > cap_seconds:
        raise RateLimitWaitTooLong(
            f"{what}: the API asks to wait {seconds:.0f} s, more than the {cap_seconds:.0f} s cap; "
            "the task fails now and Airflow retries it later"
        )
    if seconds > 0:
        sleep(seconds)
    return seconds
