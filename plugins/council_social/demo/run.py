"""``make demo``: the whole pipeline, once, over the demo organisation, through real Airflow DAG runs.

The demo drops the organisation's registers into the inbox exactly as a comms team would, starts
the fake platform API server on a free loopback port, points the demo connections at it, and runs
each DAG with ``airflow dags test`` in dependency order. Running it again is safe: files already
imported are recognised by checksum and emails already delivered are not sent twice.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from council_social.config import settings

log = logging.getLogger("council_social.demo")

#: DAGs in the order their data depends on each other: the registers say which accounts to fetch,
#: Hootsuite says who sent what, then each platform's own activity.
#: Then the reports, which read all of it; the Review Board pack bundles the reports.
DEMO_DAGS = ("register_import", "hootsuite_exports", "hootsuite_api", "x_activity", "meta_activity", "listening",
             "accounts_audit", "inactive_users", "new_account_benefit", "listening_report", "listening_digest",
             "review_board_pack")


def demo_conf(dag_id: str) -> dict | None:
    """Run parameters for the demo. The Hootsuite exports already hold the older months, so the API's
    first run reads six weeks instead of its production default, which keeps the demo quick. The demo
    organisation stands on a fixed day (its activity ends there), so the reports are as of that day
    rather than waiting for the next scheduled audit or month end: the same reports whenever it runs."""
    from datetime import timedelta

    from council_social.demo.organisation import DEMO_AS_OF

    as_of = DEMO_AS_OF.isoformat()
    # Listening: spikes looked for over the last four weeks of activity, the ISO week the activity ends
    # in, and the digest of its last full day.
    listening_week_end = DEMO_AS_OF + timedelta(days=7 - DEMO_AS_OF.isoweekday())
    return {
        "listening": {"spikes_from": (DEMO_AS_OF - timedelta(days=28)).isoformat()},
        "listening_report": {"week_end": listening_week_end.isoformat()},
        "listening_digest": {"day": (DEMO_AS_OF - timedelta(days=1)).isoformat()},
        "hootsuite_api": {"history_days": 42},
        "accounts_audit": {"period_end": as_of},
        "inactive_users": {"as_of": as_of},
        "new_account_benefit": {"as_of": as_of},
    }.get(dag_id)


class DemoFailed(RuntimeError):
    pass


def run_dag(dag_id: str) -> None:
    """One real DAG run; fail loudly, with the run's log path, if any task failed."""
    started = time.monotonic()
    command = [sys.executable, "-m", "airflow", "dags", "test", dag_id]
    conf = demo_conf(dag_id)
    if conf:
        command += ["--conf", json.dumps(conf)]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    state = latest_run_state(dag_id)
    if result.returncode != 0 or state != "success":
        logfile = settings().data_dir / "logs" / f"demo_{dag_id}.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        logfile.write_text(result.stdout + result.stderr, encoding="utf-8")
        raise DemoFailed(f"DAG run of '{dag_id}' ended '{state}' (exit {result.returncode}); "
                         f"its output is in {logfile}")
    print(f"  {dag_id:<28} success  ({time.monotonic() - started:.0f} s)")


def latest_run_state(dag_id: str) -> str | None:
    from airflow.models import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        run = (session.query(DagRun).filter(DagRun.dag_id == dag_id)
               .order_by(DagRun.id.desc()).first())
        return str(run.state) if run else None


def summary() -> str:
    s = settings()
    emails = sorted(s.outbox.glob("*.eml")) if s.outbox.is_dir() else []
    reports = sorted(p for p in s.reports_output.rglob("*") if p.is_file() and p.suffix in (".html", ".pdf", ".xlsx"))
    attention = s.register_inbox / "needs-attention"
    lines = [
        "",
        "Demo finished.",
        f"  warehouse       {s.warehouse}",
        f"  landing zone    {s.landing}",
        f"  reports         {s.reports_output}  ({len(reports)} file(s))",
        f"  emails          {s.outbox}  ({len(emails)} .eml file(s); open them in any mail client)",
        f"  delivery log    {s.reports_output / 'delivery_log.jsonl'}",
    ]
    if attention.is_dir() and any(attention.iterdir()):
        lines.append(f"  needs attention {attention}")
    lines.append("  Airflow UI      make airflow, then http://localhost:8080")
    return "\n".join(lines)


def main() -> None:
    from council_social.demo.hootsuite_exports import write_hootsuite_exports
    from council_social.demo.organisation import build_organisation
    from council_social.demo.registers import write_registers
    from council_social.fakeapi.server import FakeApiServer
    from council_social.setup import set_demo_connections, setup

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    s = settings()
    print("Setting up the Airflow home, pool and warehouse ...")
    setup()
    organisation = build_organisation()
    written = write_registers(organisation, s.register_inbox)
    print(f"Dropped {len(written)} register file(s) into {s.register_inbox}")
    exports = write_hootsuite_exports(organisation, s.hootsuite_inbox)
    print(f"Dropped {len(exports)} Hootsuite export(s) into {s.hootsuite_inbox}")
    with FakeApiServer() as api:
        print(f"Fake platform API server on {api.base_url}")
        set_demo_connections(api.base_url)
        print("Running the pipelines:")
        for dag_id in DEMO_DAGS:
            run_dag(dag_id)
    print(summary())

