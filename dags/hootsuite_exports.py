"""
### Hootsuite exports

Loads what the comms team downloads from Hootsuite (sent messages, organisation members, social
profiles, post performance; CSV, XLSX or ZIP) from the Hootsuite inbox folder
(`var/inbox/hootsuite/` by default, `COUNCIL_SOCIAL_INBOX` in production) into the warehouse.
Which export a file holds is recognised from its headers, through the versioned alias file
`config/hootsuite_aliases.yaml` (`COUNCIL_SOCIAL_HOOTSUITE_ALIASES`): extend it when Hootsuite
renames a column.

1. **land_files**: every dropped file is copied verbatim into the landing zone.
2. **load_files** (`duckdb_writer` pool): each file (each export in a ZIP) is loaded in one
   transaction, merging with earlier exports and the API on natural keys; bad rows are
   quarantined with file, line and reason; a file that cannot be an export is refused. Each file
   passes the Great Expectations suites of what it wrote before it commits; one failing an
   error-level expectation is rolled back and set aside, the data team is emailed and the run fails
   (docs/validation.md). The marts are refreshed after the loads commit, and the `hootsuite` Asset
   is updated.
3. **tidy_inbox**: loaded files leave the inbox; refused files, and a problems note for any file
   with rows set aside, go to `needs-attention/` beside it.

Runs every 15 minutes; rerunning is safe: the ledger of file checksums makes a re-dropped or
renamed file a no-op. See `docs/hootsuite-exports.md`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from council_social.assets import HOOTSUITE
from council_social.config import WAREHOUSE_POOL


@dag(
    dag_id="hootsuite_exports",
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/London"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["hootsuite", "ingest"],
    default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
)
def hootsuite_exports():
    @task
    def land_files(dag_run=None) -> list[dict]:
        from council_social.hootsuite.exports import land_inbox_files

        return land_inbox_files(dag_run.run_after.date())

    @task(pool=WAREHOUSE_POOL, outlets=[HOOTSUITE])
    def load_files(landed: list[dict], run_id=None) -> dict:
        from council_social.hootsuite.exports import load_landed_files
        from council_social.validation import gated

        with gated():
            return load_landed_files(landed, run_id)

    @task
    def tidy_inbox(loaded: dict) -> None:
        from council_social.hootsuite.exports import tidy_inbox

        tidy_inbox(loaded["outcomes"])

    tidy_inbox(load_files(land_files()))


hootsuite_exports()
