"""Erasure requests (UK GDPR right to erasure): one member of the public removed from every copy.

``erase_author`` takes what the request names (a handle with or without @, an author id, or a
display name), finds everything the person is known by (``identity.Identity``: the same id under a
changed handle, their name on their Facebook comments...), and then:

1. **Warehouse**, in one transaction: deletes every row they wrote in the tables the catalogue gives
   an author (mentions, comments, the listening fact, Hootsuite stream mentions), the rows that point
   at them (their comments in the moderation queue), and records they are the author of inside JSON
   columns (quarantined raw records, findings' evidence); then replaces their handle, id and full
   name by ``[erased]`` in every text, list and JSON column of every other table (replies to them,
   the council's answers, GX examples), except staff records the catalogue marks ``erasure: skip``.
   A row keyed by the person (their handle in a key column) is deleted instead.
2. **Landing zone**: every landed file is read; API pages holding them are rewritten without their
   records and with them redacted elsewhere, CSV/XLSX exports without their rows, ZIP archives member
   by member, atomically and under the same name. A file that cannot be rewritten so that they are
   gone is removed.
3. **Copies outside the pipeline's stores**: sent emails in the outbox, archived reports and files
   waiting in the inboxes are searched (email parts, PDF text, workbook cells) and *listed*, not
   edited: a sent email is a record of what the council sent, and the data protection officer decides
   about each (reports pseudonymise private individuals, so normally none is found).
4. ``privacy_erasure_log`` gets one row: a keyed hash of the identifier (never the identifier),
   counts per table, the landing files touched, the copies found, and the status.

The warehouse stays open (and the ``duckdb_writer`` pool slot held) for the whole request on
purpose: no load can bring the person back half-way. Running the same request again finds nothing
and logs ``nothing_found``. ``dry_run`` counts everything and changes nothing (it is logged too).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from council_social.privacy import files
from council_social.privacy.catalogue import Catalogue, TableEntry, load_catalogue, warehouse_columns
from council_social.privacy.identity import IdentifierError, Identity, hash_key, keyed_hash, normalise, values_at

log = logging.getLogger(__name__)

PLATFORMS = ("x", "facebook", "instagram")
#: Never swept: the schema ledger and the privacy logs themselves (which hold no identifiers).
NEVER_SWEPT = ("schema_migrations", "privacy_erasure_log", "privacy_retention_log")
TEXT_TYPES = ("VARCHAR", "JSON", "VARCHAR[]", "JSON[]")
MAX_ROUNDS = 5


class AmbiguousAuthor(IdentifierError):
    pass


@dataclass
class ErasureOutcome:
    request_id: str
    status: str
    dry_run: bool
    identities_found: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)
    landing: list[dict] = field(default_factory=list)
    copies_outside: list[dict] = field(default_factory=list)
    remaining: dict[str, int] = field(default_factory=dict)
    ambiguous: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def files_rewritten(self) -> int:
        return sum(1 for f in self.landing if f["action"] == "rewritten")

    @property
    def files_removed(self) -> int:
        return sum(1 for f in self.landing if f["action"] == "removed")

    def as_dict(self) -> dict:
        """Counts and paths only: safe for XCom and task logs (no identifier, no text)."""
        return {"request_id": self.request_id, "status": self.status, "dry_run": self.dry_run,
                "identities_found": self.identities_found, "rows_removed": self.removed,
                "rows_redacted": self.redacted, "landing_files_rewritten": self.files_rewritten,
                "landing_files_removed": self.files_removed, "landing_files": self.landing,
                "copies_outside": self.copies_outside, "remaining": self.remaining, "ambiguous": self.ambiguous,
                "message": self.message}

    def summary(self) -> str:
        verb, one = ("would be", "would be") if self.dry_run else ("were", "was")
        lines = [f"erasure request {self.request_id}: {self.status} ({self.identities_found} identifier(s) of the "
                 "person found)"]
        for title, counts in ((f"rows that {verb} deleted", self.removed),
                              (f"rows in which the person {one} replaced by [erased]", self.redacted)):
            shown = {k: v for k, v in counts.items() if v}
            lines.append(f"  {title}: " + (", ".join(f"{k} {v}" for k, v in sorted(shown.items())) or "none"))
        lines.append(f"  landing files {verb} rewritten: {self.files_rewritten}, removed: {self.files_removed}")
        for item in self.landing:
            lines.append(f"    {item['action']}: {item['path']} ({item['records']} record(s) dropped, "
                         f"{item['redactions']} redaction(s))")
        if self.copies_outside:
            lines.append(f"  copies outside the warehouse and landing zone that still name the person (not edited: "
                         f"decide about each): {len(self.copies_outside)}")
            lines += [f"    {c['where']}: {c['path']}" for c in self.copies_outside]
        if self.remaining:
            lines.append("  STILL FOUND after erasure: " + ", ".join(f"{k} {v}" for k, v in self.remaining.items()))
        return "\n".join(lines)


# --- the warehouse's shape ----------------------------------------------------------------------------

def _keys(con) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for table, columns in con.execute("select table_name, constraint_column_names from duckdb_constraints()"
                                      " where constraint_type in ('PRIMARY KEY', 'UNIQUE')").fetchall():
        keys.setdefault(table, set()).update(columns)
    return keys


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _norm(column: str) -> str:
    """SQL for ``identity.normalise`` of a column."""
    return f"lower(regexp_replace(trim(ltrim(trim({column}), '@')), '\\s+', ' ', 'g'))"


def _one(paths: tuple[str, ...]) -> str | None:
    return paths[0] if paths else None


def _owned_sql(entry: TableEntry, person: Identity, platforms: list[str] | None, alias: str = "") -> tuple[str, list]:
    """The SQL condition for rows the person wrote (``Identity.owns`` in SQL), and its parameters."""
    id_col, handle_col, name_col = (_one(entry.author.id), _one(entry.author.handle), _one(entry.author.name))
    parts, params = [], []
    if id_col:
        parts.append(f"list_contains(?::varchar[], {_norm(alias + id_col)})")
        params.append(sorted(person.ids))
    if handle_col:
        parts.append(f"list_contains(?::varchar[], {_norm(alias + handle_col)})")
        params.append(sorted(person.handles))
    if name_col:
        keyless = " and ".join(f"{alias}{c} is null" for c in (id_col, handle_col) if c) or "true"
        parts.append(f"({keyless} and list_contains(?::varchar[], {_norm(alias + name_col)}))")
        params.append(sorted(person.names))
    condition = "(" + " or ".join(parts) + ")"
    if platforms and entry.platform:
        condition += f" and list_contains(?::varchar[], {alias}{entry.platform})"
        params.append(platforms)
    return condition, params


# --- who the person is --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Author:
    platform: str | None
    id: str | None
    handle: str | None
    name: str | None


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _warehouse_authors(con, catalogue: Catalogue, tables: dict, values: list[str],
                       platforms: list[str] | None) -> set[Author]:
    """Author tuples of every row whose author id, handle or name is one of ``values``."""
    found: set[Author] = set()
    for entry in catalogue.tables.values():
        if not entry.author or entry.name not in tables:
            continue
        columns = [_one(entry.author.id), _one(entry.author.handle), _one(entry.author.name)]
        select = ", ".join(c or "null" for c in [entry.platform] + columns)
        touches = " or ".join(f"list_contains(?::varchar[], {_norm(c)})" for c in columns if c)
        params: list = [values] * sum(1 for c in columns if c)
        where = f"({touches})"
        if platforms and entry.platform:
            where += f" and list_contains(?::varchar[], {entry.platform})"
            params.append(platforms)
        for row in con.execute(f"select distinct {select} from {entry.name} where {where}", params).fetchall():
            found.add(Author(*(_text(v) for v in row)))
    return found


def _record_authors(record: object, rules, platform: str | None) -> list[Author]:
    found = []
    for rule in rules:
        items = [record] if rule.path == "." else values_at_lists(record, rule.path)
        for item in items:
            nested = [n for path in rule.nested for n in values_at_lists(item, path)]
            for one in [item, *nested]:
                if isinstance(one, dict):
                    values = [next(iter(v for p in paths for v in values_at(one, p)), None)
                              for paths in (rule.author.id, rule.author.handle, rule.author.name)]
                    if any(v is not None for v in values):
                        found.append(Author(platform, *(_text(v) for v in values)))
    return found


def values_at_lists(record: object, path: str) -> list[object]:
    """The items of the list at a dotted path (empty when there is none)."""
    value = record
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, list) else []


def _landing_authors(root, catalogue: Catalogue, person: Identity, platforms: list[str] | None) -> set[Author]:
    """Author tuples of landed records (public folders only) that could be the person's."""
    import gzip

    found: set[Author] = set()
    probe = Identity(person.seed, set(person.ids), set(person.handles), set(person.names) | {person.seed})
    for landed in files.landed_files(root):
        entry = catalogue.landing_entry(landed.source, landed.entity)
        if entry is None or entry.holds not in ("public", "mixed") or entry.erasure == "skip":
            continue
        if platforms and landed.source in PLATFORMS and landed.source not in platforms:
            continue
        data = landed.path.read_bytes()
        if data.startswith(files.GZIP_MAGIC):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError):
                continue
        text = data.decode("utf-8", errors="ignore")
        if not files.may_name(text, probe):
            continue
        rules = catalogue.rules_for(landed.source, landed.entity)
        platform = landed.source if landed.source in PLATFORMS else None
        for line in text.splitlines():
            if not files.may_name(line, probe):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            found.update(_record_authors(record, rules, platform))
    return found


def _distinct_authors(named: list[Author], authors: set[Author]) -> int:
    """How many different people ``named`` are: records sharing an id or a handle (directly, or through
    other records) are one author."""
    parent: dict[tuple, tuple] = {}

    def find(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for author in authors:
        nodes = [("id", author.platform, normalise(author.id)) if author.id else None,
                 ("handle", author.platform, normalise(author.handle)) if author.handle else None]
        nodes = [n for n in nodes if n]
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    return len({find(("id", a.platform, normalise(a.id)) if a.id else ("handle", a.platform, normalise(a.handle)))
                for a in named})


def _settle(person: Identity, authors: set[Author], first: bool) -> bool:
    """Grow the identity from author tuples until nothing new is learnt; True if it grew.

    A record is theirs by id or handle (or by name when it has neither). Their full display name
    (or the name the request gave) also links their account on a platform where they are not yet
    known by id or handle, when exactly one author there uses that name; several such authors make
    the platform ambiguous: none is claimed, and a request by name alone is refused.
    """
    if first and not any(normalise(a.id or "") == person.seed or normalise(a.handle or "") == person.seed
                         for a in authors):
        person.by_name = True
    grown = False
    while True:
        changed = False
        for author in authors:
            if person.owns([author.id], [author.handle], [author.name]) and person.add(
                    id=author.id, handle=author.handle, name=author.name, platform=author.platform):
                changed = True
        linking = {n for n in person.names if " " in n} | ({person.seed} if person.by_name else set())
        by_platform: dict[str | None, list[Author]] = {}
        for author in authors:
            if ((author.id or author.handle) and author.name and normalise(author.name) in linking
                    and author.platform not in person.keyed_on):
                by_platform.setdefault(author.platform, []).append(author)
        for platform, named in by_platform.items():
            different = _distinct_authors(named, authors)
            if different > 1:
                if person.by_name:
                    raise AmbiguousAuthor(
                        f"the display name is used by {different} different authors on "
                        f"{platform or 'one source'}; give their handle or author id, and the platform, instead")
                person.ambiguous.add(platform or "unknown")
                continue
            for author in named:
                changed |= person.add(id=author.id, handle=author.handle, name=author.name, platform=platform)
        if not changed:
            return grown
        grown = True


def resolve(con, root, person: Identity, catalogue: Catalogue, platforms: list[str] | None,
            tables: dict | None = None) -> Identity:
    """Grow ``person`` to every id, handle and name they are known by, in the warehouse and landing zone."""
    tables = tables if tables is not None else warehouse_columns(con)
    for round_number in range(MAX_ROUNDS):
        values = sorted(person.ids | person.handles | person.names | {person.seed})
        authors = _warehouse_authors(con, catalogue, tables, values, platforms)
        authors |= _landing_authors(root, catalogue, person, platforms)
        if not _settle(person, authors, first=round_number == 0):
            break
    return person


# --- the warehouse ------------------------------------------------------------------------------------

def _delete_authored(con, catalogue: Catalogue, tables: dict, person: Identity, platforms: list[str] | None,
                     removed: dict[str, int]) -> None:
    children = [e for e in catalogue.tables.values() if e.refers_to and e.name in tables]
    for entry in catalogue.tables.values():
        if not entry.author or entry.name not in tables:
            continue
        for child in children:
            if child.refers_to["table"] != entry.name:
                continue
            owned, params = _owned_sql(entry, person, platforms, alias="p.")
            joins = " and ".join(f"p.{there} = c.{here}" for here, there in child.refers_to["columns"].items())
            count = con.execute(f"delete from {child.name} as c where exists (select 1 from {entry.name} as p"
                                f" where {joins} and {owned})", params).fetchone()[0]
            removed[child.name] = removed.get(child.name, 0) + int(count)
        owned, params = _owned_sql(entry, person, platforms)
        count = con.execute(f"delete from {entry.name} where {owned}", params).fetchone()[0]
        removed[entry.name] = removed.get(entry.name, 0) + int(count)


def _candidates(con, table: str, columns: list[str], person: Identity,
                only: tuple[str, list[str]] | None = None) -> list[tuple]:
    """Rows whose ``columns`` could name the person (a substring prefilter; Python decides).
    ``only``: (platform column, platforms) for a request limited to some platforms."""
    words = sorted(person.ids | person.handles | person.names)
    if not words or not columns:
        return []
    condition = " or ".join(f"contains(lower(cast({_q(c)} as varchar)), ?)" for c in columns for _ in words)
    params: list = [w for _ in columns for w in words]
    if only:
        condition = f"({condition}) and list_contains(?::varchar[], {_q(only[0])})"
        params.append(only[1])
    select = ", ".join(_q(c) for c in columns)
    return con.execute(f"select rowid, {select} from {_q(table)} where {condition}", params).fetchall()


def _only(catalogue: Catalogue, table: str, platforms: list[str] | None) -> tuple[str, list[str]] | None:
    entry = catalogue.tables.get(table)
    return (entry.platform, platforms) if platforms and entry is not None and entry.platform else None


def _delete_json_records(con, catalogue: Catalogue, tables: dict, person: Identity,
                         removed: dict[str, int]) -> None:
    """Rows whose JSON column holds a record the person wrote (a quarantined post, a finding about them)."""
    for entry in catalogue.tables.values():
        if entry.name not in tables or not entry.json:
            continue
        for column, paths in entry.json.items():
            going = []
            for rowid, value in _candidates(con, entry.name, [column], person):
                try:
                    record = json.loads(value) if isinstance(value, str) else value
                except ValueError:
                    continue
                records = record if isinstance(record, list) else [record]
                if any(person.owns_record(r, paths) for r in records):
                    going.append(rowid)
            for rowid in going:
                con.execute(f"delete from {entry.name} where rowid = ?", [rowid])
            if going:
                removed[entry.name] = removed.get(entry.name, 0) + len(going)


def _swept_tables(catalogue: Catalogue, tables: dict) -> dict[str, list[str]]:
    skipped = set(NEVER_SWEPT) | {e.name for e in catalogue.tables.values() if e.erasure == "skip"}
    return {table: [c for c, kind in columns.items() if kind.upper() in TEXT_TYPES]
            for table, columns in tables.items() if table not in skipped}


def _redacted(value: object, kind: str, person: Identity) -> tuple[object, int]:
    if value is None:
        return value, 0
    if kind.upper().startswith("JSON") and isinstance(value, str):
        return person.redact_json_text(value)
    if isinstance(value, list):
        return person.redact_value(value)
    return person.redact(value) if isinstance(value, str) else (value, 0)


def _sweep(con, catalogue: Catalogue, tables: dict, keys: dict, person: Identity, platforms: list[str] | None,
           removed: dict[str, int], redacted: dict[str, int]) -> None:
    """Replace the person by [erased] in every text, list and JSON column outside skipped tables (in a
    request limited to some platforms, only their rows where a table says its platform)."""
    if person.pattern is None:
        return
    for table, columns in _swept_tables(catalogue, tables).items():
        kinds = tables[table]
        for row in _candidates(con, table, columns, person, _only(catalogue, table, platforms)):
            rowid, values = row[0], row[1:]
            changes = {}
            for column, value in zip(columns, values, strict=True):
                new, count = _redacted(value, kinds[column], person)
                if count:
                    changes[column] = new
            if not changes:
                continue
            if set(changes) & keys.get(table, set()):
                con.execute(f"delete from {_q(table)} where rowid = ?", [rowid])
                removed[table] = removed.get(table, 0) + 1
                continue
            assignments = ", ".join(f"{_q(c)} = ?" + ("::json" if kinds[c].upper() == "JSON" else "") for c in changes)
            con.execute(f"update {_q(table)} set {assignments} where rowid = ?", [*changes.values(), rowid])
            redacted[table] = redacted.get(table, 0) + 1


def _remaining(con, catalogue: Catalogue, tables: dict, person: Identity, platforms: list[str] | None) -> dict:
    """What still names the person after erasure (should be nothing)."""
    left: dict[str, int] = {}
    for entry in catalogue.tables.values():
        if entry.author and entry.name in tables:
            owned, params = _owned_sql(entry, person, platforms)
            count = con.execute(f"select count(*) from {entry.name} where {owned}", params).fetchone()[0]
            if count:
                left[entry.name] = count
    if person.pattern is not None:
        for table, columns in _swept_tables(catalogue, tables).items():
            count = sum(1 for row in _candidates(con, table, columns, person, _only(catalogue, table, platforms))
                        if any(person.named_in(v if isinstance(v, str) else json.dumps(v, default=str))
                               for v in row[1:] if v is not None))
            if count:
                left[table] = left.get(table, 0) + count
    return left


# --- the landing zone ---------------------------------------------------------------------------------

def _erase_landing(root, catalogue: Catalogue, person: Identity, platforms: list[str] | None,
                   dry_run: bool) -> list[dict]:
    touched = []
    for landed in files.landed_files(root):
        entry = catalogue.landing_entry(landed.source, landed.entity)
        if entry is not None and entry.erasure == "skip":
            continue
        if platforms and landed.source in PLATFORMS and landed.source not in platforms:
            continue
        data = landed.path.read_bytes()
        rules = catalogue.rules_for(landed.source, landed.entity)
        result = files.erase_from_file(landed.path.name, data, person, rules, catalogue.author_columns)
        if result is None or result.data == data:
            continue
        action = "rewritten"
        if result.data is None or files.still_names(landed.path.name, result.data, person):
            action = "removed"
        if not dry_run:
            if action == "removed":
                landed.path.unlink()
            else:
                files.write_atomically(landed.path, result.data)
        touched.append({"path": person.redact(landed.relative)[0], "action": action, "records": result.records,
                        "redactions": result.redactions})
    return touched


# --- the request --------------------------------------------------------------------------------------

def check_platform(platform: str | None) -> list[str] | None:
    if platform in (None, ""):
        return None
    value = str(platform).strip().lower()
    if value not in PLATFORMS:
        raise IdentifierError(f"platform must be one of {', '.join(PLATFORMS)} (or empty for all), not {platform!r}")
    return [value]


def erase_author(con, landing_root, *, identifier: str, platform: str | None = None, requested_by: str,
                 dry_run: bool = False, request_id: str | None = None, catalogue: Catalogue | None = None,
                 copies_in: dict[str, Path] | None = None, now: datetime | None = None) -> ErasureOutcome:
    """Remove one member of the public from the warehouse and the landing zone, list the copies elsewhere,
    and log the request (see the module docstring). Raises ``IdentifierError`` for an unusable request."""
    from council_social.privacy.copies import default_places, find_copies

    catalogue = catalogue or load_catalogue()
    person = Identity.from_request(identifier)
    platforms = check_platform(platform)
    root = files.as_path(landing_root)
    request_id = request_id or f"erasure-{uuid.uuid4().hex[:12]}"
    requested_at = now or datetime.now(UTC)
    key = hash_key(con)
    tables = warehouse_columns(con)
    keys = _keys(con)
    resolve(con, root, person, catalogue, platforms, tables)
    outcome = ErasureOutcome(request_id=request_id, status="dry_run" if dry_run else "erased", dry_run=dry_run,
                             identities_found=person.size, ambiguous=sorted(person.ambiguous))

    con.execute("begin transaction")
    try:
        _delete_authored(con, catalogue, tables, person, platforms, outcome.removed)
        _delete_json_records(con, catalogue, tables, person, outcome.removed)
        _sweep(con, catalogue, tables, keys, person, platforms, outcome.removed, outcome.redacted)
        outcome.landing = _erase_landing(root, catalogue, person, platforms, dry_run)
        if not dry_run:
            outcome.remaining = _remaining(con, catalogue, tables, person, platforms)
        outcome.copies_outside = find_copies(person, copies_in if copies_in is not None else default_places())
        found = sum(outcome.removed.values()) + sum(outcome.redacted.values()) + len(outcome.landing)
        if not dry_run:
            outcome.status = "incomplete" if outcome.remaining else ("erased" if found else "nothing_found")
        outcome.message = _message(outcome, found)
        if dry_run:
            con.execute("rollback")
            con.execute("begin transaction")
        _log(con, outcome, requested_at=requested_at, requested_by=requested_by,
             identifier_hash=keyed_hash(identifier, key), platform=platforms[0] if platforms else None)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info("%s", outcome.summary())
    return outcome


def _message(outcome: ErasureOutcome, found: int) -> str:
    parts = [f"{sum(outcome.removed.values())} row(s) deleted, {sum(outcome.redacted.values())} redacted, "
             f"{outcome.files_rewritten} landing file(s) rewritten, {outcome.files_removed} removed"]
    if not found:
        parts = ["nothing of the person in the warehouse or the landing zone"]
    if outcome.copies_outside:
        parts.append(f"{len(outcome.copies_outside)} sent email(s) or archived file(s) still name the person: "
                     "listed in copies_outside for the data protection officer")
    if outcome.ambiguous:
        parts.append("their full name is used by several authors on " + ", ".join(outcome.ambiguous)
                     + ": none of those was erased (request again with that platform and the author id)")
    if outcome.remaining:
        parts.append("still found in: " + ", ".join(sorted(outcome.remaining)))
    return "; ".join(parts)


def _log(con, outcome: ErasureOutcome, *, requested_at: datetime, requested_by: str, identifier_hash: str,
         platform: str | None) -> None:
    con.execute(
        "insert into privacy_erasure_log (request_id, requested_at, requested_by, identifier_hash, platform,"
        " dry_run, identities_found, rows_removed, rows_redacted, landing_files_rewritten, landing_files_removed,"
        " landing_files, copies_outside, status, message, finished_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [outcome.request_id, requested_at, requested_by, identifier_hash, platform, outcome.dry_run,
         outcome.identities_found, json.dumps(outcome.removed), json.dumps(outcome.redacted), outcome.files_rewritten,
         outcome.files_removed, json.dumps(outcome.landing), json.dumps(outcome.copies_outside), outcome.status,
         outcome.message, datetime.now(UTC)])


def check_request(author: object, platform: object) -> None:
    """Refuse an unusable request (fails the task without retries, saying why; never echoes the author)."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        check_platform(platform)
        Identity.from_request(author)
    except IdentifierError as exc:
        raise AirflowFailException(f"the erasure request cannot be run: {exc}") from None


def erasure_task(*, author: str, platform: str | None, dry_run: bool, requested_by: str, request_id: str) -> dict:
    """The ``privacy_erasure`` DAG's task: the request against the configured warehouse and landing zone.

    Returns counts and paths only (for XCom); the person's identifier and text never leave this task.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from council_social.landing import landing_root
    from council_social.warehouse import connect

    check_request(author, platform)
    with connect() as con:
        try:
            outcome = erase_author(con, landing_root(), identifier=author, platform=platform,
                                   requested_by=requested_by, dry_run=dry_run, request_id=request_id)
        except IdentifierError as exc:
            raise AirflowFailException(f"the erasure request cannot be run: {exc}") from None
    print(outcome.summary())
    if outcome.status == "incomplete":
        raise AirflowFailException(f"erasure request {request_id} is incomplete: {outcome.message}. "
                                   "Nothing was rolled back; see privacy_erasure_log and rerun after fixing.")
    return outcome.as_dict()
