"""Archive and delivery: one folder per report and period, replaced whole; one email per period, through real SMTP."""

from __future__ import annotations

import io
import logging
import os
import time
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from reporting.sample_reports import SCRIPT, audit_report, charts, inactive_users_report
from support import Mailbox

from council_social.delivery import DeliveryLog
from council_social.reporting.model import Section
from council_social.reporting.present import subject_line
from council_social.reporting.publish import archive, archive_pack, publish_report, render_report, send, send_pack
from council_social.reporting.store import load_report

RECIPIENTS = {"to": ["Comms Lead <comms.lead@example.gov.uk>", "digital.comms@example.gov.uk"],
              "cc": ["data.protection@example.gov.uk"]}


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("COUNCIL_SOCIAL_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("COUNCIL_SOCIAL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    import airflow.sdk  # noqa: F401 - Airflow's logging set-up on first import must not replace caplog's


@pytest.fixture(scope="module")
def rendered():
    return render_report(audit_report())


@pytest.fixture
def mailbox(monkeypatch):
    with Mailbox() as box:
        box.configure(monkeypatch)
        yield box


def test_archive_writes_every_format_under_report_and_period(rendered, tmp_path):
    folder = archive(rendered)

    assert folder == tmp_path / "reports" / "audit" / "2026-H2"
    assert sorted(p.name for p in folder.iterdir()) == [
        "audit-2026-H2.pdf", "audit-2026-H2.xlsx", "email.html", "email.txt", "findings-by-severity.png",
        "report.json",
    ]
    assert (folder / "audit-2026-H2.pdf").read_bytes() == rendered.pdf
    assert load_workbook(folder / "audit-2026-H2.xlsx").sheetnames[0] == "Summary"
    html = (folder / "email.html").read_text(encoding="utf-8")
    assert 'src="findings-by-severity.png"' in html and "cid:" not in html  # opens in a browser
    assert (folder / "findings-by-severity.png").read_bytes() == rendered.inline_images["findings-by-severity"]
    assert load_report(folder / "report.json") == rendered.report
    assert sorted(p.name for p in folder.parent.iterdir()) == ["2026-H2"]  # no work folders left


def test_a_rerun_replaces_the_period_and_leaves_no_stale_file(rendered, tmp_path):
    folder = archive(rendered)
    (folder / "notes-from-last-time.txt").write_text("stale")
    _, followers = charts()
    report = rendered.report
    newer = replace(rendered, report=replace(report, headline="Rerun"),
                    inline_images={"followers": followers.png}, pdf=b"%PDF-1.7 rerun")
    abandoned = folder.parent / ".2026-H2.old-crashed"
    abandoned.mkdir()
    fresh_work = folder.parent / ".2026-H2.new-inprogress"
    fresh_work.mkdir()

    again = archive(newer)

    assert again == folder
    names = sorted(p.name for p in folder.iterdir())
    assert "notes-from-last-time.txt" not in names and "findings-by-severity.png" not in names
    assert "followers.png" in names
    assert (folder / "audit-2026-H2.pdf").read_bytes() == b"%PDF-1.7 rerun"
    assert load_report(folder / "report.json").headline == "Rerun"
    # A crashed run's retired folder is removed; a work folder that may belong to a run still going is not.
    assert not abandoned.exists() and fresh_work.exists()
    old = time.time() - 7200
    os.utime(fresh_work, (old, old))
    archive(newer)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["2026-H2"]


def test_other_periods_are_left_alone(rendered, tmp_path):
    archive(rendered)
    other = archive(replace(rendered, report=replace(rendered.report, period="2027-H1")))

    assert sorted(p.name for p in other.parent.iterdir()) == ["2026-H2", "2027-H1"]


@pytest.mark.parametrize("period", ["../escape", ".hidden", "a/b", "", "2026 H2"])
def test_a_period_that_is_not_a_folder_name_is_refused(rendered, period):
    with pytest.raises(ValueError, match="period name"):
        archive(replace(rendered, report=replace(rendered.report, period=period)))


def test_archive_pack(tmp_path):
    path = archive_pack(b"%PDF-1.7 pack", "2026-H2")
    assert path == tmp_path / "reports" / "review_board_pack" / "2026-H2" / "review_board_pack-2026-H2.pdf"
    assert path.read_bytes() == b"%PDF-1.7 pack"


def test_the_email_arrives_through_smtp_with_charts_inline_and_both_files_attached(rendered, mailbox, tmp_path):
    folder = archive(rendered)
    pdf, xlsx = folder / "audit-2026-H2.pdf", folder / "audit-2026-H2.xlsx"

    [delivery] = send(rendered, RECIPIENTS, pdf_path=pdf, xlsx_path=xlsx, run_id="scheduled__2026-10-01T06:00:00+00:00")

    assert delivery.channel == "smtp" and not delivery.skipped
    [(envelope, message)] = mailbox.received
    assert sorted(envelope) == ["comms.lead@example.gov.uk", "data.protection@example.gov.uk",
                                "digital.comms@example.gov.uk"]
    assert message["Subject"] == subject_line(rendered.report)
    assert message["Subject"] == ("Bi-annual audit of accounts and users, April to September 2026: "
                                  "3 critical, 1 high, 1 medium, 1 low (3 new)")
    assert [a.addr_spec for a in message["To"].addresses] == ["comms.lead@example.gov.uk",
                                                              "digital.comms@example.gov.uk"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["data.protection@example.gov.uk"]
    assert message["X-Council-Report"] == "audit/2026-H2"
    assert message["X-Council-Run-Id"] == "scheduled__2026-10-01T06:00:00+00:00"

    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert message.get_body(("plain",)).get_content().startswith("Bi-annual audit of accounts and users")
    related = next(part for part in message.walk() if part.get_content_type() == "multipart/related")
    [image] = [part for part in related.iter_parts() if part.get_content_type() == "image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html
    assert image.get_content() == rendered.inline_images["findings-by-severity"]

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"audit-2026-H2.pdf", "audit-2026-H2.xlsx"}
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(attachments["audit-2026-H2.pdf"]
                                                                        .get_content())).pages)
    assert "Bi-annual audit of accounts and users" in pdf_text and SCRIPT in pdf_text
    book = load_workbook(io.BytesIO(attachments["audit-2026-H2.xlsx"].get_content()))
    assert "A05" in book.sheetnames

    [entry] = DeliveryLog().entries()
    assert entry.key == "audit/2026-H2" and entry.channel == "smtp"


def test_a_rerun_does_not_email_again_unless_forced(rendered, mailbox):
    folder = archive(rendered)
    files = {"pdf_path": folder / "audit-2026-H2.pdf", "xlsx_path": folder / "audit-2026-H2.xlsx"}

    first = send(rendered, RECIPIENTS, **files)
    again = send(rendered, RECIPIENTS, **files)

    assert len(mailbox.received) == 1
    assert again[0].skipped and again[0].message_id == first[0].message_id

    forced = send(rendered, RECIPIENTS, force=True, **files)

    assert len(mailbox.received) == 2 and not forced[0].skipped
    assert [e.key for e in DeliveryLog().entries()] == ["audit/2026-H2", "audit/2026-H2"]
    # Another period is another email.
    send(replace(rendered, report=replace(rendered.report, period="2027-H1")), RECIPIENTS, **files)
    assert len(mailbox.received) == 3


def test_no_recipients_means_a_warning_and_no_email(rendered, mailbox, caplog):
    folder = archive(rendered)

    with caplog.at_level(logging.WARNING, logger="council_social.reporting.publish"):
        sent = send(rendered, {"to": [], "cc": []}, pdf_path=folder / "audit-2026-H2.pdf",
                    xlsx_path=folder / "audit-2026-H2.xlsx")

    assert sent == [] and mailbox.received == []
    assert "Nobody is listed for 'audit'" in caplog.text
    assert DeliveryLog().entries() == []


def test_copy_recipients_alone_still_get_it(rendered, mailbox):
    folder = archive(rendered)

    send(rendered, {"to": [], "cc": ["data.protection@example.gov.uk"]}, pdf_path=folder / "audit-2026-H2.pdf",
         xlsx_path=folder / "audit-2026-H2.xlsx")

    [(envelope, message)] = mailbox.received
    assert envelope == ["data.protection@example.gov.uk"] and message["Cc"] is None


def test_without_smtp_the_email_goes_to_the_outbox(tmp_path):
    rendered = render_report(replace(inactive_users_report(), sections=(
        *inactive_users_report().sections, Section(title="Trend", charts=(charts()[1],)))))
    folder = archive(rendered)

    [delivery] = send(rendered, {"to": ["comms.lead@example.gov.uk"]}, pdf_path=folder / "inactive_users-2026-09.pdf",
                      xlsx_path=folder / "inactive_users-2026-09.xlsx")

    assert delivery.channel == "outbox"
    message = message_from_bytes(Path(delivery.outbox_path).read_bytes(), policy=policy.default)
    assert message["Subject"] == "Inactive users, September 2026: 3 medium (1 new)"
    assert {p.get_filename() for p in message.iter_attachments()} == {"inactive_users-2026-09.pdf",
                                                                       "inactive_users-2026-09.xlsx"}
    assert Path(delivery.outbox_path).parent == tmp_path / "outbox"


def test_the_review_board_pack_is_sent_once_per_period(tmp_path):
    path = archive_pack(b"%PDF-1.7 pack", "2026-H2")
    arguments = dict(period="2026-H2", title="Digital Comms Review Board pack", period_label="April to September 2026",
                     as_of=date(2026, 9, 30))

    [first] = send_pack(path, {"to": ["board@example.gov.uk"]}, **arguments)
    [again] = send_pack(path, {"to": ["board@example.gov.uk"]}, **arguments)

    assert first.key == "review_board_pack/2026-H2" and again.skipped
    message = message_from_bytes(Path(first.outbox_path).read_bytes(), policy=policy.default)
    assert message["Subject"] == "Digital Comms Review Board pack, April to September 2026"
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "review_board_pack-2026-H2.pdf"
    assert attachment.get_content() == b"%PDF-1.7 pack"


def test_publish_report_renders_archives_and_sends_in_one_call(tmp_path):
    result = publish_report(inactive_users_report(), {"to": ["comms.lead@example.gov.uk"]}, run_id="manual__1")
    again = publish_report(inactive_users_report(), {"to": ["comms.lead@example.gov.uk"]}, run_id="manual__2")

    folder = tmp_path / "reports" / "inactive_users" / "2026-09"
    assert result["folder"] == str(folder) and Path(result["pdf"]).parent == folder
    assert PdfReader(result["pdf"]).pages and load_workbook(result["xlsx"]).sheetnames == ["Summary", "U02"]
    assert result["deliveries"] == [{"key": "inactive_users/2026-09", "channel": "outbox", "skipped": False,
                                     "recipients": ["comms.lead@example.gov.uk"]}]
    assert again["deliveries"][0]["skipped"] is True
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
