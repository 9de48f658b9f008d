"""Hootsuite exports in the shapes people really download: encodings, workbooks, archives, time zones."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

from support import drop_into, query, workbook

from council_social.config import settings
from council_social.hootsuite.aliases import ALIASES_ENV, alias_file
from council_social.hootsuite.exports import land_inbox_files, load_landed_files, tidy_inbox

SENT = ("Date (GMT)\tSocial Network\tSocial Profile\tMessage ID\tPost ID\tMessage\tCreated By\tCreated Date\r\n"
        "2026-09-01 08:00\tTwitter\tMCCParks\t5001\t1800000000000000001\tPark run, 9am\tann.lee@manchester.gov.uk"
        "\t31/08/2026 16:00\r\n"
        "2026-09-02 08:00\tInstagram Business\tmcrparks\t5002\t17900000000000002\tŁódź twinning – 5 facts"
        "\tbob.roe@manchester.gov.uk\t01/09/2026 09:15\r\n")
MEMBERS = "Member ID,Name,Email\r\n101,Ann Lee,ann.lee@manchester.gov.uk\r\n102,Bob Roe,bob.roe@manchester.gov.uk\r\n"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def drop(name: str, data: bytes | str) -> None:
    drop_into(settings().hootsuite_inbox, name, data)


def run() -> dict[str, dict]:
    loaded = load_landed_files(land_inbox_files(date(2026, 10, 31)), "run")
    tidy_inbox(loaded["outcomes"])
    return {o["name"]: o for o in loaded["outcomes"]}




def archive(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members:
            zipped.writestr(name, data)
    return buffer.getvalue()


def test_a_utf16_tab_separated_export_loads(warehouse):
    drop("Sent messages.txt", b"\xff\xfe" + SENT.encode("utf-16-le"))
    drop("no bom.csv", SENT.replace("5001", "6001").replace("5002", "6002").replace("00000001", "00000011")
         .replace("00000002", "00000012").encode("utf-16-be"))
    outcomes = run()
    for name in ("Sent messages.txt", "no bom.csv"):
        assert (outcomes[name]["status"], outcomes[name]["rows_loaded"]) == ("loaded", 2), outcomes[name]
        assert "read as UTF-16 text" in outcomes[name]["notes"]
        assert "delimiter '\\t', table header on line 1" in outcomes[name]["notes"]
    assert query("select text, network from hootsuite_messages where message_id = '5002'") == [
        ("Łódź twinning – 5 facts", "instagram")]


def test_a_utf8_export_with_a_byte_order_mark_and_semicolons_loads(warehouse):
    drop("members.csv", b"\xef\xbb\xbf" + MEMBERS.replace(",", ";").encode())
    outcome = run()["members.csv"]
    assert (outcome["status"], outcome["rows_loaded"]) == ("loaded", 2)
    assert query("select member_key, full_name from hootsuite_members order by 1") == [
        ("101", "Ann Lee"), ("102", "Bob Roe")]


def test_a_csv_with_a_summary_block_above_the_table_reports_file_lines(warehouse):
    drop("report.csv", "Sent Messages\r\nOrganization,Manchester City Council\r\nDate range,01/09/2026 - 30/09/2026\r\n"
                       "\r\nDate (GMT),Network,Message ID,Post ID,Message\r\n"
                       "2026-09-01 08:00,Twitter,5001,1800000000000000001,Hello\r\n"
                       "someday,Twitter,5002,1800000000000000002,Bad time\r\n")
    outcome = run()["report.csv"]
    assert outcome["rows_loaded"] == 1 and outcome["problems"][0].startswith("line 7: 'Date (GMT)'")
    assert query("select source_line from hootsuite_messages") == [(6,)]


def test_an_xlsx_export_is_read_from_the_right_sheet_below_its_summary_block(warehouse):
    header = ["Date (GMT)", "Social Network", "Social Profile", "Message ID", "Post ID", "Message", "Created Date",
              "Impressions"]
    drop("Hootsuite sent messages.xlsx", workbook(
        ("Overview", [["Report", "Sent messages"], ["Messages", 3], ["Profiles", 2]]),
        ("Sent Messages", [
            ["Sent Messages"], ["Organization", "Manchester City Council"], ["Date range", "September 2026"], [],
            header,
            [datetime(2026, 9, 1, 8, 0), "Twitter", "MCCParks", "5001", "1800000000000000001", "Park run",
             datetime(2026, 8, 31, 16, 0), 1200],
            [datetime(2026, 9, 2, 8, 0), "Facebook Page", "mccparks", 5002, "777_2", "Trees", "not a date", 55],
            ["2026-09-03 08:00", "Twitter", "MCCParks", "5003", 1.8e18, "Rounded by Excel", None, None],
        ]),
        ("Notes", [["Exported from Hootsuite"]]),
    ))
    outcome = run()["Hootsuite sent messages.xlsx"]
    assert (outcome["status"], outcome["rows_loaded"], outcome["rows_quarantined"]) == ("loaded", 1, 2)
    assert "read sheet 'Sent Messages'; ignored sheet(s): Overview, Notes" in outcome["notes"]
    assert "skipped 4 line(s) above the table's header (line 5)" in outcome["notes"]
    assert [p.split(":")[0] for p in outcome["problems"]] == ["line 7", "line 8"]
    assert query("select message_id, sent_at, created_at, source_line from hootsuite_messages") == [
        ("5001", utc(2026, 9, 1, 8), utc(2026, 8, 31, 15), 6)]
    assert query("select impressions from hootsuite_post_metrics") == [(1200,)]


def test_a_zip_loads_each_export_and_sets_aside_what_is_not_one(warehouse):
    drop("hootsuite.zip", archive(
        ("exports/sent_september.csv", SENT.encode("utf-8")),
        ("exports/members.csv", MEMBERS.encode("utf-8")),
        ("exports/readme.pdf", b"%PDF-1.4 not an export"),
        ("exports/campaigns.csv", b"Campaign,Budget\r\nAutumn,100\r\n"),
        ("__MACOSX/exports/._members.csv", b"\x00\x05\x16\x07"),
    ))
    outcome = run()["hootsuite.zip"]
    assert (outcome["status"], outcome["kind"], outcome["rows_loaded"], outcome["rows_quarantined"]) == (
        "loaded", "archive", 4, 2)
    assert outcome["message"] == "ZIP archive: 2 export(s) loaded (4 rows), 2 file(s) and 0 row(s) set aside"
    assert [p.split(": ")[0] for p in outcome["problems"]] == [
        "hootsuite.zip/exports/campaigns.csv", "hootsuite.zip/exports/readme.pdf"]
    assert "not a Hootsuite export (only .csv and .xlsx files are loaded" in outcome["problems"][1]
    assert query("select original_name, status, entity from ops_file_ledger order by 1") == [
        ("hootsuite.zip", "loaded", "archive"),
        ("hootsuite.zip/exports/campaigns.csv", "rejected", None),
        ("hootsuite.zip/exports/members.csv", "loaded", "members"),
        ("hootsuite.zip/exports/readme.pdf", "rejected", None),
        ("hootsuite.zip/exports/sent_september.csv", "loaded", "messages"),
    ]
    assert query("select original_name, line from ops_quarantine order by 1") == [
        ("hootsuite.zip/exports/campaigns.csv", 0), ("hootsuite.zip/exports/readme.pdf", 0)]
    assert query("select created_by from hootsuite_messages order by message_id") == [("101",), ("102",)], \
        "the members export in the archive is loaded first, so authors resolve"
    note = settings().hootsuite_inbox / "needs-attention" / "hootsuite.zip.problems.txt"
    assert "readme.pdf" in note.read_text()

    drop("members again.csv", MEMBERS)
    assert run()["members again.csv"]["status"] == "duplicate", "a file already loaded from an archive is known"


def test_a_damaged_zip_is_refused(warehouse):
    data = archive(("sent.csv", SENT.encode()))
    drop("hootsuite.zip", data[: len(data) // 2])
    outcome = run()["hootsuite.zip"]
    assert outcome["status"] == "rejected" and "not a readable ZIP archive" in outcome["message"]


def test_times_without_a_zone_are_taken_in_the_reporting_zone_and_gmt_headers_are_utc(warehouse):
    drop("sent.csv", "Sent Time (GMT),Network,Message ID,Post ID,Message,Created Date,Scheduled Date\r\n"
                     "2026-07-01 14:05,Twitter,1,11,summer,01/07/2026 14:05,2026-07-01T14:05:00Z\r\n"
                     "2025-12-01 14:05,Twitter,2,12,winter,01/12/2025 14:05,2025-12-01T14:05:00+01:00\r\n")
    outcome = run()["sent.csv"]
    assert query("select message_id, sent_at, created_at, scheduled_at from hootsuite_messages order by 1") == [
        ("1", utc(2026, 7, 1, 14, 5), utc(2026, 7, 1, 13, 5), utc(2026, 7, 1, 14, 5)),
        ("2", utc(2025, 12, 1, 14, 5), utc(2025, 12, 1, 14, 5), utc(2025, 12, 1, 13, 5)),
    ]
    assert any("'Created Date', 'Scheduled Date' carry no zone and were taken as Europe/London time" in n
               for n in outcome["notes"])


def test_a_networks_reporting_zone_can_be_set_in_the_alias_file(warehouse, tmp_path, monkeypatch):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(alias_file().read_text().replace("networks: {}", "networks: {linkedin: America/New_York}"))
    monkeypatch.setenv(ALIASES_ENV, str(aliases))
    drop("sent.csv", "Network,Message ID,Post ID,Message,Created Date\r\n"
                     "LinkedIn Company,1,urn:li:share:1,hello,01/07/2026 14:05\r\n"
                     "Twitter,2,12,hello,01/07/2026 14:05\r\n")
    outcome = run()["sent.csv"]
    assert query("select network, created_at from hootsuite_messages order by 1") == [
        ("linkedin", utc(2026, 7, 1, 18, 5)), ("x", utc(2026, 7, 1, 13, 5))]
    assert any("Europe/London (linkedin: America/New_York)" in n for n in outcome["notes"])


def test_hootsuites_date_layouts_are_all_accepted_in_one_column(warehouse):
    layouts = ["2026-10-01 14:05", "01/10/2026 14:05", "Oct 1, 2026 2:05 PM", "2026-10-01T13:05:00Z",
               "2026-10-01 14:05:00", "1 Oct 2026 14:05", "October 1, 2026 2:05 PM"]
    body = "".join(f"{n},{10 + n},x,\"{value}\"\r\n" for n, value in enumerate(layouts, 1))
    drop("sent.csv", "Message ID,Post ID,Message,Created Date\r\n" + body)
    outcome = run()["sent.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (len(layouts), 0), outcome["problems"]
    assert query("select distinct created_at from hootsuite_messages") == [(utc(2026, 10, 1, 13, 5),)]


def test_rows_after_a_cell_spanning_lines_are_reported_on_the_line_they_start(warehouse):
    drop("sent.csv", "Date (GMT),Network,Message ID,Post ID,Message\r\n"
                     '2026-09-01 08:00,Twitter,1,11,"Three lines\r\nof text\r\nhere"\r\n'
                     "\r\n"
                     "bad,Twitter,2,12,after the long one\r\n"
                     "2026-09-03 08:00,Twitter,3,13,\"two\nlines\"\r\n"
                     "2026-09-04 08:00,Twitter,4\r\n"
                     "2026-09-05 08:00,Twitter,5,15,last\r\n")
    outcome = run()["sent.csv"]
    assert outcome["problems"] == ["line 6: 'Date (GMT)': 'bad' is not a date and time (written like 2026-10-01 "
                                   "14:05)", "line 9: the row has fewer cells than the header's 5"]
    assert query("select message_id, source_line, text from hootsuite_messages order by 1") == [
        ("1", 2, "Three lines\r\nof text\r\nhere"), ("3", 7, "two\nlines"), ("5", 10, "last")]
    assert "some cells run over several lines: a row's line is the line it starts on" in outcome["notes"]


def test_cells_padded_with_spaces_are_trimmed_and_message_text_is_kept_as_written(warehouse):
    nbsp, thin, ideographic = "\u00a0", "\u2009", "\u3000"
    drop("padded.csv", "Date (GMT),Social Network,Message ID,Post ID,Message,Created By,Approved By\r\n"
                       f" 2026-09-01 08:00 ,{nbsp}Twitter{nbsp}, 5001 ,{thin}1800000000000000001,  Park run  ,"
                       f"{ideographic}zoë.ó@manchester.gov.uk , Ann Lee ; Cat Day \r\n"
                       "2026-09-02 08:00,Twitter,5002,1800000000000000002,Łódź,Zoë Ó,\r\n")
    outcome = run()["padded.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (2, 0), outcome["problems"]
    assert query("select message_key, network_post_id, network, sent_at, text, created_by, approved_by "
                 "from hootsuite_messages order by 1") == [
        ("5001", "1800000000000000001", "x", utc(2026, 9, 1, 8), "  Park run  ", "zoë.ó@manchester.gov.uk",
         ["Ann Lee", "Cat Day"]),
        ("5002", "1800000000000000002", "x", utc(2026, 9, 2, 8), "Łódź", "Zoë Ó", None),
    ]
