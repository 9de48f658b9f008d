"""
### Three-month new-account benefit report

Glasgow's "Requests for new Social Media Accounts": three months after an account goes live, did it
deliver what its business case promised? Business-case targets from the account register
(followers, posts a week, engagement rate, response rate) against actuals, red/amber/green, weekly
trend charts, and a one-line verdict for the Review Board (rule N01). Follower counts and posts come
from the platform loads (x_activity, meta_activity); the response rate from the `listening` DAG's
daily counts (questions and requests answered within the L01 window), which outlive the 90-day
retention of the mentions themselves.

1. **accounts_due** (`duckdb_writer` pool): accounts that have reached three months after go-live
   and have no report yet (so each is produced once, and a missed day is caught up); or just the
   `account` given when triggered by hand (any account, due or not).
2. **build** (one mapped task per account, `duckdb_writer` pool), **publish** (email, PDF, XLSX under
   `reports/output/new_account_benefit/<account>-<review date>/`, emailed once), **record** (pool).

Checked daily at 07:15. A rerun replaces the files and emails nobody again unless `resend` is ticked.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from council_social.assets import BENEFIT_REPORT
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="new_account_benefit",
    schedule="15 7 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["reports", "accounts", "review-board"],
    default_args={"owner": "data-team", "retries": 1, "retry_delay": timedelta(minutes=10)},
    params={
        "account": Param(None, type=["null", "string"], pattern=r"^[a-z]+:[^\s]+$",
                         description="On demand: the account as platform:handle (e.g. x:mcrclimate). "
                                     "Empty: every account due today."),
        "as_of": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                       description="The day to report as of. Empty: today (the account's review date when due)."),
        "resend": Param(False, type="boolean", description="Email the recipients again even if they had it."),
    },
)
def new_account_benefit():
    @task(pool=WAREHOUSE_POOL)
    def accounts_due(params=None, dag_run=None) -> list[dict]:
        from council_social.reporting.pipeline import benefit_reviews_due, london_day

        run_day = london_day(dag_run.run_after)
        return benefit_reviews_due(run_day, account=params["account"], as_of=params["as_of"])

    @task(pool=WAREHOUSE_POOL, map_index_template="{{ account_label }}")
    def build(review: dict, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import NEW_ACCOUNT_BENEFIT, build

        get_current_context()["account_label"] = review["account_key"]
        return build(NEW_ACCOUNT_BENEFIT, review, run_id)

    @task(map_index_template="{{ account_label }}")
    def publish(built: dict | None, params=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import publish

        get_current_context()["account_label"] = (built or {}).get("subject") or "nothing due"
        return publish(built, resend=params["resend"], run_id=run_id)

    @task(pool=WAREHOUSE_POOL, outlets=[BENEFIT_REPORT], map_index_template="{{ account_label }}")
    def record(published: dict | None, run_id=None) -> None:
        from council_social.reporting.pipeline import record

        get_current_context()["account_label"] = (published or {}).get("subject") or "nothing due"
        record(published, run_id)

    record.expand(published=publish.expand(built=build.expand(review=accounts_due())))


new_account_benefit()
