"""The monthly inactive-user report: who still holds Hootsuite access and should not.

G Removing Inactive Users ("to remove inactive users"), G What if an Employee Leaves? and M 5.1
Leaving or moving within the Council: leavers still holding access (U01, critical), members with no
Hootsuite activity (U02) and members whose GOLD training is missing or overdue (U03, G Training of
Approved Employees). Each finding lists the accounts the member can reach (named moderator, their
Hootsuite team's service, or profiles they have posted to: ``report_member_reach_as_of``), so a
leaver's passwords can be changed on every one of them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from council_social.reporting.audit import (
    change_measures,
    day_text,
    headline,
    months_label,
    severity_chart,
    thresholds_table,
)
from council_social.reporting.findings import changes_since, evaluate, previous_run
from council_social.reporting.model import Finding, Measure, Report, Section, Table
from council_social.reporting.rules import USER_RULES

REPORT = "inactive_users"
TITLE = "Inactive users: who still holds access and should not"
SECTIONS = (
    ("U01", "Leavers still holding access",
     "People on the HR leavers register who are still active Hootsuite members. Remove their access today "
     "and change the passwords of every account listed.", "Nobody who has left still holds access."),
    ("U02", "Inactive members",
     "Active Hootsuite members who have not created, approved or sent a message for the period the policy "
     "file sets (Hootsuite has no last-login date).", "No inactive members."),
    ("U03", "GOLD training missing or overdue",
     "Active Hootsuite members with no GOLD training on record, or whose yearly refresher is overdue.",
     "Everyone's GOLD training is up to date."),
)


def _reach(con, as_of: date, members: set[str]) -> dict[str, list[tuple[str, str]]]:
    """Member (subject key) -> [(account label, how they reach it)]."""
    if not members:
        return {}
    rows = con.execute(
        """select coalesce(lower(trim(members.email)), members.member_key) as subject_key,
                  coalesce(accounts.label, reach.account_key) as account, array_to_string(reach.via, ', ') as via
           from report_member_reach_as_of($as_of) as reach
           join hootsuite_members as members using (member_key)
           left join report_accounts_as_of($as_of) as accounts using (account_key)
           where list_contains($members, coalesce(lower(trim(members.email)), members.member_key))
           order by subject_key, account""", {"as_of": as_of, "members": sorted(members)}).fetchall()
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for subject, account, via in rows:
        found[subject].append((account, via))
    return found


def _reach_table(findings: tuple[Finding, ...], reach: dict[str, list[tuple[str, str]]], sheet: str) -> Table:
    rows = tuple((f.subject_name, account, via.replace("team", "Hootsuite team").replace("posted", "has posted to"))
                 for f in findings for account, via in reach.get(f.subject_key, ()))
    return Table("Accounts they can reach", ("Member", "Account", "How"), rows, sheet=sheet)


def build_inactive_users(con, *, as_of: date, run_id: str | None = None,
                         policy: dict[str, Any] | None = None) -> Report:
    """Evaluate U01-U03 as of ``as_of`` and build the month's report (needs a writable connection)."""
    from council_social.policy import load_policy

    policy = policy if policy is not None else load_policy()
    previous = previous_run(con, REPORT, as_of)
    evaluate(con, as_of, USER_RULES, policy, run_id)
    findings = changes_since(con, USER_RULES, previous["as_of"] if previous else None, as_of)
    current = [f for f in findings if f.status != "resolved"]
    reach = _reach(con, as_of, {f.subject_key for f in current})
    members = con.execute(
        "select count(*) from hootsuite_members where coalesce(is_active, true)"
        " and (created_at is null or created_at < london_day_start($as_of + 1))", {"as_of": as_of}).fetchone()[0]
    by_rule = {rule: tuple(f for f in current if f.rule == rule) for rule in USER_RULES}
    people = {rule: len({f.subject_key for f in by_rule[rule]}) for rule in USER_RULES}

    sections = []
    for rule, title, intro, empty in SECTIONS:
        chosen = by_rule[rule]
        tables = (_reach_table(chosen, reach, sheet=f"{rule} reach"),) if chosen else ()
        sections.append(Section(title, intro=intro, findings=chosen, tables=tables, empty_text=empty))
    resolved = tuple(f for f in findings if f.status == "resolved")
    sections.append(Section(
        "Resolved since the last report",
        intro=("Findings open at the last report that are no longer found (access removed, activity resumed, "
               "training done)." if previous else "This is the first report: nothing to compare with."),
        findings=resolved, empty_text="Nothing resolved since the last report." if previous else "First report.",
    ))
    sections.append(Section("Rules and thresholds used", tables=(thresholds_table(policy, USER_RULES),),
                            charts=(severity_chart("inactive_users_by_severity", findings),)))

    summary = (
        Measure("Active Hootsuite members", members),
        Measure("Leavers still holding access", people["U01"], note="critical: remove today"),
        Measure("Inactive members", people["U02"]),
        Measure("GOLD training missing or overdue", people["U03"]),
        *change_measures(findings, previous, "report"),
    )
    leavers = people["U01"]
    lead = (f"{leavers} leaver{'s' if leavers != 1 else ''} still hold{'s' if leavers == 1 else ''} Hootsuite access"
            if leavers else "No leaver holds Hootsuite access")
    notes = () if previous else ("First inactive-user report on record: every finding is new.",)
    return Report(
        report=REPORT, title=TITLE, period=f"{as_of:%Y-%m}", period_label=months_label(as_of, as_of), as_of=as_of,
        generated_at=datetime.now(UTC),
        headline=f"{lead}; {headline(findings, previous, 'report')}",
        summary=summary, sections=tuple(sections),
        notes=(*notes, f"Registers and Hootsuite membership as they stood on {day_text(as_of)}."),
    )
