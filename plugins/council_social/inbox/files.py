"""What every inbox shares: landing dropped files, the checksum ledger, quarantine, tidying up.

People drop files (registers, Hootsuite exports) into inbox folders. Each source handles them in
three Airflow tasks so only the middle one holds the warehouse:

1. ``land_inbox_files``: copy every dropped file, verbatim, into the landing zone.
2. the source's loader: per file, ``already_imported`` (content checksum, so a re-dropped or
   renamed file is a no-op), then load with ``record_quarantine`` and ``record_ledger`` in the same
   transaction, or ``record_rejection`` for a file that cannot be read at all.
3. ``tidy_inbox``: loaded files leave the inbox; refused ones move to ``needs-attention/`` with a
   problems note beside them that the person who dropped them can read.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from council_social.landing import file_sha256, land_file
from council_social.warehouse.loading import in_transaction

log = logging.getLogger(__name__)

NEEDS_ATTENTION = "needs-attention"
#: Office lock files, partial uploads and hidden files are not deliveries.
IGNORED = re.compile(r"^(~\$|\.|.*\.(partial|tmp|crdownload)$)")
#: How many problems an outcome carries to XCom and emails (all of them are in ops_quarantine).
PROBLEMS_SHOWN = 50


@dataclass
class LandedFile:
    source: str
    inbox_path: str
    name: str
    sha256: str
    landing_path: str
    kind: str | None
    received_at: str


@dataclass
class FileOutcome:
    name: str
    sha256: str
    landing_path: str
    inbox_path: str
    kind: str | None = None
    status: str = "loaded"  # loaded | rejected | duplicate
    effective_from: str | None = None
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, landed: LandedFile) -> FileOutcome:
        return cls(landed.name, landed.sha256, landed.landing_path, landed.inbox_path, landed.kind)


def inbox_files(inbox: Path) -> list[Path]:
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and not IGNORED.match(p.name))


def land_inbox_files(inbox: Path, source: str, day: date, kind_of: Callable[[str], str | None]) -> list[dict]:
    """Copy each dropped file into the landing zone; the list of what was landed goes to XCom."""
    landed = []
    received = datetime.now(UTC).isoformat()
    for path in inbox_files(inbox):
        kind = kind_of(path.name)
        url, checksum, size = land_file(path, source=source, entity=kind or "unrecognised", day=day)
        log.info("landed %s (%d bytes) as %s", path.name, size, url)
        landed.append(asdict(LandedFile(source, str(path), path.name, checksum, url, kind, received)))
    return landed


def already_imported(con, landed: LandedFile) -> FileOutcome | None:
    """The outcome for a file whose content was imported (or refused) before, else None."""
    earlier = con.execute(
        "select original_name, status, loaded_at from ops_file_ledger where file_sha256 = ?", [landed.sha256]
    ).fetchone()
    if not earlier:
        return None
    outcome = FileOutcome.of(landed)
    outcome.status = "duplicate"
    outcome.message = (f"same content as '{earlier[0]}', already {earlier[1]} on "
                       f"{earlier[2]:%Y-%m-%d %H:%M} UTC; nothing to do")
    return outcome


def _jsonable(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def record_quarantine(con, landed: LandedFile, entity: str | None, line: int, reason: str, raw: dict | None,
                      run_id: str, now: datetime) -> None:
    """Set a row (or, with line 0, a whole file) aside with its reason and content as received."""
    con.execute(
        "insert or replace into ops_quarantine (file_sha256, line, source, entity, original_name, landing_path,"
        " reason, raw, run_id, quarantined_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.sha256, line, landed.source, entity, landed.name, landed.landing_path, reason,
         None if raw is None else json.dumps({k: _jsonable(v) for k, v in raw.items()}, ensure_ascii=False),
         run_id, now],
    )


def record_ledger(con, landed: LandedFile, outcome: FileOutcome, run_id: str, now: datetime) -> None:
    con.execute(
        "insert or replace into ops_file_ledger (file_sha256, source, entity, original_name, landing_path,"
        " received_at, effective_from, status, rows_loaded, rows_quarantined, message, run_id, loaded_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.sha256, landed.source, outcome.kind, landed.name, landed.landing_path,
         datetime.fromisoformat(landed.received_at), outcome.effective_from, outcome.status,
         outcome.rows_loaded, outcome.rows_quarantined, outcome.message, run_id, now],
    )


def record_rejection(con, landed: LandedFile, outcome: FileOutcome, reason: str, run_id: str) -> FileOutcome:
    """Refuse a whole file: ledger and quarantine say why; the original stays in the landing zone."""
    now = datetime.now(UTC)
    outcome.status, outcome.message, outcome.problems = "rejected", reason, [reason]

    def refuse() -> None:
        record_quarantine(con, landed, outcome.kind, 0, reason, None, run_id, now)
        record_ledger(con, landed, outcome, run_id, now)

    in_transaction(con, refuse)
    return outcome


def log_outcome(outcome: FileOutcome) -> None:
    level = logging.WARNING if outcome.status == "rejected" or outcome.rows_quarantined else logging.INFO
    log.log(level, "%s: %s %s", outcome.name, outcome.status, outcome.message)
    for problem in outcome.problems:
        log.warning("%s %s", outcome.name, problem)


def problems_report(outcome: FileOutcome, source_title: str) -> str:
    """Plain-text note left beside a file that needs attention, for the person who dropped it."""
    lines = [f"{source_title} import: {outcome.name}", f"Result: {outcome.status}", "", outcome.message, ""]
    if outcome.problems:
        lines += ["Rows set aside (fix them and drop the whole file again):", ""]
        lines += [f"  - {p}" for p in outcome.problems]
        if outcome.rows_quarantined > len(outcome.problems):
            lines.append(f"  ... and {outcome.rows_quarantined - len(outcome.problems)} more")
    if outcome.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in outcome.notes]
    lines += ["", f"The original is kept at {outcome.landing_path}", ""]
    return "\n".join(lines)


def tidy_inbox(outcomes: list[dict], source_title: str) -> list[dict]:
    """Clear handled files from the inbox; leave refused ones, with a problems note, in needs-attention/."""
    for item in outcomes:
        outcome = FileOutcome(**item)
        source = Path(outcome.inbox_path)
        attention = source.parent / NEEDS_ATTENTION
        if outcome.status == "rejected" or outcome.rows_quarantined:
            attention.mkdir(exist_ok=True)
            (attention / f"{source.name}.problems.txt").write_text(problems_report(outcome, source_title),
                                                                   encoding="utf-8")
        if not source.exists():
            continue
        if outcome.status == "rejected":
            source.replace(attention / source.name)
        elif file_sha256(source) == outcome.sha256:
            source.unlink()  # kept verbatim in the landing zone
    return outcomes
