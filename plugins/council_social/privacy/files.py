"""The landing zone as retention and erasure see it: partitions by day, and files rewritten in place.

Everything goes through ``ObjectStoragePath`` (as ``council_social.landing`` does), so the same code
works on a local folder and on object storage. A file is rewritten by writing a hidden ``.partial``
copy beside it and renaming it over the original, as landing does: a reader sees the old file or the
new one, never half of one. A rewritten file keeps its name (the warehouse's lineage points at it);
its checksum prefix then names the content as first received, which the file ledger also keeps, so
dropping the original again is still recognised as already imported.

Erasure reads files by what they are:

* gzip JSON lines (API pages): records by the person are dropped using the catalogue's record paths
  for that landing folder, and the person is redacted in every other string;
* CSV and XLSX exports: a row whose author column (or, without one, any cell) is the person is
  dropped, other cells redacted; the encoding, delimiter and line ends are kept;
* ZIP archives: each member as above;
* anything else that names the person is removed (it cannot be rewritten safely).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from council_social.privacy.catalogue import AuthorPaths, RecordRule
from council_social.privacy.identity import Identity, normalise

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
TEXT_TABLES = (".csv", ".tsv", ".txt")


def as_path(root):
    """An ``ObjectStoragePath`` for a path, URL or path object."""
    from airflow.sdk import ObjectStoragePath

    if isinstance(root, ObjectStoragePath):
        return root
    text = str(root)
    return ObjectStoragePath(text if "://" in text else "file://" + text)


@dataclass
class LandedFile:
    path: object  # ObjectStoragePath
    relative: str
    source: str | None
    entity: str | None
    day: date | None


def _day(folder: str) -> date | None:
    if not folder.startswith("dt="):
        return None
    try:
        return date.fromisoformat(folder[3:])
    except ValueError:
        return None


def landed_files(root) -> Iterator[LandedFile]:
    """Every file under the landing root, with the source, entity and day its folder says."""
    root = as_path(root)
    if not root.exists():
        return
    prefix = str(root).rstrip("/") + "/"
    for path in root.rglob("*"):
        if path.name.startswith(".") or not path.is_file():
            continue
        parts = str(path)[len(prefix):].split("/")
        yield LandedFile(path=path, relative="/".join(parts), source=parts[0] if len(parts) > 1 else None,
                         entity=parts[1] if len(parts) > 2 else None,
                         day=_day(parts[2]) if len(parts) > 3 else None)


def partitions(root, source: str, entity: str) -> Iterator[tuple[object, date]]:
    """The ``dt=YYYY-MM-DD`` folders of one source/entity, with their day."""
    folder = as_path(root) / source / entity
    if not folder.exists():
        return
    for child in folder.iterdir():
        day = _day(child.name)
        if day is not None and child.is_dir():
            yield child, day


def folders(root) -> Iterator[tuple[str, str]]:
    """(source, entity) for every entity folder in the landing zone."""
    root = as_path(root)
    if not root.exists():
        return
    for source in root.iterdir():
        if source.is_dir() and not source.name.startswith("."):
            for entity in source.iterdir():
                if entity.is_dir() and not entity.name.startswith("."):
                    yield source.name, entity.name


def write_atomically(path, data: bytes) -> None:
    partial = path.parent / f".{path.name}.partial"
    partial.write_bytes(data)
    partial.replace(path)


# --- erasing one person from one file -----------------------------------------------------------------

@dataclass
class Erased:
    """What erasure made of one file: new bytes (``None``: remove the file), records dropped, redactions."""

    data: bytes | None
    records: int = 0
    redactions: int = 0


def may_name(text: str, person: Identity) -> bool:
    """A cheap first look: could this text hold the person at all (any of their identifiers, any case)?"""
    lowered = text.lower()
    return any(value in lowered for value in person.ids | person.handles | person.names)


def _decode(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding), encoding
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def _filter_list(record: object, path: str, author: AuthorPaths, nested: tuple[str, ...],
                 person: Identity) -> int:
    """Drop the person's items from the list at ``path`` (and from their nested lists); how many went."""
    keys = path.split(".")
    parents = [record]
    for key in keys[:-1]:
        parents = [p[key] for p in parents if isinstance(p, dict) and isinstance(p.get(key), dict)]
    dropped = 0
    for parent in parents:
        items = parent.get(keys[-1]) if isinstance(parent, dict) else None
        if not isinstance(items, list):
            continue
        kept = []
        for item in items:
            if person.owns_record(item, author):
                dropped += 1
                continue
            for inner in nested:
                dropped += _filter_list(item, inner, author, (), person)
            kept.append(item)
        parent[keys[-1]] = kept
    return dropped


def erase_json_lines(text: str, person: Identity, rules: list[RecordRule]) -> tuple[str, int, int]:
    """JSON lines without the person's records and with the person redacted; unchanged lines kept as they were."""
    out, dropped, redacted = [], 0, 0
    for line in text.splitlines(keepends=True):
        if not line.strip() or not may_name(line, person):
            out.append(line)
            continue
        try:
            record = json.loads(line)
        except ValueError:
            new, count = person.redact(line)
            out.append(new)
            redacted += count
            continue
        if any(rule.path == "." and person.owns_record(record, rule.author) for rule in rules):
            dropped += 1
            continue
        gone = sum(_filter_list(record, rule.path, rule.author, rule.nested, person)
                   for rule in rules if rule.path != ".")
        record, count = person.redact_value(record)
        dropped, redacted = dropped + gone, redacted + count
        if gone or count:
            ending = "\n" if line.endswith("\n") else ""
            out.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + ending)
        else:
            out.append(line)
    return "".join(out), dropped, redacted


def _owns_cells(cells: list[object], person: Identity) -> bool:
    values = {normalise(c) for c in cells if c not in (None, "")}
    return bool(values & (person.ids | person.handles | person.names))


def _author_indexes(rows: list[list[object]], author_columns: tuple[str, ...]) -> tuple[int, list[int]]:
    """The header row (index) and its author columns, or (-1, []) when no row has one."""
    for index, row in enumerate(rows[:30]):
        found = [i for i, cell in enumerate(row) if isinstance(cell, str) and normalise(cell) in author_columns]
        if found:
            return index, found
    return -1, []


def erase_rows(rows: list[list[object]], person: Identity,
               author_columns: tuple[str, ...]) -> tuple[list[int], dict[tuple[int, int], str], int]:
    """Rows to drop, cells to replace ((row, column) -> text) and the redaction count, for one table."""
    header, columns = _author_indexes(rows, author_columns)
    drop, cells, redacted = [], {}, 0
    for r, row in enumerate(rows):
        if r != header:
            authors = [row[i] for i in columns if i < len(row)] if columns else list(row)
            if (r > header) and _owns_cells(authors, person):
                drop.append(r)
                continue
        for c, cell in enumerate(row):
            if isinstance(cell, str):
                new, count = person.redact(cell)
                if count:
                    cells[(r, c)] = new
                    redacted += count
    return drop, cells, redacted


def erase_csv(data: bytes, person: Identity, author_columns: tuple[str, ...]) -> Erased | None:
    decoded = _decode(data)
    if decoded is None:
        return None
    text, encoding = decoded
    if not may_name(text, person):
        return None
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    drop, cells, redacted = erase_rows(rows, person, author_columns)
    if not drop and not cells:
        return Erased(data)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=dialect.delimiter, quotechar=dialect.quotechar or '"',
                        lineterminator="\r\n" if "\r\n" in sample else "\n", quoting=csv.QUOTE_MINIMAL)
    gone = set(drop)
    for r, row in enumerate(rows):
        if r not in gone:
            writer.writerow([cells.get((r, c), cell) for c, cell in enumerate(row)])
    return Erased(out.getvalue().encode(encoding), records=len(drop), redactions=redacted)


def _xlsx_may_name(data: bytes, person: Identity) -> bool:
    """A look at the workbook's XML (shared strings and sheets) before loading it: a large export that
    does not name the person is never parsed cell by cell."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    for info in archive.infolist():
        if info.filename.endswith(".xml") and may_name(archive.read(info).decode("utf-8", errors="ignore"), person):
            return True
    return False


def erase_xlsx(data: bytes, person: Identity, author_columns: tuple[str, ...]) -> Erased | None:
    from openpyxl import load_workbook

    if not _xlsx_may_name(data, person):
        return None
    book = load_workbook(io.BytesIO(data))
    dropped = redacted = 0
    for sheet in book.worksheets:
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        drop, cells, count = erase_rows(rows, person, author_columns)
        first = sheet.min_row
        for (r, c), value in cells.items():
            sheet.cell(row=first + r, column=sheet.min_column + c, value=value)
        for r in sorted(drop, reverse=True):
            sheet.delete_rows(first + r)
        dropped, redacted = dropped + len(drop), redacted + count
    if not dropped and not redacted:
        return Erased(data)
    out = io.BytesIO()
    book.save(out)
    return Erased(out.getvalue(), records=dropped, redactions=redacted)


def erase_zip(data: bytes, person: Identity, rules: list[RecordRule], author_columns: tuple[str, ...]) -> Erased:
    source = zipfile.ZipFile(io.BytesIO(data))
    out, dropped, redacted, changed = io.BytesIO(), 0, 0, False
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            member = source.read(info)
            result = None if info.is_dir() else erase_from_file(info.filename, member, person, rules,
                                                                   author_columns)
            if result is not None and result.data is None:
                changed, dropped = True, dropped + max(result.records, 1)
                continue
            if result is not None and result.data != member:
                changed, member = True, result.data
                dropped, redacted = dropped + result.records, redacted + result.redactions
            target.writestr(info, member, compress_type=info.compress_type)
    return Erased(out.getvalue() if changed else data, records=dropped, redactions=redacted)


def erase_from_file(name: str, data: bytes, person: Identity, rules: list[RecordRule],
                    author_columns: tuple[str, ...]) -> Erased | None:
    """The file without the person, or None when it does not name them."""
    lower = name.lower()
    if data.startswith(GZIP_MAGIC):
        try:
            inner = gzip.decompress(data)
        except (OSError, EOFError):
            inner = None
        if inner is not None:
            result = erase_from_file(lower.removesuffix(".gz") or "file", inner, person, rules, author_columns)
            if result is None or result.data is None:
                return result
            if result.data == inner:
                return Erased(data)
            return Erased(gzip.compress(result.data, mtime=0), result.records, result.redactions)
    if lower.endswith(".xlsx") and data.startswith(ZIP_MAGIC):
        try:
            return erase_xlsx(data, person, author_columns)
        except Exception:  # noqa: BLE001 - a broken workbook is handled as an unknown file below
            pass
    elif data.startswith(ZIP_MAGIC):
        try:
            return erase_zip(data, person, rules, author_columns)
        except zipfile.BadZipFile:
            pass
    elif lower.endswith(TEXT_TABLES):
        return erase_csv(data, person, author_columns)
    decoded = _decode(data)
    if decoded is not None and (lower.endswith((".json", ".jsonl")) or decoded[0].lstrip().startswith(("{", "["))):
        text, encoding = decoded
        if not may_name(text, person):
            return None
        new, dropped, redacted = erase_json_lines(text, person, rules)
        return Erased(new.encode(encoding) if (dropped or redacted) else data, dropped, redacted)
    if any(may_name(data.decode(encoding, errors="ignore"), person) for encoding in ("utf-8", "utf-16-le")):
        return Erased(None)
    return None


def still_names(name: str, data: bytes, person: Identity) -> bool:
    """After a rewrite: does the file still name the person (as a whole word, any case)?"""
    if data.startswith(GZIP_MAGIC):
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    if data.startswith(ZIP_MAGIC):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            if name.lower().endswith(".xlsx"):
                from openpyxl import load_workbook

                book = load_workbook(io.BytesIO(data), read_only=True)
                return any(person.named_in(str(v)) or _owns_cells([v], person)
                           for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row
                           if v is not None)
            return any(still_names(i.filename, archive.read(i), person) for i in archive.infolist() if not i.is_dir())
        except zipfile.BadZipFile:
            pass
    decoded = _decode(data)
    text = decoded[0] if decoded else data.decode("utf-8", errors="ignore")
    return person.named_in(text)
