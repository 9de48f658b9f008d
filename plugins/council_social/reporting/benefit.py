"""The three-month new-account benefit report (rule N01).

Glasgow City Council's policy (Requests for new Social Media Accounts) has the Digital Comms Review
Board approve each new account on a business case, and asks that "following the creation of new social
media presence, formal three month monitoring should be performed to assess the extent to which expected
benefits have been achieved". This module builds that review: the business-case targets from the account
register against what the account achieved in its first three months, with red/amber/green, weekly
trends and one line for the Board.

The figures come from ``sql/reports/n01_benefit_measures.sql`` (set-based, one query for any number of
accounts); which accounts are due from ``sql/reports/n01_due_accounts.sql``. The daily check produces a
review once per account, on the day it reaches three months after go-live, and catches up a missed day;
a review can also be built on demand for any account on any date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from council_social.config import settings
from council_social.reporting.model import Finding, Measure, Rag, Report, Rule, Section, Table

REPORT = "new_account_benefit"
TITLE = "Three-month new-account benefit review"

#: How platforms are named to people.
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
                  "youtube": "YouTube", "tiktok": "TikTok"}


@dataclass(frozen=True)
class _Measure:
    key: str  # chart and column stem
    label: str  # "Followers": how the verdict and the tables name it
    unit: str
    decimals: int


#: The four business-case measures, in the order the register lists their targets.
MEASURES = (
    _Measure("followers", "Followers", "", 0),
    _Measure("posts_per_week", "Posts a week", "per week", 2),
    _Measure("engagement_rate", "Engagement rate", "%", 2),
    _Measure("response_rate", "Response rate", "%", 2),
)

ENGAGEMENT_BASES = {
    "impressions": "engagements as a percentage of the impressions of the account's posts",
    "insights": "post engagements as a percentage of page views, from the page's daily insights",
    "followers": "engagements per post as a percentage of the followers the account had that day",
}

INTRO = (
    "The Digital Comms Review Board approved this account on a business case setting out its purpose and "
    "expected benefits. The council's policy (Requests for new Social Media Accounts) asks for formal three "
    "month monitoring after a new social media presence is created, to assess the extent to which those "
    "benefits have been achieved. Below, the targets in the business case stand against what the account "
    "achieved from go-live to the review date."
)


def _rule() -> Rule:
    """The N01 rule from the catalogue, so the clause and action read the same in every report."""
    from council_social.reporting.rules import RULES

    return RULES["N01"]


# --- reading the warehouse ------------------------------------------------------------------------------

def _sql(name: str) -> str:
    return (settings().root / "sql" / "reports" / f"{name}.sql").read_text(encoding="utf-8")


def _rows(con, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(_sql(name), params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _thresholds(policy: dict | None) -> dict[str, Any]:
    if policy is None:
        from council_social.policy import load_policy

        policy = load_policy()
    rules = policy["rules"]
    return {
        "review_after_months": int(rules["N01_review_after_months"]),
        "amber_tolerance_percent": rules["N01_amber_tolerance_percent"],
        "reply_hours": rules["L01_unanswered_hours"],
    }


def accounts_due(con, as_of: date, *, policy: dict | None = None) -> list[str]:
    """Accounts ("platform:handle_key") whose review date has come and whose review is not yet produced.

    An account is due from the day it reaches go-live plus N months (``N01_review_after_months``) until a
    ``report_runs`` row records its review, so a day the check did not run is caught up the next day.
    """
    limits = _thresholds(policy)
    rows = _rows(con, "n01_due_accounts",
                 {"as_of": as_of, "review_after_months": limits["review_after_months"]})
    return [row["account_key"] for row in rows]


def measures(con, account_keys: list[str], as_of: date, *, policy: dict | None = None) -> list[dict[str, Any]]:
    """Weekly and whole-window rows for the accounts (see ``n01_benefit_measures.sql``)."""
    limits = _thresholds(policy)
    return _rows(con, "n01_benefit_measures", {
        "as_of": as_of, "review_after_months": limits["review_after_months"], "accounts": list(account_keys)})


# --- judging --------------------------------------------------------------------------------------------

def _decimal(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def rag(actual: float | int | None, target: float | int | None, tolerance_percent: float | int) -> Rag:
    """Green at or above target, amber up to ``tolerance_percent`` below it, red further below; grey
    when there is no target or no data. Decimal arithmetic, so "exactly 10% below" is exactly amber."""
    if actual is None or target is None:
        return "grey"
    actual, target = _decimal(actual), _decimal(target)
    if actual >= target:
        return "green"
    if actual * 100 >= target * (100 - _decimal(tolerance_percent)):
        return "amber"
    return "red"


def _rounded(value: Any, decimals: int) -> float | int | None:
    if value is None:
        return None
    return int(round(value)) if decimals == 0 else round(float(value), decimals)


def _shortfall(actual: float | int, target: float | int) -> Decimal:
    target = _decimal(target)
    return (target - _decimal(actual)) * 100 / target if target else Decimal(0)


def _percent_text(value: Decimal, tolerance: float | int, status: str) -> str:
    """A shortfall as people read it; never rounded onto the amber boundary when it is past it."""
    text = f"{value:.1f}".removesuffix(".0")
    if status == "red" and _decimal(text) <= _decimal(tolerance):
        text = f"{value:.2f}"
    return text


def _number(value: float | int | None, decimals: int) -> str:
    if value is None:
        return "no data"
    if decimals == 0:
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def _with_unit(value: float | int | None, measure: _Measure) -> str:
    text = _number(value, measure.decimals)
    if value is None or not measure.unit:
        return text
    return f"{text}%" if measure.unit == "%" else f"{text} {measure.unit}"


def verdict(judged: list[tuple[_Measure, float | int | None, float | int | None, Rag]],
            tolerance: float | int) -> str:
    """One line for the Board: "Meets its business case on 3 of 4 targets; followers 18% below target: red"."""
    with_target = [j for j in judged if j[2] is not None]
    if not with_target:
        return "No business-case targets in the account register, so nothing to judge: record the targets the " \
               "Board approved"
    met = [j for j in with_target if j[3] == "green"]
    missed = sorted((j for j in with_target if j[3] in ("red", "amber")),
                    key=lambda j: (j[3] != "red", -_shortfall(j[1], j[2])))
    unknown = [j for j in with_target if j[3] == "grey"]
    if len(with_target) == 1:
        head = f"Meets its business case on {'its one target' if met else '0 of 1 target'}"
    elif len(met) == len(with_target):
        head = f"Meets its business case on all {len(with_target)} targets"
    else:
        head = f"Meets its business case on {len(met)} of {len(with_target)} targets"
    parts = [head]
    for measure, actual, target, status in missed:
        below = _percent_text(_shortfall(actual, target), tolerance, status)
        parts.append(f"{measure.label.lower()} {below}% below target: {status}")
    if unknown:
        parts.append("no data for " + " or ".join(j[0].label.lower() for j in unknown))
    return "; ".join(parts)


# --- building the report --------------------------------------------------------------------------------

def _subject_name(row: dict[str, Any]) -> str:
    platform = PLATFORM_NAMES.get(row["platform"], row["platform"].title())
    return f"{row['account_name']} ({platform} @{row['handle']})"


def _period(row: dict[str, Any]) -> str:
    """Archive folder name: "<platform>-<handle>-<review date>" (the date the window ends)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{row['platform']}-{row['handle_key']}-{row['window_end']}")


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _judge(row: dict[str, Any], tolerance: float | int):
    judged = []
    for measure in MEASURES:
        actual = _rounded(row[measure.key], measure.decimals)
        target = row[f"target_{measure.key}"]
        target = None if target is None else _rounded(target, measure.decimals)
        judged.append((measure, actual, target, rag(actual, target, tolerance)))
    return judged


def _evidence_note(measure: _Measure, row: dict[str, Any], reply_hours: float | int) -> str:
    if measure.key == "followers":
        if row["followers"] is None:
            return "no follower count read"
        read_on = row["followers_read_on"]
        if read_on > row["window_end"]:
            return f"no count read by the review date; this one was read on {_long_date(read_on)}"
        return f"read on {_long_date(read_on)}"
    if measure.key == "posts_per_week":
        if row["posts"] is None:
            return "no posts read for this account"
        return f"{row['posts']:,} original posts in {row['days']} days"
    if measure.key == "engagement_rate":
        if row["engagement_basis"] is None:
            return "no impressions, page insights or follower counts to measure against"
        base = {"impressions": "impressions", "insights": "page views", "followers": "followers across its posts"}
        return (f"{_number(row['engagements'], 0)} engagements on {_number(row['engagement_base'], 0)} "
                f"{base[row['engagement_basis']]}")
    if row["received"] is None:
        return "no mentions or comments read for this account"
    if not row["received"]:
        return "no mentions or comments asking it something"
    return f"{row['answered']:,} of {row['received']:,} questions and requests answered within {reply_hours:g} hours"


def _measure(measure: _Measure, actual, target, status: Rag, note: str) -> Measure:
    if target is None:
        note = "no target in the business case" + (f"; {note}" if note else "")
    return Measure(label=measure.label, actual=actual, target=target, rag=status, unit=measure.unit, note=note)


def _charts(row: dict[str, Any], weeks: list[dict[str, Any]]):
    from council_social.reporting.charts import describe, line_chart

    charts = []
    for measure in MEASURES:
        points = [(w["week_end"], _rounded(w[measure.key], measure.decimals)) for w in weeks]
        if all(value is None for _, value in points):
            continue
        target = row[f"target_{measure.key}"]
        target = None if target is None else float(target)
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"n01-{row['platform']}-{row['handle_key']}-{measure.key}")
        alt = f"{measure.label} by week: {describe(points)}"
        if target is not None:
            alt += f"; target {target:g}"
        y_label = {"%": "%", "per week": "posts"}.get(measure.unit, measure.label.lower())
        charts.append(line_chart(stem, f"{measure.label}, week by week", {measure.label: points},
                                 y_label=y_label, target=target, alt=alt))
    return tuple(charts)


def _weekly_table(weeks: list[dict[str, Any]]) -> Table:
    rows = tuple(
        (w["week"] + 1, w["week_end"], _rounded(w["followers"], 0), w["posts"], _rounded(w["posts_per_week"], 2),
         _rounded(w["engagement_rate"], 2), w["received"], w["answered"], _rounded(w["response_rate"], 2))
        for w in weeks
    )
    return Table(
        title="Week by week",
        columns=("Week", "Week ending", "Followers", "Posts", "Posts a week", "Engagement rate %",
                 "Asking for a reply", "Answered in time", "Response rate %"),
        rows=rows, sheet="Weekly")


def _definitions(row: dict[str, Any], limits: dict[str, Any]) -> Table:
    basis = row["engagement_basis"]
    engagement = ("Likes, replies or comments, reposts or shares and quotes on the account's original posts, "
                  "as a percentage: on the impressions of the posts where the platform gives them; else on "
                  "the page's views from its daily insights; else on the followers the account had on each "
                  "post's day.")
    if basis:
        engagement += f" For this account: {ENGAGEMENT_BASES[basis]}."
    return Table(
        title="How the measures are worked out",
        columns=("Measure", "Definition"),
        rows=(
            ("Review window", f"Go-live to the day before the review date, "
                              f"{limits['review_after_months']} months after go-live, in UK days, cut into "
                              "7-day weeks from go-live (the days left over join the last week)."),
            ("Followers", "The latest follower count read up to the review date (in a week: that week's "
                          "latest), from the account's daily reads, else from the page's insights. When none "
                          "was read by the review date, the first read after it."),
            ("Posts a week", "Original posts (not replies, not plain reposts) per 7 days."),
            ("Engagement rate", engagement),
            ("Response rate", f"Of the mentions of the account and the comments on its posts that ask it "
                              f"something (as the listening report counts them for rule L01), the percentage "
                              f"a council account answered within {limits['reply_hours']:g} hours."),
            ("Red, amber, green", f"Green: at or above target. Amber: below target by up to "
                                  f"{limits['amber_tolerance_percent']:g}%. Red: further below. Not rated: no "
                                  "target in the business case, or no data."),
        ),
        sheet="Definitions")


def _finding(row: dict[str, Any], judged, line: str, as_of: date) -> Finding:
    rule = _rule()
    evidence: dict[str, Any] = {"Go-live": row["go_live_on"], "Review date": row["review_on"]}
    for measure, actual, target, status in judged:
        if target is None:
            continue
        evidence[measure.label] = (f"{_with_unit(actual, measure)} against {_with_unit(target, measure)}: "
                                   f"{status if status != 'grey' else 'no data'}")
    return Finding(
        rule=rule.id, clause=rule.clause, severity=rule.severity, subject_kind="account",
        subject_key=row["account_key"], subject_name=_subject_name(row), summary=line, action=rule.action,
        evidence=evidence, finding_key=f"{rule.id}:{row['account_key']}:{row['review_on']}", status="new",
        first_seen=as_of, last_seen=as_of, accounts=(row["account_key"],))


def _reviewable(con, account_key: str, as_of: date) -> str:
    """The account's key as the register spells it, or a clear message why it cannot be reviewed."""
    platform, _, handle_key = account_key.partition(":")
    found = con.execute(
        "select account_name, go_live_on from register_accounts_as_of(?) where platform = ? and handle_key = ?",
        [as_of, platform, handle_key.lower()]).fetchone()
    if found is None:
        raise ValueError(f"{account_key} is not in the account register as of {as_of}")
    if found[1] is None:
        raise ValueError(f"{account_key} ({found[0]}) has no go-live date in the account register, "
                         "so its benefit review cannot start")
    if found[1] >= as_of:
        raise ValueError(f"{account_key} ({found[0]}) goes live on {found[1]}: nothing to review as of {as_of}")
    return f"{platform}:{handle_key.lower()}"


def build_benefit(con, *, account_key: str, as_of: date, run_id: str | None = None,
                  policy: dict | None = None) -> Report:
    """The benefit review of one account as of ``as_of``: the whole three months once its review date has
    come, or the weeks so far (an interim review) before then."""
    limits = _thresholds(policy)
    key = _reviewable(con, account_key, as_of)
    rows = measures(con, [key], as_of, policy=policy)
    weeks = [r for r in rows if r["week"] is not None]
    row = next(r for r in rows if r["week"] is None)
    tolerance = limits["amber_tolerance_percent"]
    judged = _judge(row, tolerance)
    interim = row["window_end"] < row["review_on"]
    line = verdict(judged, tolerance)
    if interim:
        line = f"So far ({len(weeks)} of about {(row['review_on'] - row['go_live_on']).days // 7} weeks): " + \
               line[0].lower() + line[1:]
    summary = tuple(_measure(m, actual, target, status, _evidence_note(m, row, limits["reply_hours"]))
                    for m, actual, target, status in judged)
    short = any(status in ("red", "amber") for *_, status in judged)
    findings = (_finding(row, judged, line, as_of),) if short else ()
    name = _subject_name(row)
    last_day = row["window_end"] - timedelta(days=1)
    met = sum(1 for *_, status in judged if status == "green")
    rated = sum(1 for _, _, target, _ in judged if target is not None)
    headline = (f"{name}, live since {_long_date(row['go_live_on'])}: "
                + (f"{met} of {rated} business-case targets met" if rated else "no business-case targets"))
    notes = [
        f"Review date {_long_date(row['review_on'])}: {limits['review_after_months']} months after go-live "
        f"(N01_review_after_months); amber within {tolerance:g}% below target (N01_amber_tolerance_percent).",
        f"Replies count when a council account answered within {limits['reply_hours']:g} hours "
        "(L01_unanswered_hours), as in the listening report.",
    ]
    if interim:
        notes.insert(0, f"Interim review: the three months end on {_long_date(row['review_on'])}; this covers "
                        f"{row['days']} days to {_long_date(last_day)}.")
    if row["posts"] is None:
        notes.append(f"No activity has been read from {PLATFORM_NAMES.get(row['platform'], row['platform'])} "
                     "for this account, so its measures are not rated.")
    elif all(w["followers"] is None for w in weeks):
        notes.append("No follower count was read during the window, so there is no followers trend.")
    elif any(w["followers"] is None for w in weeks):
        missing = [str(w["week"] + 1) for w in weeks if w["followers"] is None]
        notes.append(f"No follower count was read in week(s) {', '.join(missing)}; the followers chart has gaps.")
    sections = (
        Section(title="Business case against actuals", intro=INTRO, findings=findings,
                empty_text="Every target with data is met: nothing for the Board to act on."),
        Section(title="Weekly trends",
                intro="Each point is one week from go-live; the dashed line is the business-case target.",
                tables=(_weekly_table(weeks),), charts=_charts(row, weeks),
                empty_text="No activity to chart."),
        Section(title="How the measures are worked out", tables=(_definitions(row, limits),)),
    )
    return Report(
        report=REPORT, title=f"{TITLE}: {row['account_name']}", period=_period(row),
        period_label=f"{_long_date(row['go_live_on'])} to {_long_date(last_day)}", as_of=as_of,
        generated_at=datetime.now(UTC), headline=headline, summary=summary, sections=sections, verdict=line,
        notes=tuple(notes))


def build_benefit_summary(con, as_of: date, since: date, *, policy: dict | None = None) -> Report | None:
    """Every benefit review produced from ``since`` to ``as_of`` (both included), for the Review Board pack;
    None when there was none. Figures are worked out again as of ``as_of`` over each account's window."""
    limits = _thresholds(policy)
    tolerance = limits["amber_tolerance_percent"]
    reviewed = [subject for (subject,) in con.execute(
        "select distinct subject from report_runs where report = ? and subject is not null "
        "and as_of between ? and ? order by subject", [REPORT, since, as_of]).fetchall()]
    rows = [r for r in measures(con, reviewed, as_of, policy=policy) if r["week"] is None] if reviewed else []
    if not rows:
        return None
    table_rows, findings, counts = [], [], {"green": 0, "amber": 0, "red": 0}
    for row in sorted(rows, key=lambda r: (r["review_on"], r["account_key"])):
        judged = _judge(row, tolerance)
        line = verdict(judged, tolerance)
        statuses = {status for *_, status in judged}
        worst = "red" if "red" in statuses else "amber" if "amber" in statuses else \
            "green" if "green" in statuses else None
        if worst:
            counts[worst] += 1
        if worst in ("red", "amber"):
            findings.append(_finding(row, judged, line, as_of))
        cells = [f"{_with_unit(actual, m)} / {_with_unit(target, m) if target is not None else 'no target'}"
                 f" ({status if target is not None and status != 'grey' else 'not rated'})"
                 for m, actual, target, status in judged]
        table_rows.append((_subject_name(row), row["go_live_on"], row["review_on"], *cells, line))
    total = len(rows)
    label = f"{_long_date(since)} to {_long_date(as_of)}"
    table = Table(
        title="Reviews in the period",
        columns=("Account", "Go-live", "Review date", *(f"{m.label} (actual / target)" for m in MEASURES),
                 "Verdict"),
        rows=tuple(table_rows), sheet="Benefit reviews")
    return Report(
        report=REPORT, title="New-account benefit reviews", period=f"{since}_{as_of}", period_label=label,
        as_of=as_of, generated_at=datetime.now(UTC),
        headline=(f"{total} new account(s) reviewed three months after go-live: {counts['green']} meeting every "
                  f"target with data, {counts['amber']} amber at worst, {counts['red']} with a red target"),
        summary=(Measure("Accounts reviewed", total), Measure("Meeting every target", counts["green"]),
                 Measure("Amber at worst", counts["amber"]), Measure("With a red target", counts["red"])),
        sections=(Section(title="New-account benefit reviews", intro=INTRO, findings=tuple(findings),
                          tables=(table,), empty_text="Every reviewed account meets its targets."),),
        notes=(f"Amber within {tolerance:g}% below target; red further below (N01_amber_tolerance_percent).",
               "Targets are the account register's as of the end of the period."))
