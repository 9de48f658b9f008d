"""The delivery log: durable, readable back, and safe with several processes appending at once."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta

import pytest

from council_social.delivery import Delivery, DeliveryLog

SENT_AT = datetime(2026, 10, 31, 9, 30, tzinfo=UTC)


def _delivery(key: str = "audit/2026-H2/review.board@example.gov.uk", **overrides) -> Delivery:
    fields = dict(
        key=key,
        sent_at=SENT_AT,
        channel="smtp",
        recipients=("review.board@example.gov.uk", "comms.lead@example.gov.uk"),
        subject="Bi-annual audit of accounts and users",
        message_id="<1.2.3@example.gov.uk>",
    )
    fields.update(overrides)
    return Delivery(**fields)


def _record_in_another_process(path, key: str, count: int) -> subprocess.Popen:
    script = textwrap.dedent(
        f"""
        from datetime import UTC, datetime
        from council_social.delivery import Delivery, DeliveryLog
        log = DeliveryLog({str(path)!r})
        for n in range({count}):
            log.record(Delivery(key=f"{key}/{{n}}", sent_at=datetime.now(UTC), channel="outbox",
                                recipients=("a@example.gov.uk",), subject="s" * 2000,
                                message_id=f"<{{n}}@x>"))
        """
    )
    return subprocess.Popen([sys.executable, "-c", script])


def test_deliveries_survive_reopening_the_log(tmp_path):
    path = tmp_path / "reports" / "delivery_log.jsonl"
    first = _delivery()
    outbox = _delivery(
        key="inactive_users/2026-10-31/comms.lead@example.gov.uk", channel="outbox",
        outbox_path=str(tmp_path / "outbox" / "x.eml"), sent_at=SENT_AT + timedelta(hours=1),
    )
    DeliveryLog(path).record(first)
    DeliveryLog(path).record(outbox)

    reopened = DeliveryLog(path)
    assert reopened.entries() == [first, outbox]
    assert reopened.delivered(first.key) == first
    assert reopened.delivered("never/sent") is None
    assert reopened.entries()[1].sent_at.tzinfo is not None


def test_latest_delivery_of_a_key_wins(tmp_path):
    log = DeliveryLog(tmp_path / "log.jsonl")
    log.record(_delivery(message_id="<first@x>"))
    log.record(_delivery(message_id="<resent@x>", sent_at=SENT_AT + timedelta(days=1)))
    assert log.delivered(_delivery().key).message_id == "<resent@x>"


def test_each_delivery_is_one_readable_json_line(tmp_path):
    log = DeliveryLog(tmp_path / "log.jsonl")
    log.record(_delivery(refused=("gone@example.gov.uk",), subject="Café audit"))
    [line] = log.path.read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert record == {
        "key": "audit/2026-H2/review.board@example.gov.uk",
        "sent_at": "2026-10-31T09:30:00+00:00",
        "channel": "smtp",
        "recipients": ["review.board@example.gov.uk", "comms.lead@example.gov.uk"],
        "subject": "Café audit",
        "message_id": "<1.2.3@example.gov.uk>",
        "outbox_path": None,
        "refused": ["gone@example.gov.uk"],
    }


def test_default_location_is_under_reports_output(tmp_path, monkeypatch):
    monkeypatch.setenv("COUNCIL_SOCIAL_REPORTS", str(tmp_path / "reports"))
    assert DeliveryLog().path == tmp_path / "reports" / "delivery_log.jsonl"


def test_reading_a_log_that_does_not_exist_creates_nothing(tmp_path):
    log = DeliveryLog(tmp_path / "nowhere" / "log.jsonl")
    assert log.entries() == []
    assert log.delivered("anything") is None
    assert not (tmp_path / "nowhere").exists()


def test_a_line_cut_short_by_a_crash_is_skipped_and_not_glued_to_the_next(tmp_path, caplog):
    log = DeliveryLog(tmp_path / "log.jsonl")
    log.record(_delivery(key="a"))
    with log.path.open("ab") as handle:
        handle.write(b'{"key": "b", "sent_at": "2026-10-3')
    log.record(_delivery(key="c"))

    assert [entry.key for entry in log.entries()] == ["a", "c"]
    assert "line 2" in caplog.text and str(log.path) in caplog.text


def test_unknown_channel_is_refused(tmp_path):
    with pytest.raises(ValueError, match="pigeon"):
        DeliveryLog(tmp_path / "log.jsonl").record(_delivery(channel="pigeon"))


def test_processes_appending_at_once_never_interleave(tmp_path):
    path = tmp_path / "log.jsonl"
    writers = [_record_in_another_process(path, f"writer{w}", 40) for w in range(4)]
    for writer in writers:
        assert writer.wait(timeout=60) == 0

    entries = DeliveryLog(path).entries()
    assert len(entries) == 160
    assert len(path.read_text().splitlines()) == 160
    assert {entry.key for entry in entries} == {f"writer{w}/{n}" for w in range(4) for n in range(40)}


def test_a_held_lock_makes_other_writers_wait(tmp_path):
    log = DeliveryLog(tmp_path / "log.jsonl")
    with log.locked() as held:
        held.record(_delivery(key="held"))
        writer = _record_in_another_process(log.path, "waiting", 1)
        with pytest.raises(subprocess.TimeoutExpired):
            writer.wait(timeout=1)
        assert [entry.key for entry in held.entries()] == ["held"]
    assert writer.wait(timeout=60) == 0
    assert [entry.key for entry in log.entries()] == ["held", "waiting/0"]
