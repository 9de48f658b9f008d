"""The landing zone: every file and API page kept verbatim before anything parses it.

Paths go through Airflow's ``ObjectStoragePath``, so the same code writes to a local folder
(the default) or object storage (``COUNCIL_SOCIAL_LANDING=s3://bucket/landing`` with the matching
Airflow connection). Layout: ``<landing>/<source>/<entity>/dt=YYYY-MM-DD/<sha12>__<name>``: the
checksum prefix makes names unique and rewriting the same content a no-op.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from council_social.config import settings


def _path(url: str):
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


def landing_root():
    root = settings().landing
    return _path(root if "://" in root else "file://" + root)


def safe_name(name: str) -> str:
    """A file name that is safe in any object store (people name files freely)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    return cleaned or "file"


CHUNK = 1 << 20


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str:
    """A file's checksum read a chunk at a time: an export can be hundreds of megabytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def land_bytes(data: bytes, *, source: str, entity: str, day: date, name: str, checksum: str | None = None) -> str:
    """Keep ``data`` in the landing zone and return its URL; content already there is not rewritten."""
    checksum = checksum or sha256(data)
    folder = landing_root() / source / entity / f"dt={day.isoformat()}"
    target = folder / f"{checksum[:12]}__{safe_name(name)}"
    if target.exists() and target.stat().st_size == len(data):
        return str(target)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{target.name}.partial"
    partial.write_bytes(data)
    partial.rename(target)
    return str(target)


def land_file(path: Path, *, source: str, entity: str, day: date) -> tuple[str, str, int]:
    """Copy a dropped file into the landing zone a chunk at a time; returns (URL, checksum, bytes).

    One pass both copies and checksums, so memory stays flat whatever the file's size. The copy
    goes to a uniquely named partial file, renamed once its checksum (and so its name) is known;
    content already landed is left as it is.
    """
    folder = landing_root() / source / entity / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{uuid.uuid4().hex}.partial"
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as reader, partial.open("wb") as writer:
            while chunk := reader.read(CHUNK):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
        checksum = digest.hexdigest()
        target = folder / f"{checksum[:12]}__{safe_name(path.name)}"
        if target.exists() and target.stat().st_size == size:
            partial.unlink()
        else:
            partial.rename(target)
    except BaseException:
        if partial.exists():
            partial.unlink()
        raise
    return str(target), checksum, size


def land_json_lines(records: Iterable[object], *, source: str, entity: str, day: date, name: str) -> str:
    """Keep API records as gzip JSON lines (one record a line, as received) and return the file's URL.

    The gzip header carries no timestamp, so the same records always give the same bytes: landing
    them again is a no-op, like ``land_bytes``.
    """
    lines = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    name = name if name.endswith(".jsonl.gz") else f"{name}.jsonl.gz"
    return land_bytes(gzip.compress(lines.encode("utf-8"), mtime=0), source=source, entity=entity, day=day,
                      name=name)


def read_landed(url: str) -> bytes:
    return _path(url).read_bytes()
