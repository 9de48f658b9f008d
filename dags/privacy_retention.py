"""
### Privacy retention (UK GDPR)

Every night, removes what members of the public wrote once it is older than the retention period
(`listening.retention_days` in `config/policy.yaml`, 90 days by default), as the catalogue
`config/personal_data.yaml` lists it:

1. **enforce** (`duckdb_writer` pool): brings the listening fact and its daily aggregates up to
   date, then in one transaction deletes mentions, public comments, Hootsuite stream mentions,
   listening rows, moderation-queue entries and quarantined public records older than the cutoff
   (a Europe/London day), and clears quoted evidence from old listening findings. Aggregates are
   kept. In the landing zone it removes the `dt=` partitions older than the cutoff of mention,
   search and comment pages, and the Hootsuite export files that hold mentions. Registers and the
   council's own posts are never touched. The run is logged in `privacy_retention_log`.

Running it twice on a day changes nothing the second time. Trigger with `dry_run` to see the
counts without removing anything (the dry run is logged too). See docs/privacy.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="privacy_retention",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["privacy", "gdpr", "maintenance"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=15)},
    params={
        "dry_run": Param(False, type="boolean",
                         description="Count what would be removed, remove nothing (the counts are logged)."),
    },
)
def privacy_retention():
    @task(pool=WAREHOUSE_POOL)
    def enforce(params=None, dag_run=None, run_id=None) -> dict:
        from council_social.privacy.retention import retention_task

        return retention_task(run_after=dag_run.run_after, run_id=run_id, dry_run=bool(params["dry_run"]))

    enforce()


privacy_retention()
