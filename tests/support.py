"""Small helpers the tests share: reading the warehouse, dropping files, building workbooks."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
from openpyxl import Workbook

from council_social.config import settings


def query(sql: str, *params) -> list[tuple]:
    """Rows from this test's warehouse, opened read-only for the one query."""
    con = duckdb.connect(str(settings().warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def drop_into(inbox: Path, name: str, data: bytes | str) -> Path:
    """Put a file into an inbox folder, as a person dropping it would."""
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    """An XLSX file with the given sheets and rows."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
