"""
### Social listening

Keeps the mentions fact up to date and watches it (Manchester 9.1 monitoring, 5.1 respond;
Glasgow Monitoring and Moderation). Runs every hour, and as soon as new X, Facebook/Instagram or
Hootsuite data lands.

1. **refresh** (`duckdb_writer` pool): mentions, brand search results, tags, comments on council
   posts and Hootsuite stream exports loaded since the last refresh go into `listening_mentions`,
   each scored once (VADER sentiment, topics, keywords, share-of-voice terms, abusive and
   party-political words); replies from council accounts mark mentions answered; the daily
   aggregates of the days touched are rebuilt; comments on council posts that look abusive or
   party-political are queued for a moderator (**L03**, `listening_moderation_queue`).
2. **check_spikes** (`duckdb_writer` pool): today's and yesterday's volume against the mean + 3 sigma
   of the 28 days before (**L02**), council-wide and per account; a spike not yet alerted is
   prepared as an email.
3. **send_alert**: the spike alert goes to the `listening_digest` and `listening` recipients at once
   (the outbox when no SMTP is configured), once per spike.
4. **record_alert** (`duckdb_writer` pool): the spike is kept in `listening_alerts`, so it is never
   alerted again.

**Rescore**: after changing `config/listening.yaml` or the sentiment thresholds, trigger with
`rescore` ticked to score every stored mention again. **Spikes in history**: trigger with
`spikes_from` to test every day since then (after loading history). See docs/listening.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task

from council_social.assets import HOOTSUITE, META_ACTIVITY, X_ACTIVITY
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="listening",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable("5 * * * *", timezone="Europe/London"),
                                 assets=(X_ACTIVITY | META_ACTIVITY | HOOTSUITE)),
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["listening", "monitoring"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
    params={
        "rescore": Param(False, type="boolean",
                         description="Score every stored mention again (after a lexicon or threshold change)."),
        "spikes_from": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}-\d{2}$",
                             description="Look for spikes on every day from this date, not only today and "
                                         "yesterday (after loading history). Spikes already alerted are not "
                                         "alerted again."),
    },
)
def listening():
    @task(pool=WAREHOUSE_POOL)
    def refresh(params=None, run_id=None) -> dict:
        from council_social.listening.mentions import refresh
        from council_social.warehouse import connect

        with connect() as con:
            return refresh(con, run_id=run_id, rescore=params["rescore"])

    @task(pool=WAREHOUSE_POOL)
    def check_spikes(refreshed: dict, params=None, dag_run=None, run_id=None) -> dict | None:
        from datetime import date

        from council_social.listening.alerts import check
        from council_social.warehouse import connect

        since = date.fromisoformat(params["spikes_from"]) if params["spikes_from"] else None
        with connect() as con:
            return check(con, now=dag_run.run_after, run_id=run_id, since=since)

    @task
    def send_alert(checked: dict | None) -> dict | None:
        from council_social.listening.alerts import send

        return send(checked)

    @task(pool=WAREHOUSE_POOL)
    def record_alert(sent: dict | None, run_id=None) -> int:
        from council_social.listening.alerts import record
        from council_social.warehouse import connect

        if not sent:
            return 0
        with connect() as con:
            return record(con, sent, run_id=run_id)

    record_alert(send_alert(check_spikes(refresh())))


listening()
