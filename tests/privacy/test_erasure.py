"""Erasure requests: the person is gone from every table and every landed file; the others are not."""

from __future__ import annotations

import duckdb
import pytest
from privacy.people import JORDAN, PRIYA, SAM, build, landing_text, where_named
from support import query

from council_social.config import settings
from council_social.landing import landing_root
from council_social.privacy.erasure import AmbiguousAuthor, erase_author
from council_social.privacy.identity import IdentifierError, keyed_hash


def erase(warehouse, identifier: str, **options):
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        return erase_author(con, landing_root(), identifier=identifier, requested_by="dpo (test)", **options)
    finally:
        con.close()


def counts(warehouse) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute("select table_name from information_schema.tables where table_schema ="
                                            " 'main' and table_type = 'BASE TABLE' order by 1").fetchall()]
        return {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.mark.parametrize("identifier", ["@Quill_Resident42", "QUILL_RESIDENT42", SAM.x_id, SAM.name.upper()],
                         ids=["handle", "handle-any-case", "author-id", "display-name"])
def test_after_an_erasure_no_trace_of_the_person_remains_and_the_others_are_untouched(warehouse, identifier):
    build(warehouse)
    assert where_named(SAM, warehouse), "the scenario holds her everywhere to begin with"
    jordan_before = where_named(JORDAN, warehouse)
    priya_before = where_named(PRIYA, warehouse)

    outcome = erase(warehouse, identifier)

    assert outcome.status == "erased", outcome.message
    assert where_named(SAM, warehouse) == [], "no table, column or landed file names her, in any case"
    assert where_named(JORDAN, warehouse) == jordan_before
    assert where_named(PRIYA, warehouse) == priya_before
    # Her rows went; the others' stayed, with her name redacted in what they wrote.
    assert query("select mention_id, text from platform_mentions order by mention_id") == [
        ("1850000000000000003", "@ManCityCouncil @[erased] is right, ours too"),
        ("ig-tag-2", "Lovely park day, thanks @[erased] for the tip")]
    assert query("select comment_id, text from platform_comments order by comment_id") == [
        ("555_2", "Thanks [erased], we've passed this on"), ("555_3", "I agree with [erased]"),
        ("ig_c2", "Same question here")]
    assert query("select mention_id from listening_mentions order by 1") == [
        ("1850000000000000003",), ("555_3",), ("ig-tag-2",), ("ig_c2",)]
    assert query("select mention_id from listening_moderation_queue") == [("555_3",)]
    assert query("select author_name, text from hootsuite_mentions") == [(JORDAN.name, "Agree with @[erased]")]
    assert query("select text from platform_posts") == [("@[erased] sorry about that, we've reported it",)]
    assert query("select finding_key from report_findings") == [("L01:x:1850000000000000003",)]
    assert query("select json_extract_string(raw, '$.author_id'), json_extract_string(raw, '$.text')"
                 " from ops_quarantine") == [(JORDAN.x_id, "as @[erased] said")]
    assert query("select mentions from listening_daily") == [(3,)], "aggregates hold no person and are kept"

    # The landed pages keep everyone else's records.
    landed = landing_text()
    x_page = next(text for path, text in landed.items() if path.startswith("x/mentions/"))
    assert JORDAN.x_id in x_page and "riverroadres" in x_page and "@[erased] is right" in x_page
    fb_page = next(text for path, text in landed.items() if path.startswith("facebook/comments/"))
    assert '"id":"555_2"' in fb_page and '"id":"555_3"' in fb_page, "the council's reply and Priya's comment stay"
    assert '"id":"555_1"' not in fb_page.replace('"parent":{"id":"555_1"}', "") and '"id":"555_4"' not in fb_page
    ig_page = next(text for path, text in landed.items() if path.startswith("instagram/comments/"))
    assert "ig_c2" in ig_page and "ig_c1" not in ig_page, "her reply dropped from inside Priya's comment"
    export = next(text for path, text in landed.items() if path.startswith("hootsuite/exports/"))
    assert export.splitlines() == ["date (gmt),network,author,author name,message,followers",
                                   "2026-10-28 09:45,twitter,@riverroadres,jordan meadowbank,agree with @[erased],80"]
    assert {f["action"] for f in outcome.landing} == {"rewritten"}
    assert len(outcome.landing) == 6, "every landed page and the export that named her"


def test_the_log_keeps_a_keyed_hash_and_counts_never_the_person(warehouse):
    build(warehouse)
    outcome = erase(warehouse, "@Quill_Resident42", request_id="req-1")

    rows = query("select request_id, requested_by, identifier_hash, status, dry_run, rows_removed::varchar,"
                 " landing_files_rewritten from privacy_erasure_log")
    assert len(rows) == 1
    request_id, requested_by, digest, status, dry_run, removed, rewritten = rows[0]
    assert (request_id, requested_by, status, dry_run, rewritten) == ("req-1", "dpo (test)", "erased", False, 6)
    (key,) = query("select value from ops_keys where name = 'privacy_erasure_key'")[0]
    assert digest == keyed_hash("quill_resident42", key.encode()), "checkable by hashing the identifier again"
    assert digest == keyed_hash(" @QUILL_Resident42 ", key.encode())
    assert '"platform_mentions": 3' in removed and '"platform_comments": 3' in removed
    row_text = " ".join(str(v) for v in query("select * from privacy_erasure_log")[0]).lower()
    assert not [i for i in SAM.identifiers if i in row_text]
    assert outcome.as_dict()["rows_removed"]["platform_mentions"] == 3
    assert not [i for i in SAM.identifiers if i in str(outcome.as_dict()).lower()], "the task output names no one"
    assert not [i for i in SAM.identifiers if i in outcome.summary().lower()]


def test_a_second_run_finds_nothing_and_logs_that(warehouse):
    build(warehouse)
    erase(warehouse, "@Quill_Resident42", request_id="req-1")
    landed, before = landing_text(), counts(warehouse)

    again = erase(warehouse, SAM.name, request_id="req-2")

    assert again.status == "nothing_found"
    assert sum(again.removed.values()) == sum(again.redacted.values()) == 0 and again.landing == []
    assert landing_text() == landed
    after = counts(warehouse)
    assert after.pop("privacy_erasure_log") == before.pop("privacy_erasure_log") + 1
    assert after == before
    assert query("select status from privacy_erasure_log order by finished_at") == [("erased",), ("nothing_found",)]


def test_a_dry_run_counts_and_changes_nothing(warehouse):
    build(warehouse)
    landed, before = landing_text(), counts(warehouse)

    outcome = erase(warehouse, "@Quill_Resident42", dry_run=True)

    assert outcome.status == "dry_run" and outcome.removed["platform_mentions"] == 3 and len(outcome.landing) == 6
    assert landing_text() == landed
    after = counts(warehouse)
    assert after.pop("privacy_erasure_log") == 1
    before.pop("privacy_erasure_log")
    assert {k: v for k, v in after.items() if k != "ops_keys"} == {k: v for k, v in before.items() if k != "ops_keys"}
    assert where_named(SAM, warehouse)


def test_a_request_for_one_platform_leaves_the_others(warehouse):
    build(warehouse)
    outcome = erase(warehouse, SAM.name, platform="facebook")

    assert outcome.removed["platform_comments"] == 2
    assert query("select count(*) from platform_comments where author_id = ?", SAM.fb_id) == [(0,)]
    assert query("select count(*) from platform_mentions where author_id = ? and author_name = ?", SAM.x_id,
                 SAM.name) == [(2,)], "her X rows are untouched, name included"
    assert query("select count(*) from platform_comments where author_id = ?", SAM.ig_id) == [(1,)]
    assert not any(path.startswith("facebook/") for path, text in landing_text().items()
                   if SAM.fb_id in text or "samantha" in text)
    assert SAM.x_id in next(text for path, text in landing_text().items() if path.startswith("x/mentions/"))


def test_a_display_name_several_authors_use_is_refused(warehouse):
    build(warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("insert into platform_comments (platform, comment_id, post_id, account_id, author_id, author_name,"
                " from_account, text, created_at, landing_path, loaded_at) values ('facebook', '555_9', 'p', 'a',"
                " '3100000000000777', 'Samantha Quillfeather', false, 'another person', now(), 'l', now())")
    con.close()
    with pytest.raises(AmbiguousAuthor, match="2 different authors on facebook"):
        erase(warehouse, "Samantha Quillfeather")
    assert query("select count(*) from privacy_erasure_log") == [(0,)]

    # By her X handle, her X rows go; the Facebook namesakes cannot be told apart, so neither is claimed.
    outcome = erase(warehouse, "@Quill_Resident42")
    assert outcome.ambiguous == ["facebook"] and "several authors on facebook" in outcome.message
    assert query("select count(*) from platform_mentions where author_id = ?", SAM.x_id) == [(0,)]
    assert query("select count(*) from platform_comments where author_name = '[erased]'") == [(3,)]


@pytest.mark.parametrize("identifier", ["", "@", "ab", "x" * 201, "two\nlines"])
def test_unusable_identifiers_are_refused(warehouse, identifier):
    with pytest.raises(IdentifierError):
        erase(warehouse, identifier)


def test_sent_emails_and_archived_reports_naming_the_person_are_listed_not_edited(warehouse):
    from council_social.delivery.email import compose

    build(warehouse)
    outbox = settings().outbox
    outbox.mkdir(parents=True, exist_ok=True)
    message = compose(subject="Listening digest", sender="a@example.gov.uk", to=["b@example.gov.uk"],
                      html="<p>Unanswered: &#64;Quill_Resident42 asked about bins</p>")
    eml = outbox / "digest.eml"
    eml.write_bytes(message.as_bytes())
    report = settings().reports_output / "listening" / "2026-W44" / "listening.html"
    report.parent.mkdir(parents=True)
    report.write_text("<td>Resident 4F2A9C</td>", encoding="utf-8")
    before = eml.read_bytes()

    outcome = erase(warehouse, "@Quill_Resident42")

    assert outcome.copies_outside == [{"where": "outbox", "path": "digest.eml"}]
    assert eml.read_bytes() == before, "a sent email is listed for the data protection officer, never edited"
    assert query("select copies_outside::varchar from privacy_erasure_log")[0][0] == \
        '[{"where": "outbox", "path": "digest.eml"}]'
