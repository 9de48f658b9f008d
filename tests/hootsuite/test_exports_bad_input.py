"""Hootsuite exports against the bad input contract: a clear message naming the file, line or column,
the bad part quarantined with its reason, everything else loaded, the original kept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from support import drop_into, query

from council_social.config import settings
from council_social.hootsuite.aliases import ALIASES_ENV, alias_file
from council_social.hootsuite.exports import land_inbox_files, load_landed_files, tidy_inbox
from council_social.landing import read_landed

SENT_HEADER = "Date (GMT),Social Network,Social Profile,Message ID,Post ID,Message,Created By\r\n"
MEMBERS_HEADER = "Member ID,Name,Email,Permission Preset,Status\r\n"


def row(n: int, text: str = "Bins collected on time", when: str = "2026-09-01 08:00") -> str:
    return f"{when},Twitter,MCCParks,{5000 + n},{1800000000000000000 + n},{text},ann.lee@manchester.gov.uk\r\n"


def drop(name: str, data: bytes | str) -> None:
    drop_into(settings().hootsuite_inbox, name, data)


def run() -> dict[str, dict]:
    loaded = load_landed_files(land_inbox_files(date(2026, 10, 31)), "run")
    tidy_inbox(loaded["outcomes"])
    return {o["name"]: o for o in loaded["outcomes"]}




def attention(name: str) -> Path:
    return settings().hootsuite_inbox / "needs-attention" / name


def test_a_windows_1252_export_is_read_as_such(warehouse):
    drop("sent.csv", (SENT_HEADER + row(1, "Fees from £5 – book now") + row(2, "Café reopens")).encode("cp1252"))
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (2, 0)
    assert query("select text from hootsuite_messages order by 1") == [("Café reopens",), ("Fees from £5 – book now",)]


def test_a_file_whose_first_lines_are_utf8_but_later_ones_are_not_is_read_again_as_windows_1252(warehouse):
    body = "".join(row(n) for n in range(1, 4001))  # well beyond the lines read to find the header
    drop("sent.csv", (SENT_HEADER + body).encode("ascii") + row(4001, "Tickets £3").encode("cp1252"))
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (4001, 0)
    assert any("Windows-1252" in n for n in outcome["notes"])
    assert query("select text from hootsuite_messages where message_id = '9001'") == [("Tickets £3",)]


def test_a_file_that_is_not_text_in_any_encoding_is_refused_and_moved_aside(warehouse):
    drop("sent.csv", SENT_HEADER.encode() + b"2026-09-01 08:00,Twitter,\x81\x8d\x8f\x90\x9d,1,2,x,y\r\n")
    outcome = run()["sent.csv"]
    assert outcome["status"] == "rejected"
    assert "sent.csv" in outcome["message"] and "not a readable text file" in outcome["message"]
    assert attention("sent.csv").exists()
    assert "not a readable text file" in attention("sent.csv.problems.txt").read_text()
    assert read_landed(outcome["landing_path"]).startswith(b"Date (GMT)"), "the original stays in the landing zone"
    assert query("select line, source, entity from ops_quarantine") == [(0, "hootsuite", None)]


def test_a_missing_required_column_refuses_the_file_naming_what_to_extend(warehouse):
    drop("members.csv", "Member ID,Name,Permission Preset,Status,Teams\r\n101,Ann Lee,Admin,Active,Parks\r\n")
    outcome = run()["members.csv"]
    assert outcome["status"] == "rejected"
    message = outcome["message"]
    assert message.startswith("members.csv: this looks like a Hootsuite organisation members export")
    assert "no column for 'email'" in message and "'Email Address'" in message
    assert "Headers in the file: 'Member ID', 'Name', 'Permission Preset', 'Status', 'Teams'" in message
    assert f"entities.members.columns.email in {alias_file()}" in message
    assert attention("members.csv").exists()
    assert query("select status, entity from ops_file_ledger") == [("rejected", "members")]


def test_an_unknown_renamed_column_loads_once_the_alias_file_is_extended(warehouse, tmp_path, monkeypatch):
    renamed = "Member ID,Name,Work e-mail,Permission Preset\r\n101,Ann Lee,ann.lee@manchester.gov.uk,Admin\r\n"
    drop("members.csv", renamed)
    outcome = run()["members.csv"]
    assert outcome["status"] == "rejected" and "'Work e-mail'" in outcome["message"]

    extended = tmp_path / "aliases.yaml"
    extended.write_text(alias_file().read_text().replace('"Login Email"]', '"Login Email", "Work e-mail"]')
                        .replace("version: 1", "version: 2"))
    monkeypatch.setenv(ALIASES_ENV, str(extended))
    (settings().hootsuite_inbox / "members.csv").write_text(renamed)  # dropped again, as it was
    outcome = run()["members.csv"]
    assert (outcome["status"], outcome["rows_loaded"]) == ("loaded", 1)
    assert any("tried again with alias file version 2" in n for n in outcome["notes"])
    assert query("select email from hootsuite_members") == [("ann.lee@manchester.gov.uk",)]
    assert query("select status from ops_file_ledger") == [("loaded",)]
    assert query("select count(*) from ops_quarantine") == [(0,)], "the earlier refusal is cleared"


def test_extra_and_unknown_columns_are_ignored_and_noted(warehouse):
    drop("sent.csv", "Campaign,Date (GMT),Social Network,Message ID,Post ID,Message,Tags,\r\n"
                     "Autumn,2026-09-01 08:00,Twitter,5001,1800000000000000001,Hello,parks,\r\n")
    outcome = run()["sent.csv"]
    assert (outcome["status"], outcome["rows_loaded"]) == ("loaded", 1)
    assert "columns the alias file does not know were ignored: 'Campaign', 'Tags'" in outcome["notes"]


def test_an_empty_file_is_refused_and_a_header_without_rows_loads_nothing(warehouse):
    drop("empty.csv", b"")
    drop("blank.csv", b"\r\n  \r\n")
    drop("header only.csv", SENT_HEADER)
    outcomes = run()
    assert outcomes["empty.csv"]["status"] == "rejected"
    assert outcomes["empty.csv"]["message"] == "empty.csv: the file is empty"
    assert outcomes["blank.csv"]["status"] == "rejected"
    assert (outcomes["header only.csv"]["status"], outcomes["header only.csv"]["rows_loaded"]) == ("loaded", 0)
    assert "the export has no rows under its header" in outcomes["header only.csv"]["notes"]


def test_a_truncated_file_loads_its_whole_rows_and_flags_the_cut_line(warehouse):
    cut = SENT_HEADER + row(1) + row(2) + '2026-09-03 08:00,Twitter,MCCParks,5003,1800000000000000003,"Road clos'
    drop("sent.csv", cut)
    outcome = run()["sent.csv"]
    assert (outcome["status"], outcome["rows_loaded"], outcome["rows_quarantined"]) == ("loaded", 2, 1)
    assert outcome["problems"] == ["line 4: the file stops part-way through this row (cut off while downloading or "
                                   "copying?); every whole row before it was loaded"]
    assert "the file is cut off at line 4" in " ".join(outcome["notes"])
    [(line, raw)] = query("select line, raw from ops_quarantine")
    assert line == 4 and json.loads(raw)["row as received"].endswith('"Road clos')
    assert attention("sent.csv.problems.txt").exists()


def test_a_file_cut_after_a_whole_cell_loses_nothing_it_cannot_see(warehouse):
    drop("sent.csv", SENT_HEADER + row(1) + "2026-09-03 08:00,Twitter,MCCParks,5003")
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 1)
    assert "line 3: the file stops part-way" in outcome["problems"][0]


def test_a_row_listed_twice_in_one_file_loads_once(warehouse):
    drop("sent.csv", SENT_HEADER + row(1, "first") + row(2) + row(1, "second"))
    outcome = run()["sent.csv"]
    assert outcome["rows_loaded"] == 2
    assert any("repeat a message listed earlier" in n for n in outcome["notes"])
    assert query("select text, source_line from hootsuite_messages where message_id = '5001'") == [("second", 4)]


def test_html_and_formulas_in_text_are_stored_verbatim_as_data(warehouse):
    texts = ['<a href="https://x.example/?a=1&b=2">Book</a> <script>alert(1)</script>', '=HYPERLINK("http://x","y")',
             "+44 161 234 5000", "@MCCParks -thanks", "  padded  "]
    body = "".join(f'2026-09-0{n} 08:00,Twitter,MCCParks,{5000 + n},{1800000000000000000 + n},"'
                   + t.replace('"', '""') + '",ann.lee@manchester.gov.uk\r\n' for n, t in enumerate(texts, 1))
    drop("sent.csv", SENT_HEADER + body + '2026-13-01 08:00,Twitter,MCCParks,5009,9,"=cmd|\' /C calc\'!A0",x\r\n')
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (5, 1)
    assert [t for (t,) in query("select text from hootsuite_messages order by message_id")] == texts
    [(raw,)] = query("select raw from ops_quarantine")
    assert json.loads(raw)["Message"] == "=cmd|' /C calc'!A0", "set-aside rows keep their text as received too"


def test_a_file_with_no_known_headers_is_refused_as_not_an_export(warehouse):
    drop("notes.csv", "Reference,Colour,Weight\r\n1,red,10\r\n")
    outcome = run()["notes.csv"]
    assert outcome["status"] == "rejected"
    assert "cannot tell which Hootsuite export this is" in outcome["message"]
    assert "'Reference', 'Colour', 'Weight'" in outcome["message"] and str(alias_file()) in outcome["message"]


def test_rows_with_missing_fields_are_set_aside_with_their_line(warehouse):
    drop("sent.csv", SENT_HEADER + row(1)
         + "2026-09-02 08:00,Twitter,MCCParks\r\n"                          # too few cells
         + "2026-09-03 08:00,Twitter,MCCParks,,,No ids at all,x\r\n"      # nothing identifies the message
         + "2026-09-04 08:00,,MCCParks,,1800000000000000004,No network,x\r\n"
         + "2026-09-05 08:00,Twitter,MCCParks,5005,1800000000000000005,One,two,three\r\n"  # too many
         + row(6))
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (2, 4)
    assert outcome["problems"] == [
        "line 3: the row has fewer cells than the header's 7",
        "line 4: no Message ID, and no Post ID with its network, to tell which message this is",
        "line 5: no Message ID, and no Post ID with its network, to tell which message this is",
        "line 6: the row has more cells than the header's 7 (a delimiter inside a cell that is not quoted?)",
    ]
    assert query("select source_line from hootsuite_messages order by 1") == [(2,), (7,)]


def test_a_member_listed_with_two_emails_is_set_aside_naming_both(warehouse):
    drop("members.csv", MEMBERS_HEADER
         + "101,Ann Lee,ann.lee@manchester.gov.uk,Admin,Active\r\n"
         + "102,Bob Roe,bob.roe@manchester.gov.uk,Editor,Active\r\n"
         + "101,Ann Lee,a.lee@manchester.gov.uk,Admin,Active\r\n"
         + '103,Cat Day,"cat.day@manchester.gov.uk; cat@gmail.com",Reviewer,Active\r\n'
         + "104,Dan Fry,not-an-address,Editor,Active\r\n"
         + "105,Eve Moss,eve.moss@manchester.gov.uk,Editor,Perhaps\r\n")
    outcome = run()["members.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 5)
    assert outcome["problems"] == [
        "line 2: member 101 is listed with two emails: a.lee@manchester.gov.uk and ann.lee@manchester.gov.uk",
        "line 4: member 101 is listed with two emails: a.lee@manchester.gov.uk and ann.lee@manchester.gov.uk",
        "line 5: the email cell holds two addresses: cat.day@manchester.gov.uk and cat@gmail.com",
        "line 6: 'Email': 'not-an-address' is not an email address",
        "line 7: 'Status': 'Perhaps' is not yes or no",
    ]
    assert query("select member_key from hootsuite_members") == [("102",)]


def test_bad_times_numbers_and_rounded_ids_are_set_aside(warehouse):
    drop("sent.csv", "Date (GMT),Network,Message ID,Post ID,Message,Created Date,Impressions\r\n"
         "2026-09-01 08:00,Twitter,5001,1800000000000000001,ok,31/08/2026 10:00,100\r\n"
         "yesterday,Twitter,5002,1800000000000000002,bad sent time,,-\r\n"
         "2026-09-03 08:00,Twitter,5003,1800000000000000003,bad created,31/02/2026 10:00,\r\n"
         "2026-09-04 08:00,Twitter,5004,1800000000000000004,bad number,,lots\r\n"
         "2026-09-05 08:00,Twitter,,1.8E+18,rounded,,\r\n")
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 4)
    assert outcome["problems"] == [
        "line 3: 'Date (GMT)': 'yesterday' is not a date and time (written like 2026-10-01 14:05)",
        "line 4: 'Created Date': '31/02/2026 10:00' is not a date and time (written like 2026-10-01 14:05)",
        "line 5: 'Impressions': 'lots' is not a whole number",
        "line 6: 'Post ID': '1.8E+18' was rounded by a spreadsheet: export it again and drop the file without "
        "opening and saving it in Excel",
    ]


def test_a_large_number_of_bad_rows_is_quarantined_whole_with_a_sample_in_the_outcome(warehouse):
    bad = "".join(row(n, when="not a time") for n in range(1, 3001))
    drop("sent.csv", SENT_HEADER + row(0) + bad)
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 3000)
    assert len(outcome["problems"]) == 50 and outcome["problems"][0].startswith("line 3: 'Date (GMT)'")
    assert query("select count(*), min(line), max(line) from ops_quarantine") == [(3000, 3, 3002)]
    note = attention("sent.csv.problems.txt").read_text()
    assert "... and 2950 more" in note
