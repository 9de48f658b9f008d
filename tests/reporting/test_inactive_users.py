"""The monthly inactive-user report: leavers still holding access first, then inactive members and
training, each with the accounts the member can reach."""

from __future__ import annotations

from datetime import date

from reporting.golden import AS_OF, golden_council

from council_social.policy import DEFAULTS
from council_social.reporting.findings import record_run
from council_social.reporting.inactive_users import build_inactive_users
from council_social.warehouse import connect


def section(report, title):
    return next(s for s in report.sections if s.title == title)


def measure(report, label):
    return next(m.actual for m in report.summary if m.label == label)


def test_leavers_inactive_members_and_training_with_the_accounts_they_reach(warehouse):
    with connect() as con:
        expected = golden_council(con)
        report = build_inactive_users(con, as_of=AS_OF, run_id="users-1", policy=DEFAULTS)
    assert (report.report, report.period, report.period_label) == ("inactive_users", "2026-10", "October 2026")
    assert [s.title for s in report.sections] == [
        "Leavers still holding access", "Inactive members", "GOLD training missing or overdue",
        "Resolved since the last report", "Rules and thresholds used"]
    for title, rule in (("Leavers still holding access", "U01"), ("Inactive members", "U02"),
                        ("GOLD training missing or overdue", "U03")):
        assert {f.finding_key for f in section(report, title).findings} == expected[rule]
    assert report.headline.startswith("1 leaver still holds Hootsuite access")
    assert (measure(report, "Leavers still holding access"), measure(report, "Inactive members"),
            measure(report, "GOLD training missing or overdue"), measure(report, "Active Hootsuite members")) == (
        1, 1, 2, 7)

    leavers = section(report, "Leavers still holding access")
    (lee,) = leavers.findings
    assert lee.severity == "critical" and "reset the passwords" in lee.action
    assert {member for member, _, _ in leavers.tables[0].rows} == {"Lee Active (lee.active@council.gov.uk)"}
    reach = {account: how for _, account, how in leavers.tables[0].rows}
    assert "moderator" in reach["MCCAllLeft (X @MCCAllLeft)"]
    assert "has posted to" in reach["MCCWard (X @MCCWard)"]
    assert reach["councilblog (WordPress councilblog)"] == "Hootsuite team", "their team's service owns the blog"
    assert len(lee.accounts) == len(reach)
    training = section(report, "GOLD training missing or overdue").findings
    assert {f.action for f in training} == {"Book the yearly GOLD refresher",
                                           "Book GOLD training now; access should wait for it (G Training of "
                                           "Approved Employees)"}


def test_next_month_shows_the_leaver_removed_as_resolved(warehouse):
    with connect() as con:
        golden_council(con)
        october = build_inactive_users(con, as_of=AS_OF, policy=DEFAULTS)
        record_run(con, october, "reports/output/inactive_users/2026-10")
        con.execute("update hootsuite_members set is_active = false where email = 'lee.active@council.gov.uk'")
        november = build_inactive_users(con, as_of=date(2026, 11, 30), policy=DEFAULTS)
    leavers = section(november, "Leavers still holding access").findings
    assert [(f.finding_key, f.status) for f in leavers] == [("U01:fay.future@council.gov.uk", "new")], \
        "Fay left on 30 November"
    resolved = section(november, "Resolved since the last report").findings
    assert [(f.finding_key, f.resolved_on) for f in resolved] == [("U01:lee.active@council.gov.uk",
                                                                   date(2026, 11, 30))]
    assert november.headline.startswith("1 leaver still holds Hootsuite access")
    still = {f.finding_key: f.status for f in november.findings if f.status != "resolved"}
    assert still["U02:ian.inactive@council.gov.uk"] == "open"
    assert measure(november, "Resolved since the last report") == 1
