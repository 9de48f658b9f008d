"""
### Review Board meeting pack

One PDF for the Digital Comms Review Board's meeting, printed twice a year: a cover, contents with
page numbers, the executive summary, the bi-annual audit, the latest inactive-user report, the
three-month benefit reviews of the period and the listening summary, with appendices.

1. **build_parts** (`duckdb_writer` pool): the audit (the latest, or the one ending `period_end`), the
   inactive-user report up to it, and summaries of benefit reviews and listening over the period.
2. **publish**: renders the pack, archives it under `reports/output/review_board_pack/<period>/` and
   emails it to the `review_board_pack` recipients once (`resend` to send again).
3. **record** (`duckdb_writer` pool): kept in `report_runs`.

Runs whenever an audit has been produced (Asset `audit_report`), and by hand.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.assets import AUDIT_REPORT, REVIEW_BOARD_PACK
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="review_board_pack",
    schedule=[AUDIT_REPORT],
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "review-board"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "period_end": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                            description="The last day of the audit to bundle. Empty: the latest audit."),
        "resend": Param(False, type="boolean", description="Email the Board again even if it had the pack."),
    },
)
def review_board_pack():
    @task(pool=WAREHOUSE_POOL)
    def build_parts(params=None, dag_run=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import build_pack_parts, london_day

        return build_pack_parts(london_day(dag_run.run_after),
                                period_end=params["period_end"], run_id=run_id)

    @task
    def publish(parts: dict | None, params=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import publish_pack

        return publish_pack(parts, resend=params["resend"], run_id=run_id)

    @task(pool=WAREHOUSE_POOL, outlets=[REVIEW_BOARD_PACK])
    def record(published: dict | None, run_id=None) -> None:
        from council_social.reporting.pipeline import record

        record(published, run_id)

    record(publish(build_parts()))


review_board_pack()
