"""Versioned schema migrations from ``sql/migrations/NNN_name.sql``.

Each file is applied once, in order, inside its own transaction, and recorded with its checksum in
``schema_migrations``. Applying again is a no-op. A warehouse migrated by newer code is refused
rather than written to, and an applied migration whose file has since changed is reported, because
either would silently corrupt history.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from council_social.config import settings
from council_social.warehouse.connection import WarehouseError, connect

if TYPE_CHECKING:
    import duckdb

MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def migrations_dir() -> Path:
    return settings().root / "sql" / "migrations"


def discover(directory: Path | None = None) -> list[Migration]:
    """The migrations shipped with this code, in order; gaps or duplicates are a packaging error."""
    directory = directory or migrations_dir()
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise WarehouseError(f"migration file {path} is not named NNN_lowercase_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise WarehouseError(f"migrations in {directory} must be numbered 001, 002, ... without gaps: {versions}")
    return found


def code_version(directory: Path | None = None) -> int:
    return len(discover(directory))


def applied_versions(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_migrations'"
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(con.execute("select version, checksum from schema_migrations order by version").fetchall())


def check_version(con: duckdb.DuckDBPyConnection, path: Path | str = "warehouse",
                  directory: Path | None = None) -> int:
    """Fail clearly unless the warehouse is exactly at this code's schema version."""
    applied = applied_versions(con)
    current = max(applied, default=0)
    latest = code_version(directory)
    if current > latest:
        raise WarehouseError(
            f"warehouse {path} is at schema version {current}, newer than this code knows ({latest}). "
            "It was migrated by a newer release: deploy that release (or newer) instead of this one."
        )
    if current < latest:
        raise WarehouseError(
            f"warehouse {path} is at schema version {current} but this code needs {latest}: "
            "run `make setup` (or `python -m council_social.setup`, the airflow-init job in production)."
        )
    return current


def migrate(path: Path | None = None, directory: Path | None = None) -> list[Migration]:
    """Apply pending migrations; return the ones applied (empty when already up to date)."""
    available = discover(directory)
    with connect(path, check_schema=False) as con:
        con.execute(
            "create table if not exists schema_migrations ("
            " version integer primary key, name varchar not null, checksum varchar not null,"
            " applied_at timestamptz not null default now())"
        )
        applied = applied_versions(con)
        newest = max(applied, default=0)
        if newest > len(available):
            raise WarehouseError(
                f"warehouse {path or settings().warehouse} is at schema version {newest}, newer than this "
                f"code knows ({len(available)}); refusing to touch it. Deploy the newer release."
            )
        for migration in available:
            if migration.version in applied and applied[migration.version] != migration.checksum:
                raise WarehouseError(
                    f"migration {migration.path.name} was changed after it was applied; write a new "
                    "migration instead of editing an applied one."
                )
        pending = [m for m in available if m.version not in applied]
        for migration in pending:
            con.execute("begin transaction")
            try:
                con.execute(migration.sql)
                con.execute(
                    "insert into schema_migrations (version, name, checksum) values (?, ?, ?)",
                    [migration.version, migration.name, migration.checksum],
                )
                con.execute("commit")
            except Exception as exc:
                con.execute("rollback")
                raise WarehouseError(f"migration {migration.path.name} failed and was rolled back: {exc}") from exc
        return pending
