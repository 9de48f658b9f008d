"""The listening rules as findings: L01 unanswered mentions, L02 spikes, L03 comments for moderation.

Each rule is one query in ``sql/reports/`` evaluated as of a moment; what it finds becomes a
``Finding`` (private individuals pseudonymised, see ``pseudonymise.py``) and is kept in
``report_findings`` with first-seen, last-seen and status, so each report says what is new, still
open or resolved since the previous one of its kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from council_social.config import settings
from council_social.reporting.model import Finding, Rule

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn",
                  "youtube": "YouTube", "tiktok": "TikTok"}

_FALLBACK = {
    "L01": Rule(id="L01", title="Mention or comment left unanswered",
                clause="M 5.1 respond; G Monitoring", severity="medium", subject_kind="mention",
                action="Reply from the account it was addressed to, or note why no reply is needed"),
    "L02": Rule(id="L02", title="Mention spike", clause="M 9.1 monitoring", severity="high", subject_kind="account",
                action="Find out what people are raising and whether the council needs to respond publicly"),
    "L03": Rule(id="L03", title="Comment for moderation: abusive or party-political",
                clause="G Moderation; M 5.1", severity="medium", subject_kind="comment",
                action="A moderator to review it against the house rules: hide, remove or leave, and record "
                       "the decision"),
}


def rule(rule_id: str) -> Rule:
    """The rule from the shared catalogue, so clause and action read the same in every report."""
    try:
        from council_social.reporting.rules import RULES
    except ImportError:
        RULES = {}
    return RULES.get(rule_id) or _FALLBACK[rule_id]


def sql(name: str) -> str:
    return (settings().root / "sql" / "reports" / f"{name}.sql").read_text(encoding="utf-8")


def rows(con, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    text = sql(name)
    cursor = con.execute(text, {k: v for k, v in params.items() if f"${k}" in text})
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def end_of(day: date) -> datetime:
    """Midnight at the end of a Europe/London day, in UTC."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), LONDON).astimezone(UTC)


def platform_name(platform: str | None) -> str:
    return PLATFORM_NAMES.get(platform or "", (platform or "").title())


def account_label(key: str | None) -> str:
    """'x:mancitycouncil' as people write it: 'X @mancitycouncil'."""
    if not key:
        return "no account (brand search)"
    platform, _, handle = key.partition(":")
    at = "@" if platform in ("x", "instagram") else ""
    return f"{platform_name(platform)} {at}{handle}"


def excerpt(text: str | None, limit: int = 280) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def waited(hours: float) -> str:
    return f"{hours:.0f} hours" if hours < 72 else f"{hours / 24:.1f} days"


# --- the rules -----------------------------------------------------------------------------------------

def unanswered(con, *, as_of: datetime, policy: Mapping, names) -> tuple[list[dict], list[Finding], int]:
    """L01 as of ``as_of``: the listed rows (the ``L01_max_findings`` most-followed authors first), their
    findings, and how many mentions are unanswered in all.

    Findings are the listed mentions and any found before that are still unanswered, so a mention is
    only ever resolved by an answer (or by leaving the window), never by slipping down the ranking.
    """
    rules, listening = policy["rules"], policy["listening"]
    found = rows(con, "l01_unanswered_mentions", {"as_of": as_of, "hours": int(rules["L01_unanswered_hours"]),
                                                   "window_days": int(rules["L01_window_days"])})
    still_open = {key for (key,) in con.execute(
        "select subject_key from report_findings where rule = 'L01' and status = 'open'").fetchall()}
    limit = int(rules["L01_max_findings"])
    kept = [row for n, row in enumerate(found)
            if n < limit or f"{row['platform']}:{row['mention_id']}" in still_open]
    listed = found[:limit]
    spec = rule("L01")
    wide = int(listening["public_figure_min_reach"])
    names.learn(con, [(row["platform"], row["text"]) for row in kept])
    findings = []
    for row in kept:
        public = names.is_public(row["platform"], row["author_handle"], verified=row["author_verified"],
                                 reach=row["author_reach"], is_council=row["author_is_council"])
        row["author"] = names.author(row["platform"], handle=row["author_handle"], author_id=row["author_id"],
                                     name=row["author_name"], verified=row["author_verified"],
                                     reach=row["author_reach"], is_council=row["author_is_council"])
        row["shown_text"] = excerpt(names.text(row["platform"], row["text"]))
        row["link"] = names.url(row["platform"], row["mention_id"], row["url"], public=public)
        reach = row["author_reach"]
        # Reach decides the order people see findings in: the most-followed authors first.
        severity = "high" if (reach or 0) >= wide else (
            "medium" if (reach or 0) >= 1000 or row["hours_waiting"] >= 72 else "low")
        what = "comment" if row["source_kind"] == "comment" else "mention"
        findings.append(Finding(
            rule=spec.id, clause=spec.clause, severity=severity, subject_kind=what,
            subject_key=f"{row['platform']}:{row['mention_id']}",
            subject_name=f"{row['author']} to {account_label(row['council_account'])}",
            summary=(f"{what.title()} from {row['author']}"
                     f"{f' ({reach:,} followers)' if reach is not None else ''} unanswered for "
                     f"{waited(row['hours_waiting'])}"),
            action=spec.action,
            evidence={"Account": account_label(row["council_account"]), "Author": row["author"],
                      "Followers": reach, "Written": row["created_at"], "Waiting": waited(row["hours_waiting"]),
                      "Text": row["shown_text"], "Link": row["link"]},
            finding_key=f"L01:{row['platform']}:{row['mention_id']}",
            accounts=(row["council_account"],) if row["council_account"] else ()))
    return listed, findings, len(found)


def spike_findings(spikes: Iterable) -> list[Finding]:
    """L02 findings for detected spikes (``spikes.Spike``)."""
    spec = rule("L02")
    findings = []
    for spike in spikes:
        scope = "all council accounts and brand mentions" if spike.scope == "all" else account_label(spike.scope)
        findings.append(Finding(
            rule=spec.id, clause=spec.clause, severity=spec.severity, subject_kind="account" if spike.scope != "all"
            else "council", subject_key=spike.scope, subject_name=f"{scope} on {spike.day:%a %d %b %Y}",
            summary=(f"{spike.volume:,} mentions on {spike.day:%d %b}: usually {spike.mean:.1f} a day "
                     f"(alert level {spike.threshold:.1f})"),
            action=spec.action,
            evidence={"Day": spike.day, "Mentions": spike.volume, "Usual (mean)": round(spike.mean, 1),
                      "Spread (sigma)": round(spike.sigma, 1), "Alert level": round(spike.threshold, 1),
                      "Days of history": spike.history_days},
            finding_key=f"L02:{spike.scope}:{spike.day.isoformat()}",
            accounts=(spike.scope,) if spike.scope != "all" else ()))
    return findings


def moderation(con, *, as_of: datetime, names) -> tuple[list[dict], list[Finding]]:
    """L03 rows (queued, not yet reviewed at ``as_of``) and their findings."""
    spec = rule("L03")
    found = rows(con, "l03_moderation_queue", {"as_of": as_of})
    names.learn(con, [(row["platform"], row["text"]) for row in found])
    findings = []
    for row in found:
        public = names.is_public(row["platform"], row["author_handle"], verified=row["author_verified"],
                                 reach=row["author_reach"])
        row["author"] = names.author(row["platform"], handle=row["author_handle"], author_id=row["author_id"],
                                     name=row["author_name"], verified=row["author_verified"],
                                     reach=row["author_reach"])
        row["shown_text"] = excerpt(names.text(row["platform"], row["text"]))
        row["link"] = names.url(row["platform"], row["mention_id"], row["url"], public=public)
        terms = ", ".join(row["matched_terms"] or [])
        findings.append(Finding(
            rule=spec.id, clause=spec.clause, severity="high" if "abusive" in row["reason"] else "medium",
            subject_kind="comment", subject_key=f"{row['platform']}:{row['mention_id']}",
            subject_name=f"{row['author']} on {account_label(row['council_account'])}",
            summary=f"Looks {row['reason']} ({terms})", action=spec.action,
            evidence={"Account": account_label(row["council_account"]), "Author": row["author"],
                      "Written": row["created_at"], "Queued": row["queued_at"], "Reason": row["reason"],
                      "Words": terms, "Text": row["shown_text"], "Link": row["link"]},
            finding_key=f"L03:{row['platform']}:{row['mention_id']}",
            accounts=(row["council_account"],) if row["council_account"] else ()))
    return found, findings


def open_a05(con) -> list[Finding]:
    """A05 (unregistered accounts speaking as the council) as the audit rules last found them."""
    found = con.execute(
        "select rule, clause, severity, subject_kind, subject_key, coalesce(subject_name, subject_key), summary,"
        " action, evidence, accounts, finding_key, first_seen, last_seen from report_findings"
        " where rule = 'A05' and status = 'open' order by first_seen, finding_key").fetchall()
    findings = []
    for (rule_id, clause, severity, kind, key, name, summary, action, evidence, accounts, finding_key, first,
         last) in found:
        import json

        details = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
        findings.append(Finding(
            rule=rule_id, clause=clause, severity=severity, subject_kind=kind, subject_key=key, subject_name=name,
            summary=summary, action=action, evidence=details if isinstance(details, dict) else {"detail": details},
            finding_key=finding_key, status="open", first_seen=first, last_seen=last,
            accounts=tuple(accounts or ())))
    return findings
