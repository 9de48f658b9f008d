"""The demo organisation loaded into this test's warehouse through the real loaders, without Airflow.

Registers through the register importer, Hootsuite's dashboard exports through the export loader,
and each X, Facebook and Instagram account through the real API clients against the fake API
server on loopback: the same code the DAGs' tasks call, minus the scheduler. The Hootsuite REST API
is left out: its exports already carry the members, profiles, messages and approvals the rules
read, and its paced requests would make the test slow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def load_demo(organisation, *, run_id: str = "demo") -> datetime:
    """Load ``organisation`` into the warehouse of the current settings; returns the moment it was fetched."""
    from council_social.config import settings
    from council_social.demo.hootsuite_exports import write_hootsuite_exports
    from council_social.demo.registers import write_registers
    from council_social.fakeapi.server import FakeApiServer
    from council_social.hootsuite import exports
    from council_social.platforms import graph, graph_load, x, x_load
    from council_social.registers import importer

    s = settings()
    now = datetime.combine(organisation.as_of, datetime.min.time(), UTC) + timedelta(hours=6)
    write_registers(organisation, s.register_inbox)
    importer.load_landed_files(importer.land_inbox_files(organisation.as_of), run_id)
    write_hootsuite_exports(organisation, s.hootsuite_inbox)
    exports.load_landed_files(exports.land_inbox_files(organisation.as_of), run_id)
    with FakeApiServer(as_of=organisation.as_of, seed=organisation.seed) as fake:
        plan = x_load.plan_run(now)
        client = x.XClient("demo-x-bearer", fake.base_url)
        outcomes: list[dict] = []

        def task(seed: dict, work):
            with x.recording(seed, outcomes.append) as outcome:
                return work(outcome)

        items = task({"kind": "lookup"},
                     lambda o: x.look_up_accounts(client, plan, day=organisation.as_of, outcome=o)) or []
        for item in items:
            task({"kind": "account", "account_key": item["account_key"]},
                 lambda o, i=item: x.fetch_account(client, i, day=organisation.as_of, outcome=o))
        task({"kind": "search"},
             lambda o: x.search_brand(client, plan["search"], day=organisation.as_of, outcome=o))
        x_load.load_outcomes(outcomes, run_id)

        pages = graph_load.read_accounts(now=now)
        with graph.GraphClient("demo-graph-token", base_url=fake.base_url) as meta:
            fetched = [graph.fetch_account(meta, page, day=organisation.as_of, now=now) for page in pages]
        graph_load.load_outcomes(fetched, run_id)
    return now
