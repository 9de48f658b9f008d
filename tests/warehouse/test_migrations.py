from __future__ import annotations

import shutil

import duckdb
import pytest

from council_social.warehouse import WarehouseError, connect
from council_social.warehouse.migrations import code_version, discover, migrate, migrations_dir


def test_applies_in_order_and_records_versions(data_dir):
    applied = migrate()
    assert [m.version for m in applied] == list(range(1, code_version() + 1))
    with connect(read_only=True) as con:
        versions = [v for (v,) in con.execute("select version from schema_migrations order by version").fetchall()]
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
    assert versions == [m.version for m in discover()]
    assert {"ops_file_ledger", "ops_quarantine", "ops_watermarks", "register_accounts"} <= tables


def test_applying_twice_is_a_no_op(warehouse):
    with connect(read_only=True) as con:
        before = con.execute("select version, applied_at from schema_migrations").fetchall()
    assert migrate() == []
    with connect(read_only=True) as con:
        assert con.execute("select version, applied_at from schema_migrations").fetchall() == before


def test_a_warehouse_newer_than_the_code_is_refused(warehouse):
    con = duckdb.connect(str(warehouse))
    con.execute("insert into schema_migrations values (999, 'from_the_future', 'x', now())")
    con.close()
    with pytest.raises(WarehouseError, match="version 999, newer than this code"), connect():
        pass
    with pytest.raises(WarehouseError, match="newer than this code"):
        migrate()


def test_a_warehouse_behind_the_code_is_refused_until_migrated(data_dir):
    from council_social.config import settings

    settings().warehouse.parent.mkdir(parents=True)
    duckdb.connect(str(settings().warehouse)).close()
    with pytest.raises(WarehouseError, match="run `make setup`"), connect():
        pass
    migrate()
    with connect(read_only=True):
        pass


def test_an_edited_migration_is_reported(tmp_path, data_dir):
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), folder)
    migrate(directory=folder)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited afterwards\n")
    with pytest.raises(WarehouseError, match="changed after it was applied"):
        migrate(directory=folder)


def test_a_gap_in_the_numbering_is_a_packaging_error(tmp_path):
    (tmp_path / "001_first.sql").write_text("select 1;")
    (tmp_path / "003_third.sql").write_text("select 1;")
    with pytest.raises(WarehouseError, match="without gaps"):
        discover(tmp_path)


def test_a_failing_migration_rolls_back(tmp_path, data_dir):
    folder = tmp_path / "migrations"
    shutil.copytree(migrations_dir(), folder)
    bad = folder / f"{code_version() + 1:03d}_broken.sql"
    bad.write_text("create table half_done (id integer);\nselect * from no_such_table;\n")
    with pytest.raises(WarehouseError, match="failed and was rolled back"):
        migrate(directory=folder)
    with connect(check_schema=False) as con:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert "half_done" not in tables
        assert max(v for (v,) in con.execute("select version from schema_migrations").fetchall()) == code_version()


def test_readers_open_read_only(warehouse):
    with connect(read_only=True) as con, pytest.raises(duckdb.Error):
        con.execute("create table nope (id integer)")
