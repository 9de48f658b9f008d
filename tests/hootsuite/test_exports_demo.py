"""The demo council's Hootsuite exports: deterministic, loaded cleanly, and loaded by a real DAG run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env, query

from council_social.config import settings
from council_social.demo.hootsuite_exports import export_months, write_hootsuite_exports
from council_social.demo.organisation import build_organisation
from council_social.hootsuite.exports import land_inbox_files, load_landed_files, tidy_inbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def organisation():
    return build_organisation()


@pytest.fixture(scope="module")
def demo_files(organisation, tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("hootsuite-demo")
    return {p.name: p.read_bytes() for p in write_hootsuite_exports(organisation, folder)}




def test_the_demo_exports_are_what_a_comms_officer_downloads_and_byte_identical_each_time(
        organisation, demo_files, tmp_path):
    assert sorted(demo_files) == ["hootsuite_members_2026-10-31.csv", "hootsuite_social_profiles_2026-10-31.csv",
                                  "sent_messages_2026-06_to_2026-08.xlsx", "sent_messages_from_2026-09.zip"]
    again = write_hootsuite_exports(organisation, tmp_path / "again")
    assert {p.name: p.read_bytes() for p in again} == demo_files
    assert sum(len(d) for d in demo_files.values()) < 1_000_000, "small enough for a fast demo"


def test_the_demo_exports_load_without_problems_and_the_overlapping_months_merge(
        warehouse, organisation, demo_files):
    inbox = settings().hootsuite_inbox
    inbox.mkdir(parents=True)
    for name, data in demo_files.items():
        (inbox / name).write_bytes(data)
    loaded = load_landed_files(land_inbox_files(date(2026, 10, 31)), "demo")
    tidy_inbox(loaded["outcomes"])
    outcomes = {o["name"]: o for o in loaded["outcomes"]}
    assert {(o["status"], o["rows_quarantined"]) for o in outcomes.values()} == {("loaded", 0)}
    assert not any(inbox.iterdir()), "every file was handled and nothing needs attention"

    start = export_months(organisation.as_of)["workbook"][0]
    sent = {m.id for m in organisation.hootsuite_messages() if m.state == "SENT"
            and m.scheduled_send_time.date() >= start}
    archive = outcomes["sent_messages_from_2026-09.zip"]
    assert archive["rows_loaded"] > len(sent) - outcomes["sent_messages_2026-06_to_2026-08.xlsx"]["rows_loaded"], \
        "the archive's two exports overlap"
    assert any("already in the warehouse unchanged" in n for n in archive["notes"])
    assert query("select count(*), count(distinct message_key) from hootsuite_messages") == [(len(sent), len(sent))]
    assert query("select count(*) from hootsuite_messages where profile_id is null or created_by not in "
                 "(select member_id from hootsuite_members)") == [(0,)], "profiles and authors all resolve"
    reviewers = {m.id for m in organisation.members if m.role in ("Admin", "Reviewer") and m.is_active}
    approving = {r[0] for r in query("select member_id from mart_member_activity where last_approved_at is not null")}
    assert approving and approving <= reviewers | {m.id for m in organisation.members}
    profiles = query("select count(distinct profile_id) from mart_profile_sent_posts")[0][0]
    assert profiles >= 30


#: One fresh interpreter: the Airflow metadata database, the pool and warehouse, the demo exports in the
#: inbox, then ``dag.test()``, the in-process equivalent of ``airflow dags test``.
DAG_RUN = r"""
import json, shutil, sys
from pathlib import Path
from airflow.utils.db import initdb
initdb()
from council_social.config import settings
from council_social.setup import setup
setup(airflow_db=False)
for path in Path(sys.argv[2]).iterdir():
    shutil.copy(path, settings().hootsuite_inbox / path.name)
from airflow.dag_processing.dagbag import DagBag
run = DagBag(dag_folder=sys.argv[1]).get_dag("hootsuite_exports").test()
print(json.dumps({"state": str(run.state)}))
"""


@pytest.mark.timeout(180)
def test_a_dag_run_of_hootsuite_exports_loads_the_demo_exports(demo_files, tmp_path):
    """A real run of the DAG in a fresh Airflow home, as the data team would test it (well under a minute)."""
    dags, files_dir, home = tmp_path / "dags", tmp_path / "files", tmp_path / "airflow"
    for folder in (dags, files_dir, home):
        folder.mkdir()
    shutil.copy(ROOT / "dags" / "hootsuite_exports.py", dags)
    for name, data in demo_files.items():
        (files_dir / name).write_bytes(data)
    env = isolated_airflow_env(home, dags, tmp_path / "var", tmp_path / "reports")
    result = subprocess.run([sys.executable, "-c", DAG_RUN, str(dags), str(files_dir)], env=env,
                            capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"state": "success"}
    with sqlite3.connect(home / "airflow.db") as db:
        states = dict(db.execute("select task_id, state from task_instance where dag_id = 'hootsuite_exports'"))
    assert states == {"land_files": "success", "load_files": "success", "tidy_inbox": "success"}
    inbox = tmp_path / "var" / "inbox" / "hootsuite"
    assert not any(inbox.iterdir()), "the inbox is empty after the run"
    con = duckdb.connect(str(tmp_path / "var" / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from ops_file_ledger where source = 'hootsuite' and status = 'loaded'"
                           ).fetchone()[0] == 6, "four files, two of them exports inside the ZIP"
        assert con.execute("select count(*) from mart_member_activity where last_created_at is not null"
                           ).fetchone()[0] > 10
    finally:
        con.close()
