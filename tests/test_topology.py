"""The production topology of docker-compose.yml runs the pipelines: CeleryExecutor, Redis, PostgreSQL.

There is no Docker engine where the tests run, so ``council_social.topology`` starts the compose
file's Airflow services as plain processes against the machine's PostgreSQL and Redis, and
``register_import`` runs through them over the demo registers. The run must succeed with every
task executed by the Celery worker (its result in the PostgreSQL result backend, its task id in the
worker's log), ``load_files`` queued in the ``duckdb_writer`` pool, and the accounts in the
warehouse; afterwards nothing of the run may be left: no process, database, Redis key or folder.
"""

from __future__ import annotations

import os

import pytest

from council_social import topology as topo
from council_social.config import WAREHOUSE_POOL

#: Accounts in Appendix 1 of Manchester's code, all of which are in the demo's account register.
APPENDIX_1_ACCOUNTS = 57


@pytest.fixture(scope="module")
def services_up() -> None:
    """PostgreSQL and Redis must answer; without them the test cannot say anything about the topology."""
    reason = topo.services_reachable()
    if reason and os.environ.get("CI"):
        pytest.fail(f"the topology test needs PostgreSQL and Redis, which CI provides: {reason}")
    if reason:
        pytest.skip(f"needs PostgreSQL and Redis on this machine: {reason}")


# Generous next to the runner's own bounded waits, so that a slow machine fails with their message
# (and the services' logs) rather than with pytest-timeout's.
@pytest.mark.timeout(1500)
def test_register_import_runs_on_celery_redis_and_postgresql(services_up):
    from council_social.demo.organisation import build_organisation

    with topo.running_topology() as topology:
        health = topology.health()
        assert {component: health[component]["status"] for component in topo.HEALTH_COMPONENTS} == \
            dict.fromkeys(topo.HEALTH_COMPONENTS, "healthy")
        assert topology.query("select slots from slot_pool where pool = %s", WAREHOUSE_POOL) == [(1,)], \
            "the init job's setup created the single-slot warehouse pool"

        report = topo.run_register_import(topology)

        assert not report.problems(), topo.failure_message(topology, report)
        registered = [a for a in build_organisation().accounts if a.in_register]
        assert APPENDIX_1_ACCOUNTS <= report.accounts <= len(registered), report.summary()
        assert report.files_loaded == report.files_dropped > 0, report.summary()
        assert report.emails == 1, "the import summary went to the outbox (no smtp_default here)"
        assert topology.files_holding_secrets() == [], "the Fernet key and JWT secret never reach a file"

    assert topology.leftovers() == []
