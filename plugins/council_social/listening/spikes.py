"""L02 (M 9.1 monitoring): a mention spike is a day whose volume is above the mean + N sigma of the
days before it.

The baseline is the ``baseline_days`` (28) days *before* the day tested, never the day itself, so a
spike cannot hide itself by raising its own baseline. Days without mentions count as zero, from the
scope's first day with any. A day is only tested with at least ``min_history`` days of baseline
(a new account's second day is not a spike), and must reach ``min_mentions`` (three mentions after
a silent month is not a spike either). A flat baseline has no spread: sigma is then taken as one
mention, so the day must beat the usual volume by N mentions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

#: Sigma is never taken below this many mentions (a perfectly flat baseline has a sigma of zero).
SIGMA_FLOOR = 1.0
#: Scope of the council-wide series; other scopes are council account keys (x:mancitycouncil).
ALL = "all"


@dataclass(frozen=True)
class Spike:
    day: date
    scope: str
    volume: int
    mean: float
    sigma: float
    threshold: float
    history_days: int

    @property
    def ratio(self) -> float:
        return self.volume / self.mean if self.mean else math.inf


def baseline(volumes: Mapping[date, int], day: date, *, baseline_days: int = 28,
             history_start: date | None = None) -> list[int]:
    """The daily volumes of the ``baseline_days`` before ``day`` (zero where none), from ``history_start``."""
    start = history_start if history_start is not None else min(volumes, default=day)
    first = max(day - timedelta(days=baseline_days), start)
    return [int(volumes.get(first + timedelta(days=n), 0)) for n in range((day - first).days)]


def test_day(volumes: Mapping[date, int], day: date, *, scope: str = ALL, baseline_days: int = 28,
             sigmas: float = 3.0, min_history: int = 14, min_mentions: int = 10,
             history_start: date | None = None) -> Spike | None:
    """The spike on ``day`` if its volume is above the baseline's mean + ``sigmas`` sigma, else None."""
    history = baseline(volumes, day, baseline_days=baseline_days, history_start=history_start)
    volume = int(volumes.get(day, 0))
    if len(history) < max(1, min_history) or volume < min_mentions:
        return None
    mean = sum(history) / len(history)
    sigma = math.sqrt(sum((v - mean) ** 2 for v in history) / len(history))
    threshold = mean + sigmas * max(sigma, SIGMA_FLOOR)
    if volume <= threshold:
        return None
    return Spike(day=day, scope=scope, volume=volume, mean=round(mean, 3), sigma=round(sigma, 3),
                 threshold=round(threshold, 3), history_days=len(history))


def detect(con, days: list[date], rules: Mapping) -> list[Spike]:
    """Spikes on ``days`` in every scope (council-wide and per account), with the policy's L02 settings
    (``rules`` section): one set-based query over ``listening_daily`` (sql/reports/l02_mention_spikes.sql)."""
    from council_social.config import settings

    if not days:
        return []
    wanted = set(days)
    sql = (settings().root / "sql" / "reports" / "l02_mention_spikes.sql").read_text(encoding="utf-8")
    rows = con.execute(sql, {"first": min(days), "last": max(days), "baseline_days": int(rules["L02_baseline_days"]),
                             "sigmas": float(rules["L02_spike_sigma"]),
                             "min_history": int(rules["L02_min_history_days"]),
                             "min_mentions": int(rules["L02_min_mentions"])}).fetchall()
    return [Spike(day=day, scope=scope, volume=int(volume), mean=float(mean), sigma=float(sigma),
                  threshold=float(threshold), history_days=int(history))
            for scope, day, volume, mean, sigma, threshold, history in rows if day in wanted]
