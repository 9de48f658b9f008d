from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from council_social.inbox.tables import UnreadableFile, normalise_header, read_table

WANTED = {"name", "email", "leaving date"}


def score(cells):
    return sum(1 for c in set(cells) if c in WANTED)


ROWS = "Name,Email,Leaving date\nZoë Brontë,zoe@x.gov.uk,2026-01-31\nSeán Ó Briain,sean@x.gov.uk,2026-02-28\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_reads_every_encoding_people_save_in(encoding):
    table = read_table(ROWS.encode(encoding), "leavers.csv", score)
    assert table.headers == ["Name", "Email", "Leaving date"]
    assert [r[1][0] for r in table.rows] == ["Zoë Brontë", "Seán Ó Briain"]


def test_utf16_tab_separated_without_bom():
    data = ROWS.replace(",", "\t").encode("utf-16-le")
    table = read_table(data, "leavers.txt", score)
    assert table.delimiter == "\t"
    assert table.encoding == "utf-16-le"
    assert table.rows[0][1][1] == "zoe@x.gov.uk"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_sniffs_the_delimiter(delimiter):
    table = read_table(ROWS.replace(",", delimiter).encode(), "leavers.csv", score)
    assert table.delimiter == delimiter
    assert len(table.rows) == 2


def test_title_block_above_the_header_is_skipped_and_lines_are_the_files_own():
    text = "Manchester City Council\nHR leavers, October\n\n" + ROWS
    table = read_table(text.encode(), "leavers.csv", score)
    assert table.header_line == 4
    assert [line for line, _ in table.rows] == [5, 6]
    assert "skipped 3 line(s)" in table.notes[0]


def test_quoted_cells_with_line_breaks_keep_their_starting_line():
    text = 'Name,Email,Leaving date\n"Ann\nLee",ann@x.gov.uk,2026-01-01\nBob,bob@x.gov.uk,2026-01-02\n'
    table = read_table(text.encode(), "leavers.csv", score)
    assert [line for line, _ in table.rows] == [2, 4]


def test_xlsx_picks_the_sheet_with_the_table_and_skips_the_title_block():
    book = Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["This workbook lists leavers."])
    data = book.create_sheet("Leavers")
    data.append(["Leavers report"])
    data.append([])
    data.append(["Name", "Email", "Leaving date"])
    data.append(["Ann", "ann@x.gov.uk", "2026-01-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "leavers.xlsx", score)
    assert table.sheet == "Leavers"
    assert table.header_line == 3
    assert table.rows == [(4, ["Ann", "ann@x.gov.uk", "2026-01-01"])]
    assert any("ignored sheet(s): Read me" in n for n in table.notes)


@pytest.mark.parametrize("data", [b"", b"   \n\n"])
def test_empty_file_is_refused_by_name(data):
    with pytest.raises(UnreadableFile, match=r"leavers\.csv: the file is empty"):
        read_table(data, "leavers.csv", score)


def test_binary_file_is_not_mistaken_for_text():
    with pytest.raises(UnreadableFile, match="not a readable text file"):
        read_table(bytes(range(256)) * 4, "leavers.csv", score)


def test_truncated_xlsx_is_refused_by_name():
    book = Workbook()
    book.active.append(["Name", "Email", "Leaving date"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(UnreadableFile, match=r"leavers\.xlsx: not a readable Excel workbook"):
        read_table(buffer.getvalue()[:300], "leavers.xlsx", score)


def test_cut_off_csv_marks_its_last_line():
    table = read_table(ROWS.encode()[:-15], "leavers.csv", score)
    assert table.cut_off_line == 3


def test_a_file_with_no_recognisable_header_is_refused():
    with pytest.raises(UnreadableFile, match="no header row"):
        read_table(b"a,b,c\n1,2,3\n", "leavers.csv", score)


def test_other_file_types_are_refused():
    with pytest.raises(UnreadableFile, match="'.pdf' files are not accepted"):
        read_table(b"%PDF-1.7", "leavers.pdf", score)


def test_headers_compare_as_people_read_them():
    assert normalise_header(" Go-live  Date (GMT) ") == "go live date gmt"
