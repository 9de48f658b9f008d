"""L02 spike detection: mean + N sigma of the days before, on synthetic series."""

from __future__ import annotations

import random
from datetime import date, timedelta

from council_social.listening.spikes import baseline, detect
from council_social.listening.spikes import test_day as spike_on
from council_social.warehouse import connect

DAY = date(2026, 11, 10)
RULES = {"L02_baseline_days": 28, "L02_spike_sigma": 3, "L02_min_history_days": 14, "L02_min_mentions": 10}


def noisy(days: int, mean: float, end: date = DAY, seed: int = 7) -> dict[date, int]:
    rng = random.Random(seed)
    return {end - timedelta(days=n): max(0, round(rng.gauss(mean, mean ** 0.5))) for n in range(1, days + 1)}


def test_a_day_far_above_its_baseline_is_a_spike_and_an_ordinary_day_is_not():
    series = noisy(60, 20)
    series[DAY] = 80
    spike = spike_on(series, DAY)
    assert spike is not None and spike.volume == 80 and spike.history_days == 28
    assert 15 < spike.mean < 25 and spike.threshold == round(spike.mean + 3 * spike.sigma, 3)
    series[DAY] = 24
    assert spike_on(series, DAY) is None


def test_the_threshold_is_mean_plus_n_sigma_exactly():
    series = {DAY - timedelta(days=n): (10 if n % 2 else 14) for n in range(1, 29)}  # mean 12, sigma 2
    series[DAY] = 18
    assert spike_on(series, DAY) is None  # 18 = 12 + 3 * 2 is not above
    series[DAY] = 19
    assert spike_on(series, DAY).threshold == 18
    assert spike_on(series, DAY, sigmas=4) is None


def test_the_baseline_is_the_days_before_never_the_day_itself():
    series = noisy(28, 10)
    series[DAY] = 500
    assert 500 not in baseline(series, DAY)
    assert len(baseline(series, DAY)) == 28
    # The day after a spike: the spike is now in the baseline and raises the bar.
    series[DAY + timedelta(days=1)] = 60
    assert spike_on(series, DAY + timedelta(days=1)) is None


def test_days_without_mentions_count_as_zero():
    series = {DAY - timedelta(days=40): 1, DAY: 12}  # silent for weeks, then 12
    spike = spike_on(series, DAY)
    assert spike is not None and spike.mean == 0 and spike.sigma == 0


def test_a_flat_baseline_needs_n_mentions_more_than_usual():
    series = {DAY - timedelta(days=n): 20 for n in range(1, 29)}
    series[DAY] = 23
    assert spike_on(series, DAY) is None  # sigma 0 is taken as 1: 20 + 3 = 23 is not above
    series[DAY] = 24
    spike = spike_on(series, DAY)
    assert spike is not None and spike.sigma == 0 and spike.threshold == 23


def test_too_little_history_or_too_few_mentions_is_never_a_spike():
    young = {DAY - timedelta(days=n): 2 for n in range(1, 10)}
    young[DAY] = 90
    assert spike_on(young, DAY) is None  # 9 days of history, 14 needed
    assert spike_on(young, DAY, min_history=5) is not None
    quiet = {DAY - timedelta(days=n): 0 for n in range(1, 29)}
    quiet[DAY] = 6
    assert spike_on(quiet, DAY) is None  # fewer than min_mentions
    assert spike_on(quiet, DAY, min_mentions=5) is not None


def test_detect_reads_the_daily_aggregates_per_account_and_council_wide(council):
    main = noisy(40, 8, seed=1)
    main[DAY] = 70
    quiet_account = noisy(40, 3, seed=2)
    council.daily(main, account="x:mancitycouncil")
    council.daily(quiet_account, account="x:mcclibraries")
    with connect() as con:
        spikes = detect(con, [DAY - timedelta(days=1), DAY], RULES)
    assert {(s.scope, s.day) for s in spikes} == {("all", DAY), ("x:mancitycouncil", DAY)}
    everything = next(s for s in spikes if s.scope == "all")
    assert everything.volume == 70 + quiet_account.get(DAY, 0)


def test_the_warehouse_query_agrees_with_the_rule_on_random_series(council):
    rng = random.Random(11)
    accounts = {f"x:account{n}": {} for n in range(6)}
    for series in accounts.values():
        level = rng.choice([0.5, 3, 8, 20])
        start = DAY - timedelta(days=rng.randint(10, 60))
        day = start
        while day <= DAY:
            if rng.random() > 0.2:
                series[day] = max(0, round(rng.gauss(level, level ** 0.5)) + (40 if rng.random() < 0.05 else 0))
            day += timedelta(days=1)
    for account, series in accounts.items():
        council.daily(series, account=account)
    everything: dict[date, int] = {}
    for series in accounts.values():
        for day, count in series.items():
            everything[day] = everything.get(day, 0) + count
    days = [DAY - timedelta(days=n) for n in range(10)]
    expected = {(scope, day) for scope, series in [*accounts.items(), ("all", everything)] for day in days
                if spike_on(series, day, baseline_days=28, sigmas=3, min_history=14, min_mentions=10,
                            history_start=min(series)) is not None}
    with connect() as con:
        found = {(s.scope, s.day) for s in detect(con, days, RULES)}
    assert found == expected
    assert expected, "the random series hold at least one spike"
