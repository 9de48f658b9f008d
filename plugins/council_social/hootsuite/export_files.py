"""Reading Hootsuite export files (CSV, XLSX, ZIP) into DuckDB without holding them in Python.

Exports can hold a year of sent messages for a large council (a million rows), so a CSV goes
straight to DuckDB's parallel CSV reader: Python only reads the first lines to find the header
(below any summary block), the delimiter and the encoding, and streams a non-UTF-8 file into a
UTF-8 copy first. Rows the reader cannot split (too few or too many fields, a quote left open)
come back from DuckDB's rejects table with their line, so they can be set aside while the rest
loads.

Line numbers are the physical line a row starts on, as a person sees it in a text editor. When
every line after the header is one row, that is the header line plus the row's position. A
quoted cell spanning lines (message text with line breaks) or a blank line breaks that, and the
file is then scanned once more counting quote characters: a line starts a row when the quotes
before it are balanced. That holds for files quoted the way Hootsuite and Excel write them
(RFC 4180: a quote inside a quoted cell is doubled).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import shutil
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from council_social.inbox.tables import UnreadableFile, read_csv_head, read_table

#: Bytes read to find the header and sniff the encoding and delimiter (summary blocks are short).
HEAD_BYTES = 256 * 1024
CHUNK = 1 << 20
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@contextmanager
def local_file(url: str, workdir: Path) -> Iterator[Path]:
    """A local path for a landed file: itself on a local landing zone, else a streamed copy."""
    if url.startswith("file://") or "://" not in url:
        yield Path(url.removeprefix("file://"))
        return
    from airflow.sdk import ObjectStoragePath

    target = workdir / PurePosixPath(url).name
    with ObjectStoragePath(url).open("rb") as source, target.open("wb") as sink:
        shutil.copyfileobj(source, sink, CHUNK)
    yield target


def file_kind(name: str, path: Path) -> str:
    """'csv', 'xlsx', 'zip' or the suffix of something else; a nameless suffix is told by its bytes."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix == ".zip":
        return "zip"
    if suffix:
        return suffix
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        with zipfile.ZipFile(path) as archive:
            return "xlsx" if "[Content_Types].xml" in archive.namelist() else "zip"
    return "csv"


# --- text files ------------------------------------------------------------------------------------

def sniff_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (with or without BOM) or, failing UTF-8, Windows-1252."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le-bom"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be-bom"
    sample = head[:400]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a byte-order mark: every other byte of mostly-ASCII text is NUL.
        return "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
    try:
        # The head may end inside a character: only complete lines are judged.
        cut = head.rfind(b"\n")
        (head[:cut + 1] if cut > 0 else head).decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _codec(encoding: str) -> str:
    return encoding.removesuffix("-bom")


def transcode(path: Path, encoding: str, target: Path, name: str) -> tuple[Path, list[str]]:
    """Stream a file into UTF-8 (without BOM); notes say what was dropped, if anything."""
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="strict")
    notes: list[str] = []
    skip = {"utf-16-le-bom": 2, "utf-16-be-bom": 2}.get(encoding, 0)
    try:
        with path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as sink:
            if encoding == "cp1252" and source.read(3) == codecs.BOM_UTF8:
                skip = 3  # a UTF-8 mark on a file whose later lines are Windows-1252
            source.seek(0)
            source.read(skip)
            while chunk := source.read(CHUNK):
                sink.write(decoder.decode(chunk))
            try:
                sink.write(decoder.decode(b"", final=True))
            except UnicodeDecodeError:
                notes.append("the file ends part-way through a character, which was dropped")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"{name}: this is not a readable text file (it is not {_label(encoding)}: byte {exc.start} "
            f"of a block cannot be read); save it from Hootsuite or Excel as CSV UTF-8 or .xlsx and drop it again"
        ) from exc
    return target, notes


def _label(encoding: str) -> str:
    return {"cp1252": "UTF-8 or Windows-1252", "utf-8": "UTF-8", "utf-8-sig": "UTF-8"}.get(
        encoding, "UTF-16" if encoding.startswith("utf-16") else encoding)


@dataclass
class CsvExport:
    """A CSV export ready for DuckDB's reader: a UTF-8 file, its header and how it is split."""

    name: str
    path: Path
    encoding: str
    delimiter: str
    header_line: int
    headers: list[str]
    #: the first rows under the header, to tell which date formats the file uses
    sample: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def read_sql(self, rejects: str) -> str:
        """The table function reading every row after the header as text, bad rows to ``rejects``."""
        columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(self.headers)))
        delimiter = self.delimiter.replace("'", "''")
        path = str(self.path).replace("'", "''")
        return (f"read_csv('{path}', all_varchar = true, header = true, skip = {self.header_line - 1}, "
                f"delim = '{delimiter}', quote = '\"', escape = '\"', auto_detect = false, "
                f"columns = {{{columns}}}, ignore_errors = true, store_rejects = true, "
                f"rejects_table = '{rejects}', rejects_scan = '{rejects}_scan', max_line_size = 16777216)")


def _read_head(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if len(head) == HEAD_BYTES:
        head = head[:head.rfind(b"\n") + 1] or head
    return head.decode("utf-8-sig" if encoding == "utf-8-sig" else "utf-8", errors="replace")


def prepare_csv(path: Path, name: str, score: Callable[[list[str]], int], workdir: Path,
                encoding: str | None = None) -> CsvExport:
    """Find the header of a CSV export and make sure DuckDB gets UTF-8; ``encoding`` forces a re-read."""
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{name}: the file is empty")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFile(f"{name}: the file is empty")
    encoding = encoding or sniff_encoding(head)
    notes: list[str] = []
    readable = path
    if encoding not in ("utf-8", "utf-8-sig"):
        readable, notes = transcode(path, encoding, workdir / f"{path.stem}.utf8.csv", name)
        notes.insert(0, f"read as {'Windows-1252' if encoding == 'cp1252' else _label(encoding)} text")
    text = _read_head(readable, encoding)
    table = read_csv_head(text, score, encoding=encoding)
    if table is None:
        raise UnreadableFile(f"{name}: no header row in the first lines looks like a Hootsuite export")
    notes += table.notes
    sample = [[str(c) for c in cells] for _, cells in table.rows[:200]]
    return CsvExport(name, readable, encoding, table.delimiter or ",", table.header_line, table.headers, sample,
                     notes)


def count_lines(path: Path) -> tuple[int, bool]:
    """Physical lines up to the last one with content, and whether the file ends with a line break."""
    newlines, tail = 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            newlines += chunk.count(b"\n")
            tail = (tail + chunk)[-4096:]
    stripped = tail.rstrip(b"\r\n")
    trailing = tail[len(stripped):].count(b"\n")
    ends_cleanly = tail.endswith((b"\n", b"\r"))
    return newlines - trailing + (1 if stripped or newlines > trailing else 0), ends_cleanly


def row_start_lines(path: Path) -> list[tuple[int, bool]]:
    """(physical line, blank) for each row as DuckDB's reader numbers them, by balancing quotes.

    Row ``r`` (1-based, counting every line outside quotes, blank or not) starts on line
    ``result[r - 1][0]``; used only for files where a quoted cell spans lines.
    """
    starts: list[tuple[int, bool]] = []
    open_quote = False
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not open_quote:
                starts.append((number, not line.strip(b"\r\n")))
            if line.count(b'"') % 2:
                open_quote = not open_quote
    return starts


# --- workbooks -------------------------------------------------------------------------------------

def _text_cell(value) -> str | None:
    """A workbook cell as the text a CSV export would hold (times as ISO text, ids without '.0')."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if abs(value) >= 1e15:
            return f"{value:.6E}"  # a long id Excel stored as a number has lost its last digits
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


@dataclass
class SheetExport:
    """The table of an XLSX export, found below any summary block on the sheet that holds it."""

    name: str
    headers: list[str]
    header_line: int
    sheet: str | None
    #: (row number in the sheet, cells as text)
    rows: list[tuple[int, list[str | None]]]
    notes: list[str] = field(default_factory=list)

    @property
    def sample(self) -> list[list[str]]:
        return [[c or "" for c in cells] for _, cells in self.rows[:200]]

    def read_sql(self, workdir: Path) -> str:
        """The rows as a table function of text columns c0..cN plus ``_line`` (the sheet's row number).

        The rows go through a plain CSV written beside the export, so the same SQL types them as a
        CSV export's and no data frame library is loaded for it.
        """
        width = len(self.headers)
        path = workdir / "sheet.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([*(f"c{i}" for i in range(width)), "_line"])
            for line, cells in self.rows:
                writer.writerow([*(("" if c is None else c) for c in cells[:width]),
                                 *([""] * (width - len(cells))), line])
        columns = ", ".join([*(f"'c{i}': 'VARCHAR'" for i in range(width)), "'_line': 'INTEGER'"])
        location = str(path).replace("'", "''")
        return (f"read_csv('{location}', header = true, delim = ',', quote = '\"', escape = '\"', "
                f"auto_detect = false, columns = {{{columns}}}, max_line_size = 16777216)")


def prepare_xlsx(path: Path, name: str, score: Callable[[list[str]], int]) -> SheetExport:
    table = read_table(path.read_bytes(), name, score)
    rows = [(line, [_text_cell(c) for c in cells]) for line, cells in table.rows]
    return SheetExport(name, table.headers, table.header_line, table.sheet, rows, list(table.notes))


# --- archives --------------------------------------------------------------------------------------

@dataclass
class ArchiveMember:
    name: str
    #: None when the member is not something to load; ``reason`` says why
    path: Path | None
    sha256: str | None
    reason: str | None = None
    #: True for operating-system clutter (``__MACOSX/``, ``.DS_Store``) that is skipped without a word of blame
    clutter: bool = False


def archive_members(path: Path, name: str, workdir: Path) -> list[ArchiveMember]:
    """Extract each member of a ZIP export (streaming) with its checksum; unexpected ones say why."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"{name}: not a readable ZIP archive (it may be truncated or damaged): {exc}") from exc
    members: list[ArchiveMember] = []
    with archive:
        for number, info in enumerate(sorted(archive.infolist(), key=lambda i: i.filename), 1):
            if info.is_dir():
                continue
            label = f"{name}/{info.filename}"
            base = PurePosixPath(info.filename).name
            if info.filename.startswith("__MACOSX/") or base.startswith(".") or base == "Thumbs.db":
                members.append(ArchiveMember(label, None, None, "system file", clutter=True))
                continue
            suffix = PurePosixPath(base).suffix.lower()
            if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
                members.append(ArchiveMember(label, None, _member_checksum(archive, info), (
                    f"'{info.filename}' in the archive is not a Hootsuite export (only .csv and .xlsx files are "
                    "loaded from an archive)")))
                continue
            target = workdir / f"member{number}{suffix}"
            digest = hashlib.sha256()
            try:
                with archive.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        sink.write(chunk)
            except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error) as exc:
                members.append(ArchiveMember(label, None, None, f"'{info.filename}' cannot be extracted: {exc}"))
                continue
            members.append(ArchiveMember(label, target, digest.hexdigest()))
    return members


def _member_checksum(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str | None:
    try:
        with archive.open(info) as source:
            digest = hashlib.sha256()
            while chunk := source.read(CHUNK):
                digest.update(chunk)
            return digest.hexdigest()
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, zlib.error):
        return None


