"""The Great Expectations suites in ``expectations/``: one GX 1.x ExpectationSuite JSON file per table.

What a suite needs that a data frame cannot show is worked out in SQL over the batch first and named
in the suite's ``meta``:

- ``meta.table``: the warehouse table the suite checks (the suite's name when absent);
- ``meta.computed``: column name -> SQL expression over the batch (aliased ``batch``), for references
  (the id that does not resolve, else null) and lengths of public text (so no text is copied into
  results, emails or Data Docs).

Each expectation carries GX's own ``severity``: ``critical`` is the error level (the batch is
refused) and ``warning`` the warning level (the data team is told; the batch loads).
``meta.check`` names the kind of check (key, timestamp, enumeration, reference, length, range,
consistency, volume). Expectations with ``meta.frame = "volume"`` look at the batch's size against
recent batches of the same source and entity instead of at its rows. Key checks marked
``meta.enforced_by = "schema"`` state what the table's primary key and NOT NULL columns already
guarantee (an insert breaking them fails before any gate): they document the contract and are not
run again, which would cost seconds per million rows (``tests/validation`` checks each mark against
the schema).

Reading a suite needs no GX; building the GX suite object imports it, so call that inside tasks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from council_social.config import settings

LEVELS = {"critical": "error", "warning": "warning"}
KINDS = ("key", "timestamp", "enumeration", "reference", "length", "range", "consistency", "volume")
FRAMES = ("rows", "volume")
#: The columns of the one-row frame a volume check sees.
VOLUME_COLUMNS = ("rows", "usual_rows", "share_of_usual")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
COLUMN_KWARGS = ("column", "column_A", "column_B")


class SuiteError(ValueError):
    """A suite file cannot be used as it is; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Check:
    """One expectation of a suite, with the name results are kept under."""

    name: str
    type: str
    kwargs: dict
    level: str
    kind: str
    frame: str
    config: dict
    #: guaranteed by the table's constraints, so not run (see the module docstring)
    enforced: bool = False

    @property
    def columns(self) -> list[str]:
        found = [self.kwargs[k] for k in COLUMN_KWARGS if k in self.kwargs]
        return found + list(self.kwargs.get("column_list") or [])


@dataclass(frozen=True)
class Suite:
    name: str
    table: str
    description: str
    computed: dict[str, str]
    checks: tuple[Check, ...]
    path: Path

    def checks_on(self, frame: str) -> list[Check]:
        """The checks run on a frame (those the schema enforces are not)."""
        return [c for c in self.checks if c.frame == frame and not c.enforced]

    def categories(self) -> set[str]:
        """Columns the frame may hold as pandas categories: all but those of distinct values.

        GX filters the whole frame for each expectation; a category column is filtered and compared
        through its integer codes, far cheaper than text. A column a uniqueness check reads keeps its
        text (encoding distinct values costs more than it saves) unless it is an enumeration.
        """
        checks = self.checks_on("rows")
        enumerations = {c for check in checks if check.type == "expect_column_values_to_be_in_set"
                        for c in check.columns}
        unique = {c for check in checks if "unique" in check.type for c in check.columns} - enumerations
        return {c for check in checks for c in check.columns} - unique

    def row_columns(self) -> list[str]:
        """Table columns the row checks read, in first-use order (computed ones excluded)."""
        seen: dict[str, None] = {}
        for check in self.checks_on("rows"):
            for column in check.columns:
                if column not in self.computed:
                    seen.setdefault(column, None)
        return list(seen)

    def gx_suite(self, frame: str = "rows"):
        """The GX ``ExpectationSuite`` of this suite's checks on one frame (imports GX)."""
        import great_expectations as gx

        checks = self.checks_on(frame)
        expectations = [{**c.config, "meta": {**c.config.get("meta", {}), "name": c.name}} for c in checks]
        name = self.name if frame == "rows" else f"{self.name}.{frame}"
        suite = gx.ExpectationSuite(name=name, expectations=expectations,
                                    meta={"table": self.table, "description": self.description})
        if len(suite.expectations) != len(checks):
            # GX logs and drops an expectation whose configuration it cannot read: refuse instead.
            kept = {e.meta.get("name") for e in suite.expectations}
            dropped = [c.name for c in checks if c.name not in kept]
            raise SuiteError(f"{self.path}: Great Expectations cannot read {', '.join(dropped)}")
        return suite


def suites_dir() -> Path:
    return settings().root / "expectations"


def suite_names() -> list[str]:
    return sorted(p.stem for p in suites_dir().glob("*.json"))


def load_suite(name: str) -> Suite:
    path = suites_dir() / f"{name}.json"
    if not path.is_file():
        raise SuiteError(f"no suite '{name}': expected {path}")
    return _load(path, path.stat().st_mtime_ns)


def _name(check_type: str, kwargs: dict) -> str:
    columns = [kwargs[k] for k in COLUMN_KWARGS if k in kwargs] + list(kwargs.get("column_list") or [])
    return f"{check_type}({', '.join(columns)})" if columns else check_type


@cache
def _load(path: Path, _mtime: int) -> Suite:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not JSON: {exc}") from exc
    meta = data.get("meta") or {}
    name = data.get("name")
    if name != path.stem:
        raise SuiteError(f"{path}: its name is '{name}', not '{path.stem}'")
    table = meta.get("table") or name
    computed = dict(meta.get("computed") or {})
    for identifier in [table, *computed]:
        if not IDENTIFIER.match(identifier):
            raise SuiteError(f"{path}: '{identifier}' is not a plain lower-case SQL name")
    checks: list[Check] = []
    for number, entry in enumerate(data.get("expectations") or [], 1):
        check_type, kwargs = entry.get("type"), entry.get("kwargs") or {}
        where = f"{path}: expectation {number} ({check_type})"
        severity = entry.get("severity")
        if severity not in LEVELS:
            raise SuiteError(f"{where}: severity must be 'critical' (error level) or 'warning', not {severity!r}")
        entry_meta = entry.get("meta") or {}
        kind, frame = entry_meta.get("check"), entry_meta.get("frame", "rows")
        if kind not in KINDS:
            raise SuiteError(f"{where}: meta.check must be one of {', '.join(KINDS)}, not {kind!r}")
        if frame not in FRAMES:
            raise SuiteError(f"{where}: meta.frame must be one of {', '.join(FRAMES)}, not {frame!r}")
        enforced_by = entry_meta.get("enforced_by")
        if enforced_by not in (None, "schema") or (enforced_by and kind != "key"):
            raise SuiteError(f"{where}: meta.enforced_by may only be 'schema', on a key check")
        check = Check(_name(check_type, kwargs), check_type, kwargs, LEVELS[severity], kind, frame, entry,
                      enforced=bool(enforced_by))
        if frame == "volume" and not set(check.columns) <= set(VOLUME_COLUMNS):
            raise SuiteError(f"{where}: a volume check reads only {', '.join(VOLUME_COLUMNS)}")
        for column in check.columns:
            if not IDENTIFIER.match(str(column)):
                raise SuiteError(f"{where}: '{column}' is not a plain lower-case column name")
        if any(c.name == check.name for c in checks):
            raise SuiteError(f"{where}: a second '{check.name}'; results are kept by that name, so make it one")
        checks.append(check)
    if not checks:
        raise SuiteError(f"{path}: the suite has no expectations")
    return Suite(name, table, meta.get("description", ""), computed, tuple(checks), path)
