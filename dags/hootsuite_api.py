"""
### Hootsuite API

Reads the council's Hootsuite organisation through the REST API (connection `hootsuite_default`):
social profiles, members with their role and teams, outbound messages and each message's approval
trail. The audit (direct posting A02, approvals A12, unregistered accounts A05) and the
inactive-user report (U01, U02) stand on this data.

1. **read_watermark** (`duckdb_writer` pool): how far messages were fetched before; this run goes
   from there, less a day's overlap for late state changes, to now (and four weeks ahead, for
   messages scheduled or awaiting approval). The first run goes back `history_days`.
2. **fetch**: every API page lands verbatim in the landing zone (`hootsuite/<entity>/`) before
   anything parses it; only the landed files' paths go to XCom. Requests are paced under
   Hootsuite's 20 a second, 429 and 5xx answers are retried with capped waits, and approval
   trails are read only for messages that are new, changed or still in flight.
3. **load** (`duckdb_writer` pool): upserts profiles, members, messages and approval actions,
   sets malformed records aside in `ops_quarantine`, then moves the watermark and refreshes the
   marts. Loading the same pages again changes nothing. Each table group passes its Great
   Expectations suites before it commits; a failing one is rolled back, the watermark stays, the
   data team is emailed and the run fails (docs/validation.md).
4. **summarise**: one paragraph on what the run found.

Refresh tokens are single-use: each run stores the new one in the Variable
`hootsuite_default__refresh_token` before using it. A refused token fails the run without
retries and says what to do (docs/hootsuite-api.md).

**Backfill**: trigger with `start` and `end` (dates or ISO date-times, UTC); the watermark moves
only if the range joins up with what was fetched before.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.assets import HOOTSUITE
from council_social.config import WAREHOUSE_POOL

#: A date, or a date-time with an optional UTC offset, as typed in the trigger form.
WHEN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"


@dag(
    dag_id="hootsuite_api",
    schedule="15 5 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["hootsuite", "ingest", "api"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=10)},
    params={
        "start": Param(None, type=["null", "string"], pattern=WHEN,
                       description="Backfill from this date or date-time (UTC). Empty: from the watermark."),
        "end": Param(None, type=["null", "string"], pattern=WHEN,
                     description="Backfill up to this date or date-time (UTC). Empty: now."),
        "history_days": Param(180, type="integer", minimum=1, maximum=1100,
                              description="How far back the first run goes."),
        "overlap_days": Param(1, type="number", minimum=0, maximum=28,
                              description="Fetch this much before the watermark again, for late state changes."),
        "lookahead_days": Param(28, type="integer", minimum=0, maximum=90,
                                description="Runs ending now also read messages scheduled this far ahead."),
    },
)
def hootsuite_api():
    @task(pool=WAREHOUSE_POOL)
    def read_watermark(params=None, dag_run=None) -> dict:
        from council_social.hootsuite.api_load import read_watermark
        from council_social.hootsuite.hook import HootsuiteHook

        return read_watermark(HootsuiteHook().organization_id, now=dag_run.run_after, start=params["start"],
                              end=params["end"], history_days=params["history_days"],
                              overlap_days=params["overlap_days"], lookahead_days=params["lookahead_days"])

    @task
    def fetch(plan: dict, dag_run=None) -> list[str]:
        from council_social.hootsuite.api import FetchPlan, fetch_to_landing
        from council_social.hootsuite.hook import HootsuiteHook

        with HootsuiteHook().get_client() as client:
            return fetch_to_landing(client, FetchPlan.from_xcom(plan), day=dag_run.run_after.date())

    @task(pool=WAREHOUSE_POOL, outlets=[HOOTSUITE])
    def load(plan: dict, paths: list[str], run_id=None) -> dict:
        from council_social.hootsuite.api_load import load_landed_pages
        from council_social.validation import gated

        with gated():
            return load_landed_pages(paths, plan, run_id)

    @task
    def summarise(loaded: dict) -> str:
        from council_social.hootsuite.api_load import summarise

        return summarise(loaded)

    plan = read_watermark()
    summarise(load(plan, fetch(plan)))


hootsuite_api()
