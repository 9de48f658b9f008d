"""
### Facebook and Instagram activity

Reads what happened on the council's Facebook Pages and Instagram Business accounts through the
Graph API (connection `facebook_default`, version pinned in its extra `api_version`, v24.0 or
later): daily follower counts, published posts, every comment with whether and when the account
replied, posts that tag the account (mentions) and the Page insight metrics allowed for the pinned
version (`config/graph_metrics.yaml`). The audit (dormant accounts A03, direct posting A02,
branding A06), the new-account benefit report (N01) and listening (L01-L03) read this data.

1. **read_accounts** (`duckdb_writer` pool): the active Facebook and Instagram accounts in the
   account register, with their watermarks and the recent posts whose comments are still moving.
   Facebook groups are skipped (the Graph API reads Pages only).
2. **fetch_account**, one mapped task per account: every answer page lands verbatim (tokens
   removed) in the landing zone before anything parses it; only paths go to XCom. A deleted Page,
   a missing permission or an expired token fails that account's task alone, with the reason.
   Throttling (codes 4, 17, 32, 613; usage headers from 80%) and 5xx answers are waited out
   within caps; a longer wait fails the task so Airflow retries it later.
3. **load** (`duckdb_writer` pool, runs even when some fetches failed): upserts the accounts
   that were fetched, sets malformed records aside in `ops_quarantine`, then moves each
   account's watermarks. Loading the same pages again changes nothing. Each account's load passes
   the Great Expectations suites before it commits; a failing one is rolled back (that account
   fails, its watermarks stay) and the data team is emailed (docs/validation.md).
4. **summarise** (`duckdb_writer` pool): logs a table of account, status, items and message,
   writes `platform_fetch_log`, and fails the run, naming them, if any account failed.

**Backfill**: trigger with `start` (and optionally `end`): posts and tagged posts in that range,
insights in windows of 90 days (Meta keeps about two years). Follower counts exist only as of
today; for Pages, the `page_follows` insight carries the daily history. Watermarks move only if
the range joins up with what was fetched before. See docs/graph-api.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, task

from council_social.assets import META_ACTIVITY
from council_social.config import WAREHOUSE_POOL

#: A date, or a date-time with an optional UTC offset, as typed in the trigger form.
WHEN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"


@dag(
    dag_id="meta_activity",
    schedule="30 5 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["facebook", "instagram", "ingest", "api"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=10)},
    params={
        "start": Param(None, type=["null", "string"], pattern=WHEN,
                       description="Backfill from this date or date-time (UTC). Empty: from each watermark."),
        "end": Param(None, type=["null", "string"], pattern=WHEN,
                     description="Backfill up to this date or date-time (UTC). Empty: now."),
        "history_days": Param(90, type="integer", minimum=1, maximum=730,
                              description="How far back an account's first run goes."),
        "comment_days": Param(14, type="integer", minimum=0, maximum=93,
                              description="Comments are read again on posts younger than this."),
    },
)
def meta_activity():
    @task(pool=WAREHOUSE_POOL)
    def read_accounts(params=None, dag_run=None) -> list[dict]:
        from council_social.platforms.graph import run_moment
        from council_social.platforms.graph_load import read_accounts

        return read_accounts(now=run_moment(dag_run), comment_days=params["comment_days"])

    @task(map_index_template="{{ account['account_key'] }}", max_active_tis_per_dagrun=4)
    def fetch_account(account: dict, params=None, dag_run=None, ti=None) -> dict:
        from council_social.platforms.graph import run_fetch_task, run_moment

        return run_fetch_task(account, now=run_moment(dag_run), params=params, ti=ti)

    @task(pool=WAREHOUSE_POOL, outlets=[META_ACTIVITY], trigger_rule="all_done")
    def load(run_id=None, ti=None) -> dict:
        from council_social.platforms.graph_load import load_outcomes, pull_outcomes
        from council_social.validation import gated

        with gated():
            return load_outcomes(pull_outcomes(ti), run_id)

    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done")
    def summarise(run_id=None, ti=None) -> list[dict]:
        from council_social.platforms.graph_load import pull_outcomes, summarise

        accounts, loaded = ti.xcom_pull(task_ids="read_accounts"), ti.xcom_pull(task_ids="load")
        return summarise(accounts, pull_outcomes(ti), loaded, run_id)

    accounts = read_accounts()
    loaded = load()
    fetch_account.expand(account=accounts) >> loaded >> summarise()


meta_activity()
