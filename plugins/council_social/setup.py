"""Make an Airflow home and warehouse ready to run the pipelines: ``python -m council_social.setup``.

Idempotent, so ``make demo``, ``make setup`` and the production init job can all run it every time:

* migrates the Airflow metadata database (``airflow db migrate``),
* creates the ``duckdb_writer`` pool with one slot (DuckDB allows one process per file),
* applies the warehouse migrations,
* creates the inbox, outbox and report folders,
* with ``--demo``: (re)creates the demo's platform connections, pointing at the local fake API server.
  Production never passes ``--demo``: its connections hold real credentials and are created by the
  data team (see the README).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys

from council_social.config import FACEBOOK_CONN_ID, HOOTSUITE_CONN_ID, WAREHOUSE_POOL, X_CONN_ID, settings

log = logging.getLogger("council_social.setup")

#: Graph API version the pipelines are written against (see DESIGN: v24 or later).
GRAPH_API_VERSION = "v24.0"

#: The fake server accepts these demo credentials; they are not secrets and are never used against a real API.
DEMO_CREDENTIALS = {
    X_CONN_ID: {"conn_type": "x", "password": "demo-x-bearer"},
    FACEBOOK_CONN_ID: {"conn_type": "facebook_graph", "password": "demo-graph-token",
                       "extra": {"api_version": GRAPH_API_VERSION}},
    HOOTSUITE_CONN_ID: {"conn_type": "hootsuite", "login": "demo-client", "password": "demo-client-secret",
                        "extra": {"refresh_token": "demo-refresh-token", "organization_id": "814302"}},
}


def migrate_airflow_db() -> None:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, stdout=subprocess.DEVNULL)


def ensure_pool() -> None:
    from airflow.models.pool import Pool

    Pool.create_or_update_pool(
        WAREHOUSE_POOL, 1, "DuckDB allows one process per warehouse file: every task that opens it runs here",
        include_deferred=False,
    )


def set_demo_connections(base_url: str) -> None:
    """Point the platform connections at ``base_url`` (the fake API server on loopback)."""
    from airflow.models import Connection
    from airflow.utils.session import create_session

    with create_session() as session:
        for conn_id, fields in DEMO_CREDENTIALS.items():
            session.query(Connection).filter(Connection.conn_id == conn_id).delete()
            session.add(Connection(
                conn_id=conn_id, conn_type=fields["conn_type"], host=base_url, login=fields.get("login"),
                password=fields["password"], extra=json.dumps(fields.get("extra", {})),
                description="demo: local fake API server",
            ))


def make_folders() -> None:
    s = settings()
    for folder in (s.register_inbox, s.hootsuite_inbox, s.outbox, s.reports_output, s.warehouse.parent):
        folder.mkdir(parents=True, exist_ok=True)
    if "://" not in s.landing:
        from pathlib import Path

        Path(s.landing).mkdir(parents=True, exist_ok=True)


def setup(*, airflow_db: bool = True, demo_api_url: str | None = None) -> None:
    from council_social.warehouse.migrations import migrate

    if airflow_db:
        migrate_airflow_db()
    ensure_pool()
    make_folders()
    applied = migrate()
    log.info("warehouse %s: %s", settings().warehouse,
             f"applied {', '.join(m.path.name for m in applied)}" if applied else "up to date")
    if demo_api_url:
        set_demo_connections(demo_api_url)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", metavar="BASE_URL", nargs="?", const="http://127.0.0.1:8099",
                        help="also create the demo connections, pointing at the fake API server")
    parser.add_argument("--skip-airflow-db", action="store_true", help="do not run `airflow db migrate`")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    setup(airflow_db=not args.skip_airflow_db, demo_api_url=args.demo)
    print(f"ready: pool '{WAREHOUSE_POOL}', warehouse {settings().warehouse}")


if __name__ == "__main__":
    main()
