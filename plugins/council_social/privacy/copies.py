"""Copies of a person outside the warehouse and the landing zone: sent emails, archived reports, inboxes.

These are listed for the data protection officer, never edited: an ``.eml`` in the outbox is what
the council sent (or will send) and an archived report is what the Review Board was given; changing
them silently would falsify the record. Each file is read as what it is (email parts decoded,
attachments included; PDF text; workbook cells; HTML unescaped) so an encoded copy is found too.
"""

from __future__ import annotations

import email
import html
import io
import zipfile
from email import policy
from pathlib import Path

from council_social.privacy.identity import Identity

TEXT_SUFFIXES = (".html", ".htm", ".txt", ".csv", ".json", ".jsonl", ".md", ".xml", ".log")


def default_places() -> dict[str, Path]:
    from council_social.config import settings

    s = settings()
    return {"outbox": s.outbox, "reports": s.reports_output, "inbox": s.inbox}


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    except Exception:  # noqa: BLE001 - an unreadable PDF is searched as bytes below
        return data.decode("latin-1", errors="ignore")


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return "\n".join(" | ".join(str(v) for v in row if v is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def text_of(name: str, data: bytes) -> str:
    """Everything readable in a file, as text."""
    lower = name.lower()
    if lower.endswith(".eml"):
        message = email.message_from_bytes(data, policy=policy.default)
        parts = [str(message.get("Subject", ""))]
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename() or ""
            kind = part.get_content_type()
            if kind == "text/html":
                parts.append(html.unescape(payload.decode(part.get_content_charset() or "utf-8", errors="ignore")))
            elif kind.startswith("text/"):
                parts.append(payload.decode(part.get_content_charset() or "utf-8", errors="ignore"))
            elif not kind.startswith("image/"):
                parts.append(text_of(filename or kind.replace("/", "."), payload))
        return "\n".join(parts)
    if lower.endswith(".pdf"):
        return _pdf_text(data)
    if lower.endswith(".xlsx"):
        try:
            return _xlsx_text(data)
        except Exception:  # noqa: BLE001
            return ""
    if lower.endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            return "\n".join(text_of(i.filename, archive.read(i)) for i in archive.infolist() if not i.is_dir())
        except zipfile.BadZipFile:
            return ""
    text = data.decode("utf-8", errors="ignore")
    return html.unescape(text) if lower.endswith((".html", ".htm")) else text


def find_copies(person: Identity, places: dict[str, Path]) -> list[dict]:
    """``[{where, path}]`` for every file under ``places`` that still names the person."""
    found = []
    for where, folder in places.items():
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".lock"):
                continue
            try:
                text = text_of(path.name, path.read_bytes())
            except OSError:
                continue
            if person.named_in(text):
                found.append({"where": where, "path": person.redact(str(path.relative_to(folder)))[0]})
    return found
