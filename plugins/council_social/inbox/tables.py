"""Read a dropped spreadsheet (CSV or XLSX) into a header and numbered rows.

People export registers from Excel, SharePoint and HR systems, so files arrive in several
encodings (UTF-8 with or without BOM, UTF-16, Windows-1252), with commas, semicolons or tabs,
and with title blocks above the table. The reader finds the table and remembers each row's line
(CSV) or row number (XLSX) so every problem can be reported where a person can find it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

#: How far down a sheet we look for the header row (title blocks are a few rows at most).
HEADER_SEARCH_ROWS = 25

Cell = str | int | float | bool | date | datetime | None


class UnreadableFile(ValueError):
    """The whole file cannot be read; the message is written for the person who dropped it."""


@dataclass
class Table:
    headers: list[str]
    #: (line or row number as the person sees it, cells) for every non-blank row under the header.
    rows: list[tuple[int, list[Cell]]]
    header_line: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    #: The last line, when the file stops part-way through it (a truncated upload or copy).
    cut_off_line: int | None = None
    notes: list[str] = field(default_factory=list)


def normalise_header(text: object) -> str:
    """'Go-live Date (GMT)' -> 'go live date gmt': compare headers the way a person reads them."""
    return re.sub(r"[^a-z0-9%]+", " ", str(text or "").lower()).strip()


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding of a CSV file, refusing what is not text at all."""
    if not data.strip():
        raise UnreadableFile(f"{name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data[:200].count(b"\x00") > 20:
        # UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
        candidates = ["utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise UnreadableFile(
        f"{name}: this is not a readable text file (tried {', '.join(candidates)}); "
        "save it from Excel as 'CSV UTF-8' or as .xlsx and drop it again"
    )


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 5])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in ",;\t|"}
        return max(counts, key=counts.get)


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[Cell]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[tuple[int, list[Cell]]] = []
    start = 1
    for cells in reader:
        rows.append((start, list(cells)))
        start = reader.line_num + 1
    return rows


def _xlsx_sheets(data: bytes, name: str) -> list[tuple[str, list[tuple[int, list[Cell]]]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            f"{name}: not a readable Excel workbook (it may be truncated or damaged): {exc}"
        ) from exc
    sheets = []
    try:
        for sheet in workbook.worksheets:
            rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
            sheets.append((sheet.title, rows))
    finally:
        workbook.close()
    return sheets


def _blank(cells: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _locate_header(
    rows: list[tuple[int, list[Cell]]], score: Callable[[list[str]], int]
) -> tuple[int, int]:
    """Index and score of the row that looks most like the header (ties: the first)."""
    best_index, best_score = -1, 0
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        value = score([normalise_header(c) for c in cells])
        if value > best_score:
            best_index, best_score = index, value
    return best_index, best_score


def _table_from(rows, score, **meta) -> tuple[Table | None, int]:
    index, value = _locate_header(rows, score)
    if index < 0:
        return None, 0
    header_line, header_cells = rows[index]
    headers = [str(c).strip() if c is not None else "" for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    body = [(line, cells) for line, cells in rows[index + 1:] if not _blank(cells)]
    table = Table(headers=headers, rows=body, header_line=header_line, **meta)
    if index:
        table.notes.append(f"skipped {index} line(s) above the table's header (line {header_line})")
    return table, value


def read_table(data: bytes, name: str, score: Callable[[list[str]], int]) -> Table:
    """Find the table in a CSV or XLSX file.

    ``score`` rates a candidate header row (normalised cells) by how many expected columns it
    names; the best row in the first lines of the best sheet wins, so title blocks, notes sheets
    and cover pages are skipped.
    """
    suffix = PurePath(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if not data:
            raise UnreadableFile(f"{name}: the file is empty")
        best: tuple[Table | None, int] = (None, 0)
        sheets = _xlsx_sheets(data, name)
        for title, rows in sheets:
            candidate = _table_from(rows, score, sheet=title)
            if candidate[1] > best[1]:
                best = candidate
        table = best[0]
        if table is None:
            raise UnreadableFile(f"{name}: no sheet has a header row with the expected columns")
        others = [title for title, _ in sheets if title != table.sheet]
        if others:
            table.notes.append(f"read sheet '{table.sheet}'; ignored sheet(s): {', '.join(others)}")
        return table
    if suffix in (".csv", ".txt", ".tsv", ""):
        text, encoding = decode(data, name)
        delimiter = sniff_delimiter(text)
        table, _ = _table_from(_csv_rows(text, delimiter), score, encoding=encoding, delimiter=delimiter)
        if table is None:
            raise UnreadableFile(f"{name}: no header row with the expected columns in the first "
                                 f"{HEADER_SEARCH_ROWS} lines")
        if table.rows and not text.endswith(("\n", "\r")):
            last_line, last_cells = table.rows[-1]
            if len(last_cells) < len(table.headers) or text.count('"') % 2:
                table.cut_off_line = last_line
        return table
    raise UnreadableFile(f"{name}: '{suffix}' files are not accepted; drop a .csv or .xlsx file")


def read_csv_head(text: str, score: Callable[[list[str]], int], *, encoding: str | None = None) -> Table | None:
    """The header and first rows of a CSV from its opening lines, found as ``read_table`` finds them.

    For loaders that hand the body of a large file to a bulk reader: ``text`` is the start of the
    file cut at a line end, and the table's ``rows`` are only the ones in it. None when no line in
    it looks like a header.
    """
    delimiter = sniff_delimiter(text)
    table, _ = _table_from(_csv_rows(text, delimiter), score, encoding=encoding, delimiter=delimiter)
    return table
