"""``make demo`` end to end: real Airflow DAG runs over the demo organisation, twice.

The second run must change nothing: no new rows, no new findings or report runs, no new emails, no
duplicated files; the reports are rebuilt in place for the same periods.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("demo")
    env = isolated_airflow_env(home / "airflow", ROOT / "dags", home / "var", home / "reports")
    return env


def run_demo(env) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "council_social.demo"], env=env, capture_output=True, text=True,
                            timeout=900, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def snapshot(env) -> dict:
    var = Path(env["COUNCIL_SOCIAL_DATA_DIR"])
    con = duckdb.connect(str(var / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        counts = {table: con.execute(f"select count(*) from {table}").fetchone()[0]
                  for table in ("ops_file_ledger", "ops_quarantine", "register_accounts", "register_leavers",
                                "register_training", "register_election_periods", "register_brand_patterns",
                                "register_report_recipients", "hootsuite_profiles", "hootsuite_members",
                                "hootsuite_messages", "hootsuite_message_actions", "platform_accounts",
                                "platform_account_daily", "platform_posts", "platform_mentions",
                                "platform_comments", "platform_insights", "report_findings", "report_runs")}
        runs = con.execute("select report, period, findings_total from report_runs order by all").fetchall()
        current = con.execute("select count(*) from register_accounts_current").fetchone()[0]
        earlier = con.execute("select count(*) from register_accounts_as_of(date '2026-05-01')").fetchone()[0]
    finally:
        con.close()
    # Dropped files land once; API pages may be fetched again (overlapping windows), so only the
    # inbox sources are compared file by file.
    landed = sorted(p.name for source in ("registers", "hootsuite") for p in (var / "landing" / source).rglob("*")
                    if p.is_file() and not p.name.endswith(".jsonl.gz"))
    emails = sorted(p.name for p in (var / "outbox").glob("*.eml"))
    reports = Path(env["COUNCIL_SOCIAL_REPORTS"])
    archived = sorted(str(p.relative_to(reports)) for p in reports.rglob("*") if p.suffix in (".pdf", ".xlsx"))
    return {"counts": counts, "current": current, "earlier": earlier, "landed": landed, "emails": emails,
            "runs": runs, "archived": archived}


@pytest.mark.timeout(1800)
def test_demo_runs_the_pipeline_and_a_rerun_changes_nothing(demo_env):
    from council_social.demo.organisation import build_organisation

    first = run_demo(demo_env)
    assert "Demo finished." in first.stdout
    from council_social.demo.run import DEMO_DAGS

    for dag_id in DEMO_DAGS:
        assert f"{dag_id} " in first.stdout, f"{dag_id} ran"
    after_first = snapshot(demo_env)
    organisation = build_organisation()
    registered = [a for a in organisation.accounts if a.in_register]
    assert after_first["current"] >= 57, "every Appendix 1 account is in the register"
    assert after_first["current"] <= len(registered)
    assert 0 < after_first["earlier"] < after_first["current"], "the older register version is kept"
    counts = after_first["counts"]
    assert counts["register_leavers"] > 0 and counts["register_training"] > 0
    for table in ("hootsuite_members", "hootsuite_messages", "hootsuite_message_actions", "platform_posts",
                  "platform_account_daily", "platform_mentions", "platform_comments"):
        assert counts[table] > 0, f"the demo loads {table}"
    reports = {report for report, _, _ in after_first["runs"]}
    assert {"audit", "inactive_users", "new_account_benefit", "review_board_pack"} <= reports
    for report in ("audit", "inactive_users", "new_account_benefit"):
        assert any(p.startswith(f"{report}/") and p.endswith(".pdf") for p in after_first["archived"]), report
        assert any(p.startswith(f"{report}/") and p.endswith(".xlsx") for p in after_first["archived"]), report
    assert any(p.startswith("review_board_pack/") for p in after_first["archived"])
    audit_findings = next(total for report, _, total in after_first["runs"] if report == "audit")
    assert audit_findings > 0
    # The register import summary, one email per report produced (the pack included) and the spike alert.
    assert {"listening", "listening_digest"} <= reports
    assert len(after_first["emails"]) == 1 + len(after_first["runs"]) + 1, after_first["emails"]
    assert not list((Path(demo_env["COUNCIL_SOCIAL_DATA_DIR"]) / "inbox" / "registers").glob("*.*")), \
        "every dropped file was handled"

    second = run_demo(demo_env)
    assert "Demo finished." in second.stdout
    assert snapshot(demo_env) == after_first
