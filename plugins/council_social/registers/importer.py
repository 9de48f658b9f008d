"""Import the comms team's registers from the register inbox.

Three steps, each one Airflow task, so that only the middle one holds the warehouse:

1. ``land_inbox_files``: copy every dropped file, verbatim, into the landing zone.
2. ``load_landed_files``: read, check and load each file in one transaction, with its bad rows
   quarantined and a ledger entry (by content checksum, so a re-dropped file is a no-op).
3. ``tidy_inbox``: clear loaded files from the inbox; move refused ones aside with a problems
   report beside them that the person who dropped them can read.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from council_social.config import settings
from council_social.inbox.tables import UnreadableFile, read_table
from council_social.landing import land_bytes, read_landed, sha256
from council_social.registers import schema
from council_social.registers.validate import Checked, check_rows, header_score

log = logging.getLogger(__name__)

SOURCE = "registers"
NEEDS_ATTENTION = "needs-attention"
DATE_IN_NAME = re.compile(r"(\d{4})[-_](\d{2})[-_](\d{2})")
#: Office lock files, partial uploads and our own folders are not registers.
IGNORED = re.compile(r"^(~\$|\.|.*\.(partial|tmp|crdownload)$)")
#: How many problems an import summary carries (the full list is in the quarantine table).
PROBLEMS_SHOWN = 50


@dataclass
class LandedFile:
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


def kind_from_name(name: str) -> str | None:
    lowered = name.lower()
    matches = [r.kind for r in schema.REGISTERS if any(word in lowered for word in r.filename_words)]
    return matches[0] if len(matches) == 1 else None


def effective_from(name: str, received: datetime) -> date:
    """A date in the file name says when the register is in force from; otherwise, when it arrived."""
    match = DATE_IN_NAME.search(name)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            pass
    return received.date()


def inbox_files(inbox: Path | None = None) -> list[Path]:
    inbox = inbox or settings().register_inbox
    if not inbox.is_dir():
        return []
    return sorted(p for p in inbox.iterdir() if p.is_file() and not IGNORED.match(p.name))


def land_inbox_files(day: date, inbox: Path | None = None) -> list[dict]:
    """Copy each dropped file into the landing zone; the list of what was landed goes to XCom."""
    landed = []
    received = datetime.now(UTC).isoformat()
    for path in inbox_files(inbox):
        data = path.read_bytes()
        checksum = sha256(data)
        kind = kind_from_name(path.name)
        url = land_bytes(data, source=SOURCE, entity=kind or "unrecognised", day=day, name=path.name,
                         checksum=checksum)
        log.info("landed %s (%d bytes) as %s", path.name, len(data), url)
        landed.append(asdict(LandedFile(str(path), path.name, checksum, url, kind, received)))
    return landed


def recognise(name: str, data: bytes, kind: str | None):
    """The register a file holds: by its name, else by which register's columns its header names."""
    if kind:
        register = schema.BY_KIND[kind]
        return register, read_table(data, name, header_score(register))
    best = None
    for register in schema.REGISTERS:
        try:
            table = read_table(data, name, header_score(register))
        except UnreadableFile:
            continue
        score = header_score(register)([_norm(h) for h in table.headers])
        if best is None or score > best[0]:
            best = (score, register, table)
    if best is None or best[0] < 2:
        words = "; ".join(f"{r.title}: '{r.filename_words[0]}'" for r in schema.REGISTERS)
        raise UnreadableFile(f"{name}: cannot tell which register this is. Put one of these words in the file "
                             f"name ({words}) or use the column names in the README")
    return best[1], best[2]


def _norm(text: str) -> str:
    from council_social.inbox.tables import normalise_header

    return normalise_header(text)


def check_file(name: str, data: bytes, kind: str | None) -> Checked:
    register, table = recognise(name, data, kind)
    return check_rows(register, table, name)


def _jsonable(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _load(con, landed: LandedFile, checked: Checked, outcome: FileOutcome, run_id: str, now: datetime) -> None:
    """Insert one file's records, set-aside rows and ledger entry in one transaction."""
    import pyarrow as pa

    register = checked.register
    columns = [c.name for c in register.columns] + (["handle_key"] if register is schema.ACCOUNT_REGISTER else [])
    lineage = {"file_sha256": landed.sha256, "effective_from": date.fromisoformat(outcome.effective_from),
               "run_id": run_id, "loaded_at": now}
    rows = [{**{c: r.get(c) for c in columns}, "source_line": r["source_line"], **lineage} for r in checked.records]
    con.execute("begin transaction")
    try:
        if rows:
            batch = pa.Table.from_pylist(rows)  # noqa: F841 - read by name in the SQL below
            con.execute(f"insert or replace into {register.table} by name select * from batch")
        for problem in checked.problems:
            _quarantine(con, landed, register.kind, problem.line, problem.reason,
                        {k: _jsonable(v) for k, v in problem.raw.items()}, run_id, now)
        _ledger(con, landed, outcome, run_id, now)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _quarantine(con, landed: LandedFile, entity, line, reason, raw, run_id, now) -> None:
    con.execute(
        "insert or replace into ops_quarantine (file_sha256, line, source, entity, original_name, landing_path,"
        " reason, raw, run_id, quarantined_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.sha256, line, SOURCE, entity, landed.name, landed.landing_path, reason,
         json.dumps(raw, ensure_ascii=False), run_id, now],
    )


def _ledger(con, landed: LandedFile, outcome: FileOutcome, run_id: str, now: datetime) -> None:
    con.execute(
        "insert or replace into ops_file_ledger (file_sha256, source, entity, original_name, landing_path,"
        " received_at, effective_from, status, rows_loaded, rows_quarantined, message, run_id, loaded_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [landed.sha256, SOURCE, outcome.kind, landed.name, landed.landing_path,
         datetime.fromisoformat(landed.received_at), outcome.effective_from, outcome.status,
         outcome.rows_loaded, outcome.rows_quarantined, outcome.message, run_id, now],
    )


def load_landed_file(con, landed: LandedFile, run_id: str) -> FileOutcome:
    """Load one landed file unless its content was seen before."""
    outcome = FileOutcome(landed.name, landed.sha256, landed.landing_path, landed.inbox_path, landed.kind)
    earlier = con.execute(
        "select original_name, status, loaded_at from ops_file_ledger where file_sha256 = ?", [landed.sha256]
    ).fetchone()
    if earlier:
        outcome.status = "duplicate"
        outcome.message = (f"same content as '{earlier[0]}', already {earlier[1]} on "
                           f"{earlier[2]:%Y-%m-%d %H:%M} UTC; nothing to do")
        return outcome
    received = datetime.fromisoformat(landed.received_at)
    outcome.effective_from = effective_from(landed.name, received).isoformat()
    now = datetime.now(UTC)
    try:
        checked = check_file(landed.name, read_landed(landed.landing_path), landed.kind)
    except UnreadableFile as exc:
        outcome.status, outcome.message = "rejected", str(exc)
        outcome.problems = [str(exc)]
        con.execute("begin transaction")
        _quarantine(con, landed, landed.kind, 0, str(exc), None, run_id, now)
        _ledger(con, landed, outcome, run_id, now)
        con.execute("commit")
        return outcome
    outcome.kind = checked.register.kind
    outcome.rows_loaded = len(checked.records)
    outcome.rows_quarantined = len(checked.problems)
    outcome.notes = checked.notes
    outcome.problems = [f"line {p.line}: {p.reason}" for p in checked.problems[:PROBLEMS_SHOWN]]
    outcome.message = (f"{checked.register.title}: {outcome.rows_loaded} row(s) loaded, "
                       f"{outcome.rows_quarantined} set aside, in force from {outcome.effective_from}")
    _load(con, landed, checked, outcome, run_id, now)
    return outcome


def load_landed_files(landed: list[dict], run_id: str, warehouse: Path | None = None) -> dict:
    """Load every landed file (the warehouse-holding step).

    Returns, for XCom, one outcome per file and who receives the import report, read in the same
    short connection so no later task needs the warehouse.
    """
    from council_social.registers.report import REPORT, recipients
    from council_social.warehouse import connect

    outcomes = []
    with connect(warehouse) as con:
        for item in landed:
            outcome = load_landed_file(con, LandedFile(**item), run_id)
            level = logging.WARNING if outcome.status == "rejected" or outcome.rows_quarantined else logging.INFO
            log.log(level, "%s: %s %s", outcome.name, outcome.status, outcome.message)
            for problem in outcome.problems:
                log.warning("%s %s", outcome.name, problem)
            outcomes.append(asdict(outcome))
        return {"outcomes": outcomes, "recipients": recipients(con, REPORT)}


def problems_report(outcome: FileOutcome) -> str:
    """Plain-text note left beside a file that needs attention, for the person who dropped it."""
    lines = [f"Register import: {outcome.name}", f"Result: {outcome.status}", "", outcome.message, ""]
    if outcome.problems:
        lines += ["Rows set aside (fix them in the register and drop the whole file again):", ""]
        lines += [f"  - {p}" for p in outcome.problems]
        if outcome.rows_quarantined > len(outcome.problems):
            lines.append(f"  ... and {outcome.rows_quarantined - len(outcome.problems)} more")
    if outcome.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in outcome.notes]
    lines += ["", f"The original is kept at {outcome.landing_path}", ""]
    return "\n".join(lines)


def tidy_inbox(outcomes: list[dict]) -> list[dict]:
    """Clear handled files from the inbox; leave refused ones, with a problems note, in needs-attention/."""
    for item in outcomes:
        outcome = FileOutcome(**item)
        source = Path(outcome.inbox_path)
        attention = source.parent / NEEDS_ATTENTION
        if outcome.status == "rejected" or outcome.rows_quarantined:
            attention.mkdir(exist_ok=True)
            (attention / f"{source.name}.problems.txt").write_text(problems_report(outcome), encoding="utf-8")
        if not source.exists():
            continue
        if outcome.status == "rejected":
            source.replace(attention / source.name)
        elif sha256(source.read_bytes()) == outcome.sha256:
            source.unlink()  # kept verbatim in the landing zone
    return outcomes
