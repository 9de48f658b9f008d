"""The catalogue of personal data, ``config/personal_data.yaml``: what retention and erasure reach.

Read inside tasks only (it is I/O). Unknown settings are refused by name, as in the policy file:
a misspelt ``retention:`` would otherwise silently keep a table's mentions for ever.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from council_social.config import settings

HOLDS = ("public", "mixed", "council", "staff", "aggregate", "record")
RETENTION = ("delete", "clear", "keep")
ERASURE = ("sweep", "skip")
AUTHOR_KINDS = ("id", "handle", "name")
TABLE_KEYS = {"holds", "why", "platform", "author", "text", "json", "time", "public_rows", "retention", "clear",
              "aggregated", "refers_to", "erasure"}
LANDING_KEYS = {"holds", "format", "ledger_entities", "erasure", "why"}


class CatalogueError(ValueError):
    pass


def _paths(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple([value] if isinstance(value, str) else [str(v) for v in value])


@dataclass(frozen=True)
class AuthorPaths:
    """Where a record keeps its author: each kind is one or more column names or dotted JSON paths."""

    id: tuple[str, ...] = ()
    handle: tuple[str, ...] = ()
    name: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: dict | None, where: str) -> AuthorPaths:
        spec = spec or {}
        unknown = set(spec) - set(AUTHOR_KINDS)
        if unknown:
            raise CatalogueError(f"{where}: unknown author field(s) {sorted(unknown)} (known: id, handle, name)")
        return cls(*(_paths(spec.get(kind)) for kind in AUTHOR_KINDS))

    def __bool__(self) -> bool:
        return bool(self.id or self.handle or self.name)


@dataclass(frozen=True)
class TableEntry:
    name: str
    holds: str
    why: str = ""
    platform: str | None = None
    author: AuthorPaths = AuthorPaths()
    text: tuple[str, ...] = ()
    json: dict[str, AuthorPaths] = field(default_factory=dict)
    time: str | None = None
    public_rows: str | None = None
    retention: str = "keep"
    clear: tuple[str, ...] = ()
    aggregated: bool = False
    refers_to: dict | None = None
    erasure: str = "sweep"

    def columns(self) -> set[str]:
        """Every column the entry names (checked against the table by the tests)."""
        named = {self.platform, self.time, *self.text, *self.json, *self.clear,
                 *self.author.id, *self.author.handle, *self.author.name}
        if self.refers_to:
            named |= set(self.refers_to["columns"])
        return {c for c in named if c}


@dataclass(frozen=True)
class RecordRule:
    """A list of records inside a landed JSON line (``.`` is the line itself) and their author paths."""

    path: str
    author: AuthorPaths
    nested: tuple[str, ...] = ()


@dataclass(frozen=True)
class LandingEntry:
    pattern: str  # source/entity, with shell wildcards
    holds: str
    format: str | None = None
    ledger_entities: tuple[str, ...] = ()
    erasure: str = "sweep"

    def matches(self, source: str | None, entity: str | None) -> bool:
        return fnmatch.fnmatchcase(f"{source or ''}/{entity or ''}", self.pattern)


@dataclass(frozen=True)
class Catalogue:
    tables: dict[str, TableEntry]
    landing: list[LandingEntry]
    formats: dict[str, list[RecordRule]]
    author_columns: tuple[str, ...]
    aggregate_tables: tuple[str, ...] = ()
    aggregate_day: str = "day"
    aggregate_platform: str | None = "platform"
    hold_at_most_days: int = 14

    def landing_entry(self, source: str | None, entity: str | None) -> LandingEntry | None:
        """The first entry that matches ``source/entity`` (exact entries before wildcards)."""
        ordered = sorted(self.landing, key=lambda e: any(ch in e.pattern for ch in "*?["))
        return next((e for e in ordered if e.matches(source, entity)), None)

    def rules_for(self, source: str | None, entity: str | None) -> list[RecordRule]:
        entry = self.landing_entry(source, entity)
        if entry is not None and entry.format:
            return self.formats.get(entry.format, [])
        return self.formats.get("records", [])

    @property
    def json_author_paths(self) -> AuthorPaths:
        """Every author path any JSON column names: used for records whose shape is not known in advance."""
        kinds = {kind: [] for kind in AUTHOR_KINDS}
        for entry in self.tables.values():
            for paths in entry.json.values():
                for kind in AUTHOR_KINDS:
                    kinds[kind].extend(p for p in getattr(paths, kind) if p not in kinds[kind])
        return AuthorPaths(*(tuple(kinds[k]) for k in AUTHOR_KINDS))


def warehouse_columns(con) -> dict[str, dict[str, str]]:
    """Every warehouse table's columns and their types, in table order: what retention and erasure can reach."""
    found: dict[str, dict[str, str]] = {}
    for table, column, kind in con.execute(
            "select c.table_name, c.column_name, c.data_type from information_schema.columns as c"
            " join information_schema.tables as t using (table_schema, table_name)"
            " where c.table_schema = 'main' and t.table_type = 'BASE TABLE' order by c.ordinal_position").fetchall():
        found.setdefault(table, {})[column] = kind
    return found


def catalogue_path() -> Path:
    return settings().root / "config" / "personal_data.yaml"


def _choice(value: object, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise CatalogueError(f"{where} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _table(name: str, spec: dict) -> TableEntry:
    where = f"tables.{name}"
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where} must be a section")
    unknown = set(spec) - TABLE_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown setting(s) {sorted(unknown)} (known: {', '.join(sorted(TABLE_KEYS))})")
    retention = _choice(spec.get("retention", "keep"), RETENTION, f"{where}.retention")
    if retention != "keep" and not spec.get("time"):
        raise CatalogueError(f"{where}: retention '{retention}' needs a time column")
    if retention == "clear" and not spec.get("clear"):
        raise CatalogueError(f"{where}: retention 'clear' needs the columns to clear")
    refers = spec.get("refers_to")
    if refers is not None and (not isinstance(refers, dict) or set(refers) != {"table", "columns"}):
        raise CatalogueError(f"{where}.refers_to needs 'table' and 'columns'")
    return TableEntry(
        name=name, holds=_choice(spec.get("holds"), HOLDS, f"{where}.holds"), why=str(spec.get("why") or ""),
        platform=spec.get("platform"), author=AuthorPaths.of(spec.get("author"), f"{where}.author"),
        text=_paths(spec.get("text")),
        json={column: AuthorPaths.of(paths, f"{where}.json.{column}") for column, paths in
              (spec.get("json") or {}).items()},
        time=spec.get("time"), public_rows=spec.get("public_rows"), retention=retention,
        clear=_paths(spec.get("clear")), aggregated=bool(spec.get("aggregated", False)), refers_to=refers,
        erasure=_choice(spec.get("erasure", "sweep"), ERASURE, f"{where}.erasure"))


def load_catalogue(path: Path | None = None) -> Catalogue:
    import yaml

    path = path or catalogue_path()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(data) - {"version", "aggregates", "tables", "landing", "formats"}
    if unknown:
        raise CatalogueError(f"{path}: unknown section(s) {sorted(unknown)}")
    tables = {name: _table(name, spec) for name, spec in (data.get("tables") or {}).items()}
    landing = []
    for pattern, spec in (data.get("landing") or {}).items():
        spec = spec or {}
        unknown = set(spec) - LANDING_KEYS
        if unknown or pattern.count("/") != 1:
            raise CatalogueError(f"landing.{pattern}: name it source/entity; known settings: "
                                 f"{', '.join(sorted(LANDING_KEYS))}")
        landing.append(LandingEntry(
            pattern=pattern, holds=_choice(spec.get("holds"), HOLDS, f"landing.{pattern}.holds"),
            format=spec.get("format"), ledger_entities=_paths(spec.get("ledger_entities")),
            erasure=_choice(spec.get("erasure", "sweep"), ERASURE, f"landing.{pattern}.erasure")))
    formats: dict[str, list[RecordRule]] = {}
    author_columns: tuple[str, ...] = ()
    for name, spec in (data.get("formats") or {}).items():
        if "author_columns" in spec:
            author_columns = tuple(str(c).lower() for c in spec["author_columns"])
        formats[name] = [RecordRule(path=str(r["path"]), author=AuthorPaths.of(r.get("author"), f"formats.{name}"),
                                    nested=_paths(r.get("nested"))) for r in spec.get("records") or []]
    for entry in landing:
        if entry.format and entry.format not in formats:
            raise CatalogueError(f"landing.{entry.pattern}: unknown format '{entry.format}'")
    aggregates = data.get("aggregates") or {}
    return Catalogue(tables=tables, landing=landing, formats=formats, author_columns=author_columns,
                     aggregate_tables=_paths(aggregates.get("tables")), aggregate_day=aggregates.get("day", "day"),
                     aggregate_platform=aggregates.get("platform"),
                     hold_at_most_days=int(aggregates.get("hold_at_most_days", 14)))
