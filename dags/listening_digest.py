"""
### Daily social listening digest

For the comms leads, every morning at 07:30 for the day before: what is waiting for a reply past
24 hours (L01, most-followed authors first), any spike (L02), comments waiting for a moderator
(L03), and what people talked about. Short enough to read on a phone; private individuals are
pseudonymised.

1. **build** (`duckdb_writer` pool): evaluates L01 and L03 as of the end of the day and builds the digest.
2. **publish**: HTML email, PDF and XLSX, archived under `reports/output/listening_digest/<YYYY-MM-DD>/`,
   emailed to the `listening_digest` recipients once.
3. **record** (`duckdb_writer` pool): kept in `report_runs`.

Trigger with `day` for another day; `resend` emails it again.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag

from council_social.reporting.tasks import report_tasks


@dag(
    dag_id="listening_digest",
    schedule="30 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "listening"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "day": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                     description="The day to digest. Empty: yesterday."),
        "resend": Param(False, type="boolean", description="Email the recipients again even if they had it."),
    },
)
def listening_digest():
    report_tasks("listening_digest")


listening_digest()
