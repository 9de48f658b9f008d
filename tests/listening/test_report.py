"""The weekly listening report, the daily digest and the pack summary, built from a small council's data."""

from __future__ import annotations

import io
import json
import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from support import query

from council_social.listening.mentions import refresh
from council_social.listening.report import build_digest, build_listening, build_listening_summary
from council_social.reporting.store import dumps, loads
from council_social.warehouse import connect

WEEK_START, WEEK_END = date(2026, 11, 2), date(2026, 11, 8)  # ISO week 45
SPIKE_DAY = date(2026, 11, 4)
NOW = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def add_mentions(council, rng) -> None:
    """Five weeks of ordinary mentions, every other one a question; nine in ten questions answered in two hours."""
    n = 0
    for offset in range(35, -1, -1):
        day = WEEK_END - timedelta(days=offset)
        for _ in range(rng.randint(4, 7) + (60 if day == SPIKE_DAY else 0)):
            n += 1
            asking = n % 2 == 0
            text = ("@ManCityCouncil my bin wasn't collected on Hyde Road, when will it be picked up?" if asking
                    else "Lovely afternoon at Heaton Park, thanks @ManCityCouncil")
            council.mention(f"m{n}", at(day, 9 + n % 10), text, author=f"resident{n % 40}", followers=50 + n)
            if asking and n % 10 != 0:
                council.post(f"r{n}", at(day, 9 + n % 10) + timedelta(hours=2), in_reply_to=f"m{n}",
                             conversation=f"m{n}")


@pytest.fixture
def week(council):
    """Five weeks of ordinary mentions (most answered), a spike, a long-waiting high-reach question, a
    private resident named in a mention, comments for moderation and an A05 finding from the audit."""
    council.standard()
    rng = random.Random(3)
    with council.batch(new_rows_only=True):
        add_mentions(council, rng)
    with council.batch():
        council.mention("press", at(WEEK_END - timedelta(days=3), 9, 40),
                        "@ManCityCouncil can you confirm whether the Princess Parkway closures continue next week?",
                        author="MCREveningDesk", followers=48200, verified=True)
        council.mention("named", at(WEEK_END - timedelta(days=2), 11),
                        "@ManCityCouncil @jo_private_99 says her bins were missed too, can you help?",
                        author="kev_private_61", followers=90000)
        council.mention("salford", at(WEEK_END - timedelta(days=1), 12),
                        "Salford City Council sorted our bins in a day", kind="brand_search")
        council.post("800", at(WEEK_START, 8), platform="facebook", account_id="200", text="New recycling centre")
        council.comment("c1", "800", at(WEEK_START, 10), "Absolute idiots running this council", author_id="fb-angry")
        council.comment("c2", "800", at(WEEK_START, 11), "This is what happens when the Tories cut funding")
        council.sql("insert into report_findings (finding_key, rule, clause, severity, subject_kind, subject_key,"
                    " subject_name, summary, action, first_seen, last_seen, status, updated_at)"
                    " values ('A05:x:mcccounciltaxhelp', 'A05', 'G Social Media Accounts', 'high', 'account',"
                    " 'x:mcccounciltaxhelp', 'X @MCCCouncilTaxHelp',"
                    " 'Uses the council''s name but is not in the register', 'Report it to X as impersonation',"
                    " ?, ?, 'open', ?)", WEEK_START, WEEK_START, NOW)
    with connect() as con:
        refresh(con, run_id="test", now=NOW)
    return council


def build(con, **kwargs):
    return build_listening(con, week_start=WEEK_START, week_end=WEEK_END, now=NOW, **kwargs)


def section(report, title):
    return next(s for s in report.sections if s.title.startswith(title))


def test_the_weekly_report_leads_with_what_to_act_on(week):
    with connect() as con:
        report = build(con)
    assert (report.report, report.period, report.as_of) == ("listening", "2026-W45", WEEK_END)
    summary = {m.label: m.actual for m in report.summary}
    mentions = query("select count(*) from listening_mentions where day between ? and ? and about_council",
                     WEEK_START, WEEK_END)[0][0]
    assert summary["Mentions"] == mentions
    assert summary["Days with a spike (L02)"] == 1
    assert summary["Comments for moderation (L03)"] == 2
    assert summary["Accounts speaking as the council (A05)"] == 1
    assert str(mentions) in report.headline.replace(",", "")


def test_unanswered_mentions_are_ranked_by_reach(week):
    with connect() as con:
        report = build(con)
    l01 = section(report, "Unanswered")
    ranked = l01.tables[0]
    followers = [row[0] for row in ranked.rows]
    assert followers == sorted(followers, reverse=True)
    assert followers[:2] == [90000, 48200]
    assert {f.rule for f in l01.findings} == {"L01"}
    keys = {f.subject_key for f in l01.findings}
    assert "x:press" in keys and "x:named" in keys
    # Every question answered within two hours is not a finding; every tenth was never answered.
    unanswered = query("select count(*) from listening_mentions where needs_reply and replied_at is null and"
                       " created_at between ? and ?", datetime(2026, 10, 26, tzinfo=UTC), at(WEEK_END, 0))[0][0]
    assert len(l01.findings) == unanswered
    press = next(f for f in l01.findings if f.subject_key == "x:press")
    assert press.severity == "high" and press.evidence["Author"] == "@MCREveningDesk"


def test_private_individuals_are_pseudonymised_everywhere_in_the_report(week):
    with connect() as con:
        report = build(con)
    text = dumps(report)
    assert "kev_private_61" not in text and "jo_private_99" not in text
    assert not re.search(r"resident\d", text.lower())  # no handle of a resident (pseudonyms have a space)
    named = next(f for f in section(report, "Unanswered").findings if f.subject_key == "x:named")
    assert named.evidence["Author"].startswith("Resident ")
    assert "@ManCityCouncil" in named.evidence["Text"]  # the council's handle stays
    assert "Resident " in named.evidence["Text"]  # the resident named in it does not
    assert named.evidence["Link"] == "https://x.com/i/web/status/named"
    with connect() as con:
        again = build(con)
    assert section(again, "Unanswered").findings[0].evidence["Author"] == \
        section(report, "Unanswered").findings[0].evidence["Author"], "pseudonyms are stable"


def test_pseudonymisation_can_be_switched_off(week):
    from council_social.policy import load_policy

    policy = load_policy()
    policy["listening"]["pseudonymise_private_individuals"] = False
    with connect() as con:
        report = build(con, policy=policy)
    assert "@kev_private_61" in dumps(report)


def test_spike_moderation_topics_and_share_of_voice(week):
    with connect() as con:
        report = build(con)
    spike = section(report, "Mention spikes").findings
    assert [(f.subject_key, f.evidence["Day"]) for f in spike if f.subject_key == "all"] == [("all", SPIKE_DAY)]
    moderation = section(report, "Comments for moderation")
    assert {f.subject_key: f.summary for f in moderation.findings} == {
        "facebook:c1": "Looks abusive (idiots)", "facebook:c2": "Looks party-political (tories)"}
    topics = section(report, "What people talked about")
    assert topics.tables[0].rows[0][0] == "Bins and recycling"
    assert len(topics.charts) == 3 and all(c.png.startswith(b"\x89PNG") for c in topics.charts)
    voice = section(report, "Share of voice").tables[0]
    assert [row[0] for row in voice.rows] == ["The council (every mention of it)", "Salford City Council"]
    assert voice.rows[1][1] == 1
    a05 = section(report, "Accounts speaking as the council").findings
    assert [f.finding_key for f in a05] == ["A05:x:mcccounciltaxhelp"]


def test_findings_are_kept_with_their_history(week):
    with connect() as con:
        build(con)
    stored = dict(query("select finding_key, status from report_findings where rule = 'L01'"))
    assert stored["L01:x:press"] == "open"
    # The council replies to the press question; the next week's report says it is resolved.
    week.post("late", at(WEEK_END + timedelta(days=1), 9), in_reply_to="press", conversation="press")
    with connect() as con:
        refresh(con, run_id="test", now=NOW + timedelta(days=7))
        con.execute("insert into report_runs (report, period, as_of, output_dir, generated_at) values"
                    " ('listening', '2026-W45', ?, 'out', ?)", [WEEK_END, NOW])
        later = build_listening(con, week_start=WEEK_START + timedelta(days=7), week_end=WEEK_END + timedelta(days=7),
                                now=NOW + timedelta(days=7))
    press = next(f for f in section(later, "Unanswered").findings if f.subject_key == "x:press")
    assert press.status == "resolved"
    assert query("select status from report_findings where finding_key = 'L01:x:press'") == [("resolved",)]


def test_the_report_survives_saving_and_loading(week):
    with connect() as con:
        report = build(con)
    assert loads(dumps(report)) == report


def test_the_daily_digest(week):
    with connect() as con:
        digest = build_digest(con, day=SPIKE_DAY, now=NOW)
    assert (digest.report, digest.period) == ("listening_digest", "2026-11-04")
    assert "a spike" in digest.headline
    assert {m.label: m.actual for m in digest.summary}["Spike"] == "yes"
    assert digest.period_label == "Wednesday 4 November 2026"


def test_the_pack_summary_reads_only_aggregates(week):
    import duckdb

    from council_social.config import settings

    with connect() as con:
        build(con)  # creates the pseudonym key and stores findings
    con = duckdb.connect(str(settings().warehouse), read_only=True)
    try:
        summary = build_listening_summary(con, since=date(2026, 10, 1), until=WEEK_END, now=NOW)
    finally:
        con.close()
    assert summary.period == "2026-10-01_2026-11-08"
    measures = {m.label: m.actual for m in summary.summary}
    assert measures["Mentions"] == query("select sum(mentions) from listening_daily where day between ? and ?",
                                         date(2026, 10, 1), WEEK_END)[0][0]
    assert measures["Comments queued for moderation (L03)"] == 2
    months = section(summary, "Listening over the period").tables[0]
    assert [row[0] for row in months.rows] == ["Oct 2026", "Nov 2026"]


def test_an_empty_week_still_makes_a_report(council):
    council.standard()
    with connect() as con:
        report = build(con)
    assert report.headline.startswith("0 mentions")
    assert any("No mentions were loaded" in n for n in report.notes)
    json.loads(dumps(report))


def test_the_report_renders_as_email_pdf_and_spreadsheet(week):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from council_social.reporting.publish import render_report

    with connect() as con:
        report = build(con)
    rendered = render_report(report)
    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(rendered.pdf)).pages)
    pseudonym = next(f for f in section(report, "Unanswered").findings if f.subject_key == "x:named").evidence["Author"]
    for text in (rendered.email_html, pdf):
        assert "Social listening report" in text and "@MCREveningDesk" in text
        assert "kev_private_61" not in text and "jo_private_99" not in text
    assert pseudonym in rendered.email_html
    sheets = load_workbook(io.BytesIO(rendered.xlsx)).sheetnames
    assert "L01 unanswered" in sheets and "Share of voice" in sheets



def test_only_the_most_followed_are_listed_and_the_rest_stay_open(week):
    from council_social.policy import load_policy

    policy = load_policy()
    policy["rules"]["L01_max_findings"] = 3
    with connect() as con:
        first = build(con, policy=policy)
    l01 = section(first, "Unanswered")
    assert [f.evidence["Followers"] for f in l01.findings] == [90000, 48200, max(
        f.evidence["Followers"] for f in l01.findings[2:])]
    total = {m.label: m.actual for m in first.summary}["Unanswered past 24 hours (L01)"]
    assert total > 3 and f"the 3 most-followed of {total}" in l01.intro
    # The press desk is answered: someone further down moves into the list; nobody unanswered is "resolved".
    week.post("late", at(WEEK_END, 12), in_reply_to="press", conversation="press")
    with connect() as con:
        refresh(con, run_id="test", now=NOW)
        build(con, policy=policy)
    resolved = {k for (k,) in query("select finding_key from report_findings where rule = 'L01' and"
                                    " status = 'resolved'")}
    assert resolved == {"L01:x:press"}
