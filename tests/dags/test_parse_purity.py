"""DAG files do no work at parse time: the scheduler parses them every few seconds.

Each file is imported in a fresh interpreter that records, through Python's audit hooks, every
socket and database connection, and fails on any Connection or Variable lookup.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
HEAVY = ("pandas", "duckdb", "great_expectations", "pyarrow", "openpyxl", "weasyprint", "tweepy", "requests")

PROBE = r"""
import json, sys, runpy
events = []
def audit(event, args):
    if event in ("socket.connect", "sqlite3.connect", "socket.getaddrinfo") or event.startswith("subprocess"):
        events.append(f"{event} {args!r}"[:200])
import airflow.sdk
import croniter  # Airflow's own schedule parsing; it shells out once (platform.architecture) on import
from airflow.sdk import BaseHook, Variable
def refuse(*a, **k):
    raise RuntimeError("looked up a Connection or Variable at parse time")
BaseHook.get_connection = classmethod(refuse)
Variable.get = staticmethod(refuse)
before = set(sys.modules)
sys.addaudithook(audit)
runpy.run_path(sys.argv[1], run_name="dag_file")
print(json.dumps({"events": events, "modules": sorted(set(sys.modules) - before)}))
"""


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parsing_touches_no_connection_database_or_heavy_library(path):
    result = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["events"] == [], "no network, database or subprocess at parse time"
    heavy = sorted({m.split(".")[0] for m in report["modules"]} & set(HEAVY))
    assert heavy == [], f"{path.name} imports {heavy} at parse time: import inside the task instead"
