"""The findings store: first seen, last seen, resolved; reruns change nothing; earlier dates resolve
nothing; each report compares itself with the one before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from reporting.golden import Council

from council_social.policy import DEFAULTS
from council_social.reporting.findings import (
    changes_since,
    default_period_start,
    evaluate,
    months_before,
    previous_run,
    record_run,
    store,
)
from council_social.reporting.model import Finding, Report
from council_social.reporting.rules import RULES
from council_social.warehouse import connect

MARCH, SEPTEMBER = date(2026, 3, 31), date(2026, 9, 30)


def snapshot(con) -> dict[str, list]:
    return {table: con.execute(f"select * from {table} order by all").fetchall()
            for table in ("report_findings", "report_rule_runs")}


@pytest.fixture
def registers(warehouse):
    """x:a has no moderator until April; x:b never has one; x:c loses its moderator in April."""
    with connect() as con:
        council = Council(con)
        council.accounts(date(2026, 1, 1), [dict(platform="x", handle="a", moderators=None),
                                            dict(platform="x", handle="b", moderators=None),
                                            dict(platform="x", handle="c", moderators=["m@council.gov.uk"])])
        council.accounts(date(2026, 4, 1), [dict(platform="x", handle="a", moderators=["m@council.gov.uk"]),
                                            dict(platform="x", handle="b", moderators=None),
                                            dict(platform="x", handle="c", moderators=None)])
    return warehouse


def keyed(findings) -> dict[str, str]:
    return {f.finding_key: f.status for f in findings}


def test_findings_are_first_seen_last_seen_and_resolved(registers):
    with connect() as con:
        march = evaluate(con, MARCH, ["A04"], DEFAULTS, "run-1")
        assert keyed(march) == {"A04:x:a:none_named": "new", "A04:x:b:none_named": "new"}
        september = evaluate(con, SEPTEMBER, ["A04"], DEFAULTS, "run-2")
        assert keyed(september) == {"A04:x:b:none_named": "open", "A04:x:c:none_named": "new"}
        rows = {r[0]: r[1:] for r in con.execute(
            "select finding_key, status, first_seen, last_seen, resolved_on, run_id from report_findings").fetchall()}
    assert rows == {
        "A04:x:a:none_named": ("resolved", MARCH, MARCH, SEPTEMBER, "run-2"),
        "A04:x:b:none_named": ("open", MARCH, SEPTEMBER, None, "run-2"),
        "A04:x:c:none_named": ("open", SEPTEMBER, SEPTEMBER, None, "run-2"),
    }


def test_rerunning_the_same_date_changes_nothing(registers):
    with connect() as con:
        evaluate(con, MARCH, ["A04"], DEFAULTS, "run-1")
        evaluate(con, SEPTEMBER, ["A04"], DEFAULTS, "run-2")
        before = snapshot(con)
        again = evaluate(con, SEPTEMBER, ["A04"], DEFAULTS, "run-3")
        assert snapshot(con) == before, "no row touched, not even its run id or time"
    assert keyed(again) == {"A04:x:b:none_named": "open", "A04:x:c:none_named": "new"}


def test_an_earlier_date_resolves_and_reopens_nothing(registers):
    with connect() as con:
        evaluate(con, MARCH, ["A04"], DEFAULTS, "run-1")
        evaluate(con, SEPTEMBER, ["A04"], DEFAULTS, "run-2")
        before = snapshot(con)
        evaluate(con, MARCH, ["A04"], DEFAULTS, "backfill")  # x:c not found then, x:a found then
        assert snapshot(con)["report_findings"] == before["report_findings"]
        evaluate(con, date(2026, 2, 1), ["A04"], DEFAULTS, "older")  # x:a and x:b were already there
        first_seen = dict(con.execute("select finding_key, first_seen from report_findings").fetchall())
    assert first_seen["A04:x:b:none_named"] == date(2026, 2, 1), "found earlier: first seen moves back"
    assert first_seen["A04:x:c:none_named"] == SEPTEMBER


def test_a_resolved_finding_found_again_is_open_again(warehouse):
    with connect() as con:
        council = Council(con)
        council.accounts(date(2026, 1, 1), [dict(platform="x", handle="a", moderators=None)])
        council.accounts(date(2026, 4, 1), [dict(platform="x", handle="a", moderators=["m@council.gov.uk"])])
        council.accounts(date(2026, 8, 1), [dict(platform="x", handle="a", moderators=None)])
        evaluate(con, MARCH, ["A04"], DEFAULTS)
        evaluate(con, date(2026, 6, 30), ["A04"], DEFAULTS)
        assert con.execute("select status, resolved_on from report_findings").fetchall() == [
            ("resolved", date(2026, 6, 30))]
        evaluate(con, SEPTEMBER, ["A04"], DEFAULTS)
        assert con.execute("select status, first_seen, last_seen, resolved_on from report_findings").fetchall() == [
            ("open", MARCH, SEPTEMBER, None)]


def test_only_the_rules_evaluated_are_resolved_and_rule_runs_are_recorded(registers):
    with connect() as con:
        evaluate(con, MARCH, ["A04"], DEFAULTS)
        evaluate(con, SEPTEMBER, ["A07"], DEFAULTS)
        assert con.execute("select count(*) from report_findings where rule = 'A04' and status = 'open'"
                           ).fetchone()[0] == 2
        runs = con.execute("select rule, as_of, findings from report_rule_runs order by all").fetchall()
    assert runs == [("A04", MARCH, 2), ("A07", SEPTEMBER, 0)]


def test_changes_since_the_previous_report(registers):
    with connect() as con:
        evaluate(con, MARCH, ["A04"], DEFAULTS)
        evaluate(con, SEPTEMBER, ["A04"], DEFAULTS)
        changes = changes_since(con, ["A04"], MARCH, SEPTEMBER)
        first = changes_since(con, ["A04"], None, SEPTEMBER)
        then = changes_since(con, ["A04"], None, MARCH)
    assert keyed(changes) == {"A04:x:a:none_named": "resolved", "A04:x:b:none_named": "open",
                              "A04:x:c:none_named": "new"}
    resolved = next(f for f in changes if f.status == "resolved")
    assert resolved.resolved_on == SEPTEMBER and resolved.first_seen == MARCH
    assert keyed(first) == {"A04:x:b:none_named": "new", "A04:x:c:none_named": "new"}
    assert keyed(then) == {"A04:x:a:none_named": "new", "A04:x:b:none_named": "new"}, "as it stood in March"


def test_findings_from_outside_sql_are_kept_the_same_way(warehouse):
    rule = RULES["L01"]
    mention = Finding("L01", rule.clause, rule.severity, "mention", "x:123", "Mention by @someone", "Unanswered 30 h",
                      rule.action, {"Posted": date(2026, 9, 1), "Reach": 5000}, finding_key="L01:x:123",
                      accounts=("x:mancitycouncil",))
    with connect() as con:
        (stored,) = store(con, date(2026, 9, 2), {"L01": [mention]}, "listening")
        assert (stored.first_seen, stored.status, stored.evidence) == (date(2026, 9, 2), "new", mention.evidence)
        assert store(con, date(2026, 9, 3), {"L01": []}) == []
        assert con.execute("select status, resolved_on from report_findings").fetchall() == [
            ("resolved", date(2026, 9, 3))]


def test_report_runs_say_which_report_came_before(warehouse, tmp_path: Path):
    def report(period: str, as_of: date) -> Report:
        return Report("audit", "Audit", period, period, as_of, datetime.now(UTC), "headline")

    with connect() as con:
        assert previous_run(con, "audit", SEPTEMBER) is None
        record_run(con, report("2026-H1", MARCH), tmp_path / "h1", "run-1", period_start=date(2025, 10, 1))
        record_run(con, report("2026-H1", MARCH), tmp_path / "h1", "run-2", period_start=date(2025, 10, 1))
        record_run(con, report("2026-H2", SEPTEMBER), tmp_path / "h2", "run-3")
        assert con.execute("select count(*) from report_runs").fetchone()[0] == 2, "a rerun replaces its row"
        before_h2 = previous_run(con, "audit", SEPTEMBER)
        assert previous_run(con, "inactive_users", SEPTEMBER) is None
    assert (before_h2["period"], before_h2["as_of"], before_h2["period_start"]) == ("2026-H1", MARCH,
                                                                                   date(2025, 10, 1))


def test_the_default_period_is_the_six_months_up_to_the_date():
    assert default_period_start(date(2026, 10, 31)) == date(2026, 5, 1)
    assert default_period_start(date(2026, 3, 31)) == date(2025, 10, 1)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
