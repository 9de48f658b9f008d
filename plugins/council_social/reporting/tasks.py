"""The three tasks every scheduled report DAG runs, defined once.

``report_tasks("audit")`` inside a ``@dag`` function adds build (in the ``duckdb_writer`` pool),
publish (outside it) and record (in the pool) for that report, reading the DAG's params; the work
itself is in ``council_social.reporting.pipeline``. Only ``airflow.sdk`` and the config are imported
here, so a DAG file importing this still parses in milliseconds.
"""

from __future__ import annotations

from airflow.sdk import Asset, task

from council_social.config import WAREHOUSE_POOL


def report_tasks(report: str, *, outlets: list[Asset] | None = None):
    """build >> publish >> record for ``report``; the DAG's params reach the builder (``resend`` the publisher)."""

    @task(pool=WAREHOUSE_POOL)
    def build(params=None, dag_run=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import build, london_day

        return build(report, {**params, "run_day": london_day(dag_run.run_after)}, run_id)

    @task
    def publish(built: dict | None, params=None, run_id=None) -> dict | None:
        from council_social.reporting.pipeline import publish

        return publish(built, resend=params["resend"], run_id=run_id)

    @task(pool=WAREHOUSE_POOL, outlets=outlets or [])
    def record(published: dict | None, run_id=None) -> None:
        from council_social.reporting.pipeline import record

        record(published, run_id)

    return record(publish(build()))
