"""Real runs of ``privacy_retention`` and ``privacy_erasure`` (``dag.test()``) in an Airflow home of their own."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from privacy.people import JORDAN, SAM, build, where_named
from support import isolated_airflow_env

ROOT = Path(__file__).resolve().parents[2]

#: One fresh interpreter: the Airflow metadata database and pool, then the nightly retention, an
#: erasure request as the data protection officer would trigger it, and a request that cannot be run.
DAG_RUNS = r"""
import json, sys
from airflow.utils.db import initdb
initdb()
from council_social.setup import setup
setup(airflow_db=False)
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
states = {"retention": str(bag.get_dag("privacy_retention").test().state)}
states["erasure"] = str(bag.get_dag("privacy_erasure").test(run_conf={"author": sys.argv[2]}).state)
states["refused"] = str(bag.get_dag("privacy_erasure").test(run_conf={"author": "@@@"}).state)
print(json.dumps(states))
"""


@pytest.mark.timeout(240)
def test_the_retention_and_erasure_dags_run(warehouse, tmp_path):
    build(warehouse)
    dags, home = tmp_path / "dags", tmp_path / "airflow"
    dags.mkdir()
    for name in ("privacy_retention.py", "privacy_erasure.py"):
        shutil.copy(ROOT / "dags" / name, dags / name)
    env = isolated_airflow_env(home, dags)
    result = subprocess.run([sys.executable, "-c", DAG_RUNS, str(dags), "@Quill_Resident42"], env=env,
                            capture_output=True, text=True, timeout=230, cwd=ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    states = json.loads(result.stdout.strip().splitlines()[-1])
    assert states == {"retention": "success", "erasure": "success", "refused": "failed"}, output[-5000:]

    with sqlite3.connect(home / "airflow.db") as db:
        tasks = db.execute("select dag_id, task_id, state from task_instance order by dag_id, run_id, task_id"
                           ).fetchall()
        (xcom,) = db.execute("select value from xcom where dag_id = 'privacy_erasure' and task_id = 'erase'"
                             " and key = 'return_value'").fetchone()
    assert ("privacy_retention", "enforce", "success") in tasks
    assert ("privacy_erasure", "check_request", "failed") in tasks and \
           ("privacy_erasure", "erase", "upstream_failed") in tasks, "an unusable request never opens the warehouse"

    assert where_named(SAM, warehouse) == []
    assert where_named(JORDAN, warehouse), "the others are still there"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        log = con.execute("select requested_by, status, landing_files_rewritten from privacy_erasure_log").fetchall()
        retained = con.execute("select count(*) from privacy_retention_log").fetchone()[0]
    finally:
        con.close()
    assert len(log) == 1 and log[0][1:] == ("erased", 6) and "run manual__" in log[0][0]
    assert retained == 1
    returned = str(xcom).lower()
    assert "rows_removed" in returned and not [i for i in SAM.identifiers if i in returned], \
        "the task hands on counts, never the person"
    task_output = "".join(p.read_text(errors="replace") for p in (home / "logs").rglob("*") if p.is_file()).lower()
    assert not [i for i in SAM.identifiers if i in task_output + output.lower()], "no log names the person"
