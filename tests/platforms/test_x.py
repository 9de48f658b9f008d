"""The X connector with the real tweepy client against the fake API server (a child process on loopback).

Each test has its own warehouse and landing zone, and a small account register loaded through the
register importer: a few real demo accounts, so first runs take a handful of pages.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest
import requests
from airflow.sdk.exceptions import AirflowFailException
from support import query

from council_social.config import settings
from council_social.demo.organisation import build_organisation
from council_social.fakeapi.server import FakeApiServer
from council_social.platforms import x, x_load
from council_social.ratelimit import Backoff, RateLimitWaitTooLong
from council_social.registers.importer import land_inbox_files, load_landed_files

RUN_AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
DAY = date(2026, 11, 1)
TOKEN = "x-bearer-test-5d2e81aa"
FAST = x.WaitPolicy(max_wait_seconds=30, backoff=Backoff(base_seconds=0.02, cap_seconds=0.1, max_attempts=4))
#: (handle, private/locked in the register): small demo accounts, the main one (brand search), a locked school.
ACCOUNTS = [("MCRGrow", False), ("MCRLeadersForum", False), ("M_FOUR", False), ("NorthbrookPri", True)]


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


def write_registers(accounts=ACCOUNTS, patterns=(("Manchester City Council", "listening"),
                                                 ("@ManCityCouncil", "listening"), ("MCC", "branding"))) -> None:
    inbox = settings().register_inbox
    inbox.mkdir(parents=True, exist_ok=True)
    rows = ["Account name,Platform,Handle,Private/locked,Status"]
    rows += [f"{handle} X,X,{handle},{'Yes' if locked else 'No'},Active" for handle, locked in accounts]
    (inbox / "account_register_2026-10-01.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    brand = ["Pattern,Use"] + [f"{pattern},{use}" for pattern, use in patterns]
    (inbox / "brand_patterns_2026-10-01.csv").write_text("\n".join(brand) + "\n", encoding="utf-8")
    load_landed_files(land_inbox_files(DAY), "registers")


@pytest.fixture
def registered(warehouse):
    write_registers()
    return warehouse


class Run:
    """One run of the DAG's steps in this process, with Airflow's task boundaries kept."""

    def __init__(self, fake, run_id: str, *, token: str = TOKEN, page_size: int = 10, policy=FAST,
                 start: str | None = None, end: str | None = None, refresh_days: int = x.REFRESH_DAYS):
        self.plan = x_load.plan_run(RUN_AT, start=start, end=end, refresh_days=refresh_days)
        self.outcomes: list[dict] = []
        self.errors: dict[str, BaseException] = {}
        self.client = x.XClient(token, fake.base_url, policy=policy)
        items = self.task("lookup", lambda o: x.look_up_accounts(self.client, self.plan, day=DAY, outcome=o),
                          {"kind": "lookup"}) or []
        for item in items:
            self.task(item["account_key"], lambda o, i=item: x.fetch_account(
                self.client, i, day=DAY, backfill=self.plan["backfill"], page_size=page_size, outcome=o,
                refresh_from=self.plan["refresh_from"]), {})
        self.task("search", lambda o: x.search_brand(self.client, self.plan["search"], day=DAY,
                                                     backfill=self.plan["backfill"], page_size=page_size,
                                                     outcome=o), {})
        self.loaded = x_load.load_outcomes(self.outcomes, run_id)
        self.summary_error = None
        try:
            self.rows = x_load.summarise(self.plan, self.outcomes, self.loaded, run_id)
        except AirflowFailException as exc:
            self.summary_error = exc
            self.rows = None

    def task(self, name, work, seed):
        try:
            with x.recording(seed, self.outcomes.append) as outcome:
                return work(outcome)
        except Exception as exc:  # Airflow marks the task failed; the run goes on
            self.errors[name] = exc
            return None

    def outcome(self, account_key: str) -> dict:
        return next(o for o in self.outcomes if o.get("account_key") == account_key)




def landed_records(path: str) -> list[dict]:
    from council_social.landing import read_landed

    return [json.loads(line) for line in gzip.decompress(read_landed(path)).decode().splitlines()]


def snapshot() -> dict:
    tables = ("platform_accounts", "platform_account_daily", "platform_posts", "platform_mentions",
              "ops_watermarks", "ops_quarantine")
    return {t: sorted(map(repr, query(f"select * from {t}"))) for t in tables}


# --- paging, incremental runs, reruns ----------------------------------------------------------------

def test_a_first_run_pages_through_everything_and_lands_each_page(fake, registered, org):
    run = Run(fake, "first")
    assert run.errors == {} and run.summary_error is None
    grow = org.account("x:mcrgrow")
    expected = {p.id for p in org.posts(grow)}
    stored = {r[0] for r in query("select post_id from platform_posts where account_id = ?", grow.platform_id)}
    assert stored == expected and len(expected) > 20
    grow_outcome = run.outcome("x:mcrgrow")
    tweet_pages = [p for p in grow_outcome["pages"] if "/x/tweets/" in p]
    assert len(tweet_pages) == -(-len(expected) // 10) > 1, "several pages of 10"
    assert grow_outcome["watermarks"]["tweets"] == str(max(int(i) for i in expected))
    record = landed_records(tweet_pages[1])[0]
    assert record["params"]["pagination_token"] and record["body"]["data"], "the page as received"

    mentions = {m.id for m in org.mentions(grow)}
    assert {r[0] for r in query("select mention_id from platform_mentions where mentioned_account_id = ?",
                                grow.platform_id)} == mentions
    (author,) = query("select author_handle, author_followers from platform_mentions where mention_id = ?",
                      sorted(mentions)[0])
    assert author[0] and author[1] is not None, "authors come from the expansion"
    counts = dict(query("select account_id, followers from platform_account_daily"))
    assert counts[grow.platform_id] == org.followers_on(grow, org.as_of)
    assert len(counts) == 4, "every account's counts, the locked one's included"
    assert query("select count(*) from platform_mentions where kind = 'brand_search'")[0][0] > 0
    assert fake.stats()["x.users_lookup"] == {"200": 1}, "one lookup for all accounts"
    statuses = dict(query("select account_key, status from platform_fetch_log where run_id = 'first'"))
    assert statuses == {"x:mcrgrow": "ok", "x:mcrleadersforum": "ok", "x:m_four": "ok",
                        "x:northbrookpri": "skipped", "x:[brand search]": "ok"}


def test_a_second_run_asks_only_for_what_is_newer_than_the_watermark(fake, registered, org):
    Run(fake, "first")
    grow = org.account("x:mcrgrow")
    posts = sorted((p for p in org.posts(grow)), key=lambda p: int(p.id))
    # As if the first run had ended four posts ago: those four are "new" for the second run.
    duck = duckdb.connect(str(settings().warehouse))
    duck.execute("update ops_watermarks set value = ? where entity = 'tweets' and scope = ?",
                 [posts[-5].id, grow.platform_id])
    duck.close()
    before = snapshot()["platform_posts"]
    fake.reset()

    second = Run(fake, "second")
    assert second.errors == {}
    outcome = second.outcome("x:mcrgrow")
    assert outcome["items"] == 4
    (page,) = [p for p in outcome["pages"] if "/x/tweets/" in p]
    assert landed_records(page)[0]["params"]["since_id"] == posts[-5].id
    assert outcome["watermarks"]["tweets"] == posts[-1].id
    assert all(second.outcome(k)["items"] == 0 for k in ("x:mcrleadersforum", "x:m_four"))
    assert fake.stats()["x.user_tweets"] == {"200": 3}, "one page each"
    assert snapshot()["platform_posts"] == before, "the four were loaded already: nothing changes"


def test_recent_posts_are_read_again_so_their_counts_settle(fake, registered, org):
    """Counts read an hour after posting undersell engagement: posts of the last days are read again."""
    Run(fake, "first", refresh_days=7)
    grow, four = org.account("x:mcrgrow"), org.account("x:m_four")
    refresh_from = RUN_AT - timedelta(days=7)
    recent = {p.id: p.likes for p in org.posts(grow) if p.created_at >= refresh_from}
    older = {p.id for p in org.posts(grow) if p.created_at < refresh_from}
    assert recent and older and any(recent.values())
    duck = duckdb.connect(str(settings().warehouse))  # as first read: before anyone had liked them
    duck.execute("update platform_posts set likes = 0 where account_id in (?, ?)", [grow.platform_id, four.platform_id])
    duck.close()
    fake.reset()

    second = Run(fake, "second", refresh_days=7)
    assert second.errors == {}
    likes = dict(query("select post_id, likes from platform_posts where account_id = ?", grow.platform_id))
    assert {i: likes[i] for i in recent} == recent, "the recent posts' counts are read again"
    assert {likes[i] for i in older} == {0}, "older posts are not read again"
    assert second.loaded["changed"]["posts"] == sum(1 for n in recent.values() if n)
    (page,) = [p for p in second.outcome("x:mcrgrow")["pages"] if "/x/tweets/" in p]
    params = landed_records(page)[0]["params"]
    assert params["start_time"] == refresh_from.isoformat() and "since_id" not in params
    assert second.outcome("x:mcrgrow")["watermarks"]["tweets"] == str(max(int(p.id) for p in org.posts(grow)))
    # M_FOUR last posted before the window: its watermark already reaches further back, so since_id it is.
    assert second.outcome("x:m_four")["items"] == 0
    assert not [p for p in second.outcome("x:m_four")["pages"] if "/x/tweets/" in p]

    fake.reset()
    Run(fake, "rerun", refresh_days=7)
    assert Run(fake, "again", refresh_days=7).loaded["changed"]["posts"] == 0, "settled counts are not rewritten"


def test_a_post_id_says_when_the_post_was_made():
    post = next(p for p in build_organisation().posts(build_organisation().account("x:mcrgrow")))
    assert abs((x.posted_at(post.id) - post.created_at).total_seconds()) < 1
    assert x.posted_at("20") is None, "ids from before Snowflakes say nothing"
    assert x.posted_at("not-an-id") is None


def test_a_rerun_changes_nothing_in_the_warehouse_or_the_landing_zone(fake, registered):
    Run(fake, "first")
    first = snapshot()
    landing = settings().data_dir / "landing" / "x"
    files = sorted(p.name for p in landing.rglob("*") if p.is_file())
    fake.reset()
    rerun = Run(fake, "rerun")
    assert rerun.loaded["changed"] == {"accounts": 0, "daily": 0, "posts": 0, "mentions": 0}
    assert snapshot() == first
    assert sorted(p.name for p in landing.rglob("*") if p.is_file()) == files, "empty answers are not kept"


def test_a_backfill_fetches_its_range_and_leaves_the_watermarks(fake, registered, org):
    grow = org.account("x:mcrgrow")
    run = Run(fake, "backfill", start="2026-06-01", end="2026-06-30")
    assert run.plan["backfill"] == {"start": "2026-06-01T00:00:00+00:00", "end": "2026-07-01T00:00:00+00:00"}
    june = {p.id for p in org.posts(grow) if date(2026, 6, 1) <= p.created_at.date() <= date(2026, 6, 30)}
    assert {r[0] for r in query("select post_id from platform_posts where account_id = ?", grow.platform_id)} == june
    assert query("select count(*) from ops_watermarks where source = 'x'") == [(0,)]
    (search,) = [o for o in run.outcomes if o.get("kind") == "search"]
    assert search["status"] == "skipped" and "only the last 7 days" in search["message"]


# --- errors ------------------------------------------------------------------------------------------

def exhaust(fake, endpoint_path: str, times: int) -> None:
    for _ in range(times):
        requests.get(f"{fake.base_url}{endpoint_path}", params={"max_results": 5},
                     headers={"Authorization": "Bearer other-app-user"}, timeout=10)


def test_a_429_with_reset_waits_for_the_window_and_goes_on(fake, registered, org):
    fake.set_switches(rate_limits={"x.user_tweets": {"limit": 2, "window": 1}})
    exhaust(fake, f"/2/users/{org.account('x:mcrgrow').platform_id}/tweets", 2)
    run = Run(fake, "limited", page_size=100)  # one page an account: three requests, two windows
    assert run.errors == {} and run.summary_error is None
    tweets = run.client.stats[x.USER_TWEETS]
    assert tweets.rate_limited == 1, "the one 429 came from the window another client used up"
    assert tweets.waits >= 2, "then the client paced itself on x-rate-limit-remaining"
    assert fake.stats()["x.user_tweets"]["429"] == 1


def test_a_wait_beyond_the_cap_fails_the_task_for_airflow_to_retry(fake, registered, org):
    fake.set_switches(rate_limits={"x.user_tweets": {"limit": 2, "window": 600}})
    exhaust(fake, f"/2/users/{org.account('x:mcrgrow').platform_id}/tweets", 2)
    run = Run(fake, "capped", policy=x.WaitPolicy(max_wait_seconds=5, backoff=FAST.backoff))
    error = run.errors["x:m_four"]
    assert isinstance(error, RateLimitWaitTooLong) and not isinstance(error, AirflowFailException)
    assert "more than the 5 s cap" in str(error) and "Airflow retries it later" in str(error)
    assert "x:m_four" in str(run.summary_error)


def test_a_burst_of_5xx_is_retried_with_backoff(fake, registered):
    fake.set_switches(fail_next={"x.user_tweets": 3, "x.users_lookup": 1})
    run = Run(fake, "burst")
    assert run.errors == {} and run.summary_error is None
    assert run.client.stats[x.USER_TWEETS].server_errors == 3
    assert fake.stats()["x.user_tweets"]["503"] == 3


def test_5xx_past_the_allowed_attempts_fails_that_account_for_a_later_retry(fake, registered):
    fake.set_switches(fail_next={"x.user_tweets": 5})  # the first account's first page, every attempt
    run = Run(fake, "outage")
    (failed,) = run.errors
    assert isinstance(run.errors[failed], x.XTemporaryFailure)
    assert "503" in str(run.errors[failed]) and "Airflow retries it later" in str(run.errors[failed])
    assert len([o for o in run.outcomes if o.get("status") == "ok" and o.get("kind") == "account"]) == 2


def test_an_expired_token_fails_every_account_with_what_to_do(fake, registered):
    run = Run(fake, "expired", token="expired")
    assert isinstance(run.errors["lookup"], x.XAppRefused)
    message = str(run.errors["lookup"])
    assert "401" in message and "x_default" in message and "new bearer token" in message
    failed = query("select account_key, message from platform_fetch_log where status = 'failed'")
    assert {k for k, _ in failed} == {"x:mcrgrow", "x:mcrleadersforum", "x:m_four", "x:northbrookpri",
                                      "x:[brand search]"}
    assert all("new bearer token" in m for _, m in failed)
    summary = str(run.summary_error)
    assert isinstance(run.summary_error, AirflowFailException) and "5 of 5" in summary
    assert "nothing else was fetched" in summary
    assert summary.count("new bearer token") == 2, "said once for the accounts (grouped), once for the search"


def test_a_token_revoked_mid_run_fails_each_account_with_the_same_message(fake, registered):
    plan = x_load.plan_run(RUN_AT)
    client = x.XClient(TOKEN, fake.base_url, policy=FAST)
    items = x.look_up_accounts(client, plan, day=DAY)
    fake.set_switches(expired_tokens=["x"])
    for item in items[:3]:
        with pytest.raises(x.XAppRefused, match="revoked or regenerated"):
            x.fetch_account(client, item, day=DAY)


def test_the_monthly_cap_is_a_hard_error_without_retries(fake, registered):
    fake.set_switches(x_usage_capped=True)
    run = Run(fake, "capped")
    error = run.errors["lookup"]
    assert isinstance(error, x.XAppRefused) and isinstance(error, AirflowFailException)
    assert "monthly" in str(error) and "upgrade" in str(error) and "UsageCapExceeded" in str(error)
    assert fake.stats()["x.users_lookup"] == {"429": 1}, "asked once: waiting cannot lift a monthly cap"


def test_an_access_tier_refusal_is_a_hard_error_that_says_what_to_do(fake, registered):
    fake.set_switches(x_client_forbidden=True)
    run = Run(fake, "tier")
    error = run.errors["lookup"]
    assert isinstance(error, x.XAppRefused)
    assert "client-not-enrolled" in str(error) and "Project" in str(error)
    assert fake.stats()["x.users_lookup"] == {"403": 1}


def test_a_protected_account_the_register_does_not_mark_locked_fails_alone(fake, warehouse, org):
    write_registers([("MCRGrow", False), ("NorthbrookPri", False), ("NoSuchMCCAcct", False)])
    run = Run(fake, "protected")
    assert isinstance(run.errors["x:northbrookpri"], x.XAccountUnavailable)
    assert "protected" in str(run.errors["x:northbrookpri"]) and "private/locked" in str(run.errors["x:northbrookpri"])
    assert "X has no account @NoSuchMCCAcct" in str(run.errors["x:nosuchmccacct"])
    assert run.outcome("x:mcrgrow")["status"] == "ok"
    assert query("select count(*) from platform_posts where account_id = ?",
                 org.account("x:mcrgrow").platform_id)[0][0] > 0, "the readable account is loaded"
    message = str(run.summary_error)
    assert "2 of 4" in message and "x:northbrookpri" in message and "x:nosuchmccacct" in message
    assert "x:mcrgrow" not in message


def test_a_handle_that_cannot_be_an_x_username_fails_without_spoiling_the_lookup(fake, warehouse):
    write_registers([("MCRGrow", False), ("Manchester-Council", False)])
    run = Run(fake, "typo")
    assert "is not an X username" in str(run.errors["x:manchester-council"])
    assert run.outcome("x:mcrgrow")["status"] == "ok"


class Scripted(ThreadingHTTPServer):
    """A loopback server answering each request with the next scripted (status, headers, body)."""

    def __init__(self, answers):
        self.answers, self.seen = list(answers), []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.seen.append(self.path)
                status, headers, body = server.answers.pop(0)
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


PAGE = {"data": [{"id": "20", "text": "hello", "created_at": "2026-10-30T10:00:00.000Z"}],
        "meta": {"result_count": 1, "newest_id": "20", "oldest_id": "20"}}


def test_a_429_without_a_reset_header_backs_off_instead_of_asking_again_at_once():
    sleeps = []
    server = Scripted([(429, {}, {"title": "Too Many Requests"}), (429, {}, {"title": "Too Many Requests"}),
                       (200, {}, PAGE)])
    try:
        client = x.XClient(TOKEN, server.base_url, policy=FAST, sleep=sleeps.append)
        body = client.call(x.USER_TWEETS, "get_users_tweets", "1", what="posts of @Test")
    finally:
        server.shutdown()
    assert body == PAGE
    assert len(sleeps) == 2 and all(0 < s <= FAST.backoff.cap_seconds for s in sleeps)


@pytest.mark.parametrize("status, problem, expected", [
    (404, {"title": "Not Found Error", "detail": "Could not find user"}, "no such resource"),
    (403, {"title": "Forbidden", "detail": "User has been suspended"}, "refused access"),
])
def test_a_timeline_answering_404_or_403_fails_that_account(status, problem, expected):
    server = Scripted([(status, {}, problem)])
    try:
        client = x.XClient(TOKEN, server.base_url, policy=FAST)
        item = {"account_key": "x:test", "handle": "Test", "account_id": "1", "protected": False, "watermarks": {}}
        with pytest.raises(x.XAccountUnavailable, match=expected):
            x.fetch_account(client, item, day=DAY)
    finally:
        server.shutdown()


# --- schema drift ------------------------------------------------------------------------------------

def test_schema_drift_tolerates_missing_fields_and_sets_aside_posts_without_id_or_time(fake, registered, org):
    fake.set_switches(x_schema_drift=True)
    run = Run(fake, "drift")
    assert run.errors == {}
    set_aside = query("select source, entity, reason, landing_path, raw from ops_quarantine order by landing_path")
    assert {"no id" if r[2] == "post without an id" else "no time" if r[2].endswith("without created_at") else r[2]
            for r in set_aside} == {"no id", "no time"}
    assert {r[0] for r in set_aside} == {"x"} and {r[1] for r in set_aside} >= {"tweets", "mentions"}
    assert all(r[3].startswith("file://") and "/x/" in r[3] for r in set_aside)
    assert all("created_at" not in json.loads(r[4]) or "id" not in json.loads(r[4]) for r in set_aside)
    grow = org.account("x:mcrgrow")
    pages = -(-len(list(org.posts(grow))) // 10)
    stored = query("select count(*), count(likes), count(conversation_id) from platform_posts "
                   "where account_id = ?", grow.platform_id)[0]
    assert stored[0] == len(list(org.posts(grow))) - 2 * pages, "two posts a page set aside, the rest loaded"
    assert stored[1] == stored[0] - pages, "one post a page came without metrics and is loaded all the same"
    assert run.summary_error is None, "set-aside posts do not fail an account"
    logged = dict(query("select account_key, message from platform_fetch_log"))
    assert "set aside in ops_quarantine" in logged["x:mcrgrow"]


# --- secrets, the query, the hook ----------------------------------------------------------------------

def test_the_token_never_reaches_the_logs_or_the_outcomes(fake, registered, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("tweepy").setLevel(logging.DEBUG)
    fake.set_switches(fail_next={"x.user_mentions": 1})
    run = Run(fake, "logs")
    assert any("Bearer ***" in r.getMessage() for r in caplog.records), "tweepy's header lines were redacted"
    assert TOKEN not in caplog.text
    assert TOKEN not in json.dumps(run.outcomes) and TOKEN not in json.dumps(run.plan)
    landed = [p for p in (settings().data_dir / "landing" / "x").rglob("*.gz")]
    assert landed and all(TOKEN.encode() not in gzip.decompress(p.read_bytes()) for p in landed)


def test_the_brand_query_stays_under_the_limit_and_says_what_it_left_out():
    query_text, dropped = x.brand_query(["Manchester City Council", "@ManCityCouncil", "#MCRbins", 'say "hi"'])
    assert query_text == '("Manchester City Council" OR @ManCityCouncil OR #MCRbins OR "say hi") -is:retweet'
    long = [f"Neighbourhood team number {n}" for n in range(40)]
    query_text, dropped = x.brand_query(long)
    assert len(query_text) <= x.QUERY_LIMIT and dropped and len(dropped) < len(long)
    assert x.brand_query([]) == (None, [])


def test_the_brand_search_also_asks_for_the_comparison_terms_share_of_voice_counts(fake, warehouse):
    write_registers(patterns=(("Trafford Council", "comparison"), ("Manchester City Council", "listening"),
                              ("@ManCityCouncil", "listening"), ("MCC", "branding")))
    run = Run(fake, "voice")
    assert run.plan["search"]["query"] == '("Manchester City Council" OR @ManCityCouncil OR "Trafford Council") ' \
                                          "-is:retweet", "the council's own terms first"
    texts = [r[0] for r in query("select text from platform_mentions where kind = 'brand_search'")]
    assert any("Trafford Council" in t for t in texts) and any("Manchester City Council" in t for t in texts)
    assert not any("Salford City Council" in t and "Manchester" not in t for t in texts), "only what was asked"


def test_the_hook_reads_its_connection_and_rebases_the_client(fake, monkeypatch, org):
    monkeypatch.setenv("AIRFLOW_CONN_X_TEST", json.dumps({"conn_type": "x", "host": fake.base_url,
                                                          "password": TOKEN, "extra": {"max_wait_seconds": 42}}))
    with x.XHook(x_conn_id="x_test").get_conn() as client:
        assert client.policy.max_wait_seconds == 42 and client.conn_id == "x_test"
        body = client.call(x.USERS_LOOKUP, "get_users", what="lookup", usernames=["MCRGrow"])
    assert body["data"][0]["id"] == org.account("x:mcrgrow").platform_id
    monkeypatch.setenv("AIRFLOW_CONN_X_EMPTY", json.dumps({"conn_type": "x", "host": fake.base_url}))
    with pytest.raises(x.XAppRefused, match="no bearer token"):
        x.XHook(x_conn_id="x_empty").get_conn()
    assert x.base_url_of("") is None and x.base_url_of("api.x.com") == "https://api.x.com"
