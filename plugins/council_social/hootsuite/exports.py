"""Load the exports a comms officer downloads from Hootsuite and drops into the Hootsuite inbox.

Sent messages (who created, approved and sent each post), organisation members (who holds
access), social profiles (which accounts Hootsuite publishes to, and which need
re-authorising) and post performance. File names are free: what a file holds is recognised from
its headers, through the versioned alias file (``hootsuite.aliases``). The steps are the inbox's
(``inbox.files``): land, load in the warehouse pool, tidy.

Each file is loaded once (the checksum ledger makes a re-dropped or renamed file a no-op; a file
refused before is tried again, since the usual fix is a new alias) in one transaction: its rows
merge on natural keys with what the warehouse already holds, from earlier exports or the API,
so overlapping exports never duplicate a message. Columns a file lacks keep their stored values,
and rows an export repeats unchanged are left alone, lineage included. Bad rows go to the
quarantine with file, line and reason, set-wise; everything else loads.

Exports name people by email or name where the API uses member ids, so authors, approvers and
senders are resolved to member ids through ``hootsuite_members`` when one matches (an email, or a
full name no two members share): now, and again whenever a members export arrives later.
"""

from __future__ import annotations

import logging
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from council_social.config import settings
from council_social.hootsuite.aliases import ENTITY_ORDER, Aliases, HeaderMatch, RefusedExport, load_aliases
from council_social.hootsuite.export_files import (
    CsvExport,
    SheetExport,
    archive_members,
    count_lines,
    file_kind,
    local_file,
    prepare_csv,
    prepare_xlsx,
    row_start_lines,
)
from council_social.hootsuite.export_shapes import Shape, Shaper, lit
from council_social.inbox import files
from council_social.inbox.files import FileOutcome, LandedFile
from council_social.inbox.tables import UnreadableFile
from council_social.landing import sha256

log = logging.getLogger(__name__)

SOURCE = "hootsuite"
TITLE = "Hootsuite export"
#: Exports land under ``<landing>/hootsuite/exports/dt=YYYY-MM-DD/`` (the API's pages sit beside them).
LANDING_ENTITY = "exports"
TABLES = {"messages": "hootsuite_messages", "members": "hootsuite_members", "profiles": "hootsuite_profiles",
          "metrics": "hootsuite_post_metrics", "mentions": "hootsuite_mentions"}
KEYS = {"messages": ("message_key",), "members": ("member_key",), "profiles": ("profile_id",),
        "metrics": ("network", "network_post_id", "reported_on"), "mentions": ("mention_key",)}
#: Columns compared to tell whether a stored row changed (lineage is not).
BUSINESS = {
    "messages": ("message_id", "network_post_id", "profile_id", "profile_name", "network", "text", "state",
                 "created_at", "scheduled_at", "sent_at", "created_by", "approved_by"),
    "members": ("member_id", "full_name", "email", "role", "is_active", "created_at", "teams"),
    "profiles": ("network", "username", "social_network_id", "owner", "needs_reauth"),
    "metrics": ("profile_name", "impressions", "engagements", "reactions", "comments", "shares", "clicks"),
    "mentions": ("platform", "mention_id", "stream", "author_handle", "author_name", "author_reach", "text", "lang",
                 "url", "created_at", "in_reply_to_id"),
}
#: Temporary tables and views a load creates in its connection (dropped after each file).
TEMP_TABLES = ("hs_batch", "hs_rejects", "hs_rejects_scan", "hs_shift", "hs_line_map", "hs_reject_map",
               "hs_reject_lines",
               "hs_problems", "hs_changed", "hs_actions", "hs_networks", "hs_people",
               "hs_fix", "hs_fix_actions")
READER_REASONS = {
    "MISSING COLUMNS": "the row has fewer cells than the header's {cells}",
    "TOO MANY COLUMNS": "the row has more cells than the header's {cells} (a delimiter inside a cell that is not "
                        "quoted?)",
    "UNQUOTED VALUE": "a quoted cell is not closed, or a quote stands inside a cell that is not quoted",
    "INVALID ENCODING": "the row holds bytes that are not text in the file's encoding",
    "LINE SIZE OVER MAXIMUM": "the row is longer than 16 MB",
}
#: DuckDB's memory while loading: staged rows beyond it spill to disk, so a million-row export loads on
#: a worker that also runs other tasks (measured: peak RSS 1.2 GB instead of 2.2 GB, about as fast).
MEMORY_LIMIT = "1GB"
METRICS = ("impressions", "engagements", "reactions", "comments", "shares", "clicks")
CUT_REASON = ("the file stops part-way through this row (cut off while downloading or copying?); "
              "every whole row before it was loaded")


def kind_of(name: str) -> str:
    """Every export lands in one folder: its kind is only known once its headers are read."""
    return LANDING_ENTITY


def land_inbox_files(day: date, inbox: Path | None = None) -> list[dict]:
    return files.land_inbox_files(inbox or settings().hootsuite_inbox, SOURCE, day, kind_of)


def load_landed_files(landed: list[dict], run_id: str, warehouse: Path | None = None) -> dict:
    """Load every landed export (the warehouse-holding step), then refresh the marts; outcomes go to XCom."""
    from council_social.warehouse import connect
    from council_social.warehouse.marts import refresh_marts

    aliases = load_aliases()
    outcomes = []
    with connect(warehouse) as con:
        con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        for item in landed:
            outcome = load_landed_file(con, LandedFile(**item), run_id, aliases)
            files.log_outcome(outcome)
            outcomes.append(asdict(outcome))
        refresh_marts(con)
    return {"outcomes": outcomes}


def tidy_inbox(outcomes: list[dict]) -> list[dict]:
    return files.tidy_inbox(outcomes, TITLE)


def load_landed_file(con, landed: LandedFile, run_id: str, aliases: Aliases | None = None) -> FileOutcome:
    """Load one landed export (CSV, XLSX or ZIP) unless its content was loaded before."""
    aliases = aliases or load_aliases()
    earlier = _ledger_entry(con, landed.sha256)
    if earlier and earlier[1] != "rejected":
        return files.already_imported(con, landed)
    outcome = FileOutcome.of(landed)
    outcome.kind = None  # the landing folder's name, until the headers say what the file holds
    if earlier:
        outcome.notes.append(f"refused on {earlier[2]:%Y-%m-%d %H:%M} UTC; tried again with alias file version "
                             f"{aliases.version}")
    with tempfile.TemporaryDirectory(prefix="hootsuite-export-") as tmp:
        workdir = Path(tmp)
        loader = _Loader(con, aliases, run_id, workdir)
        try:
            with local_file(landed.landing_path, workdir) as path:
                kind = file_kind(landed.name, path)
                if kind == "zip":
                    return loader.load_archive(landed, path, outcome)
                prepared, match = loader.prepare(path, landed.name, kind)
                return loader.load(landed, prepared, match, outcome)
        except UnreadableFile as exc:
            outcome.kind = outcome.kind or getattr(exc, "entity", None)
            return files.record_rejection(con, landed, outcome, str(exc), run_id)
        finally:
            loader.drop_temporary()


def _ledger_entry(con, checksum: str) -> tuple | None:
    rows = con.execute("select original_name, status, loaded_at, message from ops_file_ledger "
                       "where file_sha256 = ?", [checksum]).fetchall()
    return rows[0] if rows else None


def _names(headers: list[str]) -> str:
    return ", ".join(f"'{h}'" for h in headers if h.strip()) or "none"


class _Loader:
    """Stages, checks and writes one file at a time through the connection's temporary tables."""

    def __init__(self, con, aliases: Aliases, run_id: str, workdir: Path):
        self.con = con
        self.aliases = aliases
        self.run_id = run_id
        self.workdir = workdir

    def q(self, sql: str, params: list | None = None) -> list[tuple]:
        """Run a statement and read its whole (small) result, so the connection is free for the next."""
        return self.con.execute(sql, params or []).fetchall()

    def one(self, sql: str, params: list | None = None):
        return self.q(sql, params)[0][0]

    def drop_temporary(self) -> None:
        kinds = dict(self.q("select table_name, table_type from information_schema.tables "
                            "where table_name like 'hs\\_%' escape '\\'"))
        for name in TEMP_TABLES + ("hs_lined",):
            if name in kinds:
                self.q(f"drop {'view' if kinds[name] == 'VIEW' else 'table'} if exists {name}")

    # -- reading and recognising ----------------------------------------------------------------

    def prepare(self, path: Path, name: str, kind: str) -> tuple[CsvExport | SheetExport, HeaderMatch]:
        if kind == "csv":
            prepared: CsvExport | SheetExport = prepare_csv(path, name, self.aliases.header_score, self.workdir)
        elif kind == "xlsx":
            prepared = prepare_xlsx(path, name, self.aliases.header_score)
        else:
            raise UnreadableFile(f"{name}: '{kind}' files are not Hootsuite exports; drop the .csv, .xlsx or .zip "
                                 "file Hootsuite gave you")
        return prepared, self.recognise(prepared)

    def recognise(self, prepared: CsvExport | SheetExport) -> HeaderMatch:
        aliases, name, headers = self.aliases, prepared.name, prepared.headers
        match = aliases.recognise(headers)
        titles = ", ".join(e.title.lower() for e in aliases.entities.values())
        if match is None:
            raise RefusedExport(
                f"{name}: cannot tell which Hootsuite export this is: its headers ({_names(headers)}) are not ones "
                f"the alias file {aliases.path} (version {aliases.version}) knows for {titles}. If Hootsuite "
                "renamed its columns, add the new headers there and drop the file again")
        if match.missing:
            entity = match.entity
            gaps = []
            for gap in match.missing:
                columns = gap.split(" or ")
                known = "; ".join(f"'{c}' as " + ", ".join(f"'{h}'" for h in entity.columns[c]) for c in columns)
                gaps.append(f"no column for {' or '.join(repr(c) for c in columns)} (known headers: {known})")
            raise RefusedExport(
                f"{name}: this looks like a Hootsuite {entity.title.lower()} export but has {'; '.join(gaps)}. "
                f"Headers in the file: {_names(headers)}. If Hootsuite renamed the column, add its new header under "
                f"entities.{entity.name}.columns.{match.missing[0].split(' or ')[0]} in {aliases.path} (alias file "
                f"version {aliases.version}), raise the version, and drop the file again", entity.name)
        return match

    # -- staging --------------------------------------------------------------------------------

    def lookups(self) -> None:
        """The small tables the typing statement joins: network spellings and people -> member id."""
        values = ", ".join(f"({lit(s)}, {lit(n)})" for s, n in self.aliases.networks.items()) or "(null, null)"
        self.q(f"create or replace temp table hs_networks as select * from (values {values}) as t(spelling, network)")
        self.q("""
            create or replace temp table hs_people as
            select alias, any_value(member_id) as member_id
            from (
                select lower(member_id) as alias, member_id from hootsuite_members where member_id is not null
                union all
                select lower(email), member_id from hootsuite_members where member_id is not null and email is not null
                union all
                select lower(full_name), member_id from hootsuite_members
                where member_id is not null and full_name is not null
            )
            group by alias
            having count(distinct member_id) = 1
        """)

    def stage(self, prepared: CsvExport | SheetExport, match: HeaderMatch,
              received_on: date) -> tuple[Shape, CsvExport | SheetExport]:
        """Type and check every row into ``hs_batch``; ``hs_lined`` adds each row's line."""
        self.lookups()
        people = bool(self.one("select count(*) from hs_people"))
        metrics = None
        if match.entity.name == "messages" and "metrics" in self.aliases.entities:
            candidate = self.aliases.match(prepared.headers, "metrics")
            if any(c in candidate.columns for g in candidate.entity.one_of for c in g):
                metrics = candidate
        for attempt in range(2):
            if isinstance(prepared, CsvExport):
                source, has_line = prepared.read_sql("hs_rejects"), False
                self.q("drop table if exists hs_rejects")
                self.q("drop table if exists hs_rejects_scan")
            else:
                source, has_line = prepared.read_sql(self.workdir), True
            shaper = Shaper(self.aliases, match, prepared.headers, prepared.sample, source=source, has_line=has_line,
                            received_on=received_on, metrics=metrics, people=people)
            shape = shaper.shape()
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hootsuite-lines") as beside:
                # Python counts a CSV's lines while DuckDB (which lets go of the GIL) reads it.
                lines = beside.submit(count_lines, prepared.path) if isinstance(prepared, CsvExport) else None
                self.q(shape.sql)
                counted = lines.result() if lines else None
            if not isinstance(prepared, CsvExport):
                self.q("create or replace temp view hs_lined as select * from hs_batch")
                self.q("create or replace temp table hs_reject_lines (line integer, reason varchar, raw varchar)")
                return shape, prepared
            undecodable = self.one("select count(*) from hs_rejects where error_type = 'INVALID ENCODING'")
            if undecodable and attempt == 0 and prepared.encoding in ("utf-8", "utf-8-sig"):
                # The first lines were UTF-8 but later ones are not: a Windows-1252 export (Excel's "CSV").
                prepared = prepare_csv(prepared.path, prepared.name, self.aliases.header_score, self.workdir,
                                       "cp1252")
                continue
            self.csv_lines(prepared, counted)
            return shape, prepared
        raise AssertionError("unreachable")

    def csv_lines(self, csv: CsvExport, counted: tuple[int, bool]) -> None:
        """Give every row and every row the reader refused its physical line (see ``export_files``).

        ``counted`` is ``count_lines`` of the file: its lines up to the last with content, and
        whether it ends with a line break.
        """
        header = csv.header_line
        accepted = self.one("select count(*) from hs_batch")
        refused = [r[0] for r in self.q("select distinct line from hs_rejects order by 1")]
        total, ends_cleanly = counted
        info: dict = {"cut": None}
        if total == header + accepted + len(refused):
            if refused:
                self.q(f"""
                    create or replace temp table hs_shift as
                    select t, max(shift) as shift from (
                        select line - {header} - row_number() over (order by line) + 1 as t,
                               row_number() over (order by line) as shift
                        from (select distinct line from hs_rejects)
                    ) group by t
                """)
                self.q(f"""create or replace temp view hs_lined as
                    select b.*, ({header} + b._pos + coalesce(s.shift, 0))::integer as _line
                    from hs_batch as b asof left join hs_shift as s on b._pos >= s.t""")
            else:
                self.q(f"create or replace temp view hs_lined as select *, ({header} + _pos)::integer as _line "
                       "from hs_batch")
            reject_line = "r.line"
            reject_join = ""
            if not ends_cleanly and total in refused:
                info["cut"] = total
        else:
            starts = row_start_lines(csv.path)
            refused_set = set(refused)
            data = [line for row, (line, blank) in enumerate(starts, 1)
                    if row > header and not blank and row not in refused_set]
            if len(data) == accepted:
                self.q("create or replace temp table hs_line_map as select unnest(range(1, ?::bigint + 1)) as pos, "
                       "unnest(?::integer[]) as line", [accepted, data])
                self.q("create or replace temp view hs_lined as select b.*, m.line as _line from hs_batch as b "
                       "join hs_line_map as m on m.pos = b._pos")
                csv.notes.append("some cells run over several lines: a row's line is the line it starts on")
            else:
                self.q(f"create or replace temp view hs_lined as select *, ({header} + _pos)::integer as _line "
                       "from hs_batch")
                csv.notes.append("the quoting of this file could not be followed line by line: line numbers given "
                                 "count rows, not lines")
            mapping = [(row, starts[row - 1][0]) for row in refused if 0 < row <= len(starts)]
            self.q("create or replace temp table hs_reject_map as select unnest(?::bigint[]) as row, "
                   "unnest(?::integer[]) as line", [[r for r, _ in mapping], [x for _, x in mapping]])
            reject_line = "coalesce(m.line, r.line)"
            reject_join = "left join hs_reject_map as m on m.row = r.line"
            content = [row for row, (_, blank) in enumerate(starts, 1) if not blank]
            if not ends_cleanly and content and content[-1] in refused_set:
                info["cut"] = starts[content[-1] - 1][0]
        cases = " ".join(f"when {lit(k)} then {lit(v.format(cells=len(csv.headers)))}"
                         for k, v in READER_REASONS.items())
        cut = f"when {reject_line} = {info['cut']} then {lit(CUT_REASON)} " if info["cut"] else ""
        self.q(f"""
            create or replace temp table hs_reject_lines as
            select {reject_line}::integer as line,
                   case {cut}when true then coalesce(case r.error_type {cases} end, r.error_message) end as reason,
                   json_object('row as received', r.csv_line)::varchar as raw
            from (select line, min(error_type) as error_type, min(error_message) as error_message,
                         min(csv_line) as csv_line
                  from hs_rejects group by line) as r
            {reject_join}
        """)
        if info["cut"]:
            csv.notes.append(f"the file is cut off at line {info['cut']}: that line was set aside, every whole row "
                             "before it was loaded")

    # -- loading one file -----------------------------------------------------------------------

    def load(self, target: LandedFile, prepared: CsvExport | SheetExport, match: HeaderMatch,
             outcome: FileOutcome) -> FileOutcome:
        received = datetime.fromisoformat(target.received_at)
        received_on = received.astimezone(ZoneInfo(self.aliases.default_zone)).date()
        shape, prepared = self.stage(prepared, match, received_on)
        entity = match.entity
        outcome.kind = entity.name
        notes = list(prepared.notes) + shape.notes
        if isinstance(prepared, CsvExport):
            notes.insert(0, f"delimiter {prepared.delimiter!r}, table header on line {prepared.header_line}")
        metric_headers = {prepared.headers[i] for i in self._metric_indexes(prepared, shape)}
        unknown = [h for h in match.unknown if h not in metric_headers]
        if unknown:
            notes.append(f"columns the alias file does not know were ignored: {_names(unknown)}")
        if match.repeated:
            notes.append(f"columns repeating one already read were ignored: {_names(match.repeated)}")
        self.q("""create or replace temp table hs_problems as
            select line, string_agg(reason, '; ' order by reason) as reason, min(raw) as raw from (
                select _line as line, _problem as reason, _raw::varchar as raw from hs_lined where _problem is not null
                union all
                select line, reason, raw from hs_reject_lines
            ) group by line""")
        now = datetime.now(UTC)
        lineage = {"landing_path": target.landing_path, "file_sha256": target.sha256, "run_id": self.run_id,
                   "loaded_at": now, "received_on": received_on}
        self.q("begin transaction")
        try:
            self.q("delete from ops_quarantine where file_sha256 = ?", [target.sha256])
            write = {"messages": self.write_messages, "members": self.write_members,
                     "profiles": self.write_profiles, "metrics": self.write_metrics,
                     "mentions": self.write_mentions}[entity.name]
            loaded, written, more = write(shape, lineage)
            quarantined = self.one("select count(*) from hs_problems")
            outcome.rows_loaded, outcome.rows_quarantined = loaded, quarantined
            outcome.problems = [f"line {line}: {reason}" for line, reason in self.q(
                f"select line, reason from hs_problems order by line limit {files.PROBLEMS_SHOWN}")]
            if not loaded and not quarantined:
                notes.append("the export has no rows under its header")
            outcome.notes += notes + more
            unchanged = loaded - written
            outcome.message = (f"{entity.title}: {loaded:,} row(s) loaded"
                               + (f" ({unchanged:,} already in the warehouse unchanged)" if unchanged else "")
                               + f", {quarantined:,} set aside")
            self.q(f"""insert into ops_quarantine (file_sha256, line, source, entity, original_name,
                    landing_path, reason, raw, run_id, quarantined_at)
                select {lit(target.sha256)}, line, {lit(SOURCE)}, {lit(entity.name)}, {lit(target.name)},
                       {lit(target.landing_path)}, reason, raw::json, {lit(self.run_id)}, ?::timestamptz
                from hs_problems""", [now])
            files.record_ledger(self.con, target, outcome, self.run_id, now)
            from council_social.validation import Batch, gate

            gate(self.con, suite=(TABLES[entity.name], "hootsuite_message_actions", "hootsuite_post_metrics"),
                 batch=Batch.of_file(target, entity=entity.name, run_id=self.run_id, received=loaded))
            self.q("commit")
        except Exception:
            self.q("rollback")
            raise
        return outcome

    def _metric_indexes(self, prepared, shape: Shape) -> list[int]:
        if not shape.metrics or shape.entity != "messages":
            return []
        match = self.aliases.match(prepared.headers, "metrics")
        return [i for c, i in match.columns.items() if c in shape.metrics or c == "reported_on"]

    # -- writing --------------------------------------------------------------------------------

    def _lineage_sql(self, lineage: dict, *, source: bool = True, sha: bool = True, line: bool = False) -> str:
        parts = []
        if source:
            parts.append(f"{lit('export')} as source")
        parts.append(f"{lit(lineage['landing_path'])} as landing_path")
        if sha:
            parts.append(f"{lit(lineage['file_sha256'])} as file_sha256")
        if line:
            parts.append("_line::integer as source_line")
        parts.append(f"{lit(self.run_id)} as run_id")
        parts.append(f"timestamptz {lit(lineage['loaded_at'].isoformat())} as loaded_at")
        return ", ".join(parts)

    def _dedupe(self, key: str) -> int:
        """Keep the last of rows repeating one key in the file (an export can list a row twice)."""
        total, distinct = self.q(f"select count(*), count(distinct {key}) from hs_batch where _problem is null")[0]
        if total == distinct:
            return 0
        self.q(f"""delete from hs_batch where _problem is null and _pos in (
            select _pos from (select _pos, row_number() over (partition by {key} order by _pos desc) as n
                              from hs_batch where _problem is null) where n > 1)""")
        return total - distinct

    def upsert(self, entity: str, incoming_sql: str, present: set[str]) -> int:
        """Write the rows that are new or changed, merging on the table's key; returns how many.

        One left join sorts the file's rows: a key the table lacks is inserted; a stored row whose
        compared columns differ is deleted and inserted again (same transaction); an unchanged row
        is not touched, lineage included. Columns the file does not have keep their stored values.
        Every statement is a plain ``insert``: keys are unique within a batch (``_dedupe``) and
        changed rows are gone before their new version arrives, so nothing can conflict, and DuckDB
        skips the row-by-row conflict check of ``insert or replace`` (four times the cost of the
        insert itself for a million rows).
        """
        table, key, business = TABLES[entity], KEYS[entity], BUSINESS[entity]
        if not self.one(f"select count(*) from (select 1 from {table} limit 1)"):
            return self.one(f"insert into {table} by name {incoming_sql}")
        on = " and ".join(f"s.{k} = i.{k}" for k in key)
        absent = [c for c in business if c not in present]
        star = "i.*" + (" replace (" + ", ".join(f"case when s.{key[0]} is null then i.{c} else s.{c} end as {c}"
                                                 for c in absent) + ")" if absent else "")
        compared = [c for c in business if c in present]
        differs = (f"row({', '.join(f'i.{c}' for c in compared)}) is distinct from "
                   f"row({', '.join(f's.{c}' for c in compared)})") if compared else "false"
        self.q(f"create or replace temp table hs_changed as select {star}, s.{key[0]} is not null as _stored "
               f"from ({incoming_sql}) as i left join {table} as s on {on} where s.{key[0]} is null or {differs}")
        if self.one("select count(*) from (select 1 from hs_changed where _stored limit 1)"):
            self.q(f"delete from {table} as s using hs_changed as i where i._stored and {on}")
        return self.one(f"insert into {table} by name select * exclude (_stored) from hs_changed")

    def write_messages(self, shape: Shape, lineage: dict) -> tuple[int, int, list[str]]:
        notes: list[str] = []
        good = "_problem is null"
        stored = self.one("select count(*) from (select 1 from hootsuite_messages limit 1)")
        if stored and self.one(f"select count(*) from hs_batch where {good} and message_id is null"):
            # A post an earlier export or the API already brought keeps the key it has.
            self.q(f"""update hs_batch as b set message_key = k.message_key
                from (select network, network_post_id,
                             coalesce(max(message_key) filter (where message_id is not null), min(message_key))
                                 as message_key
                      from hootsuite_messages where network_post_id is not null group by all) as k
                where b.{good} and b.message_id is null and k.network = b.network
                  and k.network_post_id = b.network_post_id""")
        if self.one("select count(*) from (select 1 from hootsuite_profiles limit 1)") and self.one(
                f"select count(*) from hs_batch where {good} and profile_id is null and profile_name is not null"):
            self.q(f"""update hs_batch as b set profile_id = p.profile_id from ({PROFILES_BY_NAME}) as p
                where b.{good} and b.profile_id is null and p.network = b.network
                  and p.username = lower(ltrim(b.profile_name, '@'))""")
        repeated = self._dedupe("message_key")
        if repeated:
            notes.append(f"{repeated:,} row(s) repeat a message listed earlier in the file: the last one was kept")
        approvals = "approved_by" in shape.present
        columns = ("message_key", "message_id", "network_post_id", "profile_id", "profile_name", "network", "text",
                   "state", "created_at", "scheduled_at", "sent_at", "created_by", "approved_by")
        incoming = (f"select {', '.join(columns)}, {self._lineage_sql(lineage, line=True)} from hs_lined "
                    f"where {good}")
        loaded = self.one(f"select count(*) from hs_batch where {good}")
        if stored and self.one("select count(*) from (select 1 from hootsuite_messages where message_id is null "
                               "limit 1)"):
            # Rows an id-less export brought under '<network>:<post id>' give way to the same post with its id.
            superseded = (f"select network || ':' || network_post_id from hs_batch where {good} "
                          "and message_id is not null and network_post_id is not null and network is not null")
            self.q(f"delete from hootsuite_messages where message_id is null and message_key in ({superseded})")
            self.q(f"delete from hootsuite_message_actions where source = 'export' and message_id in ({superseded})")
        written = self.upsert("messages", incoming, shape.present)
        self.write_actions(shape, lineage, approvals)
        if shape.metrics:
            metrics_loaded, _ = self.write_metric_rows(shape, lineage, "messages")
            notes.append(f"{metrics_loaded:,} post performance row(s) loaded from the same columns, dated "
                         f"{lineage['received_on'].isoformat()} (the day the export arrived)")
        return loaded, written, notes

    def write_actions(self, shape: Shape, lineage: dict, approvals: bool) -> None:
        """Approvals and sends, as the approvals trail: what the member-activity mart reads.

        What this export says about its messages' approvals (or sends) replaces what earlier exports
        said: trail rows no longer said are deleted, new ones inserted, and rows both say are left
        alone, lineage included, so an overlapping export rewrites only what changed.
        """
        parts, kinds = [], []
        if approvals:
            kinds.append("'APPROVE'")
            parts.append("select message_id, 'APPROVE' as action, actor_id, acted_at from ("
                         "select coalesce(message_id, message_key) as message_id, unnest(approved_by) as actor_id, "
                         "coalesce(approved_at, sent_at, scheduled_at) as acted_at "
                         "from hs_batch where _problem is null and approved_by is not null) "
                         "where acted_at is not null")
        if "sent_by" in shape.present:
            kinds.append("'SEND'")
            parts.append("select coalesce(message_id, message_key), 'SEND', sent_by, sent_at from hs_batch "
                         "where _problem is null and sent_by is not null and sent_at is not null")
        if not parts:
            return
        api_trail = self.one("select count(*) from (select 1 from hootsuite_message_actions where source = 'api' "
                             "limit 1)")
        keep_api = ("where message_id not in (select message_id from hootsuite_message_actions "
                    "where source = 'api')") if api_trail else ""
        self.q(f"""create or replace temp table hs_actions as
            select distinct message_id, action, actor_id, acted_at
            from ({' union all '.join(parts)}) {keep_api}""")
        insert = (f"insert into hootsuite_message_actions by name select n.*, 'MEMBER' as actor_type, "
                  f"{self._lineage_sql(lineage, sha=False)} from hs_actions as n")
        if not self.one("select count(*) from (select 1 from hootsuite_message_actions limit 1)"):
            self.q(insert)
            return
        same = ("t.message_id = n.message_id and t.action = n.action and t.actor_id = n.actor_id "
                "and t.acted_at = n.acted_at")
        self.q(f"""delete from hootsuite_message_actions as t
            where t.source = 'export' and t.action in ({', '.join(kinds)})
              and t.message_id in (select coalesce(message_id, message_key) from hs_batch where _problem is null)
              and not exists (select 1 from hs_actions as n where {same})""")
        # What is left of these messages' trails is either kept as it is or not theirs to change (the API's).
        self.q(f"{insert} where not exists (select 1 from hootsuite_message_actions as t where {same})")

    def write_metric_rows(self, shape: Shape, lineage: dict, entity: str) -> tuple[int, int]:
        """Post figures, one row per post and report date (the last in the file)."""
        names = shape.metrics
        where = "_problem is null and network is not null and network_post_id is not null"
        reported = "reported_on" if entity == "metrics" else f"date {lit(lineage['received_on'].isoformat())}"
        self.q(f"""delete from hs_batch where {where} and _pos in (
            select _pos from (select _pos, row_number() over (partition by network, network_post_id
                              {', reported_on' if entity == 'metrics' else ''} order by _pos desc) as n
                              from hs_batch where {where}) where n > 1)""")
        figures = ", ".join(c if c in names else f"null::bigint as {c}" for c in METRICS)
        incoming = (f"select network, network_post_id, profile_name, {reported} as reported_on, {figures}, "
                    f"{self._lineage_sql(lineage, source=False)} from hs_batch where {where}")
        present = {"profile_name", *names} if entity == "metrics" or "profile_name" in shape.present else set(names)
        written = self.upsert("metrics", incoming, present)
        return self.one(f"select count(*) from hs_batch where {where}"), written

    def write_metrics(self, shape: Shape, lineage: dict) -> tuple[int, int, list[str]]:
        loaded, written = self.write_metric_rows(shape, lineage, "metrics")
        return loaded, written, []

    def write_mentions(self, shape: Shape, lineage: dict) -> tuple[int, int, list[str]]:
        """Stream and listening exports into ``hootsuite_mentions``; the listening DAG takes them from there."""
        notes: list[str] = []
        repeated = self._dedupe("mention_key")
        if repeated:
            notes.append(f"{repeated:,} row(s) repeat a mention listed earlier in the file: the last one was kept")
        columns = ("mention_key", "platform", "mention_id", "stream", "author_handle", "author_name", "author_reach",
                   "text", "lang", "url", "created_at", "in_reply_to_id")
        incoming = (f"select {', '.join(columns)}, {self._lineage_sql(lineage, line=True)} from hs_lined "
                    "where _problem is null")
        loaded = self.one("select count(*) from hs_batch where _problem is null")
        return loaded, self.upsert("mentions", incoming, shape.present), notes

    def write_members(self, shape: Shape, lineage: dict) -> tuple[int, int, list[str]]:
        notes: list[str] = []
        good = "_problem is null"
        stored = self.one("select count(*) from (select 1 from hootsuite_members limit 1)")
        if stored and self.one(f"select count(*) from hs_batch where {good} and member_id is null"):
            self.q(f"""update hs_batch as b set member_key = k.member_key
                from (select lower(email) as email,
                             coalesce(max(member_key) filter (where member_id is not null), min(member_key))
                                 as member_key
                      from hootsuite_members where email is not null group by 1) as k
                where b.{good} and b.member_id is null and k.email = b.email""")
        repeated = self._dedupe("member_key")
        if repeated:
            notes.append(f"{repeated:,} row(s) repeat a member listed earlier in the file: the last one was kept")
        columns = ("member_key", "member_id", "full_name", "email", "role", "is_active", "created_at", "teams")
        incoming = f"select {', '.join(columns)}, {self._lineage_sql(lineage)} from hs_batch where {good}"
        loaded = self.one(f"select count(*) from hs_batch where {good}")
        if stored:
            self.q(f"""delete from hootsuite_members where member_id is null and member_key in (
                select 'email:' || email from hs_batch where {good} and member_id is not null and email is not null)""")
        written = self.upsert("members", incoming, shape.present)
        resolved = self.resolve_people()
        if resolved:
            notes.append(f"{resolved:,} author, approver or sender name(s) in earlier exports now resolved to "
                         "member ids")
        return loaded, written, notes

    def write_profiles(self, shape: Shape, lineage: dict) -> tuple[int, int, list[str]]:
        notes: list[str] = []
        repeated = self._dedupe("profile_id")
        if repeated:
            notes.append(f"{repeated:,} row(s) repeat a profile listed earlier in the file: the last one was kept")
        columns = ("profile_id", "network", "username", "social_network_id", "owner", "needs_reauth")
        incoming = f"select {', '.join(columns)}, {self._lineage_sql(lineage)} from hs_batch where _problem is null"
        loaded = self.one("select count(*) from hs_batch where _problem is null")
        written = self.upsert("profiles", incoming, shape.present)
        linked = self.one(f"""update hootsuite_messages as m set profile_id = p.profile_id
            from ({PROFILES_BY_NAME}) as p
            where m.source = 'export' and m.profile_id is null and m.profile_name is not null
              and p.network = m.network and p.username = lower(ltrim(m.profile_name, '@'))""")
        if linked:
            notes.append(f"{linked:,} message(s) from earlier exports now linked to their social profile")
        return loaded, written, notes

    def resolve_people(self) -> int:
        """Rewrite names and emails in export rows to member ids, now that members are known."""
        self.lookups()
        resolved = self.one("""update hootsuite_messages as m set created_by = p.member_id from hs_people as p
            where m.source = 'export' and lower(m.created_by) = p.alias and m.created_by <> p.member_id""")
        self.q("""create or replace temp table hs_fix as
            select u.message_key, list(coalesce(p.member_id, u.name) order by u.i) as approved_by
            from (select message_key, unnest(approved_by) as name, generate_subscripts(approved_by, 1) as i
                  from hootsuite_messages where source = 'export' and approved_by is not null) as u
            left join hs_people as p on p.alias = lower(u.name)
            group by u.message_key
            having bool_or(p.member_id is not null and p.member_id <> u.name)""")
        resolved += self.one("""update hootsuite_messages as m set approved_by = f.approved_by from hs_fix as f
            where m.message_key = f.message_key""")
        self.q("""create or replace temp table hs_fix_actions as
            select a.*, p.member_id as member_id from hootsuite_message_actions as a
            join hs_people as p on p.alias = lower(a.actor_id)
            where a.source = 'export' and a.actor_id <> p.member_id""")
        fixed = self.one("select count(*) from hs_fix_actions")
        if fixed:
            self.q("""delete from hootsuite_message_actions as a using hs_fix_actions as f
                where a.message_id = f.message_id and a.action = f.action and a.actor_id = f.actor_id
                  and a.acted_at = f.acted_at""")
            self.q("""insert or replace into hootsuite_message_actions by name
                select * exclude (actor_id, member_id), member_id as actor_id from hs_fix_actions""")
        return resolved + fixed

    # -- archives -------------------------------------------------------------------------------

    def load_archive(self, landed: LandedFile, path: Path, outcome: FileOutcome) -> FileOutcome:
        """Load each export in a ZIP as a file of its own; members that are not exports are set aside."""
        outcome.kind = "archive"
        planned: list[tuple[int, str, LandedFile, object, object, str | None]] = []
        for member in archive_members(path, landed.name, self.workdir):
            if member.clutter:
                continue
            checksum = member.sha256 or sha256(f"{landed.sha256}/{member.name}".encode())
            target = LandedFile(landed.source, landed.inbox_path, member.name, checksum, landed.landing_path,
                                None, landed.received_at)
            earlier = _ledger_entry(self.con, checksum)
            if earlier and earlier[1] != "rejected":
                outcome.notes.append(f"{member.name}: same content as '{earlier[0]}', already loaded; skipped")
                continue
            if member.reason:
                planned.append((len(ENTITY_ORDER), member.name, target, None, None, member.reason))
                continue
            try:
                kind = file_kind(PurePosixPath(member.name).name, member.path)
                prepared, match = self.prepare(member.path, member.name, kind)
            except UnreadableFile as exc:
                entity = getattr(exc, "entity", None)
                planned.append((len(ENTITY_ORDER), member.name, target, None, entity, str(exc)))
                continue
            planned.append((ENTITY_ORDER.index(match.entity.name), member.name, target, prepared, match, None))
        if not planned and not outcome.notes:
            raise UnreadableFile(f"{landed.name}: the archive holds no Hootsuite export (.csv or .xlsx)")
        loaded_files = refused = 0
        for _, name, target, prepared, match, reason in sorted(planned, key=lambda p: (p[0], p[1])):
            member_outcome = FileOutcome.of(target)
            if reason is not None:
                member_outcome.kind = match  # for a refused file: the entity it looked like, if any
            else:
                try:
                    member_outcome = self.load(target, prepared, match, member_outcome)
                except UnreadableFile as exc:
                    reason = str(exc)
                    member_outcome.kind = match.entity.name
                finally:
                    self.drop_temporary()
            if reason is not None:
                files.record_rejection(self.con, target, member_outcome, reason, self.run_id)
                refused += 1
                outcome.rows_quarantined += 1
                outcome.problems.append(f"{name}: {reason}")
                continue
            loaded_files += 1
            outcome.rows_loaded += member_outcome.rows_loaded
            outcome.rows_quarantined += member_outcome.rows_quarantined
            outcome.problems += [f"{name} {p}" for p in member_outcome.problems]
            outcome.notes += [f"{name}: {member_outcome.message}"] + [f"{name}: {n}" for n in member_outcome.notes]
        outcome.problems = outcome.problems[:files.PROBLEMS_SHOWN]
        if planned and not loaded_files:
            raise UnreadableFile(f"{landed.name}: no file in the archive could be loaded: "
                                 + "; ".join(outcome.problems))
        outcome.message = (f"ZIP archive: {loaded_files} export(s) loaded ({outcome.rows_loaded:,} rows), "
                           f"{refused} file(s) and {outcome.rows_quarantined - refused:,} row(s) set aside")
        now = datetime.now(UTC)
        self.q("begin transaction")
        try:
            files.record_ledger(self.con, landed, outcome, self.run_id, now)
            self.q("commit")
        except Exception:
            self.q("rollback")
            raise
        return outcome


#: Social profiles by (network, lower-case username), where a username names one profile.
PROFILES_BY_NAME = """
    select network, lower(username) as username, min(profile_id) as profile_id
    from hootsuite_profiles where username is not null and network is not null
    group by all having count(*) = 1
"""
