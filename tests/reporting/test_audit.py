"""The bi-annual audit's content: summary first, accounts, users, what changed since the last audit,
and the rules and thresholds it used."""

from __future__ import annotations

from datetime import date

import pytest
from reporting.golden import AS_OF, PERIOD_START, Council, golden_council

from council_social.policy import DEFAULTS
from council_social.reporting.audit import build_audit, half_year, months_label
from council_social.reporting.findings import record_run
from council_social.reporting.model import SEVERITIES
from council_social.reporting.rules import ACCOUNT_RULES, AUDIT_RULES, RULES, USER_RULES
from council_social.warehouse import connect


def section(report, title):
    return next(s for s in report.sections if s.title == title)


def measure(report, label):
    return next(m.actual for m in report.summary if m.label == label)


@pytest.fixture
def golden(warehouse):
    with connect() as con:
        return golden_council(con)


def test_the_first_audit_of_the_golden_council(golden):
    with connect() as con:
        report = build_audit(con, period_start=PERIOD_START, period_end=AS_OF, run_id="audit-1", policy=DEFAULTS)
        active_accounts = con.execute("select count(*) from register_accounts_current where status = 'active'"
                                      ).fetchone()[0]
    assert (report.report, report.period, report.period_label, report.as_of) == (
        "audit", "2026-H2", "May to October 2026", AS_OF)
    assert [s.title for s in report.sections] == ["Summary", "Accounts", "Users", "Resolved since the last audit",
                                                   "Rules and thresholds used"]
    expected = set().union(*(golden[r] for r in AUDIT_RULES))
    assert {f.finding_key for f in report.findings} == expected
    assert all(f.status == "new" for f in report.findings)
    assert "first audit" in report.headline and str(len(expected)) in report.headline

    accounts, users = section(report, "Accounts"), section(report, "Users")
    assert {f.rule for f in accounts.findings} == set(ACCOUNT_RULES)
    assert {f.rule for f in users.findings} == set(USER_RULES)
    rank = [SEVERITIES.index(f.severity) for f in accounts.findings]
    assert rank == sorted(rank), "most severe first"
    assert users.findings[0].rule == "U01" and users.findings[0].severity == "critical"
    for finding in report.findings:
        assert finding.action and finding.clause == RULES[finding.rule].clause and finding.first_seen == AS_OF

    assert measure(report, "Accounts in scope") == active_accounts
    assert measure(report, "Users in scope") == 7, "active Hootsuite members (Rae's access was removed)"
    assert measure(report, "Critical") == 1
    assert sum(measure(report, s.capitalize()) for s in SEVERITIES) == len(expected)
    assert measure(report, "New since the last audit") == len(expected)

    summary = section(report, "Summary")
    assert [c.name for c in summary.charts] == ["audit_by_severity", "audit_by_rule"]
    assert all(c.png.startswith(b"\x89PNG") and c.alt for c in summary.charts)
    by_rule = {row[0]: row for row in summary.tables[0].rows}
    assert by_rule["A05"][4] == len(golden["A05"]) and by_rule["A05"][2] == RULES["A05"].clause
    thresholds = {row[0]: row for row in section(report, "Rules and thresholds used").tables[0].rows}
    assert list(thresholds) == list(AUDIT_RULES)
    assert "dormant days 90" in thresholds["A03"][4] and "inactive days 90" in thresholds["U02"][4]
    assert any("Hootsuite's record" in note and "1 May 2026" in note for note in report.notes)


def test_the_next_audit_says_what_is_new_still_open_and_resolved(warehouse):
    """x:a gets a moderator, x:c loses its own, x:b never has one (blogs: only A04 applies)."""
    march, september = date(2026, 3, 31), date(2026, 9, 30)
    with connect() as con:
        council = Council(con)
        council.accounts(date(2026, 1, 1), [dict(platform="wordpress", handle="a", moderators=None),
                                            dict(platform="wordpress", handle="b", moderators=None),
                                            dict(platform="wordpress", handle="c", moderators=["m@council.gov.uk"])])
        council.accounts(date(2026, 4, 1), [dict(platform="wordpress", handle="a", moderators=["m@council.gov.uk"]),
                                            dict(platform="wordpress", handle="b", moderators=None),
                                            dict(platform="wordpress", handle="c", moderators=None)])
        first = build_audit(con, period_start=date(2025, 10, 1), period_end=march, policy=DEFAULTS)
        record_run(con, first, "reports/output/audit/2026-H1", period_start=date(2025, 10, 1), period_end=march)
        second = build_audit(con, period_start=date(2026, 4, 1), period_end=september, policy=DEFAULTS)
        again = build_audit(con, period_start=date(2026, 4, 1), period_end=september, policy=DEFAULTS)
    assert first.period == "2026-H1" and first.period_label == "October 2025 to March 2026"
    changes = {f.subject_key: f.status for f in second.findings}
    assert changes == {"wordpress:a": "resolved", "wordpress:b": "open", "wordpress:c": "new"}
    assert second.counts_by_change() == {"new": 1, "open": 1, "resolved": 1}
    assert [f.subject_key for f in section(second, "Resolved since the last audit").findings] == ["wordpress:a"]
    assert {f.subject_key for f in section(second, "Accounts").findings} == {"wordpress:b", "wordpress:c"}
    assert "1 new, 1 still open and 1 resolved since the audit of 31 Mar 2026" in second.headline
    assert measure(second, "Resolved since the last audit") == 1
    assert second.counts_by_severity() == {"critical": 0, "high": 0, "medium": 2, "low": 0}
    assert [(f.finding_key, f.status) for f in again.findings] == [(f.finding_key, f.status) for f in second.findings]


def test_period_names():
    assert half_year(date(2026, 9, 30)) == "2026-H2" and half_year(date(2026, 3, 31)) == "2026-H1"
    assert months_label(date(2026, 4, 1), date(2026, 9, 30)) == "April to September 2026"
    assert months_label(date(2026, 10, 1), date(2026, 10, 31)) == "October 2026"


def test_an_audit_period_must_not_end_before_it_starts(warehouse):
    with connect() as con, pytest.raises(ValueError, match="starts"):
        build_audit(con, period_start=date(2026, 10, 1), period_end=date(2026, 9, 30), policy=DEFAULTS)
