"""Fetching Graph accounts into the landing zone and loading them, against the real fake server."""

from __future__ import annotations

import gzip
import json
import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from airflow.sdk.exceptions import AirflowFailException
from support import query

from council_social.config import settings
from council_social.demo.organisation import DEMO_AS_OF, build_organisation
from council_social.demo.registers import write_registers
from council_social.fakeapi.server import FakeApiServer
from council_social.landing import read_landed
from council_social.platforms.graph import GraphClient, fetch_account
from council_social.platforms.graph_load import insight_day, load_outcomes, read_accounts, summarise
from council_social.ratelimit import Backoff
from council_social.registers.importer import land_inbox_files, load_landed_files

NOW = datetime(2026, 11, 1, 6, tzinfo=UTC)
DAY = date(2026, 11, 1)
LIBRARIES_FB = {"platform": "facebook", "handle": "manchesterlibraries", "handle_key": "manchesterlibraries"}
LIBRARIES_IG = {"platform": "instagram", "handle": "manclibraries", "handle_key": "manclibraries"}
SMALL_PAGE = {"platform": "facebook", "handle": "MCRIWD", "handle_key": "mcriwd"}
TABLES = ("platform_accounts", "platform_account_daily", "platform_posts", "platform_comments",
          "platform_mentions", "platform_insights", "ops_quarantine", "ops_watermarks")


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


def fetch(fake, *accounts, now=NOW, **options) -> list[dict]:
    with GraphClient("graph-load-token", base_url=fake.base_url, sleep=lambda s: None,
                     backoff=Backoff(0.01, 0.05, 4)) as graph:
        return [fetch_account(graph, account, day=now.date(), now=now, **options) for account in accounts]




def snapshot() -> dict[str, list[tuple]]:
    return {table: sorted(query(f"select * from {table}"), key=repr) for table in TABLES}


def landed(outcome: dict, edge: str) -> list[dict]:
    pages = [json.loads(gzip.decompress(read_landed(url)).decode()) for url in outcome["files"]]
    return [page for page in pages if page["edge"] == edge]


def with_marks(account: dict, platform: str, account_id: str) -> dict:
    """The account as read_accounts would hand it over after a load: with its watermarks."""
    marks = dict(query("select entity, value from ops_watermarks where source = ? and scope = ?", platform,
                       account_id))
    return {**account, "account_id": account_id, "watermarks": marks}


# --- what one run brings in --------------------------------------------------------------------------

def test_a_run_loads_follower_counts_posts_comments_replies_mentions_and_insights(fake, org, warehouse):
    facebook, instagram = fetch(fake, LIBRARIES_FB, LIBRARIES_IG)
    assert facebook["status"] == instagram["status"] == "ok"
    loaded = load_outcomes([facebook, instagram], "run-1", now=NOW)
    assert {k: v["status"] for k, v in loaded.items()} == {"facebook:manchesterlibraries": "ok",
                                                            "instagram:manclibraries": "ok"}
    since = NOW - timedelta(days=90)
    for account_key, outcome in (("facebook:manchesterlibraries", facebook),
                                 ("instagram:manclibraries", instagram)):
        platform, handle = account_key.split(":")
        account = org.find_account(platform, handle)
        posts = [p for p in org.posts(account, replies=False) if p.created_at >= since]
        assert query("select count(*) from platform_posts where account_id = ?", account.platform_id) == [
            (len(posts),)]
        followers = query("select followers from platform_account_daily where account_id = ?"
                          " and snapshot_date = ?", account.platform_id, DAY)
        assert followers == [(org.followers_on(account, org.as_of),)]
        assert query("select handle_key from platform_accounts where account_id = ?",
                     account.platform_id) == [(handle,)]

        comments = [c for p in posts for c in org.comments(p)]
        answered = {c.id: c for c in comments if c.reply_id}
        rows = query("select comment_id, parent_comment_id, from_account, created_at from platform_comments"
                     " where account_id = ?", account.platform_id)
        assert len(rows) == len(comments) + len(answered)
        replies = {parent: (comment_id, created) for comment_id, parent, own, created in rows if own}
        assert set(replies) == set(answered), "every reply is the account's own, under the comment it answers"
        for parent, (reply_id, created) in replies.items():
            assert reply_id == answered[parent].reply_id and created == answered[parent].replied_at
        assert all(not own for _, parent, own, _ in rows if parent is None), "the public's comments"
        assert query("select count(*) from platform_mentions where mentioned_account_id = ? and kind = 'tag'",
                     account.platform_id)[0][0] >= outcome["counts"]["mentions"] > 0

    metrics = query("select metric, count(*), min(end_date), max(end_date) from platform_insights"
                    " group by metric order by metric")
    assert {m for m, *_ in metrics} == {
        "page_follows", "page_daily_follows_unique", "page_daily_unfollows_unique", "page_media_view",
        "page_post_engagements", "page_views_total", "page_total_actions"}
    assert all(last == org.as_of - timedelta(days=1) for *_, last in metrics), "complete days only"
    page = org.find_account("facebook", "manchesterlibraries")
    assert query("select value from platform_insights where metric = 'page_follows' and end_date = ?",
                 date(2026, 10, 20)) == [(float(org.followers_on(page, date(2026, 10, 20))),)]
    lineage = query("select distinct run_id, landing_path like '%/facebook/posts/dt=2026-11-01/%'"
                    " from platform_posts where platform = 'facebook'")
    assert lineage == [("run-1", True)]


def test_daily_insight_values_count_for_the_day_that_ends_at_end_time():
    assert insight_day("2026-10-30T07:00:00+0000") == date(2026, 10, 29)
    assert insight_day("2026-01-15T08:00:00+0000") == date(2026, 1, 14)


# --- incremental, idempotent -------------------------------------------------------------------------

def test_a_second_run_fetches_only_new_items_and_a_rerun_changes_nothing(fake, org, warehouse):
    page = org.find_account("facebook", "manchesterlibraries")
    first = fetch(fake, LIBRARIES_FB, end=datetime(2026, 10, 15, tzinfo=UTC))[0]
    load_outcomes([first], "run-1", now=NOW)
    mark = query("select value from ops_watermarks where source = 'facebook' and entity = 'posts'")[0][0]
    cut = datetime(2026, 10, 15, tzinfo=UTC)
    newest = max(p.created_at for p in org.posts(page, replies=False) if p.created_at < cut)
    assert datetime.fromisoformat(mark) == newest
    assert "after" not in mark and len(landed(first, "published_posts")) >= 1

    fake.reset()
    second = fetch(fake, with_marks(LIBRARIES_FB, "facebook", page.platform_id))[0]
    posts_pages = landed(second, "published_posts")
    assert posts_pages[0]["params"]["since"] == int(newest.timestamp()) + 1
    fetched = [p["id"] for body in posts_pages for p in body["body"]["data"]]
    expected = [p.id for p in org.posts(page, replies=False) if p.created_at > newest][::-1]
    assert fetched == expected and expected, "only the posts after the watermark"
    assert fake.stats()["graph.published_posts"] == {"200": 1}
    load_outcomes([second], "run-2", now=NOW)
    assert query("select count(*) from platform_posts")[0][0] == len(
        [p for p in org.posts(page, replies=False) if p.created_at >= NOW - timedelta(days=90)])

    before = snapshot()
    again = fetch(fake, with_marks(LIBRARIES_FB, "facebook", page.platform_id))[0]
    assert again["counts"]["posts"] == 0
    loaded = load_outcomes([again], "run-3", now=NOW + timedelta(hours=1))
    assert snapshot() == before, "a rerun changes no row, lineage included"
    assert sum(v for k, v in loaded["facebook:manchesterlibraries"].items() if k.startswith("platform_")) == 0
    load_outcomes([second], "run-2-again", now=NOW + timedelta(hours=2))
    assert snapshot() == before, "loading the same pages again changes nothing"


def test_comments_are_read_again_on_recent_posts(fake, org, warehouse):
    page = org.find_account("facebook", "manchesterlibraries")
    load_outcomes(fetch(fake, LIBRARIES_FB), "run-1", now=NOW)
    recent = [p.id for p in org.posts(page, replies=False) if p.created_at >= NOW - timedelta(days=14)]
    fake.reset()
    account = {**with_marks(LIBRARIES_FB, "facebook", page.platform_id), "recent_post_ids": recent}
    again = fetch(fake, account)[0]
    assert sorted(p["node"] for p in landed(again, "comments")) == sorted(recent)


def test_a_backfill_that_leaves_a_gap_does_not_move_the_watermark(fake, org, warehouse):
    page = org.find_account("facebook", "manchesterlibraries")
    load_outcomes(fetch(fake, LIBRARIES_FB, end=datetime(2026, 9, 1, tzinfo=UTC)), "run-1", now=NOW)
    mark = query("select value from ops_watermarks where entity = 'posts'")[0][0]
    account = with_marks(LIBRARIES_FB, "facebook", page.platform_id)
    gap = fetch(fake, account, start=datetime(2026, 10, 1, tzinfo=UTC))[0]
    assert gap["backfill"] and gap["advance"]["posts"] is False
    load_outcomes([gap], "backfill", now=NOW)
    assert query("select value from ops_watermarks where entity = 'posts'")[0][0] == mark
    joined = fetch(fake, account, start=datetime(2026, 8, 20, tzinfo=UTC))[0]
    assert joined["advance"]["posts"] is True
    load_outcomes([joined], "backfill-2", now=NOW)
    assert query("select value from ops_watermarks where entity = 'posts'")[0][0] > mark


# --- bad answers -------------------------------------------------------------------------------------

def test_a_retired_metric_is_dropped_one_at_a_time_and_the_rest_loaded(fake, warehouse, caplog):
    fake.set_switches(retired_metrics=["page_media_view"])
    caplog.set_level(logging.WARNING)
    metrics = ["page_follows", "page_fans", "page_media_view", "page_post_engagements", "page_views_total"]
    outcome = fetch(fake, SMALL_PAGE, metrics=metrics)[0]
    assert outcome["status"] == "ok" and outcome["counts"]["metrics"] == 3
    assert "page_fans" in caplog.text and "use page_follows" in caplog.text
    assert "page_media_view" in caplog.text
    assert "page_media_view" in outcome["message"]
    load_outcomes([outcome], "run-1", now=NOW)
    assert [m for (m,) in query("select distinct metric from platform_insights order by 1")] == [
        "page_follows", "page_post_engagements", "page_views_total"]
    assert fake.stats()["graph.insights"]["400"] >= 2


def test_missing_and_unknown_fields_quarantine_only_what_cannot_be_keyed(fake, warehouse):
    fake.set_switches(graph_schema_drift=True)
    facebook, instagram = fetch(fake, SMALL_PAGE, LIBRARIES_IG)
    loaded = load_outcomes([facebook, instagram], "drift", now=NOW)
    assert all(v["status"] == "ok" for v in loaded.values())
    reasons = query("select source, entity, reason, landing_path, raw from ops_quarantine order by all")
    assert {(s, e) for s, e, *_ in reasons} >= {("facebook", "posts"), ("instagram", "posts"),
                                                ("facebook", "mentions"), ("instagram", "comments")}
    assert {r for _, _, r, *_ in reasons} >= {"post without created_time", "post without id",
                                              "comment without timestamp", "tagged post without id"}
    for source, _, _, path, raw in reasons:
        assert f"/{source}/" in path and "attribution_v99" in json.loads(raw), "the record as received"
    bare = query("select count(*) from platform_posts where text is null and permalink is null")[0][0]
    assert bare > 0, "records missing optional fields still load"
    kept = query("select count(*) from platform_posts")[0][0]
    assert kept == facebook["counts"]["posts"] + instagram["counts"]["posts"] - sum(
        1 for s, e, *_ in reasons if e == "posts")
    before = snapshot()
    load_outcomes([facebook, instagram], "drift-again", now=NOW)
    assert snapshot() == before, "set-aside records are not set aside twice"


def test_one_failing_account_never_stops_the_others_and_the_summary_names_it(fake, warehouse):
    deleted = {"platform": "facebook", "handle": "DeletedCouncilPage", "handle_key": "deletedcouncilpage"}
    group = {"platform": "facebook", "handle": "McrPhysicalDisabilities",
             "handle_key": "mcrphysicaldisabilities", "skip_reason": "a Facebook group"}
    accounts = [SMALL_PAGE, deleted, LIBRARIES_IG, group]
    outcomes = fetch(fake, *accounts)
    assert [o["status"] for o in outcomes] == ["ok", "failed", "ok", "skipped"]
    assert "DeletedCouncilPage" in outcomes[1]["message"] and outcomes[1]["retry"] is False
    loaded = load_outcomes(outcomes, "run-1", now=NOW)
    with pytest.raises(AirflowFailException, match=r"1 of 4 account\(s\) failed: facebook:deletedcouncil"):
        summarise([{"account_key": o["account_key"]} for o in outcomes], outcomes, loaded, "run-1", now=NOW)
    log = dict(((key, (status, items)) for key, status, items in
                query("select account_key, status, items from platform_fetch_log where run_id = 'run-1'")))
    assert log["facebook:deletedcouncilpage"] == ("failed", 0)
    assert log["facebook:mcrphysicaldisabilities"] == ("skipped", 0)
    assert log["facebook:mcriwd"][0] == log["instagram:manclibraries"][0] == "ok"
    assert log["instagram:manclibraries"][1] > 0
    assert query("select count(distinct account_id) from platform_posts")[0][0] == 2


def test_an_expired_shared_token_fails_every_account_with_the_same_advice(fake, warehouse):
    fake.set_switches(expired_tokens=["graph"])
    outcomes = fetch(fake, SMALL_PAGE, LIBRARIES_IG)
    assert [o["status"] for o in outcomes] == ["failed", "failed"]
    assert all("renew it" in o["message"] for o in outcomes)
    with pytest.raises(AirflowFailException, match="facebook:mcriwd, instagram:manclibraries"):
        summarise(None, outcomes, load_outcomes(outcomes, "run-1", now=NOW), "run-1", now=NOW)


# --- the register ------------------------------------------------------------------------------------

def test_read_accounts_lists_active_register_accounts_with_what_is_known(fake, org, warehouse):
    write_registers(org, settings().register_inbox)
    load_landed_files(land_inbox_files(DEMO_AS_OF), "registers")
    accounts = {a["account_key"]: a for a in read_accounts(now=NOW)}
    expected = {a.key for a in org.accounts if a.platform in ("facebook", "instagram") and a.in_register
                and a.status == "active"}
    assert set(accounts) == expected
    assert accounts["facebook:mcrphysicaldisabilities"]["skip_reason"].startswith("a Facebook group")
    assert accounts["instagram:manclibraries"]["watermarks"] == {}

    load_outcomes(fetch(fake, accounts["instagram:manclibraries"]), "run-1", now=NOW)
    known = {a["account_key"]: a for a in read_accounts(now=NOW)}["instagram:manclibraries"]
    assert known["account_id"] == org.find_account("instagram", "manclibraries").platform_id
    assert set(known["watermarks"]) == {"posts", "mentions"}
    assert known["recent_post_ids"] and len(known["recent_post_ids"]) == len(
        [p for p in org.posts(org.find_account("instagram", "manclibraries"), replies=False)
         if p.created_at >= NOW - timedelta(days=14)])
