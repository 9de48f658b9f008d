"""
### X activity

What the council's X accounts actually did, read through the X API v2 (connection `x_default`:
the app's bearer token; its host overrides the API address). The audit (dormant accounts A03,
direct posting A02, branding A06), the three-month benefit report (daily follower counts) and
listening (mentions, brand search) stand on this data.

1. **plan_run** (`duckdb_writer` pool): the active X accounts in the account register on the run's
   day, the watermarks, and the brand query built from the brand register's listening and comparison
   patterns (under X's 512 characters).
2. **look_up_accounts**: one user lookup for up to 100 accounts a call: profiles and today's
   follower/following/post counts.
3. **fetch_account** (one mapped task per account): posts and mentions newer than the account's
   watermarks; the first run takes what X allows (the newest 3,200 posts, 800 mentions). Posts of
   the last `refresh_days` (3) are read again, so their likes, replies and reposts settle.
   **search_brand**: recent search for the brand query (X covers the last 7 days).
   Every page lands verbatim in the landing zone (`x/<entity>/`) before anything parses it.
4. **load** (`duckdb_writer` pool, runs even when some accounts failed): upserts accounts, daily
   counts, posts and mentions; posts without an id or time go to `ops_quarantine`; watermarks
   move only with the data, in the same transaction, which passes the Great Expectations suites
   before it commits (a failure rolls it back and emails the data team; docs/validation.md).
5. **summarise** (`duckdb_writer` pool): a table of account -> status / items / message, kept in
   `platform_fetch_log`; the run fails, naming them, if any account failed.

A protected (locked) account that the register marks private/locked is *skipped* with a warning
(its counts still load); one the register does not mark fails, alone. Rate limits: the pipeline
waits for X's `x-rate-limit-reset` itself, at most `max_wait_seconds` at a time; a longer wait
fails the task and Airflow retries it later. A revoked token (401), the monthly usage cap and an
access-tier refusal (403) fail without retries and say what to do (docs/x-api.md).

**Backfill**: trigger with `start` (and `end`): timelines then fetch that range (only the newest
3,200 posts are reachable), recent search only its last 7 days; watermarks are left alone.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from council_social.assets import X_ACTIVITY
from council_social.config import WAREHOUSE_POOL

#: A date, or a date-time with an optional UTC offset, as typed in the trigger form.
WHEN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
FETCH_TASKS = ["look_up_accounts", "fetch_account", "search_brand"]


@dag(
    dag_id="x_activity",
    schedule="45 5 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["x", "platforms", "ingest", "api"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=15)},
    params={
        "start": Param(None, type=["null", "string"], pattern=WHEN,
                       description="Backfill from this date or date-time (UTC). Empty: from the watermarks."),
        "end": Param(None, type=["null", "string"], pattern=WHEN,
                     description="Backfill up to this date or date-time (UTC). Empty: now."),
        "max_wait_seconds": Param(None, type=["null", "number"], minimum=1, maximum=3600,
                                  description="Longest single wait for a rate-limit window; longer fails the "
                                              "task so Airflow retries it later. Empty: the connection's "
                                              "extra max_wait_seconds, else 900 (one X window)."),
        "refresh_days": Param(3, type="integer", minimum=0, maximum=30,
                              description="Posts younger than this are read again so their likes, replies and "
                                          "reposts settle (each re-read counts towards X's monthly post cap). "
                                          "0: only new posts."),
    },
)
def x_activity():
    @task(pool=WAREHOUSE_POOL)
    def plan_run(params=None, dag_run=None) -> dict:
        from council_social.platforms.x_load import plan_run

        # The register as it stood on the run's date (a backfill run reads the register of its day).
        return plan_run(dag_run.logical_date or dag_run.run_after, start=params["start"], end=params["end"],
                        max_wait_seconds=params["max_wait_seconds"], refresh_days=params["refresh_days"])

    @task
    def look_up_accounts(plan: dict, ti=None) -> list[dict]:
        from datetime import date

        from council_social.platforms.x import XHook, look_up_accounts, recording

        with recording({"kind": "lookup"}, lambda o: ti.xcom_push(key="outcome", value=o)) as outcome, \
                XHook().get_conn(max_wait_seconds=plan["max_wait_seconds"]) as client:
            return look_up_accounts(client, plan, day=date.fromisoformat(plan["day"]), outcome=outcome)

    # X's limits are per app: a few accounts at a time keeps the tasks from racing each other for a window.
    @task(map_index_template="{{ account_label }}", max_active_tis_per_dag=4)
    def fetch_account(account: dict, plan: dict, ti=None) -> dict:
        from datetime import date

        from council_social.platforms.x import XHook, fetch_account, recording

        get_current_context()["account_label"] = f"@{account['handle']}"
        seed = {"kind": "account", "account_key": account["account_key"], "handle": account["handle"],
                "account_id": account.get("account_id")}
        with recording(seed, lambda o: ti.xcom_push(key="outcome", value=o)) as outcome:
            if account.get("error"):
                return fetch_account(None, account, day=date.fromisoformat(plan["day"]), outcome=outcome)
            with XHook().get_conn(max_wait_seconds=plan["max_wait_seconds"]) as client:
                return fetch_account(client, account, day=date.fromisoformat(plan["day"]),
                                     backfill=plan["backfill"], outcome=outcome,
                                     refresh_from=plan.get("refresh_from"))

    @task
    def search_brand(plan: dict, ti=None) -> dict:
        from datetime import date

        from council_social.platforms.x import XHook, recording, search_brand

        with recording({"kind": "search"}, lambda o: ti.xcom_push(key="outcome", value=o)) as outcome:
            if not plan["search"]:
                return search_brand(None, None, day=date.fromisoformat(plan["day"]), outcome=outcome)
            with XHook().get_conn(max_wait_seconds=plan["max_wait_seconds"]) as client:
                return search_brand(client, plan["search"], day=date.fromisoformat(plan["day"]),
                                    backfill=plan["backfill"], outcome=outcome)

    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done", outlets=[X_ACTIVITY])
    def load(ti=None, run_id=None) -> dict:
        from council_social.platforms.x_load import load_outcomes
        from council_social.validation import gated

        with gated():
            return load_outcomes(ti.xcom_pull(task_ids=FETCH_TASKS, key="outcome") or [], run_id)

    @task(pool=WAREHOUSE_POOL, trigger_rule="all_done")
    def summarise(ti=None, run_id=None) -> list[dict]:
        from council_social.platforms.x_load import summarise

        return summarise(ti.xcom_pull(task_ids="plan_run"),
                         ti.xcom_pull(task_ids=FETCH_TASKS, key="outcome") or [],
                         ti.xcom_pull(task_ids="load"), run_id)

    plan = plan_run()
    fetched = fetch_account.partial(plan=plan).expand(account=look_up_accounts(plan))
    loaded = load()
    [fetched, search_brand(plan)] >> loaded
    loaded >> summarise()


x_activity()
