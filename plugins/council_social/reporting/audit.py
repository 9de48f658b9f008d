"""The bi-annual audit of accounts and users for the Digital Comms Review Board.

G Auditing of Accounts and Users: "All social media accounts and approved social media users will
be monitored and audited on a bi-annual basis by the Digital Review Board ... to remove inactive
users and dormant accounts, while ensuring accounts adhere to the relevant policies". The audit
evaluates rules A01-A12 (accounts) and U01-U03 (users) as of the period's last day, stores the
findings, and compares them with the previous audit: what is new, still open, or resolved since.

``build_audit`` returns the report's content only (``model.Report``); rendering, archiving and
emailing are done elsewhere, and publishing records the run (``findings.record_run``) so the next
audit knows which one came before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from council_social.reporting.findings import changes_since, default_period_start, evaluate, previous_run
from council_social.reporting.model import SEVERITIES, Chart, Finding, Measure, Report, Section, Table
from council_social.reporting.rules import ACCOUNT_RULES, AUDIT_RULES, RULES, USER_RULES, describe_thresholds

REPORT = "audit"
TITLE = "Bi-annual audit of accounts and users"
SEVERITY_COLOURS = {"critical": "#b00020", "high": "#e07b00", "medium": "#1d4f91", "low": "#5a5a5a"}


# --- shared with the inactive-user report ----------------------------------------------------------

def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def half_year(period_end: date) -> str:
    """"2026-H2": the calendar half-year the period ends in."""
    return f"{period_end.year}-H{1 if period_end.month <= 6 else 2}"


def months_label(start: date, end: date) -> str:
    """"April to September 2026", "October 2025 to March 2026", "October 2026"."""
    if (start.year, start.month) == (end.year, end.month):
        return f"{end:%B %Y}"
    if start.year == end.year:
        return f"{start:%B} to {end:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def severity_measures(findings: Iterable[Finding]) -> tuple[Measure, ...]:
    counts = Counter(f.severity for f in findings if f.status != "resolved")
    return tuple(Measure(severity.capitalize(), counts.get(severity, 0), unit="findings") for severity in SEVERITIES)


def change_measures(findings: Sequence[Finding], previous: Mapping[str, Any] | None, since: str) -> tuple[Measure, ...]:
    counts = Counter(f.status for f in findings)
    if previous is None:
        note = f"first {since}: every finding is new"
    else:
        note = f"against the {since} as of {day_text(previous['as_of'])} ({previous['period']})"
    return (Measure(f"New since the last {since}", counts.get("new", 0), note=note),
            Measure("Still open", counts.get("open", 0), note=note),
            Measure(f"Resolved since the last {since}", counts.get("resolved", 0), note=note))


def headline(findings: Sequence[Finding], previous: Mapping[str, Any] | None, since: str) -> str:
    current = [f for f in findings if f.status != "resolved"]
    counts = Counter(f.severity for f in current)
    by_severity = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts.get(s))
    changes = Counter(f.status for f in findings)
    if not current:
        text = "No open findings"
    else:
        text = f"{len(current)} finding{'s' if len(current) != 1 else ''} ({by_severity})"
    if previous is None:
        return f"{text}; the first {since}, so every finding is new"
    return (f"{text}: {changes.get('new', 0)} new, {changes.get('open', 0)} still open and "
            f"{changes.get('resolved', 0)} resolved since the {since} of {day_text(previous['as_of'])}")


def severity_chart(name: str, findings: Sequence[Finding]) -> Chart:
    from council_social.reporting.charts import bar_chart

    counts = Counter(f.severity for f in findings if f.status != "resolved")
    values = [counts.get(s, 0) for s in SEVERITIES]
    return bar_chart(name, "Open findings by severity", [s.capitalize() for s in SEVERITIES], values,
                     colours=[SEVERITY_COLOURS[s] for s in SEVERITIES],
                     alt="Open findings by severity: " + ", ".join(f"{s} {v}" for s, v in zip(SEVERITIES, values,
                                                                                                 strict=True)))


def rule_chart(name: str, findings: Sequence[Finding], rules: Sequence[str]) -> Chart:
    from council_social.reporting.charts import bar_chart

    counts = Counter(f.rule for f in findings if f.status != "resolved")
    shown = [r for r in rules if counts.get(r)] or list(rules[:1])
    labels = [f"{r} {RULES[r].title}"[:48] for r in shown]
    values = [counts.get(r, 0) for r in shown]
    return bar_chart(name, "Open findings by rule", labels, values, horizontal=True,
                     colours=[SEVERITY_COLOURS[RULES[r].severity] for r in shown],
                     alt="Open findings by rule: " + ", ".join(f"{r} {v}" for r, v in zip(shown, values, strict=True)))


def rule_table(title: str, findings: Sequence[Finding], rules: Sequence[str], sheet: str = "") -> Table:
    open_counts = Counter(f.rule for f in findings if f.status != "resolved")
    new_counts = Counter(f.rule for f in findings if f.status == "new")
    resolved = Counter(f.rule for f in findings if f.status == "resolved")
    rows = tuple((r, RULES[r].title, RULES[r].clause, RULES[r].severity, open_counts.get(r, 0), new_counts.get(r, 0),
                  resolved.get(r, 0)) for r in rules)
    return Table(title, ("Rule", "What it checks", "Policy clause", "Severity", "Open", "New", "Resolved"), rows,
                 sheet=sheet)


def thresholds_table(policy: Mapping[str, Any], rules: Sequence[str]) -> Table:
    rows = tuple((r, RULES[r].title, RULES[r].clause, RULES[r].severity,
                  describe_thresholds(policy, r) or "none (the register says)", RULES[r].action) for r in rules)
    return Table("Rules and thresholds used", ("Rule", "What it checks", "Policy clause", "Severity", "Thresholds",
                                               "Action expected"), rows, sheet="Rules")


def coverage_notes(con, as_of: date) -> tuple[str, ...]:
    """What the data could and could not show: the reader must know where a rule was blind."""
    notes = []
    hootsuite = con.execute("select london_date(starts_at) from report_hootsuite_record").fetchone()[0]
    if hootsuite is None:
        notes.append("No Hootsuite data is loaded: direct posting (A02), approvals (A12) and inactivity (U02) "
                     "could not be judged.")
    else:
        notes.append(f"Hootsuite's record in the warehouse starts on {day_text(hootsuite)}: direct posting (A02) "
                     "and inactivity (U02) are judged from then.")
    unread = con.execute(
        "select count(*) filter (where platform_account_id is null and not in_hootsuite),"
        " count(*) filter (where platform_account_id is null)"
        " from report_accounts_as_of($as_of) where is_active", {"as_of": as_of}).fetchone()
    if unread[1]:
        notes.append(f"{unread[1]} active account(s) have no platform record the pipelines can read (blogs, "
                     "photo and video sites, Facebook groups): branding (A06) is not judged for them, and "
                     f"dormancy (A03) not for the {unread[0]} of them outside Hootsuite too.")
    return tuple(notes)


def in_scope(con, as_of: date) -> tuple[int, int]:
    """(accounts approved and active in the register, active Hootsuite members) as of ``as_of``."""
    accounts = con.execute("select count(*) from report_accounts_as_of($as_of) where is_active",
                           {"as_of": as_of}).fetchone()[0]
    members = con.execute(
        "select count(*) from hootsuite_members where coalesce(is_active, true)"
        " and (created_at is null or created_at < london_day_start($as_of + 1))", {"as_of": as_of}).fetchone()[0]
    return accounts, members


# --- the audit -------------------------------------------------------------------------------------

def build_audit(con, *, period_start: date | None = None, period_end: date, run_id: str | None = None,
                policy: Mapping[str, Any] | None = None) -> Report:
    """Evaluate the audit's rules as of ``period_end`` and build the report (needs a writable connection).

    The previous audit is the latest ``report_runs`` row for 'audit' as of a date before
    ``period_end``; without one this is the first audit and every finding is new.
    """
    from council_social.policy import load_policy

    policy = policy if policy is not None else load_policy()
    period_start = period_start or default_period_start(period_end)
    if period_start > period_end:
        raise ValueError(f"the audit period starts ({period_start}) after it ends ({period_end})")
    previous = previous_run(con, REPORT, period_end)
    evaluate(con, period_end, AUDIT_RULES, policy, run_id, period_start=period_start)
    findings = changes_since(con, AUDIT_RULES, previous["as_of"] if previous else None, period_end)
    current = [f for f in findings if f.status != "resolved"]
    resolved = [f for f in findings if f.status == "resolved"]
    accounts_in_scope, members_in_scope = in_scope(con, period_end)

    account_findings = tuple(f for f in current if f.rule in ACCOUNT_RULES)
    user_findings = tuple(f for f in current if f.rule in USER_RULES)
    summary = (
        Measure("Accounts in scope", accounts_in_scope, note="active in the account register"),
        Measure("Users in scope", members_in_scope, note="active Hootsuite members"),
        *severity_measures(current),
        *change_measures(findings, previous, "audit"),
    )
    sections = (
        Section(
            "Summary",
            intro=(f"The audit covers {months_label(period_start, period_end)}: {accounts_in_scope} accounts "
                   f"approved in the account register and {members_in_scope} Hootsuite members, checked against "
                   f"{len(AUDIT_RULES)} rules from the council's social media policies. Registers are read as "
                   f"they stood on {day_text(period_end)}."),
            tables=(rule_table("Findings by rule", findings, AUDIT_RULES, sheet="By rule"),),
            charts=(severity_chart("audit_by_severity", findings),
                    rule_chart("audit_by_rule", findings, AUDIT_RULES)),
        ),
        Section(
            "Accounts",
            intro=("Each account finding names its rule and policy clause, the evidence, and the action expected. "
                   "Most severe first, then by rule."),
            findings=account_findings,
            empty_text="No account findings.",
        ),
        Section(
            "Users",
            intro="Hootsuite members: leavers still holding access, inactive members, GOLD training.",
            findings=user_findings,
            empty_text="No user findings.",
        ),
        Section(
            "Resolved since the last audit",
            intro=("Findings open at the last audit that are no longer found." if previous else
                   "This is the first audit: nothing to compare with."),
            findings=tuple(resolved),
            empty_text="Nothing resolved since the last audit." if previous else "First audit.",
        ),
        Section(
            "Rules and thresholds used",
            intro="The thresholds come from the policy file (config/policy.yaml); each rule cites its clause.",
            tables=(thresholds_table(policy, AUDIT_RULES),),
        ),
    )
    notes = coverage_notes(con, period_end)
    if previous is None:
        notes = ("First audit on record: every finding is new.", *notes)
    return Report(
        report=REPORT, title=TITLE, period=half_year(period_end),
        period_label=months_label(period_start, period_end), as_of=period_end,
        generated_at=datetime.now(UTC), headline=headline(findings, previous, "audit"), summary=summary,
        sections=sections, notes=notes,
    )
