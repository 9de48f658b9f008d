"""``airflow dags test meta_activity`` in an Airflow home of its own, against the fake API server.

Every active Facebook Page and Instagram account in the demo register is fetched and loaded; the
Facebook group in the register is skipped (the Graph API reads Pages only), so the run succeeds.
Neither the connection's token nor the Page tokens it yields appear in any output or task log.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env

from council_social.demo.organisation import build_organisation
from council_social.fakeapi.server import FakeApiServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "graph-dagtest-token-4c2e8a1f"
PREPARE = """
from council_social.config import settings
from council_social.demo.organisation import DEMO_AS_OF, build_organisation
from council_social.demo.registers import write_registers
from council_social.registers.importer import land_inbox_files, load_landed_files
from council_social.setup import setup

setup()
write_registers(build_organisation(), settings().register_inbox)
load_landed_files(land_inbox_files(DEMO_AS_OF), "registers")
"""


@pytest.fixture
def airflow_env(tmp_path) -> dict[str, str]:
    env = isolated_airflow_env(tmp_path / "airflow", ROOT / "dags", tmp_path / "var", tmp_path / "reports")
    return env


@pytest.mark.timeout(300)
def test_the_demo_run_loads_every_page_and_instagram_account(airflow_env, tmp_path):
    org = build_organisation()
    with FakeApiServer() as fake:
        airflow_env["AIRFLOW_CONN_FACEBOOK_DEFAULT"] = json.dumps({
            "conn_type": "facebook_graph", "host": fake.base_url, "password": TOKEN,
            "extra": {"api_version": "v24.0"}})
        prepared = subprocess.run([sys.executable, "-c", PREPARE], env=airflow_env, capture_output=True,
                                  text=True, timeout=240, cwd=ROOT)
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "meta_activity",
                                 "2026-11-01T06:00:00+00:00", "--conf", json.dumps({"history_days": 30})],
                                env=airflow_env, capture_output=True, text=True, timeout=240, cwd=ROOT)
        took = time.monotonic() - started
        served = fake.stats()
    output = result.stdout + result.stderr
    with sqlite3.connect(tmp_path / "airflow" / "airflow.db") as db:
        (state,) = db.execute("select state from dag_run where dag_id = 'meta_activity'").fetchone()
    assert state == "success", output[-5000:]
    print(f"airflow dags test meta_activity: {took:.0f} s")
    assert took < 90, f"the run took {took:.0f} s"

    con = duckdb.connect(str(tmp_path / "var" / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        log = dict(con.execute("select account_key, status from platform_fetch_log").fetchall())
        posts = con.execute("select platform, count(distinct account_id) from platform_posts"
                            " group by all").fetchall()
        daily = con.execute("select count(*) from platform_account_daily").fetchone()[0]
        replies = con.execute("select count(*) from platform_comments where from_account").fetchone()[0]
        tags = con.execute("select count(*) from platform_mentions where kind = 'tag'").fetchone()[0]
        metrics = con.execute("select count(distinct metric) from platform_insights").fetchone()[0]
        marks = con.execute("select count(*) from ops_watermarks where source in ('facebook', 'instagram')"
                            " and entity = 'posts'").fetchone()[0]
    finally:
        con.close()
    active = [a for a in org.accounts if a.platform in ("facebook", "instagram") and a.in_register
              and a.status == "active"]
    served_accounts = [a for a in active if a.platform_id]
    since = datetime(2026, 11, 1, 6, tzinfo=UTC) - timedelta(days=30)
    posting = [a for a in served_accounts if any(p.created_at >= since for p in org.posts(a, replies=False))]
    assert set(log) == {a.key for a in active}
    assert {k for k, v in log.items() if v != "ok"} == {"facebook:mcrphysicaldisabilities"}
    assert log["facebook:mcrphysicaldisabilities"] == "skipped"
    assert dict(posts) == {"facebook": sum(a.platform == "facebook" for a in posting),
                           "instagram": sum(a.platform == "instagram" for a in posting)}
    assert daily == len(served_accounts) and marks == len(posting)
    assert replies > 0 and tags > 0 and metrics == 7
    assert served["graph.me_accounts"] == {"200": len(served_accounts)}, "one Pages lookup per account"

    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "airflow" / "logs").rglob("*")
                   if p.is_file())
    assert "Facebook and Instagram accounts, run" in output + logs, "the per-account summary table"
    for secret in (TOKEN, "demo-page-token"):
        assert secret not in output and secret not in logs
