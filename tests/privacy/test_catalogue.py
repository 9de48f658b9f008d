"""The personal-data catalogue covers every table that can hold what people wrote, and only real columns."""

from __future__ import annotations

import duckdb
import pytest

from council_social.privacy.catalogue import CatalogueError, load_catalogue


def tables(warehouse) -> dict[str, set[str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found: dict[str, set[str]] = {}
        for table, column in con.execute(
                "select c.table_name, c.column_name from information_schema.columns as c join"
                " information_schema.tables as t using (table_schema, table_name)"
                " where t.table_schema = 'main' and t.table_type = 'BASE TABLE'").fetchall():
            found.setdefault(table, set()).add(column)
        return found
    finally:
        con.close()


def test_every_table_with_author_or_text_columns_is_in_the_catalogue(warehouse):
    catalogue = load_catalogue()
    personal = {t for t, columns in tables(warehouse).items()
                if any(c.startswith("author_") or c == "text" for c in columns)}
    assert personal, "the warehouse has tables with authors and text"
    missing = sorted(personal - set(catalogue.tables))
    assert missing == [], (f"{missing} hold author or text columns but are not in config/personal_data.yaml: add "
                           "them (holds, author, text, time, retention) so retention and erasure reach them")


def test_every_catalogued_table_and_column_exists(warehouse):
    found = tables(warehouse)
    catalogue = load_catalogue()
    for entry in catalogue.tables.values():
        assert entry.name in found, f"{entry.name} is catalogued but not in the warehouse"
        assert entry.columns() <= found[entry.name], f"{entry.name}: {entry.columns() - found[entry.name]}"
        if entry.refers_to:
            parent = entry.refers_to["table"]
            assert set(entry.refers_to["columns"].values()) <= found[parent]
    for name in catalogue.aggregate_tables:
        assert {catalogue.aggregate_day, catalogue.aggregate_platform} <= found[name]


def test_public_row_conditions_are_valid_sql(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for entry in load_catalogue().tables.values():
            if entry.public_rows:
                con.execute(f"select count(*) from {entry.name} where {entry.public_rows}").fetchone()
    finally:
        con.close()


def test_tables_holding_the_public_have_a_retention_rule():
    for entry in load_catalogue().tables.values():
        if entry.holds in ("public", "mixed"):
            assert entry.retention != "keep" and entry.time, f"{entry.name} holds the public's data for ever"
        if entry.holds in ("public", "mixed") and entry.author:
            assert entry.erasure == "sweep"


def test_the_landing_zone_entities_with_public_authors_are_removed_by_retention():
    catalogue = load_catalogue()
    public = {e.pattern for e in catalogue.landing if e.holds in ("public", "mixed")}
    assert {"x/mentions", "x/search", "facebook/comments", "facebook/mentions", "instagram/comments",
            "instagram/mentions", "hootsuite/exports"} <= public
    assert catalogue.landing_entry("registers", "accounts").erasure == "skip"
    assert catalogue.landing_entry("x", "tweets").holds == "council"


@pytest.mark.parametrize("text, error", [
    ("tables:\n  t:\n    holds: public\n    retension: delete\n", "unknown setting"),
    ("tables:\n  t:\n    holds: people\n", "holds must be one of"),
    ("tables:\n  t:\n    holds: public\n    retention: delete\n", "needs a time column"),
    ("tables:\n  t:\n    holds: public\n    author: {email: e}\n", "unknown author field"),
    ("landing:\n  x/mentions: {holds: public, format: nope}\n", "unknown format"),
])
def test_mistakes_in_the_catalogue_are_refused_by_name(tmp_path, text, error):
    path = tmp_path / "personal_data.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=error):
        load_catalogue(path)
