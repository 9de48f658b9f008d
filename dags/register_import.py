"""
### Register import

Loads the registers the comms team keeps (account register, HR leavers, training records,
election periods, brand patterns, report recipients) from the register inbox folder
(`var/inbox/registers/` by default, `COUNCIL_SOCIAL_INBOX` in production) into the warehouse.

1. **land_files**: every dropped CSV/XLSX is copied verbatim into the landing zone.
2. **load_files** (`duckdb_writer` pool): each file is checked and loaded in one transaction,
   with its history kept (a date in the file name says when it is in force from). Rows that fail
   a check are quarantined with file, line and reason; a file that cannot be a register is refused.
   A file already imported (same content) is a no-op. Each file passes its register's Great
   Expectations suite before it commits: a file failing an error-level expectation is rolled back,
   set aside in `needs-attention/`, the data team is emailed and the run fails (docs/validation.md).
3. **tidy_inbox**: loaded files leave the inbox; refused files, and a problems note for any file
   with rows set aside, go to `needs-attention/` beside it.
4. **send_import_report**: the people listed for `register_import` in the report recipients
   register get a summary email (the outbox folder when no SMTP is configured).

Rerunning is safe: the ledger of file checksums makes every step idempotent.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from council_social.assets import REGISTERS
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="register_import",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["registers", "ingest"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
)
def register_import():
    @task
    def land_files(dag_run=None) -> list[dict]:
        from council_social.registers.importer import land_inbox_files

        return land_inbox_files(dag_run.run_after.date())

    @task(pool=WAREHOUSE_POOL, outlets=[REGISTERS])
    def load_files(landed: list[dict], run_id=None) -> dict:
        from council_social.registers.importer import load_landed_files
        from council_social.validation import gated

        with gated():
            return load_landed_files(landed, run_id)

    @task
    def tidy_inbox(loaded: dict) -> None:
        from council_social.registers.importer import tidy_inbox

        tidy_inbox(loaded["outcomes"])

    @task
    def send_import_report(loaded: dict, run_id=None, dag_run=None) -> None:
        from council_social.registers.report import send_import_report

        send_import_report(loaded["outcomes"], loaded["recipients"], run_id, dag_run.run_after)

    loaded = load_files(land_files())
    tidy_inbox(loaded)
    send_import_report(loaded)


register_import()
