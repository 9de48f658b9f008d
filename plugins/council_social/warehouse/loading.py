"""Pieces every loader shares: one transaction per unit of work, and quarantine of API records.

API pages are landed verbatim before they are parsed; a record that cannot be used (no id, no
time) is set aside here with its page, position and reason, once: reloading the same page leaves
the first entry as it was, so a rerun changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


def in_transaction(con, work: Callable[[], T]) -> T:
    """Run ``work`` in one transaction: all of it commits, or none of it does."""
    con.execute("begin transaction")
    try:
        result = work()
        con.execute("commit")
        return result
    except Exception:
        con.execute("rollback")
        raise


def quarantine_once(con, *, sha256: str, line: int, source: str, entity: str | None, name: str, url: str,
                    reason: str, raw: object, run_id: str, now: datetime) -> bool:
    """Set one record aside in ``ops_quarantine`` unless that page position already is; True if added."""
    if con.execute("select 1 from ops_quarantine where file_sha256 = ? and line = ?", [sha256, line]).fetchone():
        return False
    con.execute(
        "insert into ops_quarantine (file_sha256, line, source, entity, original_name, landing_path, reason, raw,"
        " run_id, quarantined_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [sha256, line, source, entity, name, url, reason,
         None if raw is None else json.dumps(raw, ensure_ascii=False, default=str), run_id, now],
    )
    return True


def quarantine_records(con, items: Iterable[tuple[Any, Any]], *, source: str, run_id: str, now: datetime) -> int:
    """Set aside each ``(landed page, problem)`` once: the page gives checksum, entity, name and landing
    path; the problem its position, reason and record as received. Returns how many were added."""
    added = 0
    for page, problem in items:
        if quarantine_once(con, sha256=page.sha256, line=problem.line, source=source, entity=page.entity,
                           name=page.name, url=page.url, reason=problem.reason, raw=problem.raw, run_id=run_id,
                           now=now):
            added += 1
            log.warning("%s record %d set aside: %s", page.url, problem.line, problem.reason)
    return added


def upsert_changed(con, table: str, incoming, key: tuple[str, ...] | list[str], compare: list[str], *,
                   shaping_sql: str = "select * from incoming", guard: str | None = None) -> int:
    """``insert or replace ... by name`` the rows of ``incoming`` that are new or whose ``compare``
    columns differ from the stored row; returns how many were written.

    Identical rows are left alone, lineage included, so reloading the same pages changes nothing.
    ``incoming`` (an Arrow table, one row per key) is visible to ``shaping_sql`` as ``incoming``;
    ``guard`` is an extra condition a changed row must also meet (columns as ``stored``/``shaped``).
    """
    con.register("incoming", incoming)
    try:
        joined = " and ".join(f"stored.{k} = shaped.{k}" for k in key)
        before = ", ".join(f"stored.{c}" for c in compare)
        after = ", ".join(f"shaped.{c}" for c in compare)
        changed = f"row({before}) is distinct from row({after})" + (f" and {guard}" if guard else "")
        return con.execute(
            f"insert or replace into {table} by name select shaped.* from ({shaping_sql}) as shaped "
            f"left join {table} as stored on {joined} "
            f"where stored.{key[0]} is null or ({changed})"
        ).fetchone()[0]
    finally:
        con.unregister("incoming")
