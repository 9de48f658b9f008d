"""Marts read what both Hootsuite routes loaded: members named by id (API) or by email (exports)."""

from __future__ import annotations

from datetime import UTC, datetime

from council_social.warehouse import connect
from council_social.warehouse.marts import refresh_marts

NOW = datetime(2026, 10, 31, 12, tzinfo=UTC)


def test_member_activity_matches_people_by_id_email_or_name(warehouse):
    with connect() as con:
        con.executemany(
            "insert into hootsuite_members (member_key, member_id, full_name, email, is_active, source, landing_path,"
            " loaded_at) values (?, ?, ?, ?, true, ?, 'x', ?)",
            [("101", "101", "Ann Lee", "ann.lee@manchester.gov.uk", "api", NOW),
             ("email:bob.roe@manchester.gov.uk", None, "Bob Roe", "bob.roe@manchester.gov.uk", "export", NOW)],
        )
        con.executemany(
            "insert into hootsuite_messages (message_key, message_id, state, created_at, created_by, source,"
            " landing_path, loaded_at) values (?, ?, 'SENT', ?, ?, 'export', 'x', ?)",
            [("m1", "m1", datetime(2026, 9, 1, tzinfo=UTC), "Bob Roe", NOW),
             ("m2", "m2", datetime(2026, 9, 2, tzinfo=UTC), "101", NOW)],
        )
        con.executemany(
            "insert into hootsuite_message_actions (message_id, action, actor_id, actor_type, acted_at, source,"
            " landing_path, loaded_at) values (?, ?, ?, 'MEMBER', ?, 'export', 'x', ?)",
            [("m2", "APPROVE", "bob.roe@manchester.gov.uk", datetime(2026, 9, 3, tzinfo=UTC), NOW),
             ("m1", "APPROVE", "101", datetime(2026, 9, 4, tzinfo=UTC), NOW)],
        )
        refresh_marts(con)
        rows = con.execute(
            "select full_name, last_created_at::date, last_approved_at::date from mart_member_activity "
            "order by full_name").fetchall()
    assert [(name, str(created), str(approved)) for name, created, approved in rows] == [
        ("Ann Lee", "2026-09-02", "2026-09-04"),
        ("Bob Roe", "2026-09-01", "2026-09-03"),
    ]
