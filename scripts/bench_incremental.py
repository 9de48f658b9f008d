"""A first full load of each API source against the next day's run with no new data, timed, in one process.

Run by ``scripts/bench.py`` in a child process with a fresh data directory. The demo organisation's
registers are loaded first (not timed). Then, against the fake API server on loopback, for the
Hootsuite REST API, X, and Facebook/Instagram (Graph API), the calls each DAG's tasks make, in the
DAG's order: plan (warehouse read), fetch (requests, every page landed), load (inside
``validation.gated()``, as the load task) and, for X and Graph, the run summary (``platform_fetch_log``).
The first run is as of 06:00 UTC on the demo's date, the next one 24 hours later; the fake serves
the same data both days, so the second run finds nothing new but each account's counts of its day
(X's lookup dates them by the clock, so here by the run's moment instead).

Each run's load is broken down into warehouse open/close, validation gates, Great Expectations
warm-up, marts refresh and Data Docs, by wrapping those functions where the loaders look them up.
The fake server's request counts are read per source and run (``stats``, cleared by ``reset``).

Usage: ``bench_incremental.py <hootsuite requests per second>``. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack, contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

#: The DAGs' own parameters (dags/hootsuite_api.py, dags/x_activity.py, dags/meta_activity.py).
HOOTSUITE_PARAMS = {"history_days": 180, "overlap_days": 1, "lookahead_days": 28}
X_REFRESH_DAYS = 3
GRAPH_HISTORY_DAYS, GRAPH_COMMENT_DAYS = 90, 14
#: The fake's Hootsuite limit, raised from 20 a second so the client's pacing decides the rate.
FAKE_HOOTSUITE_LIMIT = 1000
PREFIXES = {"hootsuite_api": "hootsuite.", "x": "x.", "meta": "graph."}

clock: dict[str, float] = defaultdict(float)
counts: dict[str, int] = defaultdict(int)


def timed(name: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            clock[name] += time.perf_counter() - started
            counts[name] += 1
    return wrapper


def instrument() -> None:
    """Time the fixed costs of a load where the loaders import them at call time."""
    import council_social.validation as validation
    import council_social.validation.engine as engine
    import council_social.warehouse as warehouse
    import council_social.warehouse.marts as marts

    validation.gate = timed("gate", validation.gate)
    engine.warm_up = timed("warm_up", engine.warm_up)
    engine.publish = timed("docs", engine.publish)
    marts.refresh_marts = timed("marts", marts.refresh_marts)
    inner = warehouse.connect

    @contextmanager
    def connect(*args, **kwargs):
        with ExitStack() as stack:
            started = time.perf_counter()
            con = stack.enter_context(inner(*args, **kwargs))
            clock["warehouse"] += time.perf_counter() - started
            counts["warehouse"] += 1
            try:
                yield con
            finally:
                closing = time.perf_counter()
                stack.close()
                clock["warehouse"] += time.perf_counter() - closing

    warehouse.connect = connect


def gated_load(work) -> tuple[object, dict]:
    """``work()`` inside ``validation.gated()``, as a DAG's load task runs it: its result, seconds and parts."""
    from council_social.validation import gated

    before, calls = dict(clock), dict(counts)
    started = time.perf_counter()
    with gated():
        result = work()
    seconds = time.perf_counter() - started
    return result, {"load": seconds, "parts": {k: clock[k] - before.get(k, 0.0) for k in clock},
                    "calls": {k: counts[k] - calls.get(k, 0) for k in counts}}


def requests_of(fake, source: str) -> dict[str, dict[str, int]]:
    return {name: statuses for name, statuses in fake.stats().items() if name.startswith(PREFIXES[source])}


def run_hootsuite(fake, org, now: datetime, run_id: str, store, initial: str, rate: float,
                  fetch_only: bool = False) -> dict | None:
    from council_social.hootsuite import api_load
    from council_social.hootsuite.api import FetchPlan, HootsuiteClient, fetch_to_landing
    steps = {}
    started = time.perf_counter()
    plan = api_load.read_watermark(org.hootsuite_organisation_id, now=now, **HOOTSUITE_PARAMS)
    steps["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    with HootsuiteClient(base_url=fake.base_url, client_id="demo-client", client_secret="demo-client-secret",
                         token_store=store, initial_refresh_token=initial, requests_per_second=rate) as client:
        paths = fetch_to_landing(client, FetchPlan.from_xcom(plan), day=now.date())
    steps["fetch"] = time.perf_counter() - started
    if fetch_only:
        return None
    loaded, load = gated_load(lambda: api_load.load_landed_pages(paths, plan, run_id))
    steps["load"] = load["load"]
    steps["summary"] = 0.0
    groups = ("profiles", "members", "messages", "actions")
    received = sum(loaded[g]["received"] for g in groups)
    changed = sum(loaded[g]["changed"] for g in groups) + loaded["members"]["marked_inactive"]
    return {"steps": steps, "load_parts": load["parts"], "load_calls": load["calls"], "pages": len(paths),
            "received": received, "changed": changed, "failed": 0, "detail": {
                "window": loaded["window"], "known": len(plan["known"]),
                "messages": loaded["messages"], "actions": loaded["actions"], "members": loaded["members"],
                "watermark_moved": loaded["watermark"]["moved"]}}


def run_x(fake, now: datetime, run_id: str, fetch_only: bool = False) -> dict | None:
    from airflow.sdk.exceptions import AirflowFailException

    from council_social.platforms import x, x_load
    steps = {}
    started = time.perf_counter()
    plan = x_load.plan_run(now, refresh_days=X_REFRESH_DAYS)
    steps["plan"] = time.perf_counter() - started
    day = date.fromisoformat(plan["day"])
    outcomes: list[dict] = []
    failed = 0

    def task(seed: dict, work):
        nonlocal failed
        try:
            with x.recording(seed, outcomes.append) as outcome, x.XClient("demo-x-bearer", fake.base_url) as client:
                return work(client, outcome)
        except Exception:  # the mapped task fails alone; the load runs anyway (trigger_rule all_done)
            failed += 1
            return None

    started = time.perf_counter()
    read_day = x.read_day
    x.read_day = lambda moment=None: read_day(moment or now)  # counts are read on the run's day, not today's
    try:
        items = task({"kind": "lookup"}, lambda c, o: x.look_up_accounts(c, plan, day=day, outcome=o)) or []
        for item in items:
            seed = {"kind": "account", "account_key": item["account_key"], "handle": item["handle"],
                    "account_id": item.get("account_id")}
            task(seed, lambda c, o, i=item: x.fetch_account(c, i, day=day, backfill=plan["backfill"], outcome=o,
                                                            refresh_from=plan.get("refresh_from")))
        task({"kind": "search"}, lambda c, o: x.search_brand(c, plan["search"], day=day, backfill=plan["backfill"],
                                                             outcome=o))
    finally:
        x.read_day = read_day
    steps["fetch"] = time.perf_counter() - started
    if fetch_only:
        return None
    loaded, load = gated_load(lambda: x_load.load_outcomes(outcomes, run_id))
    steps["load"] = load["load"]
    started = time.perf_counter()
    with suppress(AirflowFailException):  # the summary fails the run when an account failed: counted above
        x_load.summarise(plan, outcomes, loaded, run_id)
    steps["summary"] = time.perf_counter() - started
    return {"steps": steps, "load_parts": load["parts"], "load_calls": load["calls"], "pages": loaded["pages"],
            "received": sum(loaded["received"].values()), "changed": sum(loaded["changed"].values()),
            "failed": failed, "detail": {"received": loaded["received"], "changed": loaded["changed"],
                                         "watermarks_moved": loaded["watermarks_moved"],
                                         "refresh_from": plan.get("refresh_from")}}


def run_graph(fake, now: datetime, run_id: str, fetch_only: bool = False) -> dict | None:
    from airflow.sdk.exceptions import AirflowFailException

    from council_social.platforms import graph, graph_load
    steps = {}
    started = time.perf_counter()
    accounts = graph_load.read_accounts(now=now, comment_days=GRAPH_COMMENT_DAYS)
    steps["plan"] = time.perf_counter() - started
    day = now.astimezone(graph._london()).date()
    started = time.perf_counter()
    outcomes = []
    for account in accounts:  # one mapped task, with its own client, per account
        with graph.GraphClient("demo-graph-token", base_url=fake.base_url) as client:
            outcomes.append(graph.fetch_account(client, account, day=day, now=now, history_days=GRAPH_HISTORY_DAYS,
                                                comment_days=GRAPH_COMMENT_DAYS))
    steps["fetch"] = time.perf_counter() - started
    if fetch_only:
        return None
    loaded, load = gated_load(lambda: graph_load.load_outcomes(outcomes, run_id))
    steps["load"] = load["load"]
    started = time.perf_counter()
    with suppress(AirflowFailException):  # the summary fails the run when an account failed: counted below
        graph_load.summarise(accounts, outcomes, loaded, run_id)
    steps["summary"] = time.perf_counter() - started
    ok = [r for r in loaded.values() if r.get("status") == "ok"]
    received, changed = defaultdict(int), defaultdict(int)
    for result in ok:
        for table, rows in result["rows"].items():
            received[table] += rows
        for table in graph_load.KEYS:
            changed[table] += result.get(table, 0)
    return {"steps": steps, "load_parts": load["parts"], "load_calls": load["calls"],
            "pages": sum(len(o.get("files") or []) for o in outcomes),
            "received": sum(received.values()), "changed": sum(changed.values()),
            "failed": sum(o["status"] == "failed" for o in outcomes) + len(loaded) - len(ok),
            "detail": {"received": dict(received), "changed": dict(changed),
                       "recent_posts": sum(len(a.get("recent_post_ids") or []) for a in accounts)}}


def prepare(org) -> None:
    """A migrated warehouse with the demo registers, in the data directory the environment names."""
    from council_social.config import settings
    from council_social.demo.registers import write_registers
    from council_social.registers import importer
    from council_social.warehouse.migrations import migrate

    migrate()
    write_registers(org, settings().register_inbox)
    importer.load_landed_files(importer.land_inbox_files(org.as_of), "bench-registers")


def warm_fake(fake, org, now: datetime, rate: float) -> float:
    """The fake generates each platform's data on first use (server time, not the pipeline's): one untimed
    fetch of every source, into a scratch data directory, before any clock starts."""
    from council_social.hootsuite.api import MemoryTokenStore

    started = time.perf_counter()
    data_dir = os.environ["COUNCIL_SOCIAL_DATA_DIR"]
    os.environ["COUNCIL_SOCIAL_DATA_DIR"] = str(Path(data_dir).with_name(Path(data_dir).name + "-warm"))
    try:
        prepare(org)
        run_hootsuite(fake, org, now, "warm", MemoryTokenStore(), f"issued-{uuid.uuid4().hex}", rate,
                      fetch_only=True)
        run_x(fake, now, "warm", fetch_only=True)
        run_graph(fake, now, "warm", fetch_only=True)
    finally:
        os.environ["COUNCIL_SOCIAL_DATA_DIR"] = data_dir
    return time.perf_counter() - started


def main(rate_text: str) -> None:
    rate = float(rate_text)
    started = time.perf_counter()
    import great_expectations  # noqa: F401 - imported before any clock, as each Airflow task does at start
    import tweepy  # noqa: F401

    from council_social.validation.engine import warm_up

    warm_up()
    imports = time.perf_counter() - started

    from council_social.demo.organisation import build_organisation
    from council_social.fakeapi.server import FakeApiServer
    from council_social.hootsuite.api import MemoryTokenStore

    org = build_organisation()
    first_now = datetime.combine(org.as_of, datetime.min.time(), UTC) + timedelta(hours=6)
    store, initial = MemoryTokenStore(), f"issued-{uuid.uuid4().hex}"
    results: dict[str, dict] = {}
    switches = {"rate_limits": {"hootsuite": {"limit": FAKE_HOOTSUITE_LIMIT, "window": 1}}}
    with FakeApiServer(as_of=org.as_of, seed=org.seed, switches=switches) as fake:
        warmed = warm_fake(fake, org, first_now, FAKE_HOOTSUITE_LIMIT * 0.9)
        prepare(org)
        instrument()
        runners = {
            "hootsuite_api": lambda now, run_id: run_hootsuite(fake, org, now, run_id, store, initial, rate),
            "x": lambda now, run_id: run_x(fake, now, run_id),
            "meta": lambda now, run_id: run_graph(fake, now, run_id),
        }
        for source, runner in runners.items():
            results[source] = {}
            for run, now in (("first", first_now), ("next", first_now + timedelta(days=1))):
                fake.reset()
                outcome = runner(now, f"bench-{source}-{run}")
                served = requests_of(fake, source)
                outcome["requests"] = sum(sum(s.values()) for s in served.values())
                outcome["by_endpoint"] = {name: sum(s.values()) for name, s in served.items()}
                outcome["not_ok"] = {name: {k: v for k, v in s.items() if k != "200"} for name, s in served.items()
                                     if set(s) - {"200"}}
                outcome["total"] = sum(outcome["steps"].values())
                results[source][run] = outcome
    print(json.dumps({"as_of": org.as_of.isoformat(), "hootsuite_rate": rate,
                      "fake_hootsuite_limit": FAKE_HOOTSUITE_LIMIT, "imports_s": imports, "fake_warm_s": warmed,
                      "accounts": {p: sum(1 for a in org.accounts if a.api_served and a.platform == p)
                                   for p in ("x", "facebook", "instagram")},
                      "members": len(org.members), "sources": results}, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:])
