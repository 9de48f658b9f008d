"""Import the comms team's registers from the register inbox (see ``inbox.files`` for the steps).

Each file is read, checked row by row and loaded in one transaction, with its history kept: a date
in the file name says when the register is in force from.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from council_social.config import settings
from council_social.inbox import files
from council_social.inbox.files import FileOutcome, LandedFile
from council_social.inbox.tables import UnreadableFile, normalise_header, read_table
from council_social.landing import read_landed
from council_social.registers import schema
from council_social.registers.validate import Checked, check_rows, header_score
from council_social.warehouse.loading import in_transaction

SOURCE = "registers"
TITLE = "Register"
DATE_IN_NAME = re.compile(r"(\d{4})[-_](\d{2})[-_](\d{2})")


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


def land_inbox_files(day: date, inbox: Path | None = None) -> list[dict]:
    return files.land_inbox_files(inbox or settings().register_inbox, SOURCE, day, kind_from_name)


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
        score = header_score(register)([normalise_header(h) for h in table.headers])
        if best is None or score > best[0]:
            best = (score, register, table)
    if best is None or best[0] < 2:
        words = "; ".join(f"{r.title}: '{r.filename_words[0]}'" for r in schema.REGISTERS)
        raise UnreadableFile(f"{name}: cannot tell which register this is. Put one of these words in the file "
                             f"name ({words}) or use the column names in the README")
    return best[1], best[2]


def check_file(name: str, data: bytes, kind: str | None) -> Checked:
    register, table = recognise(name, data, kind)
    return check_rows(register, table, name)


def _load(con, landed: LandedFile, checked: Checked, outcome: FileOutcome, run_id: str, now: datetime) -> None:
    """Insert one file's records, set-aside rows and ledger entry in one transaction, through the gate."""
    import pyarrow as pa

    from council_social.validation import Batch, gate

    register = checked.register
    columns = [c.name for c in register.columns] + (["handle_key"] if register is schema.ACCOUNT_REGISTER else [])
    lineage = {"file_sha256": landed.sha256, "effective_from": date.fromisoformat(outcome.effective_from),
               "run_id": run_id, "loaded_at": now}
    rows = [{**{c: r.get(c) for c in columns}, "source_line": r["source_line"], **lineage} for r in checked.records]

    def load() -> None:
        if rows:
            batch = pa.Table.from_pylist(rows)  # noqa: F841 - read by name in the SQL below
            con.execute(f"insert or replace into {register.table} by name select * from batch")
        for problem in checked.problems:
            files.record_quarantine(con, landed, register.kind, problem.line, problem.reason, problem.raw,
                                    run_id, now)
        files.record_ledger(con, landed, outcome, run_id, now)
        gate(con, suite=register.table, batch=Batch.of_file(landed, entity=register.kind, run_id=run_id,
                                                            received=len(rows)))

    in_transaction(con, load)


def load_landed_file(con, landed: LandedFile, run_id: str) -> FileOutcome:
    """Load one landed file unless its content was seen before."""
    duplicate = files.already_imported(con, landed)
    if duplicate:
        return duplicate
    outcome = FileOutcome.of(landed)
    outcome.effective_from = effective_from(landed.name, datetime.fromisoformat(landed.received_at)).isoformat()
    try:
        checked = check_file(landed.name, read_landed(landed.landing_path), landed.kind)
    except UnreadableFile as exc:
        return files.record_rejection(con, landed, outcome, str(exc), run_id)
    outcome.kind = checked.register.kind
    outcome.rows_loaded = len(checked.records)
    outcome.rows_quarantined = len(checked.problems)
    outcome.notes = checked.notes
    outcome.problems = [f"line {p.line}: {p.reason}" for p in checked.problems[:files.PROBLEMS_SHOWN]]
    outcome.message = (f"{checked.register.title}: {outcome.rows_loaded} row(s) loaded, "
                       f"{outcome.rows_quarantined} set aside, in force from {outcome.effective_from}")
    _load(con, landed, checked, outcome, run_id, datetime.now(UTC))
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
            files.log_outcome(outcome)
            outcomes.append(asdict(outcome))
        return {"outcomes": outcomes, "recipients": recipients(con, REPORT)}


def tidy_inbox(outcomes: list[dict]) -> list[dict]:
    return files.tidy_inbox(outcomes, TITLE)
