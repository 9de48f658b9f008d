"""Every suite passes on the demo organisation, loaded through the real loaders and their gates.

Registers, Hootsuite dashboard exports, and each X, Facebook and Instagram account through the real
API clients against the fake API server: the code the DAGs' tasks run, minus the scheduler. (The
Hootsuite REST API route is run by the end-to-end demo test, whose DAG runs would fail on a
refused batch.) The demo has no post-performance export, so one is made from its own posts.
"""

from __future__ import annotations

import csv
import io

import duckdb
import pytest
from demo_load import load_demo

from council_social.validation import gated, suite_names


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from council_social.config import settings
    from council_social.demo.organisation import build_organisation
    from council_social.hootsuite import exports
    from council_social.warehouse.migrations import migrate

    home = tmp_path_factory.mktemp("validation-demo")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COUNCIL_SOCIAL_DATA_DIR", str(home / "var"))
        env.setenv("COUNCIL_SOCIAL_REPORTS", str(home / "reports"))
        migrate()
        org = build_organisation()
        s = settings()
        with gated() as keeper:
            load_demo(org)
            write_post_performance(s.hootsuite_inbox / "post_performance.csv")
            exports.load_landed_files(exports.land_inbox_files(org.as_of), "demo_metrics")
        yield {"outcomes": keeper.outcomes, "warehouse": s.warehouse}


def write_post_performance(path) -> None:
    """A post-performance export of the demo's own posts, as Hootsuite's dashboard gives it."""
    from council_social.config import settings

    con = duckdb.connect(str(settings().warehouse), read_only=True)
    try:
        rows = con.execute("select p.post_id, p.platform, a.handle, coalesce(p.impressions, p.likes * 40), p.likes,"
                           " p.replies, p.reposts from platform_posts as p join platform_accounts as a"
                           " using (platform, account_id) order by 1 limit 500").fetchall()
    finally:
        con.close()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Post ID", "Network", "Social Profile", "Report Date", "Impressions", "Likes", "Comments",
                     "Shares"])
    names = {"x": "Twitter", "facebook": "Facebook Page", "instagram": "Instagram Business"}
    for post_id, platform, handle, impressions, likes, replies, reposts in rows:
        writer.writerow([post_id, names[platform], handle, "2026-10-31", impressions, likes, replies, reposts])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def test_every_suite_passes_on_the_demo_data(demo):
    outcomes = demo["outcomes"]
    assert outcomes, "the loads went through their gates"
    problems = [o.message() for o in outcomes if o.status != "passed"]
    assert not problems, problems
    validated = {r.suite.name for o in outcomes for r in o.results if r.rows}
    staged = {"register_accounts", "register_leavers", "register_training", "register_election_periods",
              "register_brand_patterns", "register_report_recipients", "hootsuite_profiles", "hootsuite_members",
              "hootsuite_messages", "hootsuite_message_actions", "hootsuite_post_metrics", "platform_accounts",
              "platform_account_daily", "platform_posts", "platform_mentions", "platform_comments",
              "platform_insights"}
    assert staged <= set(suite_names())
    assert validated >= staged, f"not validated on demo data: {staged - validated}"


def test_the_demo_batches_and_results_are_kept(demo):
    con = duckdb.connect(str(demo["warehouse"]), read_only=True)
    try:
        statuses = con.execute("select source, status, count(*) from ops_batches group by all order by 1").fetchall()
        unmet = con.execute("select count(*) from ops_validation_results where not success").fetchone()[0]
        batch_rows = con.execute("select sum(rows) from ops_batches where source = 'registers'").fetchone()[0]
        register_rows = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in (
            "register_accounts", "register_leavers", "register_training", "register_election_periods",
            "register_brand_patterns", "register_report_recipients"))
    finally:
        con.close()
    assert {s for _, s, _ in statuses} == {"passed"} and unmet == 0
    assert {source for source, _, _ in statuses} >= {"registers", "hootsuite", "x", "facebook", "instagram"}
    assert batch_rows == register_rows, "each register file was validated as the batch it was"
