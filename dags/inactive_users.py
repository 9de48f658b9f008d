"""
### Inactive-user report

Monthly, for the comms leads: who holds Hootsuite access and should not (rules U01-U03, Glasgow
"Removing Inactive Users", "Training of Approved Employees", and both councils' leavers clauses):

- **leavers still holding access** (critical: remove today),
- **inactive members**: nothing created, approved or sent for 90 days (Hootsuite has no last-login),
- **training overdue**: no GOLD training, or a refresher older than 12 months,

each with the accounts the person can reach.

1. **build** (`duckdb_writer` pool): evaluates U01-U03 as of the month's last day and builds the report.
2. **publish**: email, PDF, XLSX, archived under `reports/output/inactive_users/<YYYY-MM>/`, emailed
   to the `inactive_users` recipients once.
3. **record** (`duckdb_writer` pool): kept in `report_runs`.

Runs on the 1st of each month at 07:00 for the month just ended; trigger with `as_of` for another
day. A rerun replaces the files and emails nobody again unless `resend` is ticked.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.assets import INACTIVE_USERS_REPORT
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="inactive_users",
    schedule="0 7 1 * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "users", "review-board"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "as_of": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                       description="The day the report is as of. Empty: the last day of the previous month."),
        "resend": Param(False, type="boolean", description="Email the recipients again even if they had it."),
    },
)
def inactive_users():
    @task(pool=WAREHOUSE_POOL)
    def build(params=None, dag_run=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import INACTIVE_USERS, build, london_day

        return build(INACTIVE_USERS, {**params, "run_day": london_day(dag_run.run_after)},
                     run_id)

    @task
    def publish(built: dict | None, params=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import publish

        return publish(built, resend=params["resend"], run_id=run_id)

    @task(pool=WAREHOUSE_POOL, outlets=[INACTIVE_USERS_REPORT])
    def record(published: dict | None, run_id=None) -> None:
        from council_social.reporting.pipeline import record

        record(published, run_id)

    record(publish(build()))


inactive_users()
