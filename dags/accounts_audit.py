"""
### Bi-annual audit of accounts and users

The audit the Glasgow policy asks for twice a year ("Auditing of Accounts and Users"), for the
Digital Comms Review Board and the comms leads: every account and Hootsuite member checked against
rules A01-A12 and U01-U03, each finding with its policy clause, evidence and the action expected,
and what is **new, still open or resolved since the last audit**.

1. **build** (`duckdb_writer` pool): evaluates the rules as of the period's last day (findings keep
   first-seen, last-seen and status), builds the report and reads its recipients.
2. **publish**: HTML email (summary first), PDF and XLSX appendix, archived under
   `reports/output/audit/<period>/` and emailed to the `audit` recipients (the outbox without SMTP).
3. **record** (`duckdb_writer` pool): the run is kept in `report_runs`; the Review Board pack follows.

Runs on 1 April and 1 October at 06:00 (set `COUNCIL_SOCIAL_AUDIT_SCHEDULE` to change it), covering
the six whole months before. **Manual run**: trigger with `period_start` / `period_end`. A rerun for
the same period replaces its files and emails nobody again unless `resend` is ticked.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag

from council_social.assets import AUDIT_REPORT
from council_social.config import AUDIT_SCHEDULE
from council_social.reporting.tasks import report_tasks

DATE = r"^\d{4}-\d{2}-\d{2}$"


@dag(
    dag_id="accounts_audit",
    schedule=AUDIT_SCHEDULE,
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "audit", "review-board"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "period_start": Param(None, type=["null", "string"], pattern=DATE,
                              description="First day of the audit period. Empty: six months before its end."),
        "period_end": Param(None, type=["null", "string"], pattern=DATE,
                            description="Last day of the audit period. Empty: the last day of the previous month."),
        "resend": Param(False, type="boolean", description="Email the recipients again even if they had it."),
    },
)
def accounts_audit():
    report_tasks("audit", outlets=[AUDIT_REPORT])


accounts_audit()
