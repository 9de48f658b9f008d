"""Retention (UK GDPR): what members of the public wrote is kept ``listening.retention_days``, then goes.

The cutoff is a Europe/London day: with 90 days, a run on 1 November keeps everything from 3 August
on and removes what is older. Run daily by the ``privacy_retention`` DAG; a second run on the same
day finds nothing more.

In the warehouse, for every table of ``config/personal_data.yaml`` with a retention rule, in one
transaction:

* ``delete``: rows older than the cutoff are deleted (for ``mixed`` tables only the public's rows:
  the council's own replies stay). Rows are deleted, not emptied, because a row without text or
  author still carries the platform's post id, which leads straight back to the person.
* ``clear``: the personal columns of old rows are emptied (findings keep their rule, dates and
  status for the Review Board; the quoted evidence goes).
* The listening report's counts must survive: the listening fact and its daily aggregates are
  refreshed first, and an ``aggregated`` row goes only once its day and platform are in the
  aggregates. A row whose day never gets counted is held at most ``hold_at_most_days`` past the
  cutoff (a stopped listening pipeline must not stop retention); held rows are logged.

In the landing zone, ``dt=`` partitions older than the cutoff are removed for the entities the
catalogue marks ``public`` (mentions, search results, comments); for ``mixed`` entities (the
Hootsuite export folder) only the files the file ledger says hold mentions. Registers and the
council's own posts are never touched. Every run is logged in ``privacy_retention_log``.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from council_social.privacy import files
from council_social.privacy.catalogue import Catalogue, TableEntry, load_catalogue, warehouse_columns

log = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
#: Brings the listening fact and its daily aggregates up to date before old mentions go.
REFRESH_AGGREGATES = "council_social.listening.mentions:refresh"


@dataclass
class RetentionOutcome:
    run_date: date
    cutoff: date
    retention_days: int
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    partitions_removed: int = 0
    files_removed: int = 0
    landing: dict[str, int] = field(default_factory=dict)  # source/entity -> files removed
    aggregates_refreshed: bool = False

    def as_dict(self) -> dict:
        return {"run_date": self.run_date.isoformat(), "cutoff": self.cutoff.isoformat(),
                "retention_days": self.retention_days, "dry_run": self.dry_run, "removed": self.removed,
                "cleared": self.cleared, "held": self.held, "landing_partitions_removed": self.partitions_removed,
                "landing_files_removed": self.files_removed, "landing": self.landing,
                "aggregates_refreshed": self.aggregates_refreshed}

    def summary(self) -> str:
        what = "would remove" if self.dry_run else "removed"
        lines = [f"retention {self.retention_days} days, run for {self.run_date}: {what} what is older than "
                 f"{self.cutoff}"]
        for title, counts in (("rows deleted", self.removed), ("rows cleared", self.cleared),
                              ("rows held until their day is counted", self.held)):
            shown = {k: v for k, v in counts.items() if v}
            lines.append(f"  {title}: " + (", ".join(f"{k} {v}" for k, v in sorted(shown.items())) or "none"))
        lines.append(f"  landing: {self.files_removed} file(s) in {self.partitions_removed} partition(s)"
                     + (": " + ", ".join(f"{k} {v}" for k, v in sorted(self.landing.items())) if self.landing else ""))
        return "\n".join(lines)


def cutoff_for(today: date, retention_days: int) -> date:
    """The first day kept: rows and partitions of earlier days go."""
    if retention_days < 1:
        raise ValueError(f"listening.retention_days must be at least 1, not {retention_days}")
    return today - timedelta(days=retention_days)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(UTC)


def _day_of(column: str, kind: str) -> str:
    """SQL for the Europe/London day of a time column (a date column is its own day)."""
    if kind.upper() == "DATE":
        return column
    return f"cast(timezone('Europe/London', {column}) as date)"


def _older(entry: TableEntry, kind: str, cutoff: date) -> tuple[str, list]:
    """The condition for rows older than the cutoff, and its parameter."""
    if kind.upper() == "DATE":
        return f"{entry.time} < ?", [cutoff]
    return f"{entry.time} < ?", [_start_of(cutoff)]


def _covered_sql(catalogue: Catalogue, tables: dict[str, dict[str, str]]) -> str | None:
    """A query of the (day, platform) pairs the listening aggregates hold, or None without aggregates."""
    parts = []
    for name in catalogue.aggregate_tables:
        columns = tables.get(name, {})
        if catalogue.aggregate_day not in columns:
            continue
        platform = catalogue.aggregate_platform if catalogue.aggregate_platform in columns else "null"
        parts.append(f"select distinct {catalogue.aggregate_day} as day, {platform} as platform from {name}")
    return " union ".join(parts) if parts else None


def _retire_rows(con, entry: TableEntry, columns: dict[str, str], cutoff: date, covered: str | None,
                 hold_limit: date, outcome: RetentionOutcome) -> None:
    kind = columns[entry.time]
    older, params = _older(entry, kind, cutoff)
    conditions = [older] + ([f"({entry.public_rows})"] if entry.public_rows else [])
    if entry.aggregated and covered is not None:
        platform = f"t.{entry.platform}" if entry.platform else "null"
        day = _day_of("t." + entry.time, kind)
        counted = (f"(exists (select 1 from ({covered}) as covered where covered.day = {day}"
                   f" and (covered.platform is null or covered.platform is not distinct from {platform})))")
        too_old, limit = _older(entry, kind, hold_limit)
        going = f"({counted} or t.{too_old})"
        held = con.execute(f"select count(*) from {entry.name} as t where {' and '.join(conditions)} and not {going}",
                           params + limit).fetchone()[0]
        if held:
            outcome.held[entry.name] = held
        conditions.append(going)
        params = params + limit
    where = " and ".join(conditions)
    if entry.retention == "delete":
        count = con.execute(f"delete from {entry.name} as t where {where}", params).fetchone()[0]
        outcome.removed[entry.name] = int(count)
    elif entry.retention == "clear":
        filled = " or ".join(f"{c} is not null" for c in entry.clear)
        assignments = ", ".join(f"{c} = null" for c in entry.clear)
        count = con.execute(f"update {entry.name} as t set {assignments} where {where} and ({filled})",
                            params).fetchone()[0]
        outcome.cleared[entry.name] = int(count)


def _refresh_aggregates(con, run_id: str | None, now: datetime, refresh: Callable | None) -> bool:
    if refresh is None:
        module, _, name = REFRESH_AGGREGATES.partition(":")
        try:
            refresh = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            return False
    try:
        refresh(con, run_id=run_id, now=now)
        return True
    except Exception:  # noqa: BLE001 - retention goes on; held rows wait for the aggregates (logged)
        log.exception("could not bring the listening aggregates up to date first; rows whose day is not counted "
                      "yet are held (at most hold_at_most_days past the cutoff)")
        return False


def _landing(con, root, catalogue: Catalogue, cutoff: date, outcome: RetentionOutcome) -> None:
    ledger_cache: dict[tuple[str, ...], set[str]] = {}
    for source, entity in sorted(files.folders(root)):
        entry = catalogue.landing_entry(source, entity)
        if entry is None or entry.holds not in ("public", "mixed"):
            continue
        if entry.holds == "mixed" and entry.ledger_entities not in ledger_cache:
            rows = con.execute("select landing_path from ops_file_ledger where source = ? and list_contains(?, entity)",
                               [source, list(entry.ledger_entities)]).fetchall()
            ledger_cache[entry.ledger_entities] = {r[0] for r in rows}
        for partition, day in sorted(files.partitions(root, source, entity), key=lambda p: p[1]):
            if day >= cutoff:
                continue
            present = [p for p in partition.rglob("*") if p.is_file()]
            if entry.holds == "public":
                going = present
            else:
                public = ledger_cache[entry.ledger_entities]
                going = [p for p in present if str(p) in public]
            if not going:
                continue
            if not outcome.dry_run:
                if len(going) == len(present):
                    partition.rmdir(recursive=True)
                else:
                    for path in going:
                        path.unlink()
            outcome.partitions_removed += 1 if len(going) == len(present) else 0
            outcome.files_removed += len(going)
            key = f"{source}/{entity}"
            outcome.landing[key] = outcome.landing.get(key, 0) + len(going)


def enforce_retention(con, landing_root, *, today: date, retention_days: int, dry_run: bool = False,
                      run_id: str | None = None, now: datetime | None = None, catalogue: Catalogue | None = None,
                      refresh_aggregates: Callable | None = None) -> RetentionOutcome:
    """Remove what members of the public wrote before ``today - retention_days``, in the warehouse and
    the landing zone; log it. ``dry_run`` counts without removing (and logs the counts)."""
    catalogue = catalogue or load_catalogue()
    now = now or datetime.now(UTC)
    cutoff = cutoff_for(today, retention_days)
    hold_limit = cutoff - timedelta(days=catalogue.hold_at_most_days)
    outcome = RetentionOutcome(run_date=today, cutoff=cutoff, retention_days=retention_days, dry_run=dry_run)
    if not dry_run:
        outcome.aggregates_refreshed = _refresh_aggregates(con, run_id, now, refresh_aggregates)
    tables = warehouse_columns(con)
    covered = _covered_sql(catalogue, tables)

    con.execute("begin transaction")
    try:
        for entry in catalogue.tables.values():
            if entry.retention == "keep" or entry.name not in tables:
                continue
            _retire_rows(con, entry, tables[entry.name], cutoff, covered, hold_limit, outcome)
        con.execute("rollback" if dry_run else "commit")
    except Exception:
        con.execute("rollback")
        raise

    _landing(con, files.as_path(landing_root), catalogue, cutoff, outcome)
    con.execute(
        "insert into privacy_retention_log (run_id, run_date, cutoff, retention_days, dry_run, rows_removed,"
        " rows_cleared, rows_held, landing_partitions_removed, landing_files_removed, finished_at)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, today, cutoff, retention_days, dry_run, json.dumps(outcome.removed), json.dumps(outcome.cleared),
         json.dumps(outcome.held), outcome.partitions_removed, outcome.files_removed, datetime.now(UTC)])
    log.info("%s", outcome.summary())
    return outcome


def retention_task(*, run_after: datetime, run_id: str, dry_run: bool = False) -> dict:
    """The ``privacy_retention`` DAG's task: policy, warehouse and landing zone from the settings."""
    from council_social.landing import landing_root
    from council_social.policy import load_policy
    from council_social.warehouse import connect

    policy = load_policy()
    today = run_after.astimezone(LONDON).date()
    with connect() as con:
        outcome = enforce_retention(con, landing_root(), today=today,
                                    retention_days=int(policy["listening"]["retention_days"]), dry_run=dry_run,
                                    run_id=run_id)
    return outcome.as_dict()
