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
from airflow.sdk import Param, dag

from council_social.assets import INACTIVE_USERS_REPORT
from council_social.reporting.tasks import report_tasks


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
    report_tasks("inactive_users", outlets=[INACTIVE_USERS_REPORT])


inactive_users()
