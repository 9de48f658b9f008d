"""The three-month new-account benefit review (rule N01) over a small golden warehouse.

Four accounts go live on 30 April 2026 and reach three months on 30 July 2026, a window of exactly
13 weeks (91 days), so every expected figure below is worked out by hand:

* x:greenacct       X, measured on impressions: every target met, each exactly at target.
* facebook:amberpage Facebook, measured on page insights: followers and engagement exactly 10% below
                    target (amber), posts on target, response rate 40% against 80% (red).
* instagram:redgram Instagram, measured per follower: three targets red, no comments (response not rated).
* x:notargets       no business-case targets at all.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import UTC, date, datetime, timedelta

import pytest

from council_social.policy import DEFAULTS
from council_social.reporting import benefit
from council_social.warehouse.connection import connect

GO_LIVE = date(2026, 4, 30)
REVIEW = date(2026, 7, 30)
NOW = datetime(2026, 8, 1, tzinfo=UTC)
LEDGER = "registers-accounts-1"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def insert(con, table: str, rows: list[dict]) -> None:
    shapes: dict[tuple[str, ...], list[list]] = {}
    for row in rows:
        shapes.setdefault(tuple(row), []).append(list(row.values()))
    for columns, values in shapes.items():
        con.executemany(f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
                        values)


def register(platform: str, handle: str, *, go_live: date | None = GO_LIVE, status: str = "active",
             targets: tuple | None = None) -> dict:
    followers, posts, engagement, response = targets or (None, None, None, None)
    return {
        "platform": platform, "handle": handle, "handle_key": handle.lower(), "account_name": f"Account {handle}",
        "go_live_on": go_live, "target_followers": followers, "target_posts_per_week": posts,
        "target_engagement_rate": engagement, "target_response_rate": response, "status": status,
        "file_sha256": LEDGER, "effective_from": date(2026, 1, 1), "source_line": 2, "loaded_at": NOW,
    }


def platform_account(platform: str, account_id: str, handle: str) -> dict:
    return {"platform": platform, "account_id": account_id, "handle": handle, "handle_key": handle.lower(),
            "landing_path": "test", "loaded_at": NOW}


def followers(platform: str, account_id: str, counts: dict[date, int]) -> list[dict]:
    return [{"platform": platform, "account_id": account_id, "snapshot_date": day, "followers": n,
             "landing_path": "test", "loaded_at": NOW} for day, n in counts.items()]


def post(platform: str, account_id: str, post_id: str, when: datetime, *, likes: int = 0, replies: int = 0,
         reposts: int | None = 0, quotes: int | None = 0, impressions: int | None = None,
         in_reply_to: str | None = None, reposted: str | None = None) -> dict:
    return {"platform": platform, "post_id": post_id, "account_id": account_id, "created_at": when,
            "likes": likes, "replies": replies, "reposts": reposts, "quotes": quotes, "impressions": impressions,
            "in_reply_to_id": in_reply_to, "reposted_id": reposted, "landing_path": "test", "loaded_at": NOW}


def mention(mention_id: str, account_id: str, when: datetime, *, author: str = "resident", kind: str = "mention",
            text: str = "@GreenAcct when is my bin collection?"):
    return {"platform": "x", "mention_id": mention_id, "kind": kind, "mentioned_account_id": account_id,
            "author_id": author, "text": text, "created_at": when, "landing_path": "test", "loaded_at": NOW}


def comment(platform: str, comment_id: str, post_id: str, account_id: str, when: datetime, *,
            own: bool = False, parent: str | None = None, text: str = "What time does it open?") -> dict:
    return {"platform": platform, "comment_id": comment_id, "post_id": post_id, "account_id": account_id,
            "parent_comment_id": parent, "author_id": account_id if own else "resident", "from_account": own,
            "text": text, "created_at": when, "landing_path": "test", "loaded_at": NOW}


def week_ends(start: date = GO_LIVE, weeks: int = 13) -> list[date]:
    return [start + timedelta(days=7 * n + 6) for n in range(weeks)]


def golden(con) -> None:
    """The golden organisation: registers, platform accounts and three months of activity."""
    insert(con, "ops_file_ledger", [{
        "file_sha256": LEDGER, "source": "registers", "entity": "accounts", "original_name": "accounts.csv",
        "landing_path": "test", "received_at": NOW, "effective_from": date(2026, 1, 1), "status": "loaded",
        "loaded_at": NOW}])
    insert(con, "register_accounts", [
        register("x", "GreenAcct", targets=(1000, 2, 2.0, 50)),
        register("facebook", "AmberPage", targets=(1000, 3, 5.0, 80)),
        register("instagram", "RedGram", targets=(5000, 5, 3.0, 90)),
        register("x", "NoTargets"),
        register("x", "DueLater", go_live=date(2026, 5, 1), targets=(100, 1, 1.0, 10)),
        register("x", "OldAcct", go_live=date(2025, 1, 1), targets=(100, 1, 1.0, 10)),
        register("x", "Archived", status="archived", targets=(100, 1, 1.0, 10)),
        register("x", "NoGoLive", go_live=None, targets=(100, 1, 1.0, 10)),
    ])
    insert(con, "platform_accounts", [
        platform_account("x", "1", "GreenAcct"), platform_account("facebook", "2", "AmberPage"),
        platform_account("instagram", "3", "RedGram"), platform_account("x", "4", "NoTargets"),
        platform_account("x", "5", "DueLater"),
    ])

    # x:greenacct: followers climb from 100 to 990 at the last week's end and 1,000 read on the review date.
    ends = week_ends()
    counts = {day: 100 + 75 * n for n, day in enumerate(ends)}
    counts[ends[-1]] = 990
    counts[REVIEW] = 1000
    counts[REVIEW + timedelta(days=1)] = 5000  # after the review date: not counted
    insert(con, "platform_account_daily", followers("x", "1", counts))
    # 26 original posts (2 a week), 20 engagements on 1,000 impressions each: 2.0% exactly.
    posts = [post("x", "1", "x-first", datetime(2026, 4, 29, 23, 30, tzinfo=UTC),  # 00:30 on 30 April, UK time
                  likes=10, replies=4, reposts=4, quotes=2, impressions=1000)]
    for n in range(25):
        day = GO_LIVE + timedelta(days=(7 * (n + 1)) // 2)
        posts.append(post("x", "1", f"x-{n}", at(day), likes=14, replies=2, reposts=3, quotes=1, impressions=1000))
    posts += [
        post("x", "1", "x-late", datetime(2026, 7, 29, 23, 30, tzinfo=UTC), likes=999, impressions=1),  # 30 July, UK
        post("x", "1", "x-before", at(GO_LIVE - timedelta(days=1)), likes=999, impressions=1),
        post("x", "1", "x-repost", at(date(2026, 5, 20)), likes=999, impressions=1, reposted="elsewhere"),
    ]
    # Mentions asking something: answered in 1 hour and in 23 h 59 m (on time), in 30 hours (late), never;
    # three not counted (the account's own, another account's, one that asks nothing).
    m1, m2, m3 = at(date(2026, 5, 4)), at(date(2026, 6, 1)), at(date(2026, 6, 20))
    insert(con, "platform_mentions", [
        mention("m1", "1", m1), mention("m2", "1", m2), mention("m3", "1", m3),
        mention("m4", "1", at(date(2026, 7, 1))),
        mention("m-self", "1", at(date(2026, 7, 2)), author="1"),
        mention("m-other", "9", at(date(2026, 7, 2)), text="@SomeoneElse when is my bin collection?"),
        mention("m-thanks", "1", at(date(2026, 7, 3)), text="Great work @GreenAcct, thank you"),
    ])
    posts += [
        post("x", "1", "r1", m1 + timedelta(hours=1), in_reply_to="m1"),
        post("x", "1", "r2", m2 + timedelta(hours=23, minutes=59), in_reply_to="m2"),
        post("x", "1", "r3", m3 + timedelta(hours=30), in_reply_to="m3"),
    ]

    # facebook:amberpage: 900 followers (10% below 1,000); 39 posts (3 a week); 450 engagements on
    # 10,000 page views from insights (4.5%, 10% below 5.0%); 2 of 5 comments answered on time (40%).
    insert(con, "platform_account_daily", followers("facebook", "2", {ends[-1]: 900, ends[0]: 300}))
    for n in range(39):
        posts.append(post("facebook", "2", f"fb-{n}", at(GO_LIVE + timedelta(days=(7 * n) // 3)), likes=50,
                          reposts=None, quotes=None))
    insight_rows = [
        (day, metric, value)
        for day, engagements, views in ((GO_LIVE, 150, 4000), (date(2026, 6, 1), 300, 6000),
                                        (REVIEW, 9999, 1))  # the review date is outside the window
        for metric, value in (("page_post_engagements", engagements), ("page_media_view", views))
    ]
    # The page's daily follower count from insights fills days with no count read from the page itself.
    insight_rows += [(date(2026, 5, 13), "page_follows", 450), (ends[-1], "page_follows", 950)]
    insert(con, "platform_insights", [
        {"platform": "facebook", "account_id": "2", "metric": metric, "period": "day", "end_date": day,
         "value": value, "landing_path": "test", "loaded_at": NOW} for day, metric, value in insight_rows])
    comments = []
    for n in range(5):
        when = at(date(2026, 5, 10) + timedelta(days=n))
        comments.append(comment("facebook", f"c{n}", f"fb-{n}", "2", when))
        if n < 2:
            comments.append(comment("facebook", f"c{n}-reply", f"fb-{n}", "2", when + timedelta(hours=2),
                                    own=True, parent=f"c{n}"))
    comments.append(comment("facebook", "c-thread", "fb-1", "2", at(date(2026, 5, 12)), parent="c1",
                            text="Same here, lovely day"))
    insert(con, "platform_comments", comments)

    # instagram:redgram: 2,000 followers against 5,000; 13 posts (1 a week) each with 20 engagements when
    # the account had 1,000 followers (2% against 3%); no comments at all.
    insert(con, "platform_account_daily",
           followers("instagram", "3", {GO_LIVE: 1000, REVIEW - timedelta(days=1): 2000}))
    for n in range(13):
        posts.append(post("instagram", "3", f"ig-{n}", at(GO_LIVE + timedelta(days=7 * n)), likes=15, replies=5,
                          reposts=None, quotes=None))

    # x:notargets: some activity, nothing to judge it against.
    insert(con, "platform_account_daily", followers("x", "4", {ends[-1]: 50}))
    posts.append(post("x", "4", "nt-1", at(date(2026, 5, 5)), likes=1, impressions=100))

    # x:duelater: 92 days from 1 May, so its last week has 8 days; 2 posts in it. Followers were first
    # read after the review date.
    insert(con, "platform_account_daily", followers("x", "5", {date(2026, 8, 5): 300}))
    posts += [post("x", "5", "dl-1", at(date(2026, 7, 25)), impressions=10),
              post("x", "5", "dl-2", at(date(2026, 7, 31)), impressions=10)]
    insert(con, "platform_posts", posts)


@pytest.fixture
def con(warehouse):
    from council_social.listening.mentions import refresh

    with connect(warehouse) as connection:
        golden(connection)
        refresh(connection, run_id="test", now=NOW)  # the listening counts the response rate reads
        yield connection


@pytest.fixture
def policy():
    return deepcopy(DEFAULTS)


def record_run(con, subject: str, as_of: date) -> None:
    platform, _, handle = subject.partition(":")
    con.execute("insert or replace into report_runs (report, period, as_of, subject, output_dir, generated_at) "
                "values ('new_account_benefit', ?, ?, ?, 'out', now())", [f"{platform}-{handle}-{as_of}", as_of,
                                                                             subject])


# --- red, amber, green -------------------------------------------------------------------------------

@pytest.mark.parametrize(("actual", "target", "expected"), [
    (1000, 1000, "green"),           # exactly at target
    (1001, 1000, "green"),
    (900, 1000, "amber"),            # exactly 10% below
    (999.99, 1000, "amber"),
    (899.99, 1000, "red"),           # just past the tolerance
    (1.8, 2.0, "amber"),             # 10% below, in floating point
    (1.79, 2.0, "red"),
    (4.5, 5, "amber"),
    (0, 0, "green"),
    (None, 1000, "grey"),            # no data
    (1000, None, "grey"),            # no target
])
def test_rag_boundaries_are_exact(actual, target, expected):
    assert benefit.rag(actual, target, 10) == expected


def test_rag_follows_the_tolerance_it_is_given():
    assert benefit.rag(850, 1000, 10) == "red"
    assert benefit.rag(850, 1000, 15) == "amber"
    assert benefit.rag(849, 1000, 15) == "red"


# --- which accounts are due, once ------------------------------------------------------------------------

def test_due_on_the_review_date_not_before(con, policy):
    assert benefit.accounts_due(con, REVIEW - timedelta(days=1), policy=policy) == []
    assert benefit.accounts_due(con, REVIEW, policy=policy) == [
        "facebook:amberpage", "instagram:redgram", "x:greenacct", "x:notargets"]


def test_archived_without_go_live_and_long_past_accounts_are_not_due(con, policy):
    due = benefit.accounts_due(con, date(2026, 8, 15), policy=policy)
    assert "x:archived" not in due and "x:nogolive" not in due and "x:oldacct" not in due
    assert "x:duelater" in due


def test_produced_once_then_not_due_again(con, policy):
    record_run(con, "x:greenacct", REVIEW)
    assert "x:greenacct" not in benefit.accounts_due(con, REVIEW, policy=policy)
    assert "x:greenacct" not in benefit.accounts_due(con, REVIEW + timedelta(days=1), policy=policy)
    assert "facebook:amberpage" in benefit.accounts_due(con, REVIEW + timedelta(days=1), policy=policy)


def test_a_missed_day_is_caught_up(con, policy):
    # x:duelater reaches three months on 1 August; the check did not run that day.
    assert "x:duelater" not in benefit.accounts_due(con, date(2026, 7, 31), policy=policy)
    assert "x:duelater" in benefit.accounts_due(con, date(2026, 8, 1), policy=policy)
    assert "x:duelater" in benefit.accounts_due(con, date(2026, 8, 3), policy=policy)
    record_run(con, "x:duelater", date(2026, 8, 3))
    assert "x:duelater" not in benefit.accounts_due(con, date(2026, 8, 4), policy=policy)


def test_an_interim_report_does_not_stand_for_the_review(con, policy):
    record_run(con, "x:duelater", date(2026, 6, 15))
    assert "x:duelater" in benefit.accounts_due(con, date(2026, 8, 1), policy=policy)


def test_a_review_more_than_the_review_period_overdue_is_left_to_be_asked_for(con, policy):
    assert "x:greenacct" in benefit.accounts_due(con, date(2026, 10, 29), policy=policy)
    assert "x:greenacct" not in benefit.accounts_due(con, date(2026, 10, 30), policy=policy)


def test_review_period_comes_from_the_policy(con, policy):
    policy["rules"]["N01_review_after_months"] = 1
    assert benefit.accounts_due(con, date(2026, 5, 30), policy=policy) == [
        "facebook:amberpage", "instagram:redgram", "x:greenacct", "x:notargets"]


# --- weekly series and whole-window actuals ---------------------------------------------------------------

def test_weekly_series_for_an_account(con, policy):
    rows = benefit.measures(con, ["x:greenacct"], REVIEW, policy=policy)
    weeks = [r for r in rows if r["week"] is not None]
    assert len(weeks) == 13
    assert (weeks[0]["week_start"], weeks[0]["week_end"], weeks[0]["days"]) == (GO_LIVE, date(2026, 5, 6), 7)
    assert (weeks[-1]["week_start"], weeks[-1]["week_end"]) == (date(2026, 7, 23), date(2026, 7, 29))
    assert [w["followers"] for w in weeks] == [100 + 75 * n for n in range(12)] + [990]
    assert [w["posts"] for w in weeks] == [2] * 13
    assert all(w["posts_per_week"] == 2.0 for w in weeks)
    assert all(w["engagement_rate"] == pytest.approx(2.0) for w in weeks)
    assert all(w["engagement_basis"] == "impressions" for w in weeks)
    assert [w["received"] for w in weeks] == [1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    assert [w["answered"] for w in weeks] == [1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert weeks[0]["response_rate"] == 100.0 and weeks[1]["response_rate"] is None


def test_the_response_rate_outlives_the_mentions_retention_removes(con, policy):
    """Retention deletes what the public wrote after 90 days, before a three-month review reaches back."""
    keys = ["x:greenacct", "facebook:amberpage"]

    def responses():
        return sorted((r["account_key"], r["week"] if r["week"] is not None else -1, r["received"], r["answered"])
                      for r in benefit.measures(con, keys, REVIEW, policy=policy))

    before = responses()
    assert ("x:greenacct", -1, 4, 2) in before and ("facebook:amberpage", -1, 5, 2) in before
    for table in ("platform_mentions", "listening_mentions"):
        con.execute(f"delete from {table}")
    con.execute("delete from platform_comments where not from_account")
    assert responses() == before


def test_whole_window_actuals_against_targets(con, policy):
    rows = benefit.measures(con, ["x:greenacct", "facebook:amberpage", "instagram:redgram", "x:notargets"],
                            REVIEW, policy=policy)
    window = {r["account_key"]: r for r in rows if r["week"] is None}
    green, amber, red = window["x:greenacct"], window["facebook:amberpage"], window["instagram:redgram"]
    assert (green["window_end"], green["days"], green["followers"], green["posts"]) == (REVIEW, 91, 1000, 26)
    assert green["followers_read_on"] == REVIEW
    assert (green["engagements"], green["engagement_base"], green["received"], green["answered"]) == (
        520, 26000, 4, 2)
    assert (green["target_followers"], green["target_engagement_rate"]) == (1000, 2.0)
    assert amber["engagement_basis"] == "insights"
    assert (amber["followers"], amber["posts_per_week"], amber["engagement_rate"], amber["response_rate"]) == (
        900, 3.0, pytest.approx(4.5), 40.0)
    assert red["engagement_basis"] == "followers"
    assert (red["followers"], red["posts_per_week"], red["engagement_rate"]) == (2000, 1.0, pytest.approx(2.0))
    assert (red["received"], red["response_rate"]) == (0, None)
    assert window["x:notargets"]["target_followers"] is None


def test_followers_from_page_insights_where_none_were_read(con, policy):
    weeks = [r for r in benefit.measures(con, ["facebook:amberpage"], REVIEW, policy=policy)
             if r["week"] is not None]
    assert [w["followers"] for w in weeks] == [300, 450] + [None] * 10 + [900]  # the page's own read wins


def test_followers_first_read_after_the_review_date_stand_in(con, policy):
    def window(as_of):
        return next(r for r in benefit.measures(con, ["x:duelater"], as_of, policy=policy) if r["week"] is None)

    assert (window(date(2026, 8, 1))["followers"], window(date(2026, 8, 1))["followers_read_on"]) == (None, None)
    assert (window(date(2026, 8, 10))["followers"], window(date(2026, 8, 10))["followers_read_on"]) == (
        300, date(2026, 8, 5))
    report = benefit.build_benefit(con, account_key="x:duelater", as_of=date(2026, 8, 10), policy=policy)
    assert report.summary[0].note == "no count read by the review date; this one was read on 5 August 2026"


def test_leftover_days_join_the_last_week(con, policy):
    weeks = [r for r in benefit.measures(con, ["x:duelater"], date(2026, 8, 1), policy=policy)
             if r["week"] is not None]
    assert len(weeks) == 13
    assert (weeks[-1]["week_start"], weeks[-1]["week_end"], weeks[-1]["days"]) == (
        date(2026, 7, 24), date(2026, 7, 31), 8)
    assert weeks[-1]["posts"] == 2 and weeks[-1]["posts_per_week"] == pytest.approx(1.75)


# --- the report ---------------------------------------------------------------------------------------

def test_green_account_meets_its_business_case(con, policy):
    report = benefit.build_benefit(con, account_key="x:greenacct", as_of=REVIEW, policy=policy)
    assert report.report == "new_account_benefit"
    assert report.period == "x-greenacct-2026-07-30"
    assert report.verdict == "Meets its business case on all 4 targets"
    assert [(m.label, m.actual, m.target, m.rag) for m in report.summary] == [
        ("Followers", 1000, 1000, "green"), ("Posts a week", 2.0, 2.0, "green"),
        ("Engagement rate", 2.0, 2.0, "green"), ("Response rate", 50.0, 50.0, "green")]
    assert report.findings == ()
    assert [c.name for c in report.charts] == [
        "n01-x-greenacct-followers", "n01-x-greenacct-posts_per_week", "n01-x-greenacct-engagement_rate",
        "n01-x-greenacct-response_rate"]
    assert all(c.png.startswith(b"\x89PNG") for c in report.charts)
    (weekly,) = report.sections[1].tables
    assert weekly.rows[0] == (1, date(2026, 5, 6), 100, 2, 2.0, 2.0, 1, 1, 100.0)
    assert weekly.rows[-1] == (13, date(2026, 7, 29), 990, 2, 2.0, 2.0, 0, 0, None)
    assert "Requests for new Social Media Accounts" in report.sections[0].intro


def test_amber_and_red_account_has_an_n01_finding(con, policy):
    report = benefit.build_benefit(con, account_key="facebook:AmberPage", as_of=REVIEW, policy=policy)
    assert [m.rag for m in report.summary] == ["amber", "green", "amber", "red"]
    assert report.verdict == ("Meets its business case on 1 of 4 targets; response rate 50% below target: red; "
                              "followers 10% below target: amber; engagement rate 10% below target: amber")
    (finding,) = report.findings
    assert (finding.rule, finding.subject_key, finding.subject_kind) == ("N01", "facebook:amberpage", "account")
    assert "Requests for new Social Media Accounts" in finding.clause
    assert finding.summary == report.verdict
    assert finding.evidence["Followers"] == "900 against 1,000: amber"
    assert finding.accounts == ("facebook:amberpage",)


def test_red_account_with_no_data_for_one_target(con, policy):
    report = benefit.build_benefit(con, account_key="instagram:redgram", as_of=REVIEW, policy=policy)
    assert [m.rag for m in report.summary] == ["red", "red", "red", "grey"]
    assert report.verdict == ("Meets its business case on 0 of 4 targets; posts a week 80% below target: red; "
                              "followers 60% below target: red; engagement rate 33.3% below target: red; "
                              "no data for response rate")
    assert len(report.findings) == 1
    assert len(report.charts) == 3  # nothing to chart for the response rate


def test_account_without_targets_is_not_rated(con, policy):
    report = benefit.build_benefit(con, account_key="x:notargets", as_of=REVIEW, policy=policy)
    assert {m.rag for m in report.summary} == {"grey"}
    assert report.verdict.startswith("No business-case targets in the account register")
    assert report.findings == ()


def test_an_interim_review_on_demand_covers_the_weeks_so_far(con, policy):
    report = benefit.build_benefit(con, account_key="x:greenacct", as_of=date(2026, 6, 11), policy=policy)
    assert report.period == "x-greenacct-2026-06-11"
    assert report.verdict.startswith("So far (6 of about 13 weeks): meets its business case on")
    assert any(note.startswith("Interim review") for note in report.notes)


def test_an_account_that_cannot_be_reviewed_says_why(con, policy):
    with pytest.raises(ValueError, match="not in the account register"):
        benefit.build_benefit(con, account_key="x:nobody", as_of=REVIEW, policy=policy)
    with pytest.raises(ValueError, match="no go-live date"):
        benefit.build_benefit(con, account_key="x:nogolive", as_of=REVIEW, policy=policy)
    with pytest.raises(ValueError, match="goes live on"):
        benefit.build_benefit(con, account_key="x:greenacct", as_of=GO_LIVE, policy=policy)


def test_summary_lists_the_reviews_in_the_period(con, policy):
    for subject in ("x:greenacct", "facebook:amberpage", "instagram:redgram"):
        record_run(con, subject, REVIEW)
    record_run(con, "x:notargets", date(2026, 3, 1))  # before the period
    summary = benefit.build_benefit_summary(con, date(2026, 9, 30), date(2026, 7, 1), policy=policy)
    assert summary.period == "2026-07-01_2026-09-30"
    assert [(m.label, m.actual) for m in summary.summary] == [
        ("Accounts reviewed", 3), ("Meeting every target", 1), ("Amber at worst", 0), ("With a red target", 2)]
    (table,) = summary.sections[0].tables
    assert [row[0] for row in table.rows] == [
        "Account AmberPage (Facebook @AmberPage)", "Account RedGram (Instagram @RedGram)",
        "Account GreenAcct (X @GreenAcct)"]
    assert table.rows[0][3] == "900 / 1,000 (amber)"
    assert sorted(f.subject_key for f in summary.findings) == ["facebook:amberpage", "instagram:redgram"]
    assert benefit.build_benefit_summary(con, date(2026, 6, 30), date(2026, 4, 1), policy=policy) is None
