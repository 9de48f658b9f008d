"""Reports built by hand for the renderer tests: every kind of field, and text from the public that bites.

Nothing here comes from the demo organisation: the renderers must show any report a builder makes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from council_social.reporting.model import Chart, Finding, Measure, Report, Section, Table

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>bold claim</b>"
HYPERLINK = '=HYPERLINK("http://evil.example/x","Click me")'
PHONE = "+44 161 234 5000"
MINUS = "-1"
AT_SUM = "@SUM(A1)"
TAB = "\tcmd /c calc"
#: Every value a spreadsheet would run as a formula, as a person typed it.
FORMULAS = (HYPERLINK, PHONE, MINUS, AT_SUM, TAB)

HOSTILE_NAME = f"Fake Council {SCRIPT}"
HOSTILE_SUMMARY = f"Bio says {BOLD} and {SCRIPT}"


@cache
def charts() -> tuple[Chart, Chart]:
    """Two real PNG charts drawn by the report chart module."""
    from council_social.reporting.charts import bar_chart, line_chart

    by_severity = bar_chart("findings-by-severity", "Open findings by severity", ["critical", "high", "medium"],
                            [1, 3, 2], alt="1 critical, 3 high and 2 medium findings are open")
    followers = line_chart("followers", "Followers by week",
                           {"@NewLibraryAcct": [(date(2026, 7, d), 100.0 + d * 10) for d in (1, 8, 15, 22, 29)]},
                           target=500, alt="Followers rose from 110 to 390 against a target of 500")
    return by_severity, followers


def finding(rule: str, key: str, *, severity: str = "high", status: str = "new", clause: str = "G Account Security",
            name: str | None = None, summary: str = "", action: str = "Fix it", evidence: dict | None = None,
            accounts: tuple[str, ...] = (), kind: str = "account", first_seen: date | None = date(2026, 4, 2),
            last_seen: date | None = date(2026, 9, 30), resolved_on: date | None = None) -> Finding:
    return Finding(
        rule=rule, clause=clause, severity=severity, subject_kind=kind, subject_key=key,
        subject_name=name if name is not None else f"Account {key}", summary=summary or f"{rule} found on {key}",
        action=action, evidence=evidence or {}, finding_key=f"{rule}:{key}", status=status,
        first_seen=first_seen, last_seen=last_seen, resolved_on=resolved_on, accounts=accounts,
    )


def hostile_finding() -> Finding:
    """An unregistered account whose name, bio and evidence carry markup and spreadsheet formulas."""
    return finding(
        "A05", "x:fakecouncil", severity="critical", status="new", clause="G Social Media Accounts",
        name=HOSTILE_NAME, summary=HOSTILE_SUMMARY, action=f"Report {SCRIPT} to the platform",
        kind="account",
        evidence={
            "bio": HYPERLINK, "phone": PHONE, "score": MINUS, "formula": AT_SUM, "command": TAB,
            "markup": BOLD, "seen on": date(2026, 9, 1), "last post": datetime(2026, 9, 2, 13, 5, tzinfo=UTC),
            "posts": 42, "engagement rate": 4.25, "verified": False, "owner": None,
        },
        accounts=(f"x:{SCRIPT}", "=1+1"),
    )


def audit_report() -> Report:
    by_severity, _ = charts()
    accounts = Section(
        title="Accounts",
        intro="Every account the council speaks through, checked against the register.",
        findings=(
            finding("A01", "facebook:mcrlibraries", severity="critical", status="new",
                    summary="Not managed through Hootsuite", evidence={"managed in Hootsuite": False}),
            hostile_finding(),
            finding("A04", "x:mcrparks", severity="high", status="open", clause="M 4.1, App. 2",
                    summary="No named moderator", first_seen=date(2025, 10, 1)),
            finding("A03", "instagram:mcrevents", severity="medium", status="open", clause="G Auditing; M 5.1",
                    summary="No post for 140 days", evidence={"last post": date(2026, 5, 13), "days": 140}),
            finding("A07", "x:mcrhousing", severity="high", status="resolved", clause="G passwords",
                    summary="Password not changed for 200 days", resolved_on=date(2026, 9, 15)),
        ),
        tables=(
            Table(
                title="Accounts checked",
                columns=("account", "platform", "go live", "last post at", "posts", "engagement rate", "note"),
                rows=(
                    ("Manchester City Council", "x", date(2015, 3, 1), datetime(2026, 9, 29, 23, 30, tzinfo=UTC),
                     1204, 3.5, "fine"),
                    (HOSTILE_NAME, "x", None, None, 7, Decimal("0.5"), HYPERLINK),
                    ("Libraries", "facebook", date(2019, 1, 2), datetime(2026, 9, 1, 8, 0, tzinfo=UTC), 310, None,
                     MINUS),
                ),
                sheet="Accounts checked",
            ),
        ),
        charts=(by_severity,),
    )
    users = Section(
        title="Users",
        intro="Hootsuite members and what they may still reach.",
        findings=(
            finding("U01", "jo.bloggs@example.gov.uk", severity="critical", status="open", kind="member",
                    clause="G employee leaves; M leaving", name="Jo Bloggs",
                    summary="Left on 3 Sep 2026; still an Editor in Hootsuite",
                    action="Remove their Hootsuite access today and reset the passwords they knew",
                    evidence={"left on": date(2026, 9, 3), "role": "Editor"},
                    accounts=("x:mancitycouncil", "facebook:mcrlibraries")),
            finding("U03", "sam.smith@example.gov.uk", severity="low", status="new", kind="member",
                    clause="G Training", name="Sam Smith", summary="GOLD refresher 14 months ago",
                    first_seen=None, last_seen=None),
        ),
        measures=(Measure("Members with access", 57), Measure("Leavers still with access", 1, 0, "red")),
    )
    empty = Section(title="Education establishments", intro="Schools with more than one account per platform.",
                    empty_text="No establishment has more than one account on a platform.")
    return Report(
        report="audit", title="Bi-annual audit of accounts and users", period="2026-H2",
        period_label="April to September 2026", as_of=date(2026, 9, 30),
        generated_at=datetime(2026, 10, 1, 6, 15, tzinfo=UTC),
        headline="3 critical findings need action this week, 2 of them new",
        summary=(Measure("Accounts checked", 3), Measure("Members checked", 57),
                 Measure("Findings open", 6, note=f"notes from the public: {BOLD}")),
        sections=(accounts, users, empty),
        notes=("Instagram insights were unavailable for 2 days.", f"Thresholds: {HYPERLINK}"),
    )


def benefit_report() -> Report:
    _, followers = charts()
    measures = (
        Measure("Followers", 390, 500, "red", note="22% below target"),
        Measure("Posts a week", 4.6, 5, "amber", "per week"),
        Measure("Engagement rate", 3.25, 3, "green", "%"),
        Measure("Response rate", None, 90, "grey", "%", "no comments yet"),
    )
    section = Section(title="@NewLibraryAcct on X", intro="Went live on 1 July 2026.", measures=measures,
                      charts=(followers,))
    nothing = Section(title="Accounts not yet due", empty_text="No other account reached three months.")
    return Report(
        report="new_account_benefit", title="New-account benefit report", period="2026-10",
        period_label="October 2026", as_of=date(2026, 10, 1), generated_at=datetime(2026, 10, 1, 7, 0, tzinfo=UTC),
        headline="1 account reached three months: 1 target met, 1 near, 1 missed",
        summary=(Measure("Accounts reviewed", 1),),
        sections=(section, nothing),
        verdict="Keep @NewLibraryAcct, and review its follower target in three months",
    )


def inactive_users_report() -> Report:
    section = Section(
        title="Members without activity",
        findings=tuple(
            finding("U02", f"member{n}@example.gov.uk", severity="medium", status="open" if n % 2 else "new",
                    kind="member", clause="G Removing Inactive Users", name=f"Member {n}",
                    summary=f"No message created, approved or sent for {90 + n} days",
                    evidence={"last activity": date(2026, 6, 1)})
            for n in range(1, 4)
        ),
    )
    return Report(
        report="inactive_users", title="Inactive users", period="2026-09", period_label="September 2026",
        as_of=date(2026, 9, 30), generated_at=datetime(2026, 10, 1, 6, 30, tzinfo=UTC),
        headline="3 members have been inactive for more than 90 days", sections=(section,),
    )


def many_findings_report(high: int = 45, medium: int = 7, low: int = 3) -> Report:
    """More high findings than the email lists, and lower ones it only counts."""
    findings = [finding("A02", f"x:acct{n:03d}", severity="high", status="new" if n < 5 else "open")
                for n in range(high)]
    findings += [finding("A10", f"x:spam{n:03d}", severity="medium") for n in range(medium)]
    findings += [finding("A06", f"x:brand{n:03d}", severity="low") for n in range(low)]
    return Report(
        report="audit", title="Bi-annual audit of accounts and users", period="2027-H1",
        period_label="October 2026 to March 2027", as_of=date(2027, 3, 31),
        generated_at=datetime(2027, 4, 1, 6, 0, tzinfo=UTC), headline="Many findings",
        sections=(Section(title="Posting", findings=tuple(findings)),),
    )
