"""A real ``dag.test()`` of ``listening``: a spike in today's mentions is emailed once, not again on the next run.

One fresh interpreter with its own Airflow home, warehouse and folders (Airflow reads its
configuration once per process).
"""

from __future__ import annotations

import email
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import isolated_airflow_env

ROOT = Path(__file__).resolve().parents[2]
DAG_RUNS = r"""
import json, sys
from datetime import UTC, datetime, timedelta
import duckdb
from airflow.utils.db import initdb
initdb()
from council_social.config import settings
from council_social.setup import setup
setup(airflow_db=False)

now = datetime.now(UTC)
con = duckdb.connect(str(settings().warehouse))
con.execute("begin transaction")
for entity in ("accounts", "recipients"):
    con.execute("insert into ops_file_ledger (file_sha256, source, entity, original_name, landing_path, received_at,"
                " effective_from, status, loaded_at) values (?, 'registers', ?, 'f.csv', 'l', ?, date '2020-01-01',"
                " 'loaded', ?)", [entity, entity, now, now])
con.execute("insert into register_accounts (platform, handle, handle_key, account_name, status, file_sha256,"
            " effective_from, source_line, loaded_at) values ('x', 'ManCityCouncil', 'mancitycouncil', 'MCC', 'active',"
            " 'accounts', date '2020-01-01', 2, ?)", [now])
for report, address in (("listening_digest", "comms.lead@example.gov.uk"),
                        ("listening", "head.of.comms@example.gov.uk")):
    con.execute("insert into register_report_recipients (report, email, copy, file_sha256, effective_from,"
                " source_line, loaded_at) values (?, ?, 'to', 'recipients', date '2020-01-01', 2, ?)",
                [report, address, now])
con.execute("insert into platform_accounts (platform, account_id, handle, handle_key, landing_path, loaded_at)"
            " values ('x', '100', 'ManCityCouncil', 'mancitycouncil', 'l', ?)", [now])
n = 0
def mention(at, text):
    global n
    n += 1
    con.execute("insert into platform_mentions (platform, mention_id, kind, mentioned_account_id, author_id,"
                " author_handle, author_followers, text, created_at, landing_path, loaded_at)"
                " values ('x', ?, 'mention', '100', ?, ?, 40, ?, ?, 'l', ?)",
                [f"m{n}", f"a{n % 30}", f"resident{n % 30}", text, at, now])
for day in range(2, 40):
    for k in range(5):
        mention(now - timedelta(days=day, minutes=60 * k), "@ManCityCouncil lovely day at the park")
for k in range(45):
    mention(now - timedelta(minutes=k + 1), "@ManCityCouncil no bin collection on Hyde Road today, what's going on?")
con.execute("commit")
con.close()

from airflow.dag_processing.dagbag import DagBag
dag = DagBag(dag_folder=sys.argv[1]).get_dag("listening")
states = [str(dag.test().state), str(dag.test().state)]
print(json.dumps({"states": states}))
"""


@pytest.mark.timeout(300)
def test_a_spike_is_alerted_by_email_once(tmp_path):
    dags, home = tmp_path / "dags", tmp_path / "airflow"
    for folder in (dags, home):
        folder.mkdir()
    shutil.copy(ROOT / "dags" / "listening.py", dags)
    env = isolated_airflow_env(home, dags, tmp_path / "var", tmp_path / "reports")
    result = subprocess.run([sys.executable, "-c", DAG_RUNS, str(dags)], env=env, capture_output=True, text=True,
                            timeout=280)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"states": ["success", "success"]}

    sent = sorted((tmp_path / "var" / "outbox").glob("*.eml"))
    assert len(sent) == 1, "one alert for the spike, none on the second run"
    message = email.message_from_bytes(sent[0].read_bytes())
    assert message["Subject"].startswith("Mention spike: ")
    assert {a.strip() for a in message["To"].split(",")} == {"comms.lead@example.gov.uk",
                                                               "head.of.comms@example.gov.uk"}
    body = message.get_body(("plain",)) if hasattr(message, "get_body") else None
    text = (body or message).as_string()
    assert "Bins and recycling" in text
    assert not re.search(r"resident\d", text.lower()), "private individuals are pseudonymised in the alert"

    con = duckdb.connect(str(tmp_path / "var" / "warehouse" / "council_social.duckdb"), read_only=True)
    try:
        alerts = con.execute("select scope, volume, recipients from listening_alerts order by scope").fetchall()
        mentions = con.execute("select count(*) from listening_mentions").fetchone()[0]
    finally:
        con.close()
    assert mentions == 38 * 5 + 45
    assert {scope for scope, _, _ in alerts} == {"all", "x:mancitycouncil"}
    assert all(volume >= 10 and recipients == 2 for _, volume, recipients in alerts)
