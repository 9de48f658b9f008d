"""Opening the warehouse.

DuckDB lets one process hold a file for writing and then refuses every other process, readers
included. Tasks therefore run in the ``duckdb_writer`` pool and keep connections short; this module
makes those connections uniform: UTC session time zone, schema version checked, clear errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from council_social.config import settings

if TYPE_CHECKING:
    import duckdb


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as it is; the message says what to do."""


@contextmanager
def connect(
    path: Path | None = None, *, read_only: bool = False, check_schema: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse for the length of a ``with`` block.

    Readers pass ``read_only=True``. The schema version is checked so a task never writes into a
    warehouse that is behind (migrations not applied) or ahead (older code) of this code.
    """
    import duckdb

    path = Path(path or settings().warehouse)
    if read_only and not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist yet: run `make setup` (or the airflow-init job)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"warehouse {path} is held by another process. Every task that opens it must run in the "
                f"'duckdb_writer' pool (1 slot); stop any other program that has it open. ({exc})"
            ) from exc
        raise
    try:
        con.execute("set TimeZone = 'UTC'")
        if check_schema:
            from council_social.warehouse.migrations import check_version

            check_version(con, path)
        yield con
    finally:
        con.close()
