"""A real ``dag.test()`` run of ``register_import`` where the gate refuses a file: the tasks after it do not run.

One fresh interpreter with its own Airflow home, warehouse and folders (Airflow reads its
configuration once per process).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = "report,email,copy\ndata_quality,data.team@manchester.gov.uk,to\n"
FUTURE = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
#: Named so it sorts after the recipients register: the data team is known when it is refused.
TRAINING = f"name,email,course,completed_on\nAlan Turing,alan.turing@manchester.gov.uk,GOLD,{FUTURE}\n"
DAG_RUN = r"""
import json, shutil, sys
from pathlib import Path
from airflow.utils.db import initdb
initdb()
from council_social.config import settings
from council_social.setup import setup
setup(airflow_db=False)
inbox = settings().register_inbox
inbox.mkdir(parents=True, exist_ok=True)
for path in Path(sys.argv[2]).iterdir():
    shutil.copy(path, inbox / path.name)
from airflow.dag_processing.dagbag import DagBag
run = DagBag(dag_folder=sys.argv[1]).get_dag("register_import").test()
print(json.dumps({"state": str(run.state)}))
"""


@pytest.mark.timeout(300)
def test_a_refused_register_fails_the_run_and_stops_the_tasks_after_the_gate(tmp_path):
    dags, files_dir, home = tmp_path / "dags", tmp_path / "files", tmp_path / "airflow"
    for folder in (dags, files_dir, home):
        folder.mkdir()
    shutil.copy(ROOT / "dags" / "register_import.py", dags)
    (files_dir / "report_recipients_2026-01-01.csv").write_text(RECIPIENTS, encoding="utf-8")
    (files_dir / "training_records_2026-10-01.csv").write_text(TRAINING, encoding="utf-8")
    env = isolated_airflow_env(home, dags, tmp_path / "var", tmp_path / "reports")
    result = subprocess.run([sys.executable, "-c", DAG_RUN, str(dags), str(files_dir)], env=env,
                            capture_output=True, text=True, timeout=280)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"state": "failed"}
    assert "suite register_training" in output and "expect_column_values_to_be_between(completed_on)" in output
    assert FUTURE in output, "the task's failure names an example of the bad value"

    with sqlite3.connect(home / "airflow.db") as db:
        states = dict(db.execute("select task_id, state from task_instance where dag_id = 'register_import'"))
        tries = db.execute("select try_number from task_instance where task_id = 'load_files'").fetchone()[0]
    assert states == {"land_files": "success", "load_files": "failed", "tidy_inbox": "upstream_failed",
                      "send_import_report": "upstream_failed"}
    assert tries == 1, "a refused batch is not retried: the same data would fail again"

    con = duckdb.connect(str(tmp_path / "var" / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from register_training").fetchone()[0] == 0
        assert con.execute("select count(*) from register_report_recipients").fetchone()[0] == 1, \
            "the file before the refused one is loaded"
        assert con.execute("select entity, status from ops_batches order by entity").fetchall() == [
            ("recipients", "passed"), ("training", "failed")]
    finally:
        con.close()
    attention = tmp_path / "var" / "inbox" / "registers" / "needs-attention"
    assert (attention / "training_records_2026-10-01.csv").exists()
    outbox = list((tmp_path / "var" / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and "data.team@manchester.gov.uk" in outbox[0].read_text(encoding="utf-8")
    assert (tmp_path / "reports" / "data_docs" / "index.html").exists()
