"""The demo registers: what a comms team drops into the inbox, the same bytes every time."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from council_social.demo.organisation import build_organisation
from council_social.demo.registers import SUBTITLE, TITLE, write_registers
from council_social.inbox.tables import read_table
from council_social.registers import schema
from council_social.registers.validate import check_rows, header_score

EXPECTED = [
    "account_register_2026-04-01.csv",
    "account_register_2026-10-01.xlsx",
    "hr_leavers_2026-10-01.csv",
    "gold_training_records_2026-10-01.xlsx",
    "election_periods_2026-01-01.csv",
    "brand_patterns_2026-01-01.csv",
    "report_recipients_2026-01-01.csv",
]
REGISTER_OF = dict(zip(EXPECTED, (schema.ACCOUNT_REGISTER, schema.ACCOUNT_REGISTER, schema.LEAVERS, schema.TRAINING,
                                  schema.ELECTION_PERIODS, schema.BRAND_PATTERNS, schema.REPORT_RECIPIENTS),
                       strict=True))


@pytest.fixture(scope="module")
def org():
    return build_organisation()


@pytest.fixture(scope="module")
def inbox(org, tmp_path_factory):
    folder = tmp_path_factory.mktemp("registers")
    write_registers(org, folder)
    return folder


def rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_the_files_and_their_in_force_dates(org, tmp_path):
    written = write_registers(org, tmp_path / "inbox")
    assert [p.name for p in written] == EXPECTED
    assert all(p.parent == tmp_path / "inbox" for p in written)


def test_writing_twice_gives_identical_bytes(org, inbox, tmp_path):
    again = write_registers(build_organisation(), tmp_path)
    for path in again:
        assert path.read_bytes() == (inbox / path.name).read_bytes(), path.name


def test_the_current_account_register_has_a_title_block_and_a_notes_sheet(org, inbox):
    workbook = load_workbook(inbox / "account_register_2026-10-01.xlsx")
    assert workbook.sheetnames == ["Account register", "Notes"]
    sheet = workbook["Account register"]
    assert sheet["A1"].value == TITLE == "Manchester City Council — Social media account register"
    assert sheet["A2"].value == SUBTITLE == "Maintained by Central Communications"
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["Account name", "Platform", "Profile URL"] and "Go live date" in header
    body = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(body) == len(org.registered_accounts)
    go_live = header.index("Go live date")
    assert all(isinstance(row[go_live], datetime) for row in body), "real date cells"
    assert workbook.properties.created == workbook.properties.modified == datetime(2026, 10, 1, 9, 0)
    assert workbook["Notes"]["A1"].value


def test_the_older_account_register_is_a_different_version(org, inbox):
    older = rows(inbox / "account_register_2026-04-01.csv")
    assert "Social media account" in older[0] and "Profile URL" in older[0]
    urls = {row["Profile URL"] for row in older}
    assert "x.com/MCRActiveTravel" not in urls and "facebook.com/MCRClimateReady" not in urls
    assert {a.url for a in org.accounts if a.in_appendix1} <= urls
    blog = next(row for row in older if row["Profile URL"] == "manchesterlitlist.blogspot.co.uk")
    assert blog["Account status"] == "active", "archived only since"
    markets = next(row for row in older if row["Profile URL"] == "twitter.com/MCRMarkets")
    current = org.account("x:mcrmarkets")
    assert set(markets["Account moderators"].split("; ")) > set(current.moderators)
    assert all(not row["Password last changed"] or row["Password last changed"] <= "2026-04-01" for row in older)


def test_cells_are_written_the_way_people_type_them(inbox):
    older = rows(inbox / "account_register_2026-04-01.csv")
    main = next(row for row in older if row["Profile URL"] == "twitter.com/ManCityCouncil")
    assert main["In Hootsuite"] == "Yes" and main["Private/locked"] == "No"
    assert date.fromisoformat(main["Approval date"])
    assert any("; " in row["Account moderators"] for row in older)
    assert (inbox / "account_register_2026-04-01.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    (election,) = rows(inbox / "election_periods_2026-01-01.csv")
    assert election["Start date"] == "2026-03-23" and election["End date"] == "2026-05-07"
    assert "; " in election["Political terms"] and "; " in election["Councillor handles"]


def test_training_dates_are_date_cells(inbox):
    sheet = load_workbook(inbox / "gold_training_records_2026-10-01.xlsx")["GOLD training"]
    assert [c.value for c in sheet[1]] == ["Delegate", "Work email", "Course name", "Date completed"]
    assert all(isinstance(row[3], datetime) for row in sheet.iter_rows(min_row=2, values_only=True))


@pytest.mark.parametrize("name", EXPECTED)
def test_each_register_reads_cleanly_through_the_register_checks(inbox, name):
    register = REGISTER_OF[name]
    data = (inbox / name).read_bytes()
    table = read_table(data, name, header_score(register))
    checked = check_rows(register, table, name)
    assert not checked.problems, [(p.line, p.reason) for p in checked.problems]
    assert checked.records
    assert not any("ignored column" in note for note in checked.notes), checked.notes
