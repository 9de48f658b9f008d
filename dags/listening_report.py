"""
### Weekly social listening report

For the comms leads, every Monday at 07:00 for the week (Monday to Sunday) just ended: what people
said to and about the council, and what is left to do (Manchester 5.1 respond, 9.1 monitoring;
Glasgow Monitoring, Moderation, Social Media Accounts):

- **L01** mentions and comments unanswered past 24 hours, most-followed authors first,
- **L02** mention spikes (each was alerted by the `listening` DAG when found),
- **L03** comments on council posts waiting for a moderator,
- **A05** accounts speaking as the council that are not in the register (from the audit rules),
- volume, sentiment, topics and keywords, top authors by reach, share of voice against the brand
  register's comparison terms, replies by account.

Private individuals are pseudonymised (`listening.pseudonymise_private_individuals`).

1. **build** (`duckdb_writer` pool): evaluates L01-L03 as of the week's last day (findings keep
   first-seen, last-seen and status) and builds the report.
2. **publish**: HTML email, PDF and XLSX, archived under `reports/output/listening/<YYYY-Www>/`, emailed
   to the `listening` recipients once.
3. **record** (`duckdb_writer` pool): kept in `report_runs`.

Trigger with `week_end` (a Sunday) for another week; `resend` emails it again.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag

from council_social.reporting.tasks import report_tasks


@dag(
    dag_id="listening_report",
    schedule="0 7 * * 1",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "listening"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "week_end": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                          description="The last day (a Sunday) of the week to report. Empty: last week."),
        "resend": Param(False, type="boolean", description="Email the recipients again even if they had it."),
    },
)
def listening_report():
    report_tasks("listening")


listening_report()
