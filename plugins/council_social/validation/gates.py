"""The validation gate every loader calls inside its transaction, after its writes and before commit.

``gate(con, suite=..., batch=...)`` reads back what this load wrote (the rows carrying its run id,
and its file's checksum or its landed pages), validates them with the suite, and then:

- all checks pass, or only warning-level ones fail: the results are written to
  ``ops_validation_results`` and ``ops_batches`` in the same transaction, and commit with the load;
- an error-level check fails: ``BatchRejected`` is raised, so the loader's transaction rolls back
  and nothing reaches the marts (they are views over these tables) or the reports.

Reading back only the batch keeps the cost in step with the new rows, not with the history.
What happens next (results kept for a refused batch, the file set aside, the data team emailed,
the task failed, Data Docs rendered) is done by ``validation.gated`` once the load's connection is
closed; the gate only notes its outcomes there.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from council_social.validation.suites import Check, Suite, load_suite

if TYPE_CHECKING:
    from council_social.inbox.files import LandedFile

log = logging.getLogger(__name__)

#: Timestamps before this are implausible for council social media data.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: "Not in the future", with a day's grace for time zones and clocks.
GRACE = timedelta(days=1)
#: How far ahead planned dates (scheduled posts, leaving dates, elections) may lie.
HORIZON = timedelta(days=730)
#: The volume check compares a file with the median of this many earlier batches (and needs this few).
VOLUME_HISTORY, VOLUME_MINIMUM = 10, 3
EXAMPLES, EXAMPLE_CHARS = 5, 80
#: Prefix of the quarantine reason of a refused file, so a later pass can clear it.
QUARANTINE_PREFIX = "failed validation: "


@dataclass(frozen=True)
class Batch:
    """What one load wrote, and how to find it again."""

    source: str
    entity: str
    batch_id: str
    #: None reads every row of the table (``check_table``)
    run_id: str | None
    #: rows of this file (tables with a ``file_sha256`` column)
    file_sha256: str | None = None
    #: the landed file, for tables without ``file_sha256`` (their rows carry ``landing_path``)
    landing_path: str | None = None
    #: rows from these landed pages only (an API load that commits account by account)
    landing_paths: tuple[str, ...] = ()
    #: rows the file held, what the volume check compares; None for API loads
    received: int | None = None
    name: str | None = None
    inbox_path: str | None = None

    @classmethod
    def of_file(cls, landed: LandedFile, *, entity: str, run_id: str, received: int | None) -> Batch:
        return cls(source=landed.source, entity=entity, batch_id=landed.sha256, run_id=run_id,
                   file_sha256=landed.sha256, landing_path=landed.landing_path, received=received,
                   name=landed.name, inbox_path=landed.inbox_path)

    @classmethod
    def of_api(cls, source: str, entity: str, scope: str, run_id: str,
               landing_paths: Sequence[str] = ()) -> Batch:
        return cls(source=source, entity=entity, batch_id=f"{source}:{entity}:{scope}", run_id=run_id,
                   landing_paths=tuple(landing_paths))

    @property
    def label(self) -> str:
        if self.name:
            return f"{self.source} {self.entity} file '{self.name}'"
        return f"{self.source} {self.entity} load {self.batch_id}"


@dataclass
class CheckResult:
    check: Check
    success: bool
    rows: int
    unexpected: int | None
    examples: list[str]

    def describe(self) -> str:
        what = f"{self.check.name} [{self.check.kind}, {self.check.level}]"
        if self.check.frame == "volume":
            return f"{what}: {'; '.join(self.examples)}"
        count = f"{self.unexpected:,} of {self.rows:,} row(s)" if self.unexpected is not None else "failed"
        return f"{what}: {count}" + (f", e.g. {', '.join(self.examples)}" if self.examples else "")


@dataclass
class SuiteResult:
    suite: Suite
    frame: str
    rows: int
    checks: list[CheckResult]
    gx_suite: object = None
    gx_result: object = None

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.success]


@dataclass
class GateOutcome:
    batch: Batch
    suites: list[str]
    results: list[SuiteResult]
    rows: int
    validated_at: datetime
    seconds: float
    warehouse: str | None = None
    recipients: dict[str, list[str]] = field(default_factory=lambda: {"to": [], "cc": []})

    @property
    def failures(self) -> list[tuple[SuiteResult, CheckResult]]:
        return [(s, c) for s in self.results for c in s.failed]

    @property
    def status(self) -> str:
        levels = {c.check.level for _, c in self.failures}
        return "failed" if "error" in levels else "warned" if levels else "passed"

    def message(self) -> str:
        """What failed: each suite, expectation and up to five example values."""
        if not self.failures:
            return f"{self.batch.label}: {self.rows:,} row(s) passed {', '.join(self.suites)}"
        parts = [f"suite {s.suite.name}: {c.describe()}" for s, c in self.failures
                 if self.status != "failed" or c.check.level == "error"]
        warned = sum(c.check.level == "warning" for _, c in self.failures) if self.status == "failed" else 0
        head = "failed validation" if self.status == "failed" else "passed with warnings"
        return (f"{self.batch.label} {head}: " + "; ".join(parts)
                + (f" (and {warned} warning(s))" if warned else ""))


class BatchRejected(RuntimeError):
    """An error-level expectation failed: the load must roll back."""

    def __init__(self, outcome: GateOutcome):
        self.outcome = outcome
        super().__init__(outcome.message() + ". Nothing of this batch was loaded.")


class Gatekeeper:
    """The outcomes of one task's gates, for ``validation.gated`` to act on once the loads are done."""

    def __init__(self) -> None:
        self.outcomes: list[GateOutcome] = []

    @property
    def seconds(self) -> float:
        return sum(o.seconds for o in self.outcomes)


_keeper: ContextVar[Gatekeeper | None] = ContextVar("council_social_gatekeeper", default=None)


def parameters(now: datetime) -> dict[str, datetime]:
    """Values for the suites' ``$PARAMETER`` references."""
    return {"earliest": EARLIEST, "latest": now + GRACE, "horizon": now + HORIZON}


# --- reading the batch -----------------------------------------------------------------------------

def _columns(con, table: str) -> dict[str, str]:
    return dict(con.execute("select column_name, data_type from information_schema.columns "
                            "where table_name = ? and table_schema = current_schema()", [table]).fetchall())


def batch_filter(batch: Batch, columns: dict[str, str]) -> tuple[str, list] | None:
    """The condition selecting the batch's rows in a table, or None when the table cannot hold them."""
    if batch.run_id is None:
        return "true", []
    if "run_id" not in columns:
        return None
    conditions, params = ["run_id = ?"], [batch.run_id]
    if batch.file_sha256:
        if "file_sha256" in columns:
            conditions.append("file_sha256 = ?")
            params.append(batch.file_sha256)
        elif batch.landing_path and "landing_path" in columns:
            conditions.append("landing_path = ?")
            params.append(batch.landing_path)
        else:
            return None
    if batch.landing_paths:
        if "landing_path" not in columns:
            return None
        conditions.append("list_contains(?::varchar[], landing_path)")
        params.append(list(batch.landing_paths))
    return " and ".join(conditions), params


def frame_sql(con, suite: Suite, batch: Batch,
              selected: tuple[str, list] | None = None) -> tuple[str, list] | None:
    """The query for the batch's rows as the suite reads them (dates as UTC timestamps)."""
    columns = _columns(con, suite.table)
    if not columns:
        raise LookupError(f"suite {suite.name}: no table '{suite.table}' in the warehouse")
    selected = selected or batch_filter(batch, columns)
    if selected is None:
        return None
    where, params = selected
    missing = [c for c in suite.row_columns() if c not in columns]
    if missing:
        raise LookupError(f"suite {suite.name}: table {suite.table} has no column {', '.join(missing)}")
    items = [_as_frame_column(c, columns[c]) for c in suite.row_columns()]
    items += [f"({expression}) as {name}" for name, expression in suite.computed.items()]
    return f"select {', '.join(items) or '1 as one'} from (select * from {suite.table} where {where}) as batch", params


def _as_frame_column(column: str, data_type: str) -> str:
    """Dates as UTC timestamps (comparable with the time parameters), decimals as doubles."""
    if data_type == "DATE":
        return f"cast(batch.{column} as timestamptz) as {column}"
    if data_type.startswith("DECIMAL"):
        return f"cast(batch.{column} as double) as {column}"
    return f"batch.{column}"


def read_frame(con, query: tuple[str, list], categories: set[str] = frozenset()):
    """The query's rows as a pandas frame, through Arrow (three times faster than ``.df()`` for a million rows).

    Text columns named in ``categories`` become pandas categories (see ``Suite.categories``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    sql, params = query
    table = con.sql(sql, params=params).to_arrow_table()
    for position, name in enumerate(table.column_names):
        if name in categories and pa.types.is_string(table.schema.field(name).type):
            table = table.set_column(position, name, pc.dictionary_encode(table.column(name)))
    return table.to_pandas()


def volume_frame(con, batch: Batch):
    """One row: the file's rows, the median of recent batches of the same source and entity, the share."""
    import pandas as pd

    earlier = [r[0] for r in con.execute(
        "select received from ops_batches where source = ? and entity = ? and received is not null"
        " and status <> 'failed' and batch_id <> ? order by validated_at desc limit ?",
        [batch.source, batch.entity, batch.batch_id, VOLUME_HISTORY]).fetchall()]
    usual = float(pd.Series(earlier).median()) if len(earlier) >= VOLUME_MINIMUM else None
    share = batch.received / usual if usual else None
    frame = pd.DataFrame({"rows": [batch.received], "usual_rows": [usual], "share_of_usual": [share]})
    return frame, len(earlier)


# --- validating ------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_text(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list | tuple):
        return " / ".join(_text(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS - 1] + "…"


def examples_of(result: dict) -> list[str]:
    found: list[str] = []
    for value in result.get("partial_unexpected_list") or []:
        text = _text(value)
        if text not in found:
            found.append(text)
        if len(found) == EXAMPLES:
            break
    return found


def check_results(suite: Suite, frame_kind: str, gx_result, rows: int) -> list[CheckResult]:
    by_name = {c.name: c for c in suite.checks_on(frame_kind)}
    results = []
    for item in gx_result.results:
        check = by_name[item.expectation_config.meta["name"]]
        detail = item.result or {}
        raised = (item.exception_info or {}).get("raised_exception")
        if raised:
            message = (item.exception_info.get("exception_message") or "the expectation raised an error")
            results.append(CheckResult(check, False, rows, None, [_text(message)]))
            continue
        unexpected = detail.get("unexpected_count")
        results.append(CheckResult(check, bool(item.success), rows, unexpected, examples_of(detail)))
    return results


def _validate(suite: Suite, frame_kind: str, frame, params: dict) -> SuiteResult:
    from council_social.validation import engine

    gx_suite = suite.gx_suite(frame_kind)
    gx_result = engine.validate(gx_suite, frame, params)
    return SuiteResult(suite, frame_kind, len(frame), check_results(suite, frame_kind, gx_result, len(frame)),
                       gx_suite, gx_result)


def _describe_volume(result: SuiteResult, frame, earlier: int) -> None:
    rows, usual = frame["rows"].iloc[0], frame["usual_rows"].iloc[0]
    for check in result.checks:
        if usual is None or (isinstance(usual, float) and math.isnan(usual)):
            check.examples = [f"{rows:,} row(s); fewer than {VOLUME_MINIMUM} earlier batches to compare with"]
        else:
            check.examples = [f"{rows:,} row(s) against a median of {usual:,.0f} in the last {earlier} batches"]
        check.unexpected = 0 if check.success else 1


def gate(con, *, suite: str | Sequence[str], batch: Batch, now: datetime | None = None) -> GateOutcome:
    """Validate what this load wrote, inside the loader's transaction (see the module docstring).

    ``suite`` names one suite or several (a load writing several tables); the first is the batch's
    own, on which the volume check runs for a file. Suites whose table holds no rows of the batch
    are skipped. Raises ``BatchRejected`` when an error-level expectation fails.
    """
    started = time.perf_counter()
    names = [suite] if isinstance(suite, str) else list(dict.fromkeys(suite))
    now = now or datetime.now(UTC)
    params = parameters(now)
    results: list[SuiteResult] = []
    rows = 0
    for position, name in enumerate(names):
        spec = load_suite(name)
        query = frame_sql(con, spec, batch)
        if query is not None:
            frame = read_frame(con, query, spec.categories())
            rows += len(frame)
            if len(frame):
                results.append(_validate(spec, "rows", frame, params))
        if position == 0 and batch.received is not None and spec.checks_on("volume"):
            frame, earlier = volume_frame(con, batch)
            result = _validate(spec, "volume", frame, params)
            _describe_volume(result, frame, earlier)
            results.append(result)
    outcome = GateOutcome(batch, names, results, rows, now, 0.0, warehouse=_warehouse_path(con))
    if outcome.status != "passed":
        from council_social.registers.report import recipients

        outcome.recipients = recipients(con, "data_quality")
    outcome.seconds = time.perf_counter() - started
    keeper = _keeper.get()
    if keeper is not None:
        keeper.outcomes.append(outcome)
    if outcome.status == "failed":
        log.error("%s", outcome.message())
        raise BatchRejected(outcome)
    record(con, outcome)
    if batch.file_sha256:
        # A file refused by an earlier run and now passing: its quarantine entry is history.
        con.execute("delete from ops_quarantine where file_sha256 = ? and line = 0 and starts_with(reason, ?)",
                    [batch.file_sha256, QUARANTINE_PREFIX])
    (log.warning if outcome.status == "warned" else log.info)("%s (%.2f s)", outcome.message(), outcome.seconds)
    return outcome


def check_table(con, name: str, now: datetime | None = None) -> GateOutcome:
    """Validate the rows of a suite's table as they stand, keeping nothing (after a suite changed).

    A register table keeps one version per file, so each file is validated as the batch it was.
    """
    spec = load_suite(name)
    now = now or datetime.now(UTC)
    whole = Batch("warehouse", spec.table, f"table:{spec.table}", None)
    if "effective_from" in _columns(con, spec.table):
        selections = [("file_sha256 = ?", [sha]) for (sha,) in con.execute(
            f"select distinct file_sha256 from {spec.table} order by 1").fetchall()]
    else:
        selections = [("true", [])]
    results, rows = [], 0
    for selection in selections:
        frame = read_frame(con, frame_sql(con, spec, whole, selection), spec.categories())
        rows += len(frame)
        if len(frame):
            results.append(_validate(spec, "rows", frame, parameters(now)))
    return GateOutcome(whole, [name], results, rows, now, 0.0)


def _warehouse_path(con) -> str | None:
    row = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
    return row[0] if row else None


# --- keeping results -------------------------------------------------------------------------------

def record(con, outcome: GateOutcome) -> None:
    """Write the outcome's results and its batch row (``insert or replace``: a retried run rewrites them)."""
    batch = outcome.batch
    rows = [[batch.run_id, batch.batch_id, result.suite.name, check.check.name, check.check.kind, check.check.level,
             check.success, check.rows, check.unexpected, check.examples, outcome.validated_at]
            for result in outcome.results for check in result.checks]
    if rows:
        # One statement for all rows: ``executemany`` costs a round trip per row.
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::varchar[], ?)"] * len(rows))
        con.execute(
            "insert or replace into ops_validation_results (run_id, batch_id, suite, expectation, check_kind, level,"
            f" success, rows_checked, unexpected, examples, validated_at) values {values}",
            [value for row in rows for value in row])
    con.execute(
        "insert or replace into ops_batches (run_id, batch_id, source, entity, suites, rows, received, status,"
        " message, name, landing_path, validated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch.run_id, batch.batch_id, batch.source, batch.entity, outcome.suites, outcome.rows, batch.received,
         outcome.status, outcome.message(), batch.name, batch.landing_path, outcome.validated_at])

