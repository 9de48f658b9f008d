"""Report emails against a real SMTP server on loopback (aiosmtpd), and the outbox fallback."""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import zlib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from council_social.delivery import DEFAULT_SENDER, Attachment, DeliveryLog, compose, deliver

FROM_EMAIL = "comms-data@example.gov.uk"
SMTP_LOGIN = "comms-data"
SMTP_PASSWORD = "s3cret-pass"
KEY = "inactive_users/2026-10-31/comms.lead@example.gov.uk"
HTML = (
    "<h1>Inactive users: October 2026</h1>"
    "<p>3 members still hold Hootsuite access after leaving &amp; 2 have not posted in 90 days.</p>"
    '<p><img src="cid:trend" alt="Inactive members by month"></p>'
    "<p>Reported by &lt;script&gt;alert(1)&lt;/script&gt; (escaped by the template).</p>"
)


def _png(width: int = 2, height: int = 2) -> bytes:
    """A real, minimal PNG (grey pixels), so mail clients would render it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


PNG = _png()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
XLSX = b"PK\x03\x04" + bytes(range(256)) * 4


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)


class Mailbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content),
                         bool(session.authenticated))
            )
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            if auth_data.login == SMTP_LOGIN.encode() and auth_data.password == SMTP_PASSWORD.encode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def _text(part: EmailMessage) -> str:
    """A text part as sent: on the wire (and in .eml files) lines end in CRLF."""
    return part.get_content().replace("\r\n", "\n").rstrip("\n")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def environment(tmp_path, monkeypatch):
    """Airflow and the package both point into tmp_path; no SMTP connection unless a test adds one."""
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.setenv("COUNCIL_SOCIAL_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("COUNCIL_SOCIAL_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    # Import Airflow here, not during a test: its logging set-up on first import would otherwise
    # replace the handlers caplog has just installed.
    import airflow.sdk  # noqa: F401


@pytest.fixture
def mailbox():
    handler = Mailbox()
    controller = Controller(
        handler, hostname="127.0.0.1", port=_free_port(), server_hostname="localhost",
        authenticator=handler.authenticate, auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def _configure_smtp(monkeypatch, port: int, login: bool = False, **extra) -> None:
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"disable_ssl": True, "disable_tls": True, "from_email": FROM_EMAIL, **extra},
    }
    if login:
        connection.update(login=SMTP_LOGIN, password=SMTP_PASSWORD)
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))


def _report(**overrides) -> EmailMessage:
    arguments = dict(
        subject="Inactive users — October 2026",
        to=["Comms Lead <comms.lead@example.gov.uk>", "digital.comms@example.gov.uk"],
        cc=["data.protection@example.gov.uk"],
        html=HTML,
        inline_images={"trend": PNG},
        attachments=[
            Attachment("inactive-users-2026-10.pdf", PDF),
            Attachment("inactive-users-2026-10.xlsx", XLSX),
        ],
    )
    arguments.update(overrides)
    return compose(**arguments)


def test_report_email_arrives_through_smtp_intact(mailbox, monkeypatch, tmp_path):
    controller, handler = mailbox
    _configure_smtp(monkeypatch, controller.port)

    delivery = deliver(_report(), key=KEY)

    assert delivery.channel == "smtp" and not delivery.skipped and delivery.outbox_path is None
    assert len(handler.received) == 1
    received = handler.received[0]
    assert received.mail_from == FROM_EMAIL
    assert sorted(received.rcpt_tos) == sorted(
        ["comms.lead@example.gov.uk", "digital.comms@example.gov.uk", "data.protection@example.gov.uk"]
    )
    message = received.message
    assert message["Subject"] == "Inactive users — October 2026"
    assert message["From"] == FROM_EMAIL
    assert [a.addr_spec for a in message["To"].addresses] == [
        "comms.lead@example.gov.uk", "digital.comms@example.gov.uk",
    ]
    assert message["To"].addresses[0].display_name == "Comms Lead"
    assert [a.addr_spec for a in message["Cc"].addresses] == ["data.protection@example.gov.uk"]
    assert message["Message-ID"] == delivery.message_id

    # Plain text and HTML as alternatives; the chart sits next to the HTML in multipart/related.
    assert message.get_content_type() == "multipart/mixed"
    alternative = message.get_payload()[0]
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert "3 members still hold Hootsuite access after leaving & 2" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert _text(html_part) == HTML
    assert image.get_content_type() == "image/png"
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html_part.get_content()
    assert image.get_content() == PNG
    assert image.get_content_disposition() == "inline"

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"inactive-users-2026-10.pdf", "inactive-users-2026-10.xlsx"}
    assert attachments["inactive-users-2026-10.pdf"].get_content_type() == "application/pdf"
    assert attachments["inactive-users-2026-10.pdf"].get_content() == PDF
    assert attachments["inactive-users-2026-10.xlsx"].get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert attachments["inactive-users-2026-10.xlsx"].get_content() == XLSX

    [entry] = DeliveryLog(tmp_path / "reports" / "delivery_log.jsonl").entries()
    assert entry == delivery
    assert entry.recipients == tuple(received.rcpt_tos)


def test_same_key_is_sent_once_unless_resent(mailbox, monkeypatch, tmp_path):
    controller, handler = mailbox
    _configure_smtp(monkeypatch, controller.port)
    log = DeliveryLog(tmp_path / "log.jsonl")

    first = deliver(_report(), key=KEY, log=log)
    again = deliver(_report(), key=KEY, log=log)

    assert len(handler.received) == 1
    assert again.skipped and again == first
    assert again.message_id == first.message_id

    resent = deliver(_report(), key=KEY, log=log, resend=True)

    assert len(handler.received) == 2
    assert not resent.skipped and resent.message_id != first.message_id
    assert [entry.message_id for entry in log.entries()] == [first.message_id, resent.message_id]
    assert log.delivered(KEY) == resent

    other = deliver(_report(), key=KEY.replace("comms.lead", "digital.comms"), log=log)
    assert not other.skipped and len(handler.received) == 3


def test_without_smtp_connection_the_email_lands_in_the_outbox(tmp_path):
    outbox = tmp_path / "outbox-here"
    message = _report()

    delivery = deliver(message, key=KEY, outbox=outbox)

    assert delivery.channel == "outbox"
    files = list(outbox.iterdir())
    assert [f.name for f in files] == [Path(delivery.outbox_path).name]  # no temp file left behind
    assert re.fullmatch(
        r"\d{8}T\d{6}\.\d{6}Z__inactive_users-2026-10-31-comms-lead-example-gov-uk\.eml", files[0].name
    )
    data = files[0].read_bytes()
    assert data == message.as_bytes(policy=policy.SMTP)

    parsed = message_from_bytes(data, policy=policy.default)
    assert parsed["Subject"] == message["Subject"]
    assert parsed["From"] == DEFAULT_SENDER  # no connection, so no from_email extra
    assert parsed["To"] == message["To"] and parsed["Cc"] == message["Cc"]
    assert parsed["Message-ID"] == delivery.message_id
    assert _text(parsed.get_body(("html",))) == HTML
    [image] = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert image.get_content() == PNG
    assert {p.get_filename(): p.get_content() for p in parsed.iter_attachments()} == {
        "inactive-users-2026-10.pdf": PDF,
        "inactive-users-2026-10.xlsx": XLSX,
    }

    assert deliver(_report(), key=KEY, outbox=outbox).skipped
    assert len(list(outbox.iterdir())) == 1


def test_outbox_defaults_to_the_configured_folder(tmp_path):
    delivery = deliver(_report(), key="x" * 300)

    path = Path(delivery.outbox_path)
    assert path.parent == tmp_path / "outbox"
    assert len(path.name) < 120  # long keys are cut short, with a hash to keep them apart


def test_password_never_reaches_the_logs(mailbox, monkeypatch, tmp_path, caplog, capfd):
    controller, handler = mailbox
    _configure_smtp(monkeypatch, controller.port, login=True)
    caplog.set_level("DEBUG")

    delivery = deliver(_report(), key=KEY)

    assert handler.logins and handler.received[0].authenticated
    assert delivery.channel == "smtp"
    captured = capfd.readouterr()
    for text in (caplog.text, captured.out, captured.err):
        assert SMTP_PASSWORD not in text
    assert SMTP_PASSWORD not in (tmp_path / "reports" / "delivery_log.jsonl").read_text()
    assert any("Emailed" in record.getMessage() for record in caplog.records)


def test_wrong_password_fails_and_records_nothing(mailbox, monkeypatch, tmp_path):
    controller, handler = mailbox
    connection = {
        "conn_type": "smtp", "host": "127.0.0.1", "port": controller.port,
        "login": SMTP_LOGIN, "password": "not-the-password",
        "extra": {"disable_ssl": True, "disable_tls": True},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    log = DeliveryLog(tmp_path / "log.jsonl")

    with pytest.raises(Exception, match="535|uthentication"):
        deliver(_report(), key=KEY, log=log)

    assert handler.received == []
    assert log.entries() == []


def test_extras_typed_as_text_are_read_as_flags(mailbox, monkeypatch):
    controller, handler = mailbox
    _configure_smtp(monkeypatch, controller.port, disable_ssl="true", disable_tls="True", timeout="10")

    deliver(_report(), key=KEY)

    assert len(handler.received) == 1


def test_sender_comes_from_the_connection_unless_given(mailbox, monkeypatch):
    controller, _handler = mailbox
    assert _report()["From"] == DEFAULT_SENDER
    _configure_smtp(monkeypatch, controller.port)
    assert _report()["From"] == FROM_EMAIL
    assert _report(sender="Review Board <review.board@example.gov.uk>")["From"] == (
        "Review Board <review.board@example.gov.uk>"
    )


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("to", "not-an-address"),
        ("to", "comms.lead@"),
        ("to", "comms lead@example.gov.uk"),
        ("cc", "@example.gov.uk"),
        ("cc", "a@b.example\r\nBcc: everyone@example.gov.uk"),
        ("sender", "comms-data@example..gov.uk"),
    ],
)
def test_invalid_addresses_are_rejected_by_name(field, bad):
    arguments = {"to": ["comms.lead@example.gov.uk"], "sender": FROM_EMAIL, field: [bad]}
    if field == "sender":
        arguments["sender"] = bad
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        compose(subject="Audit", html="<p>Audit</p>", **arguments)


def test_an_email_needs_recipients(tmp_path):
    with pytest.raises(ValueError, match="no To recipients"):
        compose(subject="Audit", to=[], cc=["a@example.gov.uk"], html="<p>x</p>", sender=FROM_EMAIL)

    message = EmailMessage()
    message["Subject"] = "Audit"
    message["From"] = FROM_EMAIL
    message.set_content("x")
    with pytest.raises(ValueError, match="no recipients"):
        deliver(message, key=KEY, outbox=tmp_path / "outbox")
    assert not (tmp_path / "outbox").exists()


def test_recipients_given_as_one_string_are_split_and_deduplicated():
    message = compose(
        subject="Audit", html="<p>x</p>", sender=FROM_EMAIL,
        to="a@example.gov.uk; b@example.gov.uk, A@example.gov.uk",
        cc="b@example.gov.uk; c@example.gov.uk",
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["a@example.gov.uk", "b@example.gov.uk"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["c@example.gov.uk"]


def test_inline_images_must_be_png_and_referenced():
    with pytest.raises(ValueError, match="'trend' is not a PNG"):
        _report(inline_images={"trend": b"GIF89a..."}, sender=FROM_EMAIL)
    with pytest.raises(ValueError, match="'other' is not referenced"):
        _report(inline_images={"trend": PNG, "other": PNG}, sender=FROM_EMAIL)


def test_managed_headers_cannot_be_overridden_but_others_can():
    message = _report(sender=FROM_EMAIL, headers={"X-Council-Report": "inactive_users"})
    assert message["X-Council-Report"] == "inactive_users"
    with pytest.raises(ValueError, match="'Bcc'"):
        _report(sender=FROM_EMAIL, headers={"Bcc": "someone@example.gov.uk"})
    with pytest.raises(ValueError):
        _report(sender=FROM_EMAIL, subject="Audit\r\nBcc: someone@example.gov.uk")


def test_plain_text_is_derived_from_the_html_when_not_given():
    message = compose(
        subject="Audit", to=["a@example.gov.uk"], sender=FROM_EMAIL,
        html="<style>p{color:red}</style><h2>Findings</h2><ul><li>A01 &amp; A02</li><li>U01</li></ul>",
    )
    assert message.get_body(("plain",)).get_content() == "Findings\n\n- A01 & A02\n- U01\n"

    given = compose(subject="Audit", to=["a@example.gov.uk"], sender=FROM_EMAIL, html="<p>x</p>", text="y")
    assert given.get_body(("plain",)).get_content() == "y\n"


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("audit.pdf", "application/pdf"),
        ("Appendix.XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("findings.csv", "text/csv"),
        ("pack.csv.gz", "application/octet-stream"),
        ("no-extension", "application/octet-stream"),
    ],
)
def test_attachment_types_are_guessed_from_the_name(filename, expected):
    assert Attachment(filename, b"data").content_type == expected
    assert Attachment(filename, b"data", mime_type="image/png").content_type == "image/png"


def test_attachment_from_path_keeps_name_and_bytes(tmp_path):
    path = tmp_path / "board-pack.pdf"
    path.write_bytes(PDF)
    attachment = Attachment.from_path(path)
    assert (attachment.filename, attachment.content) == ("board-pack.pdf", PDF)
