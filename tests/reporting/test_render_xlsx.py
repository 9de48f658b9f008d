"""The XLSX appendix opened with openpyxl: sheets, headers, real dates, and formulas from the public made inert."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from reporting.sample_reports import FORMULAS, HYPERLINK, SCRIPT, audit_report, benefit_report

from council_social.reporting.xlsx_format import neutralise, render_xlsx, sheet_name


@pytest.fixture(scope="module")
def book():
    return load_workbook(io.BytesIO(render_xlsx(audit_report())))


def rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, cells, strict=True)) for cells in sheet.iter_rows(min_row=2)]


def test_a_summary_sheet_then_one_sheet_per_rule_then_measures_and_tables(book):
    assert book.sheetnames == ["Summary", "A01", "A03", "A04", "A05", "A07", "U01", "U03", "Measures",
                               "Accounts checked"]
    summary = [[c.value for c in r] for r in book["Summary"].iter_rows()]
    assert summary[0][0] == "Bi-annual audit of accounts and users"
    assert summary[4][:2] == ["Headline", "3 critical findings need action this week, 2 of them new"]
    assert summary[8][:5] == ["Critical", 3, 2, 1, 0]
    by_rule = {r[0]: r for r in summary if r[0] and len(r[0]) == 3 and r[0][0] in "AU" and r[1]}
    assert by_rule["A07"][:7] == ["A07", "G passwords", "High", 1, 0, 0, 1]
    assert book["Summary"].cell(row=summary.index(by_rule["A05"]) + 1, column=8).hyperlink.location == "'A05'!A1"


def test_rule_sheets_have_the_finding_columns_then_evidence_then_accounts(book):
    sheet = book["A05"]
    header = [c.value for c in sheet[1]]

    assert header[:11] == ["rule", "clause", "severity", "status", "first seen", "last seen", "resolved on",
                           "subject", "subject key", "summary", "action"]
    assert header[11:] == ["bio", "phone", "score", "formula", "command", "markup", "seen on", "last post", "posts",
                           "engagement rate", "verified", "owner", "accounts"]
    [row] = rows(sheet)
    assert row["rule"].value == "A05" and row["clause"].value == "G Social Media Accounts"
    assert row["severity"].value == "Critical" and row["status"].value == "New"
    assert row["subject"].value == f"Fake Council {SCRIPT}"  # as typed: a spreadsheet does not run markup
    assert [r["status"].value for r in rows(book["A07"])] == ["Resolved"]


def test_every_sheet_has_a_frozen_header_and_an_autofilter(book):
    for sheet in book.worksheets[1:]:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}" \
            f"{sheet.max_row}", sheet.title
        assert all(sheet.column_dimensions[c.column_letter].width >= 8 for c in sheet[1])


def test_formulas_from_the_public_are_stored_as_inert_text(book):
    [row] = rows(book["A05"])
    for column, typed in zip(("bio", "phone", "score", "formula", "command"), FORMULAS, strict=True):
        cell = row[column]
        assert cell.value == "'" + typed, column
        assert cell.data_type == "s", column
    assert row["accounts"].value == f"x:{SCRIPT}; =1+1"
    table = rows(book["Accounts checked"])
    assert table[1]["note"].value == "'" + HYPERLINK and table[2]["note"].value == "'-1"
    # Nowhere in the workbook is there a formula, or text that a spreadsheet would take for one.
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (sheet.title, cell.value)


def test_dates_and_numbers_are_real_values_and_times_are_uk_time(book):
    [row] = rows(book["A05"])
    assert row["seen on"].is_date and row["seen on"].value == datetime(2026, 9, 1)
    assert row["last post"].value == datetime(2026, 9, 2, 14, 5)  # 13:05 UTC is 14:05 in British Summer Time
    assert row["last post"].number_format == "yyyy-mm-dd hh:mm"
    assert row["first seen"].is_date and row["first seen"].number_format == "yyyy-mm-dd"
    assert row["posts"].value == 42 and row["posts"].data_type == "n"
    assert row["engagement rate"].value == 4.25
    assert row["verified"].value is False and row["owner"].value is None
    table = rows(book["Accounts checked"])
    assert table[0]["last post at"].value == datetime(2026, 9, 30, 0, 30)  # 23:30 UTC the day before
    assert table[1]["engagement rate"].value == 0.5  # a Decimal becomes a number


def test_measures_keep_numbers_and_say_rag_in_words():
    book = load_workbook(io.BytesIO(render_xlsx(benefit_report())))
    assert book.sheetnames == ["Summary", "Measures"]
    measures = {r["measure"].value: r for r in rows(book["Measures"])}
    assert measures["Followers"]["actual"].value == 390 and measures["Followers"]["target"].value == 500
    assert [measures[m]["status"].value for m in measures] == ["Red", "Amber", "Green", "Not rated"]
    assert measures["Response rate"]["actual"].value is None
    summary = [[c.value for c in r] for r in book["Summary"].iter_rows()]
    assert ["Verdict", benefit_report().verdict] in [r[:2] for r in summary]


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+44 7700", "'+44 7700"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain = text", "plain = text"), ("bell\x07here\x00", "bellhere"),
    ("", ""),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    names = [sheet_name(wanted, taken) for wanted in (
        "Accounts: [draft] *?/\\ with a very long name indeed", "Accounts: [draft] *?/\\ with a very long name indeed",
        "summary", "Summary", "'quoted'", "", "History",
    )]

    assert names[0] == "Accounts draft with a very long"
    assert names[1] == "Accounts draft with a very (2)"
    assert names[2:] == ["summary", "Summary (2)", "quoted", "Sheet", "History sheet"]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert len({n.lower() for n in names}) == len(names)
