"""Hootsuite exports: recognised by their headers, merged on natural keys, loaded once, read by the marts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from support import drop_into, query

from council_social.config import settings
from council_social.hootsuite.exports import land_inbox_files, load_landed_files, tidy_inbox

MEMBERS = (
    "Member ID,Name,Email,Permission Preset,Status,Date Created,Teams\r\n"
    "101,Ann Lee,Ann.Lee@manchester.gov.uk,Admin,Active,02/01/2024 10:00,Central Communications\r\n"
    '102,Bob Roe,bob.roe@manchester.gov.uk,Editor,Active,01/07/2024 09:30,"Libraries, Galleries and Culture; Parks"\r\n'
    "103,Cat Day,cat.day@manchester.gov.uk,Reviewer,Inactive,2023-05-01 08:00,\r\n"
)
PROFILES = (
    "Social Profile ID,Social Network,Username,Social Network ID,Owner,Reauthorization Required\r\n"
    "9001,Twitter,MCCParks,555,Organization,No\r\n"
    "9002,Facebook Page,mccparks,777,Organization,Yes\r\n"
)
SENT_HEADER = ("Date (GMT),Social Network,Social Profile,Message ID,Post ID,Message,Created By,Created Date,"
               "Approved By,Approved Date,Sent By\r\n")
SEPTEMBER = SENT_HEADER + (
    "2026-09-01 08:00,Twitter,MCCParks,5001,1800000000000000001,Park run on Saturday,bob.roe@manchester.gov.uk,"
    "31/08/2026 16:00,Ann Lee,01/09/2026 08:30,\r\n"
    "2026-09-15 12:30,Facebook Page,mccparks,5002,777_1002,Tree planting in Heaton Park,ann.lee@manchester.gov.uk,"
    "15/09/2026 13:00,,,ann.lee@manchester.gov.uk\r\n"
    "2026-09-29 17:00,Twitter,MCCParks,5003,1800000000000000003,Bonfire night safety,bob.roe@manchester.gov.uk,"
    "29/09/2026 09:00,Cat Day,29/09/2026 10:00,\r\n"
)
#: The next month's export, taken from 25 September: it repeats message 5003.
OCTOBER = SENT_HEADER + (
    "2026-09-29 17:00,Twitter,MCCParks,5003,1800000000000000003,Bonfire night safety,bob.roe@manchester.gov.uk,"
    "29/09/2026 09:00,Cat Day,29/09/2026 10:00,\r\n"
    "2026-10-10 09:00,Twitter,MCCParks,5004,1800000000000000004,Half term activities,bob.roe@manchester.gov.uk,"
    "09/10/2026 15:00,Ann Lee,09/10/2026 16:00,\r\n"
)
DAY = date(2026, 10, 31)
TABLES = ("hootsuite_members", "hootsuite_profiles", "hootsuite_messages", "hootsuite_message_actions",
          "hootsuite_post_metrics", "ops_file_ledger", "ops_quarantine")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def drop(name: str, data: bytes | str) -> None:
    drop_into(settings().hootsuite_inbox, name, data)


def run(run_id: str = "run") -> dict[str, dict]:
    loaded = load_landed_files(land_inbox_files(DAY), run_id)
    tidy_inbox(loaded["outcomes"])
    return {o["name"]: o for o in loaded["outcomes"]}




def snapshot() -> dict[str, list]:
    return {t: query(f"select * from {t} order by all") for t in TABLES}


def test_files_are_recognised_by_their_headers_whatever_their_names(warehouse):
    drop("export (3).csv", MEMBERS)
    drop("download.csv", PROFILES)
    drop("Book1.csv", SEPTEMBER)
    outcomes = run()
    assert {n: (o["kind"], o["status"], o["rows_loaded"], o["rows_quarantined"]) for n, o in outcomes.items()} == {
        "export (3).csv": ("members", "loaded", 3, 0),
        "download.csv": ("profiles", "loaded", 2, 0),
        "Book1.csv": ("messages", "loaded", 3, 0),
    }
    assert query("select member_key, email, role, is_active, created_at, teams from hootsuite_members order by 1") == [
        ("101", "ann.lee@manchester.gov.uk", "Admin", True, utc(2024, 1, 2, 10), ["Central Communications"]),
        ("102", "bob.roe@manchester.gov.uk", "Editor", True, utc(2024, 7, 1, 8, 30),
         ["Libraries, Galleries and Culture", "Parks"]),
        ("103", "cat.day@manchester.gov.uk", "Reviewer", False, utc(2023, 5, 1, 7), None),
    ]
    assert query("select profile_id, network, username, needs_reauth, source from hootsuite_profiles order by 1") == [
        ("9001", "x", "MCCParks", False, "export"), ("9002", "facebook", "mccparks", True, "export")]
    assert query("select message_key, network, profile_id, state, created_at, sent_at, created_by, approved_by, "
                 "source_line from hootsuite_messages order by 1") == [
        ("5001", "x", "9001", "SENT", utc(2026, 8, 31, 15), utc(2026, 9, 1, 8), "102", ["101"], 2),
        ("5002", "facebook", "9002", "SENT", utc(2026, 9, 15, 12), utc(2026, 9, 15, 12, 30), "101", None, 3),
        ("5003", "x", "9001", "SENT", utc(2026, 9, 29, 8), utc(2026, 9, 29, 17), "102", ["103"], 4),
    ]
    assert query("select message_id, action, actor_id, acted_at from hootsuite_message_actions order by 1, 2") == [
        ("5001", "APPROVE", "101", utc(2026, 9, 1, 7, 30)),
        ("5002", "SEND", "101", utc(2026, 9, 15, 12, 30)),
        ("5003", "APPROVE", "103", utc(2026, 9, 29, 9)),
    ]
    assert not list(settings().hootsuite_inbox.glob("*.csv")), "loaded files leave the inbox"


def test_marts_show_each_members_last_activity_and_each_profiles_sent_posts(warehouse):
    drop("members.csv", MEMBERS)
    drop("profiles.csv", PROFILES)
    drop("september.csv", SEPTEMBER)
    drop("october.csv", OCTOBER)
    run()
    assert query("select full_name, last_created_at, last_approved_at, last_sent_at from mart_member_activity "
                 "order by 1") == [
        ("Ann Lee", utc(2026, 9, 15, 12), utc(2026, 10, 9, 15), utc(2026, 9, 15, 12, 30)),
        ("Bob Roe", utc(2026, 10, 9, 14), None, None),
        ("Cat Day", None, utc(2026, 9, 29, 9), None),
    ]
    assert query("select profile_id, network, profile_username, count(*) from mart_profile_sent_posts "
                 "group by all order by 1") == [("9001", "x", "MCCParks", 3), ("9002", "facebook", "mccparks", 1)]
    assert query("select message_key, approvers, self_approved from mart_message_approvals order by 1")[0] == (
        "5001", ["101"], False)


def test_overlapping_exports_merge_on_the_message_without_duplicates(warehouse):
    drop("september.csv", SEPTEMBER)
    run("first")
    lineage = query("select landing_path, run_id from hootsuite_messages where message_key = '5003'")
    drop("october.csv", OCTOBER)
    outcome = run("second")["october.csv"]
    assert outcome["rows_loaded"] == 2
    assert "1 already in the warehouse unchanged" in outcome["message"]
    assert query("select message_key from hootsuite_messages order by 1") == [
        ("5001",), ("5002",), ("5003",), ("5004",)]
    assert query("select landing_path, run_id from hootsuite_messages where message_key = '5003'") == lineage, \
        "a row repeated unchanged keeps the lineage of the file that first brought it"
    assert query("select count(*) from hootsuite_message_actions where message_id = '5003'") == [(1,)]


def test_an_overlapping_export_rewrites_only_the_messages_and_approvals_that_changed(warehouse):
    drop("september.csv", SEPTEMBER)
    run("first")
    # 5001 was approved by someone else after all, 5002's text was edited, 5003 is repeated as it was.
    drop("september again.csv", SEPTEMBER.replace("Ann Lee,01/09/2026 08:30", "Cat Day,01/09/2026 08:45")
         .replace("Tree planting in Heaton Park", "Tree planting in Heaton Park (rescheduled)"))
    outcome = run("second")["september again.csv"]
    assert outcome["rows_loaded"] == 3
    assert "1 already in the warehouse unchanged" in outcome["message"]
    assert query("select message_key, text, approved_by, run_id from hootsuite_messages order by 1") == [
        ("5001", "Park run on Saturday", ["Cat Day"], "second"),
        ("5002", "Tree planting in Heaton Park (rescheduled)", None, "second"),
        ("5003", "Bonfire night safety", ["Cat Day"], "first"),
    ]
    assert query("select message_id, action, actor_id, acted_at, run_id from hootsuite_message_actions "
                 "order by 1, 2") == [
        ("5001", "APPROVE", "Cat Day", utc(2026, 9, 1, 7, 45), "second"),
        ("5002", "SEND", "ann.lee@manchester.gov.uk", utc(2026, 9, 15, 12, 30), "first"),
        ("5003", "APPROVE", "Cat Day", utc(2026, 9, 29, 9), "first"),
    ], "the approval no longer said is gone; the trail rows both exports say keep their lineage"


def test_a_redropped_or_renamed_file_and_a_rerun_change_nothing(warehouse):
    drop("members.csv", MEMBERS)
    drop("september.csv", SEPTEMBER)
    landed = land_inbox_files(DAY)
    first = load_landed_files(landed, "first")
    tidy_inbox(first["outcomes"])
    before = snapshot()

    again = load_landed_files(landed, "retry")  # the load task retried by Airflow
    assert [o["status"] for o in again["outcomes"]] == ["duplicate", "duplicate"]
    drop("September sent messages (copy).csv", SEPTEMBER)
    outcome = run("third")["September sent messages (copy).csv"]
    assert outcome["status"] == "duplicate"
    assert "same content as 'september.csv'" in outcome["message"]
    assert snapshot() == before
    assert not list(settings().hootsuite_inbox.glob("*.csv")), "the duplicate leaves the inbox too"


def test_messages_without_an_id_key_on_network_and_post_and_merge_once_the_id_is_known(warehouse):
    without_ids = ("Date (GMT),Social Network,Social Profile,Post ID,Message\r\n"
                   "2026-09-01 08:00,Twitter,MCCParks,1800000000000000001,Park run on Saturday\r\n"
                   "2026-09-02 08:00,X,MCCParks,1800000000000000002,Library late opening\r\n")
    drop("analytics.csv", without_ids)
    run()
    assert query("select message_key, message_id, state from hootsuite_messages order by 1") == [
        ("x:1800000000000000001", None, "SENT"), ("x:1800000000000000002", None, "SENT")]
    drop("september.csv", SEPTEMBER)
    run()
    assert query("select message_key, network_post_id from hootsuite_messages where network = 'x' order by 1") == [
        ("5001", "1800000000000000001"), ("5003", "1800000000000000003"), ("x:1800000000000000002",
                                                                            "1800000000000000002")]
    drop("analytics again.csv", without_ids.replace("Saturday", "Saturday!"))
    run()
    assert query("select message_key, text from hootsuite_messages where network_post_id = '1800000000000000001'"
                 ) == [("5001", "Park run on Saturday!")], "an id-less export updates the message it names"


def test_members_without_an_id_key_on_email_and_merge_once_the_id_is_known(warehouse):
    drop("seats.csv", "Name,Email,Role\r\nAnn Lee,ANN.LEE@manchester.gov.uk,Admin\r\n")
    run()
    assert query("select member_key, member_id, email from hootsuite_members") == [
        ("email:ann.lee@manchester.gov.uk", None, "ann.lee@manchester.gov.uk")]
    drop("seats again.csv", "Name,Email,Role,Status\r\nAnn Lee,ann.lee@manchester.gov.uk,Reviewer,Active\r\n")
    run()
    assert query("select member_key, role, is_active from hootsuite_members") == [
        ("email:ann.lee@manchester.gov.uk", "Reviewer", True)]
    drop("members.csv", MEMBERS)
    run()
    assert query("select member_key from hootsuite_members order by 1") == [("101",), ("102",), ("103",)]


def test_names_in_earlier_exports_resolve_when_the_members_export_arrives(warehouse):
    drop("september.csv", SEPTEMBER)
    run()
    assert query("select created_by, approved_by from hootsuite_messages where message_key = '5001'") == [
        ("bob.roe@manchester.gov.uk", ["Ann Lee"])]
    drop("members.csv", MEMBERS)
    outcome = run()["members.csv"]
    assert any("resolved to member ids" in n for n in outcome["notes"])
    assert query("select created_by, approved_by from hootsuite_messages where message_key = '5001'") == [
        ("102", ["101"])]
    assert query("select actor_id from hootsuite_message_actions order by 1") == [("101",), ("101",), ("103",)]
    assert query("select full_name from mart_member_activity where last_approved_at is not null order by 1") == [
        ("Ann Lee",), ("Cat Day",)]


def test_columns_a_later_export_lacks_keep_their_stored_values(warehouse):
    drop("september.csv", SEPTEMBER)
    run()
    drop("short.csv", "Message ID,Post ID,Social Network,Message\r\n"
                      "5001,1800000000000000001,Twitter,Park run moved\r\n")
    run()
    assert query("select text, created_by, sent_at, approved_by from hootsuite_messages where message_key = '5001'"
                 ) == [("Park run moved", "bob.roe@manchester.gov.uk", utc(2026, 9, 1, 8), ["Ann Lee"])]


def test_post_performance_loads_from_a_metrics_export_and_from_sent_messages(warehouse):
    drop("performance.csv", "Network,Post ID,Profile,Report Date,Impressions,Engagements,Likes\r\n"
                            "Twitter,1800000000000000001,MCCParks,2026-10-01,1200,\"1,034\",n/a\r\n")
    drop("sent with figures.csv", "Date (GMT),Network,Message ID,Post ID,Message,Impressions,Shares\r\n"
                                  "2026-09-15 12:30,Facebook Page,5002,777_1002,Tree planting,800,12\r\n")
    outcomes = run()
    assert outcomes["performance.csv"]["kind"] == "metrics"
    assert outcomes["sent with figures.csv"]["kind"] == "messages"
    rows = query("select network, network_post_id, reported_on, impressions, engagements, reactions, shares "
                 "from hootsuite_post_metrics order by 1")
    assert rows[0][:2] == ("facebook", "777_1002") and rows[0][3:] == (800, None, None, 12)
    assert rows[1] == ("x", "1800000000000000001", date(2026, 10, 1), 1200, 1034, None, None)
    assert query("select count(*) from hootsuite_messages") == [(1,)]


@pytest.mark.parametrize("name", ["members.csv"])
def test_loaded_exports_are_kept_verbatim_in_the_landing_zone(warehouse, name):
    from council_social.landing import read_landed

    drop(name, MEMBERS)
    outcome = run()[name]
    assert read_landed(outcome["landing_path"]) == MEMBERS.encode()
    assert "/hootsuite/exports/dt=2026-10-31/" in outcome["landing_path"]


def test_exports_merge_with_what_the_api_brought_and_keep_its_approvals_trail(warehouse):
    con = duckdb.connect(str(settings().warehouse))
    try:
        con.execute("insert into hootsuite_messages (message_key, message_id, network_post_id, profile_id, network, "
                    "text, state, sent_at, created_by, approved_by, source, landing_path, loaded_at) values "
                    "('5001', '5001', '1800000000000000001', '9001', 'x', 'Park run on Saturday', 'SENT', "
                    "'2026-09-01 08:00+00', '102', ['101'], 'api', 'file:///api/page.jsonl.gz', now())")
        con.execute("insert into hootsuite_message_actions values ('5001', 'APPROVE', '101', 'MEMBER', "
                    "'2026-09-01 07:31:07+00', 'api', 'file:///api/history.jsonl.gz', 'api-run', now())")
    finally:
        con.close()
    drop("members.csv", MEMBERS)
    drop("september.csv", SEPTEMBER)
    run()
    assert query("select message_key, source from hootsuite_messages order by 1") == [
        ("5001", "export"), ("5002", "export"), ("5003", "export")], "one row per message, whichever route"
    assert query("select action, actor_id, acted_at, source from hootsuite_message_actions "
                 "where message_id = '5001'") == [("APPROVE", "101", utc(2026, 9, 1, 7, 31, 7), "api")], \
        "the API's trail is exact: the export's approximate one is not added beside it"


def test_an_export_without_senders_keeps_the_sends_an_earlier_export_recorded(warehouse):
    drop("members.csv", MEMBERS)
    drop("september.csv", SEPTEMBER)
    run()
    without_senders = "\r\n".join(line.rsplit(",", 1)[0] for line in SEPTEMBER.split("\r\n") if line) + "\r\n"
    drop("no senders.csv", without_senders.replace("Park run on Saturday", "Park run on Sunday"))
    outcome = run()["no senders.csv"]
    assert (outcome["status"], outcome["rows_quarantined"]) == ("loaded", 0), outcome["problems"]
    assert query("select message_id, action from hootsuite_message_actions order by 1, 2") == [
        ("5001", "APPROVE"), ("5002", "SEND"), ("5003", "APPROVE")]
