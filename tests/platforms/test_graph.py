"""The Graph API client and hook against the real fake server: paging, throttling, retries, tokens."""

from __future__ import annotations

import gzip
import json
import logging
import time
from datetime import UTC, date, datetime

import pytest
import requests
from airflow.sdk.log import redact as airflow_redact

from council_social.demo.organisation import build_organisation
from council_social.fakeapi.server import FakeApiServer
from council_social.platforms.graph import (
    GraphAccessError,
    GraphApiError,
    GraphClient,
    GraphHook,
    GraphTokenExpired,
    GraphVersionError,
    fetch_account,
    parse_api_version,
    read_usage,
    redact,
    strip_secret_params,
)
from council_social.ratelimit import Backoff, RateLimitWaitTooLong

TOKEN = "graph-token-5e1d0c3b9a77"
NOW = datetime(2026, 11, 1, 6, tzinfo=UTC)
DAY = date(2026, 11, 1)
#: A small Page: a handful of posts in 90 days, so each run is a dozen requests.
SMALL_PAGE = {"platform": "facebook", "handle": "MCRIWD", "handle_key": "mcriwd"}


@pytest.fixture(scope="module")
def org():
    return build_organisation()


@pytest.fixture(scope="module")
def server():
    with FakeApiServer() as fake:
        yield fake


@pytest.fixture
def fake(server):
    yield server
    server.reset()


class Sleeper:
    """Records every wait the client asks for, and really sleeps a bounded part of it.

    The fake's rate-limit windows run on the real clock, so a short real sleep lets a window reset
    while the test still sees the full wait the client decided on.
    """

    def __init__(self, real_cap: float = 0.0):
        self.real_cap, self.waits = real_cap, []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(min(seconds, self.real_cap))


def client(fake, token: str = TOKEN, sleep=None, **options) -> GraphClient:
    options.setdefault("backoff", Backoff(base_seconds=0.01, cap_seconds=0.05, max_attempts=4))
    return GraphClient(token, base_url=fake.base_url, sleep=sleep or Sleeper(), **options)


# --- versions and the connection -----------------------------------------------------------------

@pytest.mark.parametrize("given, pinned", [("v24.0", "v24.0"), ("24", "v24.0"), ("v25.1", "v25.1"),
                                           (None, "v24.0")])
def test_versions_from_v24_are_accepted(given, pinned):
    assert parse_api_version(given) == pinned


@pytest.mark.parametrize("given", ["v19.0", "3.1", "v23.9"])
def test_older_versions_are_refused_with_a_clear_message(given):
    with pytest.raises(GraphVersionError, match=r"v24\.0 or later.*api_version"):
        parse_api_version(given, "facebook_default")


def test_hook_reads_token_host_and_version_from_the_connection(fake, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_FACEBOOK_GRAPH_TEST", json.dumps({
        "conn_type": "facebook_graph", "host": fake.base_url, "password": TOKEN,
        "extra": {"api_version": "v24.0"}}))
    hook = GraphHook("facebook_graph_test")
    assert (hook.conn_type, hook.default_conn_name, hook.conn_name_attr) == (
        "facebook_graph", "facebook_default", "facebook_conn_id")
    assert hook.api_version == "v24.0" and hook.base_url == fake.base_url
    with hook.get_client() as graph:
        assert graph.get("me/accounts", {"fields": "id", "limit": 1})["data"]

    monkeypatch.setenv("AIRFLOW_CONN_FACEBOOK_GRAPH_OLD", json.dumps({
        "conn_type": "facebook_graph", "password": TOKEN, "extra": {"api_version": "v21.0"}}))
    with pytest.raises(GraphVersionError, match="pins Graph API v21.0"):
        GraphHook("facebook_graph_old").get_client()


# --- headers, links and secrets --------------------------------------------------------------------

def test_usage_headers_give_the_highest_percentage_and_the_wait():
    usage = read_usage({
        "X-App-Usage": '{"call_count": 12, "total_cputime": 3, "total_time": 40}',
        "X-Business-Use-Case-Usage": '{"123": [{"type": "pages", "call_count": 85, "total_cputime": 10, '
                                     '"total_time": 20, "estimated_time_to_regain_access": 7}]}',
    })
    assert usage.percent == 85 and usage.regain_seconds == 420 and "Business" in usage.source
    assert read_usage({"X-App-Usage": "not json"}).percent == 0


def test_links_lose_their_token_before_they_are_followed_or_written():
    link = f"https://graph.facebook.com/v24.0/1/published_posts?limit=25&access_token={TOKEN}&after=QVFI"
    assert TOKEN not in strip_secret_params(link) and "after=QVFI" in strip_secret_params(link)
    assert redact(f"GET {link}") == "GET https://graph.facebook.com/v24.0/1/published_posts?limit=25" \
                                    "&access_token=***&after=QVFI"


# --- paging ------------------------------------------------------------------------------------------

def test_lists_are_read_by_following_next_links(fake, org):
    page = org.find_account("facebook", "mancitycouncil")
    with client(fake) as graph:
        bodies = list(graph.pages(f"{page.platform_id}/published_posts",
                                  {"fields": "id,created_time", "limit": 25}))
    ids = [post["id"] for body in bodies for post in body["data"]]
    expected = [p.id for p in org.posts(page, replies=False)][::-1]
    assert len(bodies) == -(-len(expected) // 25) > 1
    assert ids == expected, "every post once, newest first"
    assert fake.stats()["graph.published_posts"] == {"200": len(bodies)}


# --- throttling and retries --------------------------------------------------------------------------

def test_throttling_waits_as_meta_asks_and_the_fetch_completes(fake, org):
    with client(fake) as graph:
        baseline = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW, metrics=["page_follows"])
    fake.reset()
    fake.set_switches(rate_limits={"graph": {"limit": 5, "window": 1}}, graph_throttle_code=32)
    sleeper = Sleeper(real_cap=1.05)
    with client(fake, sleep=sleeper, usage_pause_seconds=0.2,
                backoff=Backoff(base_seconds=0.2, cap_seconds=1, max_attempts=6)) as graph:
        outcome = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW, metrics=["page_follows"])
        stats = dict(graph.stats)
    assert outcome["status"] == "ok", outcome["message"]
    assert outcome["counts"] == baseline["counts"] and outcome["items"] == baseline["items"]
    assert stats["usage_waits"] >= 1, "paused once usage reached 80%"
    assert {0.2, 0.4} & set(sleeper.waits), "the usage pause (doubled from 95%)"
    throttled = sum(counts.get("400", 0) for counts in fake.stats().values())
    assert throttled == stats.get("throttled", 0), "every throttled answer was waited out and retried"


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_each_throttling_code_is_waited_out_within_the_cap(fake, org, code):
    page = org.find_account("facebook", "mcriwd")
    fake.set_switches(rate_limits={"graph": {"limit": 1, "window": 1}}, graph_throttle_code=code)
    sleeper = Sleeper(real_cap=1.05)
    with client(fake, sleep=sleeper, usage_pause_seconds=0.01) as graph:
        graph.get(page.platform_id, {"fields": "id"})
        assert graph.get(page.platform_id, {"fields": "id,name"})["id"] == page.platform_id
        assert graph.stats["throttled"] >= 1
    assert 300 in sleeper.waits, "Meta's estimated_time_to_regain_access (5 minutes) was honoured"
    assert fake.stats()["graph.node"]["400"] >= 1


def test_a_wait_beyond_the_cap_fails_the_account_for_a_later_retry(fake, org):
    fake.set_switches(rate_limits={"graph": {"limit": 1, "window": 60}}, graph_throttle_code=17)
    with client(fake, max_wait_seconds=60, usage_pause_seconds=0.01) as graph:
        graph.get("me/accounts", {"fields": "id"})
        with pytest.raises(RateLimitWaitTooLong, match="asks to wait 300 s, more than the 60 s cap"):
            graph.get(org.find_account("facebook", "mcriwd").platform_id, {"fields": "id"})
        outcome = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW)
    assert outcome["status"] == "failed" and outcome["retry"] is True
    assert "Airflow retries" in outcome["message"]


def test_a_5xx_burst_is_retried_with_backoff(fake):
    fake.set_switches(fail_next={"graph.published_posts": 3})
    sleeper = Sleeper()
    with client(fake, sleep=sleeper) as graph:
        outcome = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW, metrics=[])
        assert graph.stats["retries"] == 3
    assert outcome["status"] == "ok" and outcome["counts"]["posts"] > 0
    assert fake.stats()["graph.published_posts"]["500"] == 3
    assert len(sleeper.waits) == 3 and all(0 < w <= 0.05 for w in sleeper.waits), "capped backoff"


def test_an_outage_longer_than_the_retries_fails_the_account_for_a_later_retry(fake):
    fake.set_switches(fail_next={"graph.published_posts": 50})
    with client(fake) as graph:
        outcome = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW, metrics=[])
    assert outcome["status"] == "failed" and outcome["retry"] is True
    assert "gave up after 4 attempts" in outcome["message"]


def test_an_expired_token_fails_with_a_message_to_renew_it(fake):
    fake.set_switches(expired_tokens=["graph"])
    with client(fake) as graph:
        with pytest.raises(GraphTokenExpired, match="renew it"):
            graph.get("me/accounts")
        outcome = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW)
    assert outcome["status"] == "failed" and outcome["retry"] is False
    assert "code 190" in outcome["message"] and "renew it" in outcome["message"]


def test_a_missing_page_is_an_access_error_not_a_retry(fake):
    with client(fake) as graph:
        with pytest.raises(GraphAccessError):
            graph.get("no_such_page_anywhere", {"fields": "id"})
        with pytest.raises(GraphApiError) as invalid:
            graph.get("230525471202067", {"fields": "id,nonsense"})
    assert invalid.value.code == 100 and not invalid.value.retryable


# --- tokens never written ----------------------------------------------------------------------------

def test_tokens_appear_in_no_log_line_message_or_landed_page(fake, data_dir, caplog):
    """DEBUG logging on (urllib3 prints every request line), throttling, a burst and a failure."""
    fake.set_switches(fail_next={"graph.comments": 1})
    caplog.set_level(logging.DEBUG)
    with client(fake) as graph:
        outcome = fetch_account(graph, {"platform": "instagram", "handle": "manclibraries",
                                        "handle_key": "manclibraries"}, day=DAY, now=NOW)
        with pytest.raises(GraphAccessError) as refused:
            graph.get(f"{fake.base_url}/v24.0/no_such_node?access_token={TOKEN}")
    fake.set_switches(expired_tokens=["graph"])
    with client(fake) as graph:
        expired = fetch_account(graph, SMALL_PAGE, day=DAY, now=NOW)
    assert outcome["status"] == "ok" and outcome["files"]
    assert "access_token=" in caplog.text, "urllib3 logged its request lines"
    written = [caplog.text, str(refused.value), json.dumps(outcome), json.dumps(expired)]
    written += [gzip.decompress(p.read_bytes()).decode() for p in (data_dir / "landing").rglob("*.gz")]
    for text in written:
        assert TOKEN not in text
        assert "demo-page-token" not in text, "Page tokens from /me/accounts are secrets too"
    assert airflow_redact(f"token {TOKEN}") == "token ***", "registered with Airflow's secrets masker"
    assert requests.get(f"{fake.base_url}/healthz", timeout=5).ok


# --- the mapped task -------------------------------------------------------------------------------

class PushedXCom:
    """Stands in for the task instance: records what the task pushes."""

    def __init__(self):
        self.pushed: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed[key] = value


def test_the_task_pushes_each_outcome_and_fails_the_way_airflow_should_retry(fake, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from council_social.platforms.graph import GraphFetchFailed, run_fetch_task

    monkeypatch.setenv("AIRFLOW_CONN_FACEBOOK_TASK_TEST", json.dumps({
        "conn_type": "facebook_graph", "host": fake.base_url, "password": TOKEN}))
    options = {"conn_id": "facebook_task_test", "sleep": Sleeper(), "backoff": Backoff(0.01, 0.05, 3)}
    params = {"history_days": 30, "comment_days": 0}

    ti = PushedXCom()
    outcome = run_fetch_task(SMALL_PAGE, now=NOW, params={**params, "start": "2026-10-01"}, ti=ti, **options)
    assert outcome["status"] == "ok" and outcome["backfill"] and ti.pushed["outcome"] == outcome

    fake.set_switches(fail_next={"graph.published_posts": 20})
    ti = PushedXCom()
    with pytest.raises(GraphFetchFailed, match="facebook:mcriwd"):
        run_fetch_task(SMALL_PAGE, now=NOW, params=params, ti=ti, **options)
    assert ti.pushed["outcome"]["retry"] is True, "a temporary failure: Airflow retries the task"

    fake.set_switches(expired_tokens=["graph"])
    ti = PushedXCom()
    with pytest.raises(AirflowFailException, match="renew it"):
        run_fetch_task(SMALL_PAGE, now=NOW, params=params, ti=ti, **options)
    assert ti.pushed["outcome"]["status"] == "failed" and ti.pushed["outcome"]["retry"] is False

    ti = PushedXCom()
    with pytest.raises(AirflowFailException, match="cannot be used"):
        run_fetch_task(SMALL_PAGE, now=NOW, params=params, ti=ti, conn_id="facebook_nowhere")
    skipped = run_fetch_task({**SMALL_PAGE, "skip_reason": "a Facebook group"}, now=NOW, ti=PushedXCom(),
                             conn_id="facebook_nowhere")
    assert skipped["status"] == "skipped" and skipped["message"] == "a Facebook group"
