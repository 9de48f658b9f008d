"""Retention deletes exactly what is older than the cutoff, in the warehouse and the landing zone.

The cutoff is a Europe/London day: in summer, 00:30 in London is still the previous day in UTC,
so the boundary rows below sit on different UTC days from their London ones on purpose.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pytest
from privacy.people import add
from support import query

from council_social.landing import land_bytes, land_json_lines, landing_root
from council_social.privacy.retention import cutoff_for, enforce_retention

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 1)
CUTOFF = TODAY - timedelta(days=90)  # 2026-08-03: the first day kept
LAST_OLD = datetime.combine(CUTOFF - timedelta(days=1), time(23, 30), LONDON).astimezone(UTC)
FIRST_KEPT = datetime.combine(CUTOFF, time(0, 30), LONDON).astimezone(UTC)
UNCOUNTED = datetime.combine(CUTOFF - timedelta(days=5), time(12), LONDON).astimezone(UTC)
ANCIENT = datetime.combine(CUTOFF - timedelta(days=20), time(12), LONDON).astimezone(UTC)


def connect(path):
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    return con


def no_refresh(con, **_):
    """The listening refresh stand-in: the aggregates are as the test wrote them."""


def retire(warehouse, *, today=TODAY, dry_run=False, refresh=no_refresh, run_id="r1"):
    con = connect(warehouse)
    try:
        return enforce_retention(con, landing_root(), today=today, retention_days=90, dry_run=dry_run, run_id=run_id,
                                 now=datetime.combine(today, time(2, 30), LONDON), refresh_aggregates=refresh)
    finally:
        con.close()


def x_mention(con, mention_id: str, at: datetime) -> None:
    add(con, "platform_mentions", platform="x", mention_id=mention_id, kind="mention", author_id="9" + mention_id,
        author_handle=f"resident_{mention_id}", author_name="A Resident", text="bins again", created_at=at)


def scenario(warehouse) -> None:
    con = connect(warehouse)
    assert LAST_OLD.date() == CUTOFF - timedelta(days=1) and FIRST_KEPT.date() == CUTOFF - timedelta(days=1)
    x_mention(con, "1", LAST_OLD)
    x_mention(con, "2", FIRST_KEPT)
    x_mention(con, "3", UNCOUNTED)  # its day is not in the aggregates yet: held
    x_mention(con, "4", ANCIENT)  # held too long: goes anyway
    for comment_id, at, council in (("c1", LAST_OLD, False), ("c2", LAST_OLD, True), ("c3", FIRST_KEPT, False)):
        add(con, "platform_comments", platform="facebook", comment_id=comment_id, post_id="p", account_id="page",
            author_id=None if council else "77", author_name="Page" if council else "A Resident",
            from_account=council, text="hello", created_at=at)
    add(con, "platform_posts", platform="x", post_id="p1", account_id="100", created_at=ANCIENT, text="Council news")
    for mention_id, at, council in (("1", LAST_OLD, False), ("5", LAST_OLD, True), ("2", FIRST_KEPT, False)):
        add(con, "listening_mentions", platform="x", mention_id=mention_id, source_kind="mention",
            author_is_council=council, author_handle="resident", text="bins again", created_at=at,
            day=at.astimezone(LONDON).date())
    for key, at in (("x:h1", LAST_OLD), ("x:h2", FIRST_KEPT)):
        add(con, "hootsuite_mentions", mention_key=key, platform="x", mention_id=key, author_handle="@resident",
            text="bins", created_at=at)
    add(con, "listening_moderation_queue", platform="facebook", mention_id="c1", created_at=LAST_OLD,
        queued_at=FIRST_KEPT)
    add(con, "listening_moderation_queue", platform="facebook", mention_id="c3", created_at=FIRST_KEPT,
        queued_at=FIRST_KEPT)
    for sha, source, entity, at in (("a", "x", "mentions", LAST_OLD), ("b", "registers", "accounts", ANCIENT),
                                    ("c", "x", "mentions", FIRST_KEPT)):
        add(con, "ops_quarantine", file_sha256=sha * 64, source=source, entity=entity, reason="bad",
            raw={"text": "hello"}, quarantined_at=at)
    for key, rule, last_seen in (("L01:old", "L01", CUTOFF - timedelta(days=1)), ("L01:new", "L01", CUTOFF),
                                 ("A03:old", "A03", CUTOFF - timedelta(days=10))):
        add(con, "report_findings", finding_key=key, rule=rule, subject_key=key, subject_name="@resident",
            summary="s", evidence={"text": "bins again"}, first_seen=last_seen, last_seen=last_seen)
    for batch, at in (("old", LAST_OLD), ("new", FIRST_KEPT)):
        add(con, "ops_validation_results", batch_id=batch, suite="s", expectation="e", examples=["@resident"],
            validated_at=at)
    for day, platform in ((CUTOFF - timedelta(days=1), "x"), (CUTOFF - timedelta(days=1), "facebook"),
                          (CUTOFF, "x")):
        add(con, "listening_daily", day=day, platform=platform, council_account="x:mcc", source_kind="mention",
            mentions=2)
    con.close()


def landing() -> dict[str, str]:
    day = CUTOFF - timedelta(days=1)
    pages = {"x/mentions old": ("x", "mentions", day), "x/mentions kept": ("x", "mentions", CUTOFF),
             "x/search old": ("x", "search", CUTOFF - timedelta(days=40)),
             "x/tweets old": ("x", "tweets", CUTOFF - timedelta(days=30)),
             "facebook/comments old": ("facebook", "comments", day), "facebook/posts old": ("facebook", "posts", day)}
    urls = {label: land_json_lines([{"body": {"data": [{"id": label}]}}], source=source, entity=entity, day=d,
                                   name=label.replace(" ", "_").replace("/", "_"))
            for label, (source, entity, d) in pages.items()}
    urls["register"] = land_bytes(b"account_name,url\nMCC,x.com/mcc\n", source="registers", entity="accounts",
                                  day=date(2026, 1, 1), name="account_register.csv")
    urls["stream export"] = land_bytes(b"Author,Message\n@resident,bins\n", source="hootsuite", entity="exports",
                                       day=day, name="stream.csv")
    urls["messages export"] = land_bytes(b"Message,Sent by\nNews,comms@mcc\n", source="hootsuite", entity="exports",
                                         day=day, name="sent.csv")
    return urls


def ledger(warehouse, urls) -> None:
    con = connect(warehouse)
    for label, entity in (("stream export", "mentions"), ("messages export", "messages")):
        con.execute("insert into ops_file_ledger (file_sha256, source, entity, original_name, landing_path,"
                    " received_at, status, loaded_at) values (?, 'hootsuite', ?, ?, ?, now(), 'loaded', now())",
                    [label, entity, label, urls[label]])
    con.close()


def present(urls) -> set[str]:
    from council_social.landing import _path

    return {label for label, url in urls.items() if _path(url).exists()}


def test_the_cutoff_is_the_first_day_kept():
    assert cutoff_for(TODAY, 90) == date(2026, 8, 3)
    with pytest.raises(ValueError):
        cutoff_for(TODAY, 0)


def test_retention_deletes_exactly_what_is_older_than_the_cutoff(warehouse):
    scenario(warehouse)
    urls = landing()
    ledger(warehouse, urls)

    outcome = retire(warehouse)

    assert query("select mention_id from platform_mentions order by 1") == [("2",), ("3",)]
    assert outcome.held == {"platform_mentions": 1}, "mention 3's day is not counted yet; mention 4 waited too long"
    assert query("select comment_id from platform_comments order by 1") == [("c2",), ("c3",)], \
        "the public's old comment goes; the council's own reply stays"
    assert query("select post_id from platform_posts") == [("p1",)], "council posts are kept"
    assert query("select mention_id from listening_mentions order by 1") == [("2",), ("5",)]
    assert query("select mention_key from hootsuite_mentions") == [("x:h2",)]
    assert query("select mention_id from listening_moderation_queue") == [("c3",)]
    assert query("select source, quarantined_at from ops_quarantine order by 1, 2") == [
        ("registers", ANCIENT), ("x", FIRST_KEPT)]
    assert query("select finding_key, subject_name, evidence is null, status from report_findings order by 1") == [
        ("A03:old", "@resident", False, "open"), ("L01:new", "@resident", False, "open"),
        ("L01:old", None, True, "open")]
    assert query("select batch_id, examples from ops_validation_results order by 1") == [
        ("new", ["@resident"]), ("old", None)]
    assert query("select count(*), sum(mentions) from listening_daily") == [(3, 6)], "aggregates are kept"
    assert outcome.removed == {"platform_mentions": 2, "platform_comments": 1, "hootsuite_mentions": 1,
                               "listening_mentions": 1, "listening_moderation_queue": 1, "ops_quarantine": 1}
    assert outcome.cleared == {"ops_validation_results": 1, "report_findings": 1}

    assert present(urls) == {"x/mentions kept", "x/tweets old", "facebook/posts old", "register", "messages export"}
    assert (outcome.partitions_removed, outcome.files_removed) == (3, 4)
    assert outcome.landing == {"x/mentions": 1, "x/search": 1, "facebook/comments": 1, "hootsuite/exports": 1}

    log = query("select run_id, run_date, cutoff, retention_days, dry_run, rows_removed::varchar,"
                " landing_partitions_removed, landing_files_removed from privacy_retention_log")
    assert len(log) == 1 and log[0][:5] == ("r1", TODAY, CUTOFF, 90, False) and log[0][6:] == (3, 4)
    assert '"platform_mentions": 2' in log[0][5]


def test_a_second_run_removes_nothing_more(warehouse):
    scenario(warehouse)
    urls = landing()
    ledger(warehouse, urls)
    retire(warehouse)
    left = {t: query(f"select count(*) from {t}")[0][0] for t in ("platform_mentions", "platform_comments",
                                                                  "listening_mentions", "ops_quarantine")}

    again = retire(warehouse, run_id="r2")

    assert sum(again.removed.values()) == sum(again.cleared.values()) == again.files_removed == 0
    assert again.held == {"platform_mentions": 1}
    assert {t: query(f"select count(*) from {t}")[0][0] for t in left} == left
    assert present(urls) == {"x/mentions kept", "x/tweets old", "facebook/posts old", "register", "messages export"}
    assert query("select count(*) from privacy_retention_log") == [(2,)]


def test_a_dry_run_counts_and_removes_nothing(warehouse):
    scenario(warehouse)
    urls = landing()
    ledger(warehouse, urls)

    outcome = retire(warehouse, dry_run=True)

    assert outcome.removed["platform_mentions"] == 2 and outcome.files_removed == 4
    assert query("select count(*) from platform_mentions") == [(4,)]
    assert present(urls) == set(urls)
    assert query("select dry_run from privacy_retention_log") == [(True,)]


def test_held_rows_go_once_their_day_is_counted(warehouse):
    scenario(warehouse)
    retire(warehouse)
    con = connect(warehouse)
    add(con, "listening_daily", day=CUTOFF - timedelta(days=5), platform="x", council_account="x:mcc",
        source_kind="mention", mentions=1)
    con.close()

    outcome = retire(warehouse, run_id="r2")

    assert outcome.removed["platform_mentions"] == 1 and outcome.held == {}
    assert query("select mention_id from platform_mentions") == [("2",)]


def test_the_listening_aggregates_are_brought_up_to_date_before_mentions_go(warehouse):
    """With the real listening refresh: a mention counted while it was young keeps its count after it goes."""
    day = CUTOFF  # kept today, old tomorrow
    con = connect(warehouse)
    add(con, "platform_mentions", platform="x", mention_id="42", kind="brand_search", author_id="942",
        author_handle="resident_42", author_name="A Resident", text="Manchester bins are great",
        created_at=datetime.combine(day, time(12), LONDON).astimezone(UTC))
    con.close()

    first = retire(warehouse, refresh=None)
    assert first.aggregates_refreshed and sum(first.removed.values()) == 0
    counted = query("select day, platform, sum(mentions) from listening_daily group by all")
    assert counted == [(day, "x", 1)]

    second = retire(warehouse, today=TODAY + timedelta(days=1), refresh=None, run_id="r2")

    assert second.removed["platform_mentions"] == 1 and second.removed["listening_mentions"] == 1
    assert query("select count(*) from platform_mentions") == [(0,)]
    assert query("select day, platform, sum(mentions) from listening_daily group by all") == counted
