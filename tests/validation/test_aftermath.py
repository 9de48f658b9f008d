"""What happens after a gate: a refused file is kept out, set aside and reported; warnings are emailed.

Through the real register importer, a real warehouse, the outbox and the Data Docs folder.
"""

from __future__ import annotations

import email
from datetime import UTC, date, datetime, timedelta
from email import policy

import pytest
from airflow.sdk.exceptions import AirflowFailException
from support import drop_into, query

from council_social.config import settings
from council_social.registers.importer import land_inbox_files, load_landed_files
from council_social.validation import Batch, gate, gated
from council_social.validation import gates as gate_module
from council_social.warehouse import connect
from council_social.warehouse.loading import in_transaction

DAY = date(2026, 10, 31)
RECIPIENTS = ("report,email,name,copy\n"
              "data_quality,data.team@manchester.gov.uk,Data Team,to\n"
              "data_quality,analyst@manchester.gov.uk,Analyst,cc\n")
FUTURE = (datetime.now(UTC) + timedelta(days=400)).date()
TRAINING = ("name,email,course,completed_on\n"
            "Ada Lovelace,ada.lovelace@manchester.gov.uk,GOLD,2025-03-01\n"
            f"Alan Turing,alan.turing@manchester.gov.uk,GOLD,{FUTURE.isoformat()}\n")


def drop(name: str, data: str) -> None:
    drop_into(settings().register_inbox, name, data)


def import_registers(run_id: str = "run_1") -> dict:
    with gated():
        return load_landed_files(land_inbox_files(DAY), run_id)


def emails() -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(settings().outbox.glob("*.eml"))]


@pytest.fixture
def team(warehouse):
    """The data team is listed for data_quality in the report recipients register."""
    drop("report_recipients_2026-01-01.csv", RECIPIENTS)
    import_registers("run_0")
    return warehouse


def test_a_refused_file_is_rolled_back_set_aside_reported_and_fails_the_task(team):
    drop("training_records_2026-10-01.csv", TRAINING)
    with pytest.raises(AirflowFailException) as failure:
        import_registers()
    message = str(failure.value)
    assert "suite register_training" in message
    assert "expect_column_values_to_be_between(completed_on)" in message
    assert FUTURE.isoformat() in message, "an example of the bad value"

    assert query("select count(*) from register_training") == [(0,)], "nothing of the file was loaded"
    assert query("select count(*) from ops_file_ledger where original_name like 'training%'") == [(0,)], \
        "not in the ledger, so the same file dropped again is tried again"
    [(reason,)] = query("select reason from ops_quarantine where line = 0")
    assert reason.startswith("failed validation: ") and "completed_on" in reason
    assert query("select status, received from ops_batches where entity = 'training'") == [("failed", 2)]
    assert query("select expectation, examples from ops_validation_results where not success") == [
        ("expect_column_values_to_be_between(completed_on)", [f"{FUTURE.isoformat()}T00:00:00+00:00"])]

    inbox = settings().register_inbox
    attention = inbox / "needs-attention"
    assert not (inbox / "training_records_2026-10-01.csv").exists()
    assert (attention / "training_records_2026-10-01.csv").read_text(encoding="utf-8") == TRAINING
    note = (attention / "training_records_2026-10-01.csv.problems.txt").read_text(encoding="utf-8")
    assert "refused by the validation gate" in note and "completed_on" in note

    [sent] = [m for m in emails() if "refused" in m["Subject"]]
    assert sent["To"] == "data.team@manchester.gov.uk" and sent["Cc"] == "analyst@manchester.gov.uk"
    html = sent.get_body(("html",)).get_content()
    assert "expect_column_values_to_be_between(completed_on)" in html and FUTURE.isoformat() in html
    assert "rolled back" in sent.get_body(("plain",)).get_content()

    docs = settings().reports_output / "data_docs"
    assert "register_training" in (docs / "index.html").read_text(encoding="utf-8")


def test_a_file_refused_by_a_wrong_check_loads_once_the_check_is_corrected(team, monkeypatch):
    drop("training_records_2026-10-01.csv", TRAINING)
    with pytest.raises(AirflowFailException):
        import_registers()
    attention = settings().register_inbox / "needs-attention"
    (attention / "training_records_2026-10-01.csv").replace(settings().register_inbox
                                                            / "training_records_2026-10-01.csv")
    monkeypatch.setattr(gate_module, "GRACE", timedelta(days=800))  # the corrected suite
    outcomes = {o["name"]: o["status"] for o in import_registers("run_2")["outcomes"]}
    assert outcomes["training_records_2026-10-01.csv"] == "loaded"
    assert query("select count(*) from register_training") == [(2,)]
    assert query("select count(*) from ops_quarantine") == [(0,)], "the refusal's quarantine entry is cleared"
    assert query("select run_id, status from ops_batches where entity = 'training' order by run_id") == [
        ("run_1", "failed"), ("run_2", "passed")]


def test_a_warning_is_emailed_and_the_batch_loads(team):
    run = "manual__2026-11-01T06:00:00+00:00"
    with gated(), connect() as con:
        def work():
            con.execute("insert into hootsuite_messages (message_key, profile_id, source, landing_path, run_id,"
                        " loaded_at) values ('m1', 'no-such-profile', 'api', 'file:///p', ?, now())", [run])
            return gate(con, suite="hootsuite_messages", batch=Batch.of_api("hootsuite", "messages", "org", run))

        assert in_transaction(con, work).status == "warned"
    assert query("select count(*) from hootsuite_messages") == [(1,)]
    [sent] = [m for m in emails() if "warnings" in m["Subject"]]
    assert "no-such-profile" in sent.get_body(("html",)).get_content()


def test_an_api_batch_refusal_is_recorded_without_touching_files(team):
    run = "manual__2026-11-01T06:00:00+00:00"
    with pytest.raises(AirflowFailException, match="suite platform_posts"), gated(), connect() as con:
        def work():
            con.execute("insert into platform_posts (platform, post_id, account_id, created_at, landing_path,"
                        " run_id, loaded_at) values ('x', '1', 'nobody', now(), 'file:///p', ?, now())", [run])
            gate(con, suite="platform_posts", batch=Batch.of_api("x", "activity", "*", run))

        in_transaction(con, work)
    assert query("select batch_id, status from ops_batches where run_id = ?", run) == [("x:activity:*", "failed")]
    assert query("select count(*) from platform_posts") == [(0,)]
    assert query("select count(*) from ops_quarantine") == [(0,)]
    [sent] = [m for m in emails() if "refused" in m["Subject"]]
    assert "watermark did not move" in sent.get_body(("plain",)).get_content()


def test_a_data_docs_failure_does_not_fail_a_good_load(team, monkeypatch):
    from council_social.validation import engine

    def broken(results):
        raise OSError("disk full")

    monkeypatch.setattr(engine, "publish", broken)
    drop("training_records_2026-10-01.csv", TRAINING.replace(FUTURE.isoformat(), "2026-02-01"))
    outcomes = {o["name"]: o["status"] for o in import_registers()["outcomes"]}
    assert outcomes["training_records_2026-10-01.csv"] == "loaded"
    assert query("select count(*) from register_training") == [(2,)]
