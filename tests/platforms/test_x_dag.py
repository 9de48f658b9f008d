"""``airflow dags test x_activity`` in an Airflow home of its own, against the fake API server.

The demo council has one X account that is locked on purpose (a primary school's, marked
private/locked in the account register): the run must succeed with that account *skipped*, every
other account loaded, and the bearer token in no output and no task log.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
import requests
from support import isolated_airflow_env

from council_social.demo.organisation import build_organisation
from council_social.fakeapi.server import FakeApiServer

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "x-bearer-dagtest-7b1f3c9e"
#: The Airflow side of the set-up (metadata database, pool): the slow part, run while the test loads the registers.
AIRFLOW_SETUP = "from council_social.setup import ensure_pool, migrate_airflow_db; migrate_airflow_db(); ensure_pool()"


def load_demo_registers(org, env: dict[str, str], monkeypatch) -> None:
    """The demo's registers into the run's warehouse, through the register importer."""
    from council_social.config import settings
    from council_social.demo.organisation import DEMO_AS_OF
    from council_social.demo.registers import write_registers
    from council_social.registers.importer import land_inbox_files, load_landed_files
    from council_social.warehouse.migrations import migrate

    monkeypatch.setenv("COUNCIL_SOCIAL_DATA_DIR", env["COUNCIL_SOCIAL_DATA_DIR"])
    monkeypatch.setenv("COUNCIL_SOCIAL_REPORTS", env["COUNCIL_SOCIAL_REPORTS"])
    migrate()
    write_registers(org, settings().register_inbox)
    load_landed_files(land_inbox_files(DEMO_AS_OF), "registers")


def warm_up(fake: FakeApiServer, org) -> None:
    """Have the fake generate each account's posts while Airflow sets up (it does so on first request)."""
    headers = {"Authorization": "Bearer warm-up"}
    with requests.Session() as session:
        for account in org.accounts:
            if account.platform == "x" and account.api_served and not account.private_locked:
                for edge in ("tweets", "mentions"):
                    session.get(f"{fake.base_url}/2/users/{account.platform_id}/{edge}", params={"max_results": 5},
                                headers=headers, timeout=60)


@pytest.fixture
def airflow_env(tmp_path) -> dict[str, str]:
    # The DAG folder holds x_activity alone: parsing and serialising the other DAGs would only cost time.
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "dags" / "x_activity.py", dags / "x_activity.py")
    env = isolated_airflow_env(tmp_path / "airflow", dags, tmp_path / "var", tmp_path / "reports")
    return env


@pytest.mark.timeout(300)
def test_the_demo_run_succeeds_with_the_locked_school_account_skipped(airflow_env, tmp_path, monkeypatch):
    org = build_organisation()
    with FakeApiServer() as fake:
        airflow_env["AIRFLOW_CONN_X_DEFAULT"] = json.dumps({"conn_type": "x", "host": fake.base_url,
                                                           "password": TOKEN})
        airflow = subprocess.Popen([sys.executable, "-c", AIRFLOW_SETUP], env=airflow_env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        warming = threading.Thread(target=warm_up, args=(fake, org), daemon=True)
        warming.start()
        load_demo_registers(org, airflow_env, monkeypatch)
        warming.join()
        assert airflow.wait(timeout=240) == 0, airflow.stdout.read()[-3000:]
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "x_activity",
                                 "2026-11-01T06:00:00+00:00"], env=airflow_env, capture_output=True, text=True,
                                timeout=240, cwd=ROOT)
        served = fake.stats()
    output = result.stdout + result.stderr
    with sqlite3.connect(tmp_path / "airflow" / "airflow.db") as db:
        (state,) = db.execute("select state from dag_run where dag_id = 'x_activity'").fetchone()
    assert state == "success", output[-5000:]

    con = duckdb.connect(str(tmp_path / "var" / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        log = dict(con.execute("select account_key, status from platform_fetch_log").fetchall())
        posts = con.execute("select count(*), count(distinct account_id) from platform_posts").fetchone()
        daily = con.execute("select count(*) from platform_account_daily").fetchone()[0]
        searched = con.execute("select count(*) from platform_mentions where kind = 'brand_search'").fetchone()[0]
    finally:
        con.close()
    active = [a for a in org.accounts if a.platform == "x" and a.in_register and a.status == "active"]
    assert len(log) == len(active) + 1, "one row per active X account, and the brand search"
    assert {k for k, v in log.items() if v != "ok"} == {"x:northbrookpri"}
    assert log["x:northbrookpri"] == "skipped"
    assert posts == (posts[0], len(active) - 1) and posts[0] > 1000
    assert daily == len(active), "today's counts for every account, the locked one included"
    assert searched > 0
    assert served["x.users_lookup"] == {"200": 1}, "one lookup for all accounts"

    logs = "".join(p.read_text(errors="replace") for p in (tmp_path / "airflow" / "logs").rglob("*") if p.is_file())
    assert "summarise" in logs or "summarise" in output
    assert TOKEN not in output and TOKEN not in logs
