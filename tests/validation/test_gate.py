"""The gate on crafted batches: each kind of expectation refuses (or warns about) what it should.

Rows are written straight into a real warehouse inside a transaction, as a loader would, and the
gate runs before the commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from support import query

from council_social.validation import Batch, BatchRejected, gate, load_suite
from council_social.warehouse import connect
from council_social.warehouse.loading import in_transaction

RUN = "manual__2026-11-01T06:00:00+00:00"
NOW = datetime.now(UTC)
LOADED = {"run_id": RUN, "loaded_at": NOW}
PAGE = "file:///landing/x/tweets/dt=2026-11-01/page.jsonl.gz"
DEFAULTS = {
    "platform_accounts": {"platform": "x", "handle": "ManCityCouncil", "handle_key": "mancitycouncil",
                          "landing_path": PAGE, **LOADED},
    "platform_account_daily": {"platform": "x", "snapshot_date": date(2026, 11, 1), "followers": 10,
                               "landing_path": PAGE, **LOADED},
    "platform_posts": {"platform": "x", "created_at": NOW - timedelta(days=2), "text": "Bins collected today",
                       "landing_path": PAGE, **LOADED},
    "platform_comments": {"platform": "facebook", "from_account": False, "created_at": NOW - timedelta(hours=3),
                          "text": "Thanks!", "landing_path": PAGE, **LOADED},
    "hootsuite_profiles": {"network": "x", "source": "api", "landing_path": PAGE, **LOADED},
    "hootsuite_messages": {"source": "api", "network": "x", "state": "SENT", "text": "Road closure on Deansgate",
                           "sent_at": NOW - timedelta(days=1), "landing_path": PAGE, **LOADED},
    "register_election_periods": {"file_sha256": "f" * 64, "effective_from": date(2026, 1, 1), "source_line": 2,
                                  **LOADED},
}


def insert(con, table: str, **values) -> None:
    row = {**DEFAULTS.get(table, {}), **values}
    con.execute(f"insert into {table} ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))


def load(rows: list[tuple[str, dict]], suite, batch: Batch | None = None):
    """Write ``rows`` and run the gate in one transaction, as a loader does; return the gate's outcome."""
    batch = batch or Batch.of_api("x", "activity", "*", RUN)
    with connect() as con:
        def work():
            for table, values in rows:
                insert(con, table, **values)
            return gate(con, suite=suite, batch=batch)

        return in_transaction(con, work)


def account(account_id="101", **more):
    return ("platform_accounts", {"account_id": account_id, **more})


def post(post_id, account_id="101", **more):
    return ("platform_posts", {"post_id": post_id, "account_id": account_id, **more})


def refused(rows, suite, batch=None) -> BatchRejected:
    with pytest.raises(BatchRejected) as caught:
        load(rows, suite, batch)
    return caught.value


def failing(rejection: BatchRejected) -> dict[str, list[str]]:
    return {check.check.name: check.examples for _, check in rejection.outcome.failures}


def test_a_good_batch_passes_and_its_results_commit_with_it(warehouse):
    outcome = load([account(), post("1"), post("2")], ("platform_accounts", "platform_posts"))
    assert outcome.status == "passed" and outcome.rows == 3
    assert query("select status, rows, received, suites from ops_batches") == [
        ("passed", 3, None, ["platform_accounts", "platform_posts"])]
    checked = query("select suite, count(*), bool_and(success), max(rows_checked) from ops_validation_results "
                    "group by suite order by suite")
    run = {name: len(load_suite(name).checks_on("rows")) for name in ("platform_accounts", "platform_posts")}
    assert checked == [("platform_accounts", run["platform_accounts"], True, 1),
                       ("platform_posts", run["platform_posts"], True, 2)]
    assert query("select count(*) from platform_posts") == [(2,)]


def test_only_the_batch_is_read_not_the_history(warehouse):
    load([account(), post("old", created_at=NOW + timedelta(days=90), run_id="an earlier run")],
         ("platform_accounts",))
    outcome = load([post("new")], "platform_posts")
    assert outcome.status == "passed" and outcome.rows == 1, "the earlier run's row is not this batch"


def test_a_null_key_is_refused_and_nothing_of_the_batch_is_kept(warehouse):
    rejection = refused([("hootsuite_profiles", {"profile_id": "p1", "network": None})], "hootsuite_profiles",
                        Batch.of_api("hootsuite", "profiles", "org", RUN))
    assert "expect_column_values_to_not_be_null(network)" in failing(rejection)
    assert query("select count(*) from hootsuite_profiles") == [(0,)]
    assert query("select count(*) from ops_batches") == [(0,)], "a refused batch's results are kept after rollback"


def test_a_duplicate_key_is_refused_naming_the_duplicate(warehouse):
    # The same X post under its Hootsuite id and under the key an export without ids gives it.
    rows = [("hootsuite_messages", {"message_key": "9001", "message_id": "9001", "network_post_id": "1855"}),
            ("hootsuite_messages", {"message_key": "x:1855", "network_post_id": "1855"})]
    rejection = refused(rows, "hootsuite_messages", Batch.of_api("hootsuite", "messages", "org", RUN))
    name = "expect_compound_columns_to_be_unique(network, network_post_id)"
    assert failing(rejection)[name] == ["(network=x, network_post_id=1855)"]
    assert "suite hootsuite_messages" in str(rejection) and name in str(rejection) and "1855" in str(rejection)


def test_a_message_keyed_other_than_by_its_id_is_refused(warehouse):
    rows = [("hootsuite_messages", {"message_key": "x:1855", "message_id": "9001"})]
    rejection = refused(rows, "hootsuite_messages", Batch.of_api("hootsuite", "messages", "org", RUN))
    assert failing(rejection)["expect_column_values_to_be_null(key_not_id)"] == ["x:1855"]


def test_a_timestamp_in_the_future_is_refused(warehouse):
    ahead = NOW + timedelta(days=30)
    rejection = refused([account(), post("1", created_at=ahead)], ("platform_accounts", "platform_posts"))
    examples = failing(rejection)["expect_column_values_to_be_between(created_at)"]
    assert examples and examples[0].startswith(ahead.date().isoformat())


def test_an_implausibly_old_timestamp_is_refused(warehouse):
    rejection = refused([account(), post("1", created_at=datetime(1970, 1, 1, tzinfo=UTC))],
                        ("platform_accounts", "platform_posts"))
    assert "expect_column_values_to_be_between(created_at)" in failing(rejection)


def test_a_value_outside_an_enumeration_is_refused(warehouse):
    rows = [("hootsuite_messages", {"message_key": "m1", "state": "VANISHED"})]
    rejection = refused(rows, "hootsuite_messages", Batch.of_api("hootsuite", "messages", "org", RUN))
    assert failing(rejection)["expect_column_values_to_be_in_set(state)"] == ["VANISHED"]


def test_a_reference_that_does_not_resolve_is_refused(warehouse):
    rejection = refused([post("1", account_id="999")], "platform_posts")
    assert failing(rejection)["expect_column_values_to_be_null(unknown_account)"] == ["999"]


def test_a_warning_level_reference_warns_and_the_batch_loads(warehouse):
    outcome = load([("hootsuite_messages", {"message_key": "m1", "profile_id": "gone"})], "hootsuite_messages",
                   Batch.of_api("hootsuite", "messages", "org", RUN))
    assert outcome.status == "warned"
    assert query("select count(*) from hootsuite_messages") == [(1,)]
    assert query("select status from ops_batches") == [("warned",)]
    assert query("select expectation, level, examples from ops_validation_results where not success") == [
        ("expect_column_values_to_be_null(unknown_profile)", "warning", ["gone"])]


def test_over_long_text_is_refused_without_copying_the_text(warehouse):
    comment = ("platform_comments", {"comment_id": "c1", "post_id": "1", "account_id": "101",
                                     "text": "<b>spam</b> " * 800})
    rejection = refused([account(platform="facebook"), post("1", platform="facebook"), comment],
                        ("platform_accounts", "platform_posts", "platform_comments"))
    assert failing(rejection)["expect_column_values_to_be_between(text_length)"] == ["9600"]
    assert "spam" not in str(rejection)


def test_a_negative_count_is_refused(warehouse):
    rejection = refused([account(), ("platform_account_daily", {"account_id": "101", "followers": -5})],
                        ("platform_accounts", "platform_account_daily"))
    assert failing(rejection)["expect_column_values_to_be_between(followers)"] == ["-5"]


def test_an_election_ending_before_it_starts_is_refused(warehouse):
    sha = "f" * 64
    rows = [("register_election_periods", {"election": "By-election", "starts_on": date(2026, 5, 7),
                                           "ends_on": date(2026, 3, 1)})]
    batch = Batch("registers", "elections", sha, RUN, file_sha256=sha, received=1)
    rejection = refused(rows, "register_election_periods", batch)
    assert "expect_column_pair_values_a_to_be_greater_than_b(ends_on, starts_on)" in failing(rejection)


def test_a_file_with_far_fewer_rows_than_usual_warns_but_loads(warehouse):
    with connect() as con:
        for number, day in enumerate(range(1, 6)):
            con.execute("insert into ops_batches (run_id, batch_id, source, entity, suites, rows, received, status,"
                        " validated_at) values (?, ?, 'registers', 'elections', ['register_election_periods'], 0,"
                        " ?, 'passed', ?)", [f"run{day}", f"sha{day}", 1000 + number, NOW - timedelta(days=day)])
    sha = "f" * 64
    rows = [("register_election_periods", {"election": "Local elections 2027", "starts_on": date(2027, 3, 22),
                                           "ends_on": date(2027, 5, 6)})]
    outcome = load(rows, "register_election_periods",
                   Batch("registers", "elections", sha, RUN, file_sha256=sha, received=50))
    assert outcome.status == "warned"
    failed = {c.check.name: c for _, c in outcome.failures}
    volume = failed["expect_column_values_to_be_between(share_of_usual)"]
    assert volume.check.level == "warning" and volume.check.kind == "volume"
    assert volume.examples == ["50 row(s) against a median of 1,002 in the last 5 batches"]
    assert query("select count(*) from register_election_periods") == [(1,)], "a warning does not block"
    assert query("select received, status from ops_batches where batch_id = ?", sha) == [(50, "warned")]


def test_a_usual_sized_file_passes_the_volume_check(warehouse):
    with connect() as con:
        for day in range(1, 4):
            con.execute("insert into ops_batches (run_id, batch_id, source, entity, suites, rows, received, status,"
                        " validated_at) values (?, ?, 'registers', 'elections', [], 0, 2, 'passed', ?)",
                        [f"run{day}", f"sha{day}", NOW - timedelta(days=day)])
    sha = "f" * 64
    rows = [("register_election_periods", {"election": "Local elections 2027", "starts_on": date(2027, 3, 22),
                                           "ends_on": date(2027, 5, 6)})]
    outcome = load(rows, "register_election_periods",
                   Batch("registers", "elections", sha, RUN, file_sha256=sha, received=1))
    assert outcome.status == "passed", outcome.message()
