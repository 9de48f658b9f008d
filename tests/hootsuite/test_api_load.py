"""Fetching into the landing zone and loading the warehouse: backfill, incremental runs, reruns, bad records."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from council_social.demo.organisation import DEMO_AS_OF, build_organisation
from council_social.fakeapi.server import FakeApiServer
from council_social.hootsuite.api import (
    IN_FLIGHT_STATES,
    FetchPlan,
    HootsuiteClient,
    MemoryTokenStore,
    fetch_to_landing,
    plan_fetch,
)
from council_social.hootsuite.api_load import load_landed_pages, read_watermark
from council_social.landing import land_bytes, land_json_lines

AS_OF = datetime(DEMO_AS_OF.year, DEMO_AS_OF.month, DEMO_AS_OF.day, tzinfo=UTC)
ORG = "814302"
TABLES = ("hootsuite_profiles", "hootsuite_members", "hootsuite_messages", "hootsuite_message_actions",
          "ops_watermarks", "ops_quarantine")


@pytest.fixture(scope="module")
def fake():
    # Pacing is tested in test_api.py; here the fake allows more so the runs take seconds.
    with FakeApiServer(switches={"rate_limits": {"hootsuite": {"limit": 1000, "window": 1}}}) as server:
        yield server


@pytest.fixture(scope="module")
def org():
    return build_organisation()


def run(fake, store, run_id: str, *, now: datetime, page_size: int = 100, **plan_options) -> tuple[dict, dict]:
    """One DAG run's three steps, in order: plan (warehouse), fetch (HTTP), load (warehouse)."""
    plan = read_watermark(ORG, now=now, **plan_options)
    with HootsuiteClient(base_url=fake.base_url, client_id="demo-client", client_secret="demo-client-secret",
                         token_store=store, initial_refresh_token=store.initial, requests_per_second=800,
                         backoff_base=0.05) as client:
        paths = fetch_to_landing(client, FetchPlan.from_xcom(plan), day=now.date(), page_size=page_size)
    assert all(isinstance(p, str) for p in paths)
    return plan, load_landed_pages(paths, plan, run_id)


class Store(MemoryTokenStore):
    def __init__(self):
        super().__init__()
        self.initial = f"issued-{uuid.uuid4().hex}"


def snapshot(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in TABLES}
    finally:
        con.close()


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def history_requests(fake) -> int:
    return fake.stats().get("hootsuite.message_history", {}).get("200", 0)


def test_backfill_then_incremental_runs_then_a_rerun_that_changes_nothing(fake, org, warehouse, data_dir):
    store = Store()
    first_now = AS_OF - timedelta(days=5)
    plan, first = run(fake, store, "run-1", now=first_now, history_days=30, lookahead_days=0, page_size=50)

    # The backfill: 30 days back, in four-week windows, page by page.
    start, fetch_end = first_now - timedelta(days=30), first_now
    assert (plan["start"], plan["fetch_end"]) == (start.isoformat(), fetch_end.isoformat())
    expected = {m.id: m for m in org.hootsuite_messages() if start <= m.scheduled_send_time <= fetch_end}
    stored = dict(query(warehouse, "select message_id, state from hootsuite_messages"))
    assert len(expected) > 500 and stored == {i: m.state for i, m in expected.items()}
    pages = list((data_dir / "landing" / "hootsuite" / "messages").rglob("*.jsonl.gz"))
    assert len(pages) > len(FetchPlan.from_xcom(plan).windows), "the cursor was followed within windows"
    assert first["quarantined"] == 0 and first["watermark"]["moved"]
    assert query(warehouse, "select value from ops_watermarks where source = 'hootsuite' and scope = ?",
                 [ORG]) == [(first_now.isoformat(),)]

    # Profiles, members with role and teams, and each message's approval trail, as Hootsuite has them.
    in_hootsuite = {a.hootsuite_profile_id: a for a in org.accounts if a.in_hootsuite}
    profiles = dict(query(warehouse, "select profile_id, network from hootsuite_profiles"))
    assert profiles == {pid: a.platform for pid, a in in_hootsuite.items()}
    members = {r[0]: r[1:] for r in query(warehouse, "select member_id, email, role, is_active, teams "
                                                     "from hootsuite_members")}
    team_names = {t.id: t.name for t in org.teams}
    assert members == {m.id: (m.email, m.role, m.is_active, sorted(team_names[t] for t in m.teams))
                       for m in org.members}
    actions = query(warehouse, "select message_id, action, actor_id, acted_at from hootsuite_message_actions")
    assert sorted(actions) == sorted((m.id, a.action, a.actor_id or a.actor_type, a.at)
                                     for m in expected.values() for a in m.history)
    sent = next(m for m in expected.values() if m.state == "SENT" and any(a.action == "APPROVE" for a in m.history))
    row = query(warehouse, "select created_by, created_at, sent_at, approved_by, network_post_id, network "
                           "from hootsuite_messages where message_id = ?", [sent.id])[0]
    assert row == (sent.created_by, sent.history[0].at, next(a.at for a in sent.history if a.action == "SEND"),
                   sorted({a.actor_id for a in sent.history if a.action == "APPROVE"}), sent.post_id,
                   org.account(sent.account_key).platform)
    assert query(warehouse, "select count(*) from mart_message_approvals where approvals > 0")[0][0] > 0

    # The next run starts a day before the watermark and reads approval trails only where they can have moved.
    before = history_requests(fake)
    plan, second = run(fake, store, "run-2", now=AS_OF, lookahead_days=14)
    assert plan["start"] == (first_now - timedelta(days=1)).isoformat()
    window = {m.id: m for m in org.hootsuite_messages()
              if first_now - timedelta(days=1) <= m.scheduled_send_time <= AS_OF + timedelta(days=14)}
    new = set(window) - set(expected)
    assert len(new) > 100, "the demo council posted (and scheduled) more since"
    assert history_requests(fake) - before == len(new | {i for i, m in window.items() if m.state in IN_FLIGHT_STATES})
    assert second["messages"]["changed"] == len(new)
    assert dict(query(warehouse, "select message_id, run_id from hootsuite_messages where run_id = 'run-2'")).keys() \
        == new, "rows that did not change keep the lineage of the page that brought them"
    assert store.saved == 2, "each run rotated the refresh token once"

    # Running the same window again changes nothing at all, lineage included.
    before = snapshot(warehouse)
    _, third = run(fake, store, "run-3", now=AS_OF, lookahead_days=14)
    assert snapshot(warehouse) == before
    assert (third["messages"]["changed"], third["actions"]["changed"], third["watermark"]["moved"]) == (0, 0, False)


def _plan(**overrides) -> dict:
    return plan_fetch(organization_id=ORG, watermark=None, now=AS_OF, history_days=7, **overrides).to_xcom()


def test_malformed_records_are_set_aside_and_the_rest_loaded(warehouse):
    day = DEMO_AS_OF
    good = {"id": "9001", "state": "SENT", "text": "Bins are collected as normal", "socialProfile": {"id": "77"},
            "scheduledSendTime": "2026-10-30T09:00:00Z", "createdByMember": {"id": "5"}, "postId": "1850000000001"}
    paths = [
        land_json_lines([{"id": "77", "type": "TWITTER", "socialNetworkId": "123", "owner": "ORGANIZATION"},
                         {"type": "FACEBOOKPAGE", "socialNetworkUsername": "nameless"}],
                        source="hootsuite", entity="profiles", day=day, name="social_profiles"),
        land_json_lines([{"id": "5", "email": "a.editor@manchester.gov.uk", "isActive": True,
                          "createdDate": "2025-01-01T00:00:00Z"}, {"email": "no.id@manchester.gov.uk"}],
                        source="hootsuite", entity="members", day=day, name="member_details"),
        land_json_lines([good, {**good, "id": None}, {**good, "id": "9002", "scheduledSendTime": "tomorrow"},
                         "<html>Service unavailable</html>"],
                        source="hootsuite", entity="messages", day=day, name="messages_p001"),
        land_json_lines([{"messageId": "9001", "data": {"actions": [
                            {"actorType": "MEMBER", "actorId": "5", "actionType": "CREATE",
                             "timestamp": "2026-10-30T08:00:00.000Z"},
                            {"actorType": "MEMBER", "actorId": "6", "actionType": "APPROVE"},
                            {"actorType": "SYSTEM", "actorId": None, "actionType": "SEND",
                             "timestamp": "2026-10-30T09:00:00.000Z"}]}},
                         {"data": {"actions": []}}],
                        source="hootsuite", entity="message_history", day=day, name="message_history"),
        land_bytes(gzip.compress(b'{"id": "9003", "sched')[:-6], source="hootsuite", entity="messages", day=day,
                   name="messages_p002.jsonl.gz"),
    ]
    result = load_landed_pages(paths, _plan(), "run-bad")

    assert query(warehouse, "select message_id, created_by, sent_at, approved_by, network from hootsuite_messages") \
        == [("9001", "5", datetime(2026, 10, 30, 9, tzinfo=UTC), [], "x")]
    assert query(warehouse, "select action, actor_id from hootsuite_message_actions order by acted_at") \
        == [("CREATE", "5"), ("SEND", "SYSTEM")]
    assert query(warehouse, "select profile_id from hootsuite_profiles") == [("77",)]
    assert query(warehouse, "select member_id from hootsuite_members") == [("5",)]
    quarantined = query(warehouse, "select source, entity, original_name, line, reason, raw from ops_quarantine "
                                   "order by entity, original_name, line")
    assert result["quarantined"] == len(quarantined) == 8
    assert {row[0] for row in quarantined} == {"hootsuite"}
    reasons = {(row[1], row[3]): row[4] for row in quarantined}
    assert reasons[("profiles", 2)] == "social profile without an id"
    assert reasons[("members", 2)] == "member without an id"
    assert reasons[("messages", 2)] == "message without an id"
    assert "scheduledSendTime" in reasons[("messages", 3)]
    assert reasons[("messages", 4)] == "record is not a JSON object"
    assert "action 2: timestamp" in reasons[("message_history", 1)]
    assert "unreadable page" in reasons[("messages", 0)]
    assert json.loads(next(r[5] for r in quarantined if r[1] == "message_history"))["data"]["actions"][1] == {
        "actorType": "MEMBER", "actorId": "6", "actionType": "APPROVE"}, "kept as received, nested JSON and all"

    before = snapshot(warehouse)
    again = load_landed_pages(paths, _plan(), "run-bad-again")
    assert snapshot(warehouse) == before and again["quarantined"] == 8


def test_the_watermark_stays_when_the_load_fails(warehouse, data_dir):
    missing = str(data_dir / "landing" / "hootsuite" / "messages" / "dt=2026-10-31" / "000000000000__gone.jsonl.gz")
    with pytest.raises(FileNotFoundError):
        load_landed_pages([missing], _plan(), "run-failed")
    assert query(warehouse, "select count(*) from ops_watermarks")[0][0] == 0
    assert read_watermark(ORG, now=AS_OF, history_days=7)["previous"] is None
