"""
### Privacy erasure request (UK GDPR)

Removes one member of the public from the warehouse and the landing zone. Trigger it from the UI
(**Trigger DAG**, fill in the form) or the command line:

    airflow dags trigger privacy_erasure --conf '{"author": "@someone"}'

* **author** (required): their handle (with or without @), author id, or display name. A display
  name that several different authors use is refused: give the handle or id instead.
* **platform** (optional): `x`, `facebook` or `instagram` to limit the request to one platform.
* **dry_run**: count what would be removed and change nothing.

1. **check_request**: refuses an unusable request before anything opens the warehouse.
2. **erase** (`duckdb_writer` pool, held for the whole request so no load can bring the person
   back half-way): finds every id, handle and name they are known by; deletes their mentions,
   comments, listening rows, queued comments and quarantined records; replaces their handle and
   name by `[erased]` in other people's text and the council's replies; rewrites every landed API
   page and dropped export that holds them. Sent emails and archived reports that still name them
   are listed in the output and the log, not edited. One row goes to `privacy_erasure_log` with a
   keyed hash of the identifier (never the identifier itself) and counts per table.

The task output gives counts and file paths, never the person's text. Running the request again
finds nothing and logs `nothing_found`. Airflow keeps the trigger's `author` in this run's
configuration: delete the run once the request is closed (docs/privacy.md says how).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="privacy_erasure",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["privacy", "gdpr", "erasure"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=5)},
    params={
        "author": Param(type="string", minLength=3, maxLength=200, pattern=r"^[^\r\n]*\S[^\r\n]*$",
                        title="Author", description="Their handle (@name), author id or display name."),
        "platform": Param(None, type=["null", "string"], enum=[None, "x", "facebook", "instagram"],
                          title="Platform", description="Only this platform. Empty: every platform."),
        "dry_run": Param(False, type="boolean", title="Dry run",
                         description="Count what would be removed; change nothing (the counts are logged)."),
    },
)
def privacy_erasure():
    @task
    def check_request(params=None) -> None:
        from council_social.privacy.erasure import check_request

        check_request(params["author"], params["platform"])

    @task(pool=WAREHOUSE_POOL)
    def erase(params=None, dag_run=None, run_id=None, ti=None) -> dict:
        from council_social.privacy.erasure import erasure_task

        return erasure_task(author=params["author"], platform=params["platform"], dry_run=bool(params["dry_run"]),
                            requested_by=f"{dag_run.triggering_user_name or 'unknown user'} (run {run_id})",
                            request_id=f"{run_id}#{ti.try_number}")

    check_request() >> erase()


privacy_erasure()
