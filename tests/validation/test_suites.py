"""The suites in ``expectations/``: one per staged table and register, readable by GX, in step with the schema."""

from __future__ import annotations

import json

import duckdb
import pytest

from council_social.registers import schema
from council_social.validation import SuiteError, load_suite, suite_names
from council_social.validation.suites import KINDS, VOLUME_COLUMNS, suites_dir

STAGED = {
    "register_accounts", "register_leavers", "register_training", "register_election_periods",
    "register_brand_patterns", "register_report_recipients",
    "hootsuite_profiles", "hootsuite_members", "hootsuite_messages", "hootsuite_message_actions",
    "hootsuite_post_metrics", "hootsuite_mentions",
    "platform_accounts", "platform_account_daily", "platform_posts", "platform_mentions", "platform_comments",
    "platform_insights",
}
#: Tables filled from files: their suites compare a file's size with earlier files.
FILE_FED = {"register_accounts", "register_leavers", "register_training", "register_election_periods",
            "register_brand_patterns", "register_report_recipients", "hootsuite_profiles", "hootsuite_members",
            "hootsuite_messages", "hootsuite_post_metrics", "hootsuite_mentions"}


def test_every_staged_table_and_register_has_a_suite():
    assert set(suite_names()) >= STAGED
    for name in STAGED:
        assert load_suite(name).table == name


@pytest.mark.parametrize("name", suite_names())
def test_each_suite_reads_in_great_expectations_without_losing_an_expectation(name):
    suite = load_suite(name)
    raw = json.loads((suites_dir() / f"{name}.json").read_text(encoding="utf-8"))
    assert len(suite.checks) == len(raw["expectations"])
    assert suite.checks_on("rows"), "a suite runs something on the batch's rows"
    built = suite.gx_suite("rows")
    assert len(built.expectations) == len(suite.checks_on("rows"))
    assert {e.meta["name"] for e in built.expectations} == {c.name for c in suite.checks_on("rows")}
    assert {str(e.severity.value) for e in built.expectations} <= {"critical", "warning"}
    if suite.checks_on("volume"):
        assert len(suite.gx_suite("volume").expectations) == len(suite.checks_on("volume"))


@pytest.mark.parametrize("name", suite_names())
def test_each_suite_names_only_columns_its_table_has(name, warehouse):
    suite = load_suite(name)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_name = ?", [suite.table]).fetchall()}
        for expression in suite.computed.values():  # the SQL over the batch runs
            con.execute(f"select ({expression}) from (select * from {suite.table} limit 0) as batch").fetchall()
    finally:
        con.close()
    assert set(suite.row_columns()) <= columns
    assert {c for check in suite.checks for c in check.columns if c not in suite.computed} - set(VOLUME_COLUMNS) \
        <= columns, "checks the schema enforces name real columns too"
    assert {"run_id"} <= columns, "a batch is found again by its run id"


@pytest.mark.parametrize("name", suite_names())
def test_checks_left_to_the_schema_are_ones_its_constraints_guarantee(name, warehouse):
    suite = load_suite(name)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        not_null = {r[0] for r in con.execute("select column_name from information_schema.columns "
                                              "where table_name = ? and is_nullable = 'NO'", [suite.table]).fetchall()}
        keys = con.execute("select constraint_column_names from duckdb_constraints() where table_name = ? "
                           "and constraint_type = 'PRIMARY KEY'", [suite.table]).fetchall()
    finally:
        con.close()
    # A file batch holds one file_sha256, so a primary key including it is unique on the rest within a batch.
    primary = set(keys[0][0]) - {"file_sha256"} if keys else None
    for check in suite.checks:
        if not check.enforced:
            continue
        if check.type == "expect_column_values_to_not_be_null":
            assert check.columns[0] in not_null, f"{check.name}: the column is not NOT NULL"
        else:
            assert "unique" in check.type and primary is not None and primary <= set(check.columns), \
                f"{check.name}: not implied by the primary key {keys}"
    for check in suite.checks_on("volume"):
        assert set(check.columns) <= set(VOLUME_COLUMNS)


def test_the_suites_cover_every_kind_of_check_the_issue_asks_for():
    kinds = {c.kind for name in STAGED for c in load_suite(name).checks if not c.enforced}
    assert {"key", "timestamp", "enumeration", "reference", "length", "volume"} <= kinds <= set(KINDS)
    for name in STAGED:
        suite = load_suite(name)
        own = {c.kind for c in suite.checks}
        assert "key" in own, f"{name} checks its keys"
        assert ("volume" in own) == (name in FILE_FED), f"{name}: volume checks exactly for file-fed tables"
        levels = {c.level for c in suite.checks if c.kind == "volume"}
        assert levels <= {"warning"}, "a volume drop notifies without blocking"


def test_enumerations_match_what_the_register_importer_accepts():
    def value_set(suite: str, column: str) -> set[str]:
        found = [c for c in load_suite(suite).checks
                 if c.type == "expect_column_values_to_be_in_set" and c.kwargs["column"] == column]
        assert found, f"{suite} has an enumeration on {column}"
        return set(found[0].kwargs["value_set"])

    assert value_set("register_accounts", "platform") == set(schema.PLATFORMS.values())
    assert value_set("register_accounts", "status") == set(schema.ACCOUNT_REGISTER.column("status").choices)
    assert value_set("register_brand_patterns", "use") == set(schema.BRAND_PATTERNS.column("use").choices)
    assert value_set("register_report_recipients", "report") == set(
        schema.REPORT_RECIPIENTS.column("report").choices)
    assert value_set("register_report_recipients", "copy") == set(schema.REPORT_RECIPIENTS.column("copy").choices)
    assert {"SENT", "SCHEDULED", "PENDING_APPROVAL", "REJECTED"} <= value_set("hootsuite_messages", "state")
    assert {"Admin", "Editor", "Reviewer"} <= value_set("hootsuite_members", "role")


def test_a_suite_that_does_not_say_its_level_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNCIL_SOCIAL_HOME", str(tmp_path))
    (tmp_path / "expectations").mkdir()
    entry = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "email"}, "meta": {"check": "key"}}
    (tmp_path / "expectations" / "register_leavers.json").write_text(json.dumps(
        {"name": "register_leavers", "expectations": [entry]}), encoding="utf-8")
    with pytest.raises(SuiteError, match="severity must be 'critical'"):
        load_suite("register_leavers")
    entry["severity"] = "critical"
    (tmp_path / "expectations" / "register_leavers.json").write_text(json.dumps(
        {"name": "register_leavers", "expectations": [entry, entry]}), encoding="utf-8")
    with pytest.raises(SuiteError, match="a second 'expect_column_values_to_not_be_null\\(email\\)'"):
        load_suite("register_leavers")
