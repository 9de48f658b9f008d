"""``airflow dags test hootsuite_api`` in its own Airflow home, against the fake server, twice.

The demo connection (``set_demo_connections``) points at the fake. The second run must refresh with
the token the first run stored in the Variable (the connection's token is spent by then) and must
change nothing in the warehouse.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env

from council_social.fakeapi.server import FakeApiServer
from council_social.setup import DEMO_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]
CONF = {"start": "2026-10-29", "end": "2026-10-31T00:00:00Z"}
TABLES = ("hootsuite_profiles", "hootsuite_members", "hootsuite_messages", "hootsuite_message_actions",
          "ops_watermarks", "ops_quarantine")


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("hootsuite-api")
    env = isolated_airflow_env(home / "airflow", ROOT / "dags", home / "var", home / "reports")
    return env


def dags_test(env) -> str:
    try:
        result = subprocess.run([sys.executable, "-m", "airflow", "dags", "test", "hootsuite_api", "-c",
                                 json.dumps(CONF)], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    except subprocess.TimeoutExpired as exc:  # a failed task waits for its retry: show why
        pytest.fail(f"the DAG run did not finish: {str(exc.stdout)[-4000:]}")
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "state=success" in output, \
        output[-4000:]
    return output


def snapshot(env) -> dict:
    con = duckdb.connect(str(Path(env["COUNCIL_SOCIAL_DATA_DIR"]) / "warehouse" / "council_social.duckdb"),
                         read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in TABLES}
    finally:
        con.close()


@pytest.mark.timeout(900)
def test_the_dag_loads_hootsuite_and_a_second_run_uses_the_rotated_token(airflow_env):
    with FakeApiServer() as fake:
        subprocess.run([sys.executable, "-m", "council_social.setup", "--demo", fake.base_url], env=airflow_env,
                       check=True, capture_output=True, timeout=300, cwd=ROOT)
        first = dags_test(airflow_env)
        after_first = snapshot(airflow_env)
        second = dags_test(airflow_env)
        stats = fake.stats()

    counts = {table: len(rows) for table, rows in after_first.items()}
    assert counts["hootsuite_profiles"] > 0 and counts["hootsuite_members"] > 0
    assert counts["hootsuite_messages"] > 0 and counts["hootsuite_message_actions"] > counts["hootsuite_messages"]
    assert counts["ops_watermarks"] == 1 and counts["ops_quarantine"] == 0
    assert snapshot(airflow_env) == after_first, "the second run changed nothing"
    assert stats["hootsuite.token"] == {"200": 2}, "each run refreshed once; the second with the stored token"
    assert "429" not in stats.get("hootsuite.message_history", {})

    demo = DEMO_CREDENTIALS["hootsuite_default"]
    for output in (first, second):
        for secret in (demo["password"], demo["extra"]["refresh_token"], "hs-refresh-", "hs-access-"):
            assert secret not in output
    landed = Path(airflow_env["COUNCIL_SOCIAL_DATA_DIR"]) / "landing" / "hootsuite"
    assert {p.name for p in landed.iterdir()} >= {"profiles", "members", "messages", "message_history"}
