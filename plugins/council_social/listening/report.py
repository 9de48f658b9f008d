"""The listening reports: the weekly report, the daily digest and the Review Board pack's summary.

Every figure is set-based SQL over stored facts: the daily aggregates (``listening_daily*``, which
outlive the mention text) for volumes, sentiment, topics and share of voice, and the mentions fact
for the week's keywords, top authors and the L01/L03 lists. Nothing is scored here: sentiment,
topics and flags were stored when each mention arrived, so a report over 20 million mentions costs
the same few queries as one over a thousand.

Builders take an open warehouse connection (the caller holds the ``duckdb_writer`` slot) and return
a ``Report``; rendering and sending are ``council_social.reporting.publish``'s. The weekly report and
the digest keep their findings in ``report_findings``; the pack summary only reads.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from council_social.listening import findings as rules
from council_social.listening.findings import account_label, end_of, platform_name
from council_social.reporting.model import Finding, Measure, Report, Section, Table

log = logging.getLogger(__name__)

LISTENING = "listening"
DIGEST = "listening_digest"
#: Rows shown in the ranked tables of an email; findings (and the XLSX appendix) hold them all.
TOP = 25


# --- shared queries ------------------------------------------------------------------------------------

def totals(con, first: date, last: date) -> dict[str, Any]:
    """Counts over ``first``..``last`` from the daily aggregates (mentions about the council, by the public)."""
    row = con.execute(
        """
        select coalesce(sum(mentions), 0), coalesce(sum(needing_reply), 0), coalesce(sum(answered), 0),
            coalesce(sum(answered_in_time), 0), coalesce(sum(reply_minutes_sum), 0), coalesce(sum(positive), 0),
            coalesce(sum(neutral), 0), coalesce(sum(negative), 0), coalesce(sum(sentiment_sum), 0),
            coalesce(sum(abusive), 0), coalesce(sum(political), 0)
        from listening_daily where day between ? and ?
        """, [first, last]).fetchone()
    keys = ("mentions", "needing_reply", "answered", "answered_in_time", "reply_minutes_sum", "positive", "neutral",
            "negative", "sentiment_sum", "abusive", "political")
    return dict(zip(keys, (int(v) if k != "sentiment_sum" else float(v) for k, v in zip(keys, row, strict=True)),
                    strict=True))


def share(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def change(now: float, before: float) -> str:
    if not before:
        return "no mentions the week before" if now else "none either week"
    ratio = (now - before) / before
    return "as many as the week before" if abs(ratio) < 0.005 else f"{ratio:+.0%} on the week before"


def daily_series(con, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, mentions, negative) for every day of the range, zero where none."""
    found = {d: (m, n) for d, m, n in con.execute(
        "select day, sum(mentions)::bigint, sum(negative)::bigint from listening_daily where day between ? and ?"
        " group by day", [first, last]).fetchall()}
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [(d, int(found.get(d, (0, 0))[0]), int(found.get(d, (0, 0))[1])) for d in days]


def topic_table(con, first: date, last: date, before: tuple[date, date] | None, limit: int = 12) -> Table:
    rows = con.execute(
        """
        with now as (select topic, sum(mentions)::bigint as mentions, sum(negative)::bigint as negative
                     from listening_daily_topics where day between $first and $last group by topic),
        before as (select topic, sum(mentions)::bigint as mentions from listening_daily_topics
                   where day between $before_first and $before_last group by topic)
        select now.topic, now.mentions, before.mentions, now.negative
        from now left join before using (topic)
        order by now.mentions desc, now.topic limit $limit
        """, {"first": first, "last": last, "before_first": before[0] if before else date.min,
              "before_last": before[1] if before else date.min, "limit": limit}).fetchall()
    columns = ("Topic", "Mentions") + (("Week before",) if before else ()) + ("Negative",)
    shaped = []
    for topic, mentions, earlier, negative in rows:
        negative_share = f"{share(negative, mentions):.0f}%" if mentions else ""
        shaped.append((topic, int(mentions)) + ((int(earlier or 0),) if before else ()) + (negative_share,))
    return Table(title="Topics", columns=columns, rows=tuple(shaped), sheet="Topics")


def keyword_table(con, first: date, last: date, limit: int = 20) -> Table:
    rows = con.execute(
        """
        select word, count(*) as mentions
        from (select unnest(keywords) as word from listening_mentions
              where day between ? and ? and about_council and not author_is_council)
        group by word order by mentions desc, word limit ?
        """, [first, last, limit]).fetchall()
    return Table(title="Words used most", columns=("Word", "Mentions"), rows=tuple((w, int(n)) for w, n in rows),
                 sheet="Keywords")


def top_authors(con, first: date, last: date, names, limit: int = 10) -> Table:
    rows = con.execute(
        """
        select platform, any_value(author_handle), any_value(author_id), any_value(author_name),
            max(author_reach) as reach, bool_or(coalesce(author_verified, false)), count(*) as mentions,
            count(*) filter (sentiment_label = 'negative'), count(*) filter (needs_reply and replied_at is null)
        from listening_mentions
        where day between ? and ? and about_council and not author_is_council
        group by platform, coalesce(lower(author_handle), author_id, lower(author_name))
        order by reach desc nulls last, mentions desc, platform, any_value(author_id) limit ?
        """, [first, last, limit]).fetchall()
    shaped = tuple(
        (names.author(platform, handle=handle, author_id=author_id, name=name, verified=verified, reach=reach),
         platform_name(platform), reach, int(mentions), int(negative), int(waiting))
        for platform, handle, author_id, name, reach, verified, mentions, negative, waiting in rows)
    return Table(title="Top authors by reach", columns=("Author", "Platform", "Followers", "Mentions", "Negative",
                                                        "Not answered"), rows=shaped, sheet="Top authors")


def share_of_voice(con, first: date, last: date, own: Mapping[str, int]) -> tuple[Table, list[tuple[str, int]]]:
    """The council's mentions against each comparison term of the brand register."""
    rows = con.execute(
        "select term, sum(mentions)::bigint, sum(positive)::bigint, sum(negative)::bigint from listening_daily_terms"
        " where day between ? and ? and use = 'comparison' group by term order by 2 desc, term",
        [first, last]).fetchall()
    council = ("The council (every mention of it)", own["mentions"], own["positive"], own["negative"])
    every = [council] + [(t, int(m), int(p), int(n)) for t, m, p, n in rows]
    whole = sum(r[1] for r in every)
    table = Table(title="Share of voice", columns=("Who", "Mentions", "Share of voice", "Positive", "Negative"),
                  rows=tuple((who, m, f"{share(m, whole) or 0:.0f}%", f"{share(p, m) or 0:.0f}%",
                              f"{share(n, m) or 0:.0f}%") for who, m, p, n in every), sheet="Share of voice")
    return table, [(who if who != council[0] else "The council", m) for who, m, _, _ in every]


def response_table(con, first: date, last: date, hours: int) -> Table:
    rows = con.execute(
        """
        select council_account, sum(mentions)::bigint, sum(needing_reply)::bigint, sum(answered)::bigint,
            sum(answered_in_time)::bigint, sum(reply_minutes_sum)::bigint
        from listening_daily where day between ? and ? and council_account <> ''
        group by council_account order by 2 desc, 1
        """, [first, last]).fetchall()
    shaped = []
    for account, mentions, needing, answered, in_time, minutes in rows:
        shaped.append((account_label(account), int(mentions), int(needing), int(answered),
                       f"{share(in_time, needing):.0f}%" if needing else "",
                       round(minutes / answered / 60, 1) if answered else None))
    return Table(title="Replies by account",
                 columns=("Account", "Mentions", "Asking for a reply", "Answered", f"Answered within {hours} h",
                          "Average reply (hours)"), rows=tuple(shaped), sheet="Replies by account")


def sentiment_table(con, first: date, last: date) -> Table:
    rows = con.execute(
        "select platform, sum(mentions)::bigint, sum(positive)::bigint, sum(neutral)::bigint, sum(negative)::bigint,"
        " sum(sentiment_sum) from listening_daily where day between ? and ? group by platform order by 2 desc, 1",
        [first, last]).fetchall()
    return Table(title="Sentiment by platform",
                 columns=("Platform", "Mentions", "Positive", "Neutral", "Negative", "Average score"),
                 rows=tuple((platform_name(p), int(m), f"{share(pos, m):.0f}%", f"{share(neu, m):.0f}%",
                             f"{share(neg, m):.0f}%", round(s / m, 2)) for p, m, pos, neu, neg, s in rows if m),
                 sheet="Sentiment")


def l01_table(found: list[dict], limit: int = TOP) -> Table:
    return Table(title="Unanswered, most-followed authors first",
                 columns=("Followers", "Author", "To", "Written", "Waiting", "Text", "Link"),
                 rows=tuple((r["author_reach"], r["author"], account_label(r["council_account"]), r["created_at"],
                             rules.waited(r["hours_waiting"]), r["shown_text"], r["link"]) for r in found[:limit]),
                 sheet="L01 unanswered")


def l03_table(found: list[dict]) -> Table:
    return Table(title="Comments waiting for a moderator",
                 columns=("Queued", "Account", "Author", "Reason", "Words", "Comment", "Link"),
                 rows=tuple((r["queued_at"], account_label(r["council_account"]), r["author"], r["reason"],
                             ", ".join(r["matched_terms"] or []), r["shown_text"], r["link"]) for r in found),
                 sheet="L03 moderation")


def alerts_table(con, first: date, last: date) -> Table:
    rows = con.execute("select day, scope, volume, mean, threshold, alerted_at, recipients from listening_alerts"
                       " where day between ? and ? order by day, scope", [first, last]).fetchall()
    return Table(title="Spike alerts sent",
                 columns=("Day", "Where", "Mentions", "Usual", "Alert level", "Alerted", "Recipients"),
                 rows=tuple((d, "All mentions" if s == "all" else account_label(s), int(v), round(m, 1), round(t, 1),
                             a, int(n)) for d, s, v, m, t, a, n in rows), sheet="Spike alerts")


def _charts(series: list[tuple[date, int, int]], topics: Table, voice: list[tuple[str, int]], *, prefix: str):
    from council_social.reporting.charts import bar_chart, describe, line_chart

    mentions = [(d, m) for d, m, _ in series]
    negative = [(d, n) for d, _, n in series]
    trend = line_chart(f"{prefix}-mentions", "Mentions per day", {"Mentions": mentions, "Negative": negative},
                       alt=f"Mentions per day: {describe(mentions)}")
    charts = [trend]
    if topics.rows:
        charts.append(bar_chart(f"{prefix}-topics", "Topics", [r[0] for r in topics.rows[:8]],
                                [r[1] for r in topics.rows[:8]], horizontal=True,
                                alt="; ".join(f"{r[0]}: {r[1]}" for r in topics.rows[:8])))
    if len(voice) > 1:
        charts.append(bar_chart(f"{prefix}-voice", "Share of voice", [v[0] for v in voice], [v[1] for v in voice],
                                alt="; ".join(f"{w}: {n}" for w, n in voice)))
    return charts


def _names(con, policy, as_of: date):
    """Names as reports show them; public figures named in text are looked up over the retention period."""
    from council_social.listening.pseudonymise import pseudonymiser

    return pseudonymiser(con, policy=policy,
                         recent_from=as_of - timedelta(days=int(policy["listening"]["retention_days"])))


def _policy(policy):
    if policy is None:
        from council_social.policy import load_policy

        policy = load_policy()
    return policy


def _evaluate(con, *, report: str, as_of_day: date, days: list[date], policy, names, run_id,
              keep: tuple[str, ...]) -> dict[str, Any]:
    """L01, L02 (on ``days``) and L03 as of the end of ``as_of_day``; the rules in ``keep`` go to the findings
    store, and come back marked new, still open or resolved since the previous report of this kind.

    The digest keeps L01 and L03 only: a spike is an event of its day, and the weekly report decides
    which spikes of its week stand."""
    from council_social.listening.spikes import detect
    from council_social.reporting.findings import changes_since, previous_run, store

    moment = end_of(as_of_day)
    l01_rows, l01, l01_total = rules.unanswered(con, as_of=moment, policy=policy, names=names)
    spikes = detect(con, days, policy["rules"])
    l03_rows, l03 = rules.moderation(con, as_of=moment, names=names)
    found = {"L01": l01, "L02": rules.spike_findings(spikes), "L03": l03}
    store(con, as_of_day, {rule_id: found[rule_id] for rule_id in keep}, run_id)
    previous = previous_run(con, report, as_of_day)
    changed = {f.finding_key: f for f in changes_since(con, keep, previous["as_of"] if previous else None, as_of_day)}
    listed = {f"L01:{row['platform']}:{row['mention_id']}" for row in l01_rows}
    limit = int(policy["rules"]["L01_max_findings"])
    shown: dict[str, list[Finding]] = {}
    for rule_id, current in found.items():
        if rule_id == "L01":
            current = [f for f in current if f.finding_key in listed]
        if rule_id not in keep:
            shown[rule_id] = current
            continue
        stored = [changed.get(f.finding_key) for f in current]
        shown[rule_id] = [replace(f, status=s.status, first_seen=s.first_seen, last_seen=s.last_seen) if s else f
                          for f, s in zip(current, stored, strict=True)]
        shown[rule_id] += [f for f in changed.values() if f.rule == rule_id and f.status == "resolved"][:limit]
    return {"l01_rows": l01_rows, "l01_total": l01_total, "l03_rows": l03_rows, "spikes": spikes, "shown": shown}


def _notes(policy, totals_now: Mapping[str, int]) -> tuple[str, ...]:
    rules_, listening = policy["rules"], policy["listening"]
    notes = [
        f"Unanswered (L01): a mention or comment addressed to a council account that asks something and had no reply "
        f"from any council account within {rules_['L01_unanswered_hours']} hours; those written in the last "
        f"{rules_['L01_window_days']} days are listed. Tags on other pages are not counted (their replies cannot be "
        "seen).",
        f"Spike (L02): a day above the mean + {rules_['L02_spike_sigma']} sigma of the {rules_['L02_baseline_days']} "
        f"days before it, with at least {rules_['L02_min_mentions']} mentions and "
        f"{rules_['L02_min_history_days']} days of history.",
        f"Sentiment: VADER compound score; positive from {listening['sentiment_positive']}, negative from "
        f"{listening['sentiment_negative']}.",
        f"Mention text is kept {listening['retention_days']} days; daily counts are kept longer.",
    ]
    if listening["pseudonymise_private_individuals"]:
        notes.append("Private individuals are shown as pseudonyms (Resident XXXXXX), the same one every time; council "
                     "accounts, organisations and verified accounts with "
                     f"{listening['public_figure_min_reach']:,}+ followers are named.")
    if not totals_now["mentions"]:
        notes.append("No mentions were loaded for this period: check the x_activity and meta_activity runs.")
    return tuple(notes)


# --- the weekly report ---------------------------------------------------------------------------------

def build_listening(con, *, week_start: date, week_end: date, policy: Mapping | None = None,
                    run_id: str | None = None, now: datetime | None = None) -> Report:
    """The weekly listening report for ``week_start`` (a Monday) to ``week_end`` (the Sunday)."""
    policy = _policy(policy)
    if week_end < week_start:
        raise ValueError(f"the week ends ({week_end}) before it starts ({week_start})")
    year, week, _ = week_start.isocalendar()
    days = [week_start + timedelta(days=n) for n in range((week_end - week_start).days + 1)]
    before = (week_start - timedelta(days=7), week_end - timedelta(days=7))
    names = _names(con, policy, week_end)
    hours = int(policy["rules"]["L01_unanswered_hours"])
    this, last = totals(con, week_start, week_end), totals(con, *before)
    evaluated = _evaluate(con, report=LISTENING, as_of_day=week_end, days=days, policy=policy, names=names,
                          run_id=run_id, keep=("L01", "L02", "L03"))
    l01_rows, l03_rows, spikes, shown = (evaluated[k] for k in ("l01_rows", "l03_rows", "spikes", "shown"))
    median = con.execute(
        "select median(reply_minutes) from listening_mentions where day between ? and ? and needs_reply"
        " and replied_at is not null and about_council and not author_is_council", [week_start, week_end]).fetchone()[0]
    series = daily_series(con, week_start - timedelta(days=28), week_end)
    topics = topic_table(con, week_start, week_end, before)
    voice_table, voice = share_of_voice(con, week_start, week_end, this)
    a05 = rules.open_a05(con)

    unanswered = evaluated["l01_total"]
    queued = len(l03_rows)
    spike_days = len({s.day for s in spikes})
    summary = (
        Measure("Mentions", this["mentions"], note=change(this["mentions"], last["mentions"])),
        Measure("Asking for a reply", this["needing_reply"]),
        Measure(f"Answered within {hours} hours", share(this["answered_in_time"], this["needing_reply"]), unit="%",
                note=f"{this['answered_in_time']} of {this['needing_reply']}"),
        Measure("Median reply time", round(median / 60, 1) if median is not None else None, unit="hours"),
        Measure(f"Unanswered past {hours} hours (L01)", unanswered),
        Measure("Negative", share(this["negative"], this["mentions"]), unit="%",
                note=f"{share(last['negative'], last['mentions']) or 0:.0f}% the week before"),
        Measure("Days with a spike (L02)", spike_days),
        Measure("Comments for moderation (L03)", queued),
        Measure("Accounts speaking as the council (A05)", len(a05)),
    )
    headline = (f"{this['mentions']:,} mentions ({change(this['mentions'], last['mentions'])}); {unanswered:,} "
                f"unanswered past {hours} hours; {spike_days} day(s) with a spike; {queued} comment(s) waiting for "
                "a moderator")
    sections = (
        Section(title="Unanswered mentions (L01)",
                intro=(f"Mentions and comments asking a council account something, with no reply from any council "
                       f"account after {hours} hours (M 5.1 respond; G Monitoring). Most-followed authors first"
                       + (f"; the {len(l01_rows)} most-followed of {unanswered:,} are listed." if unanswered > len(
                           l01_rows) else ".")),
                findings=tuple(shown["L01"]), tables=(l01_table(l01_rows),) if l01_rows else (),
                empty_text=f"Every mention asking for a reply was answered within {hours} hours."),
        Section(title="Mention spikes (L02)",
                intro=("Days with far more mentions than usual (M 9.1 monitoring); each was alerted by email when "
                       "found."),
                findings=tuple(shown["L02"]), tables=(alerts_table(con, week_start, week_end),) if spikes else (),
                empty_text="No day this week had unusually many mentions."),
        Section(title="Comments for moderation (L03)",
                intro=("Comments on council posts that look abusive or party-political, waiting for a moderator's "
                       "review (G Moderation; M 5.1)."),
                findings=tuple(shown["L03"]), tables=(l03_table(l03_rows),) if l03_rows else (),
                empty_text="No comment is waiting for a moderator."),
        Section(title="Accounts speaking as the council (A05)",
                intro=("Accounts not in the register that use the council's name, as the audit rules last found them "
                       "(G Social Media Accounts)."),
                findings=tuple(a05), empty_text="No unregistered account is speaking as the council."),
        Section(title="What people talked about",
                intro="Topics from the council's topic lexicon, and the words used most.",
                tables=(topics, keyword_table(con, week_start, week_end)),
                charts=tuple(_charts(series, topics, voice, prefix="listening")),
                empty_text="No mentions this week."),
        Section(title="Sentiment",
                measures=(Measure("Positive", share(this["positive"], this["mentions"]), unit="%"),
                          Measure("Neutral", share(this["neutral"], this["mentions"]), unit="%"),
                          Measure("Negative", share(this["negative"], this["mentions"]), unit="%")),
                tables=(sentiment_table(con, week_start, week_end),), empty_text="No mentions this week."),
        Section(title="Top authors by reach", tables=(top_authors(con, week_start, week_end, names),),
                empty_text="No mentions this week."),
        Section(title="Share of voice",
                intro="Mentions of the council against the comparison terms of the brand register.",
                tables=(voice_table,)),
        Section(title="Replies by account", tables=(response_table(con, week_start, week_end, hours),),
                empty_text="No mentions addressed to a council account this week."),
    )
    return Report(report=LISTENING, title="Social listening report", period=f"{year}-W{week:02d}",
                  period_label=f"week {week} of {year}: {week_start:%d %b} to {week_end:%d %b %Y}".replace(" 0", " "),
                  as_of=week_end, generated_at=now or datetime.now(UTC), headline=headline, summary=summary,
                  sections=sections, notes=_notes(policy, this))


# --- the daily digest ----------------------------------------------------------------------------------

def build_digest(con, *, day: date, policy: Mapping | None = None, run_id: str | None = None,
                 now: datetime | None = None) -> Report:
    """Yesterday at a glance for the comms leads: what needs a reply, spikes, moderation, topics."""
    policy = _policy(policy)
    names = _names(con, policy, day)
    hours = int(policy["rules"]["L01_unanswered_hours"])
    this = totals(con, day, day)
    usual_first, usual_last = day - timedelta(days=28), day - timedelta(days=1)
    usual = totals(con, usual_first, usual_last)
    evaluated = _evaluate(con, report=DIGEST, as_of_day=day, days=[day], policy=policy, names=names, run_id=run_id,
                          keep=("L01", "L03"))
    l01_rows, l03_rows, spikes, shown = (evaluated[k] for k in ("l01_rows", "l03_rows", "spikes", "shown"))
    unanswered = evaluated["l01_total"]
    topics = topic_table(con, day, day, None, limit=8)
    mean = usual["mentions"] / 28
    summary = (
        Measure("Mentions", this["mentions"], note=f"usually {mean:.0f} a day"),
        Measure("Asking for a reply", this["needing_reply"]),
        Measure(f"Unanswered past {hours} hours", unanswered),
        Measure("Negative", share(this["negative"], this["mentions"]), unit="%"),
        Measure("Spike", "yes" if spikes else "no"),
        Measure("Waiting for a moderator", len(l03_rows)),
    )
    headline = (f"{this['mentions']:,} mentions on {day:%a %d %b} (usually {mean:.0f}); {unanswered:,} waiting "
                f"for a reply past {hours} hours; {len(l03_rows)} comment(s) for a moderator"
                + ("; a spike" if spikes else ""))
    sections = (
        Section(title="Needs a reply (L01)", intro="Most-followed authors first.", findings=tuple(shown["L01"]),
                tables=(l01_table(l01_rows, 10),) if l01_rows else (),
                empty_text=f"Nothing is waiting for a reply past {hours} hours."),
        Section(title="Spike (L02)", findings=tuple(shown["L02"]), empty_text="No spike."),
        Section(title="For moderation (L03)", findings=tuple(shown["L03"]),
                tables=(l03_table(l03_rows),) if l03_rows else (), empty_text="No comment is waiting for a moderator."),
        Section(title="What people talked about", tables=(topics, keyword_table(con, day, day, 10)),
                empty_text="No mentions."),
    )
    return Report(report=DIGEST, title="Social listening daily digest", period=day.isoformat(),
                  period_label=f"{day:%A} {day.day} {day:%B %Y}", as_of=day, generated_at=now or datetime.now(UTC),
                  headline=headline, summary=summary, sections=sections, notes=_notes(policy, this))


# --- the Review Board pack -----------------------------------------------------------------------------

def build_listening_summary(con, since: date, until: date, *, policy: Mapping | None = None,
                            now: datetime | None = None) -> Report:
    """Listening over the audit period for the Review Board pack: from the daily aggregates (which outlive
    retention), the alerts, the moderation queue and the findings store. Reads only."""
    from council_social.reporting.charts import bar_chart, line_chart

    policy = _policy(policy)
    hours = int(policy["rules"]["L01_unanswered_hours"])
    this = totals(con, since, until)
    months = con.execute(
        "select date_trunc('month', day)::date as month, sum(mentions)::bigint, sum(needing_reply)::bigint,"
        " sum(answered_in_time)::bigint, sum(negative)::bigint from listening_daily where day between ? and ?"
        " group by 1 order by 1", [since, until]).fetchall()
    alerts = con.execute("select count(*) from listening_alerts where day between ? and ?",
                         [since, until]).fetchone()[0]
    queue = dict(con.execute(
        "select status, count(*) from listening_moderation_queue where created_at >= ? and created_at < ? group by 1",
        [end_of(since - timedelta(days=1)), end_of(until)]).fetchall())
    l01 = con.execute(
        "select count(*), count(*) filter (status = 'open') from report_findings where rule = 'L01'"
        " and first_seen between ? and ?", [since, until]).fetchone()
    voice_table, voice = share_of_voice(con, since, until, this)
    a05 = rules.open_a05(con)
    month_table = Table(
        title="Month by month", columns=("Month", "Mentions", "Asking for a reply", f"Answered within {hours} h",
                                         "Negative"),
        rows=tuple((f"{m:%b %Y}", int(n), int(ask), f"{share(ok, ask):.0f}%" if ask else "",
                    f"{share(neg, n):.0f}%" if n else "") for m, n, ask, ok, neg in months), sheet="Listening by month")
    charts = []
    if months:
        charts.append(line_chart("listening-months", "Mentions per month",
                                 {"Mentions": [(m, int(n)) for m, n, *_ in months]},
                                 alt="; ".join(f"{m:%b %Y}: {n}" for m, n, *_ in months)))
    if len(voice) > 1:
        charts.append(bar_chart("listening-voice", "Share of voice", [v[0] for v in voice], [v[1] for v in voice]))
    summary = (
        Measure("Mentions", this["mentions"]),
        Measure(f"Answered within {hours} hours", share(this["answered_in_time"], this["needing_reply"]), unit="%"),
        Measure("Negative", share(this["negative"], this["mentions"]), unit="%"),
        Measure("Spikes alerted (L02)", int(alerts)),
        Measure("Comments queued for moderation (L03)", sum(queue.values()),
                note=f"{queue.get('reviewed', 0)} reviewed"),
        Measure("Unanswered mentions found (L01)", int(l01[0]), note=f"{int(l01[1])} still open"),
        Measure("Accounts speaking as the council (A05)", len(a05)),
    )
    headline = (f"{this['mentions']:,} mentions; {share(this['answered_in_time'], this['needing_reply']) or 0:.0f}% "
                f"of questions answered within {hours} hours; {alerts} spike(s); {sum(queue.values())} comment(s) "
                "queued for moderation")
    sections = (
        Section(title="Listening over the period", intro="Mentions of the council by the public, month by month.",
                tables=(month_table, sentiment_table(con, since, until)), charts=tuple(charts),
                empty_text="No mentions were loaded for this period."),
        Section(title="Share of voice", tables=(voice_table,)),
        Section(title="Accounts speaking as the council (A05)", findings=tuple(a05),
                empty_text="No unregistered account is speaking as the council."),
    )
    return Report(report=LISTENING, title="Social listening summary", period=f"{since.isoformat()}_{until.isoformat()}",
                  period_label=f"{since:%d %b %Y} to {until:%d %b %Y}".lstrip("0"), as_of=until,
                  generated_at=now or datetime.now(UTC), headline=headline, summary=summary, sections=sections,
                  notes=_notes(policy, this))
