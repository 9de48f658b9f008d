"""Compose report emails and deliver them once: through SMTP, or to the outbox folder.

``compose`` builds a standard ``EmailMessage``: a plain-text part and an HTML part
(multipart/alternative), charts as inline PNG images that the HTML references as ``cid:<name>``
(multipart/related), and attachments such as the report PDF and its XLSX appendix.

``deliver`` sends it through the Airflow SMTP connection (``smtp_default`` unless told otherwise),
reading the same connection fields and extras as the Airflow SMTP provider: host, port, login,
password, ``from_email``, ``disable_ssl``, ``disable_tls``, ``timeout``, ``retry_limit`` and
``ssl_context``. The provider's ``SmtpHook`` cannot send a prebuilt message with inline images, so
the sending is done with ``smtplib`` under those same settings. When the connection does not exist
(the embedded default) the message is written as an ``.eml`` file to the outbox, which Outlook and
Thunderbird open as an email.

Every delivery is recorded in the ``DeliveryLog`` under a key the caller chooses for one logical
email (``"inactive_users/2026-10-31/comms.lead@example.gov.uk"``), so a rerun or backfill does not
email people twice.

Text that comes from the public is data. This module inserts ``html`` into the message as given and
never templates it: callers pass HTML that is already escaped (the report templates render with
Jinja2 autoescaping). Header values cannot smuggle extra headers: line breaks in them are refused.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from council_social.config import SMTP_CONN_ID
from council_social.delivery.log import Delivery, DeliveryLog, LockedLog

logger = logging.getLogger(__name__)

#: The sender when neither the caller nor the SMTP connection's ``from_email`` extra names one.
DEFAULT_SENDER = "council-social-pipelines@localhost"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LOCAL_PART = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
_ADDRESS = re.compile(rf"{_LOCAL_PART}@{_DOMAIN}")
_CID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
#: Headers ``compose`` sets itself; letting ``headers`` override them would let the envelope and
#: the visible recipients disagree.
_MANAGED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "sender", "reply-to"}
)
#: Office types missing from some systems' MIME tables.
_EXTRA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".csv": "text/csv",
    ".pdf": "application/pdf",
}


@dataclass(frozen=True)
class Attachment:
    """A file to attach. ``mime_type`` is guessed from ``filename`` when not given."""

    filename: str
    content: bytes
    mime_type: str | None = None

    @classmethod
    def from_path(cls, path: Path | str, filename: str | None = None) -> Attachment:
        path = Path(path)
        return cls(filename=filename or path.name, content=path.read_bytes())

    @property
    def content_type(self) -> str:
        if self.mime_type:
            return self.mime_type
        guessed, encoding = mimetypes.guess_type(self.filename, strict=False)
        if guessed and not encoding:
            return guessed
        if encoding:  # e.g. report.csv.gz: the bytes are the compressed file, not a CSV
            return "application/octet-stream"
        return _EXTRA_TYPES.get(Path(self.filename).suffix.lower(), "application/octet-stream")


def compose(
    subject: str,
    to: str | Iterable[str],
    html: str,
    text: str | None = None,
    cc: str | Iterable[str] = (),
    inline_images: Mapping[str, bytes] | None = None,
    attachments: Sequence[Attachment] = (),
    sender: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    conn_id: str = SMTP_CONN_ID,
) -> EmailMessage:
    """Build one email.

    ``html`` must already be escaped: it goes into the message verbatim. ``text`` is the plain-text
    part that some readers and screen readers prefer; when omitted it is derived from ``html``.
    ``inline_images`` maps a content id to PNG bytes; each must be referenced in the HTML as
    ``<img src="cid:<id>">``. ``to`` and ``cc`` take addresses (``"Name <a@b>"`` is accepted) as a
    list, or as one string separated by commas or semicolons. ``sender`` defaults to the
    ``from_email`` extra of the SMTP connection ``conn_id``, else ``DEFAULT_SENDER``.

    Raises ``ValueError`` for a malformed address (naming it), no To recipient, an inline image that
    is not PNG or not referenced, or a header that ``compose`` manages itself.
    """
    to_addresses = _addresses(to, "To")
    if not to_addresses:
        raise ValueError(f"Email {subject!r} has no To recipients")
    seen = {address.addr_spec.lower() for address in to_addresses}
    cc_addresses = [a for a in _addresses(cc, "Cc") if a.addr_spec.lower() not in seen]
    from_address = _address(sender if sender is not None else default_sender(conn_id), "From")

    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = from_address
    message["To"] = to_addresses
    if cc_addresses:
        message["Cc"] = cc_addresses
    message["Date"] = format_datetime(datetime.now(UTC))
    # An explicit domain keeps the server's host name out of the header and avoids a DNS lookup.
    message["Message-ID"] = make_msgid(domain=from_address.domain or "localhost")
    for name, value in (headers or {}).items():
        if name.lower() in _MANAGED_HEADERS or name.lower().startswith("content-"):
            raise ValueError(f"Header {name!r} is set by compose itself and cannot be overridden")
        message[name] = value

    message.set_content(text if text is not None else html_to_text(html))
    message.add_alternative(html, subtype="html")
    if inline_images:
        html_part = message.get_payload()[1]
        for cid, png in inline_images.items():
            bare = cid.strip("<>")
            if not _CID.fullmatch(bare):
                raise ValueError(f"Inline image id {cid!r} may contain only letters, digits and . _ @ -")
            if not png.startswith(_PNG_SIGNATURE):
                raise ValueError(f"Inline image {bare!r} is not a PNG")
            if f"cid:{bare}" not in html:
                raise ValueError(f"Inline image {bare!r} is not referenced in the HTML as cid:{bare}")
            html_part.add_related(
                png, maintype="image", subtype="png", cid=f"<{bare}>", disposition="inline",
                filename=f"{bare}.png",
            )
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def deliver(
    message: EmailMessage,
    *,
    key: str,
    resend: bool = False,
    conn_id: str = SMTP_CONN_ID,
    outbox: Path | None = None,
    log: DeliveryLog | None = None,
) -> Delivery:
    """Send ``message`` once per ``key``: through SMTP when ``conn_id`` exists, else to the outbox.

    If the log already holds ``key`` (on either channel) nothing is sent and the earlier delivery
    is returned with ``skipped=True``; ``resend=True`` sends it again. The log's exclusive lock is
    held from the check to the record, so two runs with the same key cannot both send.

    The record is written and flushed to disk as soon as the server has accepted the message, before
    the SMTP session is even closed. A crash in the few milliseconds between the two would leave the
    email sent but unrecorded, and a rerun would send it once more: a duplicate is preferred to a
    report that silently never left. A failed send records nothing, so a retry sends it.
    """
    if not key:
        raise ValueError("deliver needs a key naming the logical email")
    sender, recipients = _envelope(message)
    log = log if log is not None else DeliveryLog()
    with log.locked() as held:
        earlier = held.delivered(key)
        if earlier is not None and not resend:
            logger.info(
                "Not sending %r again: key %s was delivered by %s at %s",
                earlier.subject, key, earlier.channel, earlier.sent_at.isoformat(),
            )
            return replace(earlier, skipped=True)

        if "Message-ID" not in message:
            message["Message-ID"] = make_msgid(domain=Address(addr_spec=sender).domain or "localhost")
        if "Date" not in message:
            message["Date"] = format_datetime(datetime.now(UTC))
        subject = str(message.get("Subject", ""))
        now = datetime.now(UTC)
        connection = smtp_connection(conn_id)
        if connection is None:
            folder = outbox if outbox is not None else _default_outbox()
            path = _write_outbox(message, folder, _outbox_name(now, key))
            delivery = Delivery(
                key=key, sent_at=now, channel="outbox", recipients=tuple(recipients), subject=subject,
                message_id=str(message["Message-ID"]), outbox_path=str(path),
            )
            _record(held, delivery, log)
            logger.info(
                "No SMTP connection %r: wrote %r for %s to %s (key %s)",
                conn_id, subject, ", ".join(recipients), path, key,
            )
        else:
            with _smtp_client(connection) as client:
                refused = client.send_message(message, from_addr=sender, to_addrs=recipients)
                delivery = Delivery(
                    key=key, sent_at=now, channel="smtp", recipients=tuple(recipients), subject=subject,
                    message_id=str(message["Message-ID"]), refused=tuple(sorted(refused)),
                )
                # Record before QUIT: a server slow to say goodbye must not widen the window.
                _record(held, delivery, log)
            logger.info(
                "Emailed %r to %s through SMTP %s:%s (key %s, %s)",
                subject, ", ".join(recipients), connection.host, connection.port, key, delivery.message_id,
            )
            if refused:
                logger.warning("The SMTP server refused %s for %r (key %s)", ", ".join(refused), subject, key)
    return delivery


def _record(held: LockedLog, delivery: Delivery, log: DeliveryLog) -> None:
    try:
        held.record(delivery)
    except Exception:
        logger.error(
            "%r (key %s, %s) went out by %s but could not be recorded in %s; a rerun will send it again",
            delivery.subject, delivery.key, delivery.message_id, delivery.channel, log.path,
        )
        raise


def default_sender(conn_id: str = SMTP_CONN_ID) -> str:
    """The ``from_email`` extra of the SMTP connection, else ``DEFAULT_SENDER``."""
    connection = smtp_connection(conn_id)
    if connection is not None:
        from_email = connection.extra_dejson.get("from_email")
        if from_email:
            return str(from_email)
    return DEFAULT_SENDER


def smtp_connection(conn_id: str = SMTP_CONN_ID) -> Any | None:
    """The Airflow connection ``conn_id``, or None when it is not configured.

    Inside a task this asks the API server; outside one it reads ``AIRFLOW_CONN_<ID>`` variables and
    any configured secrets backend. Airflow is imported here, not at module level, so DAG files can
    import this package at parse time for free.
    """
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def html_to_text(html: str) -> str:
    """A readable plain-text rendering of report HTML: paragraphs, list items and table rows."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text + "\n"


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "section",
         "header", "footer", "article", "blockquote", "hr", "thead", "tbody", "caption"}
    )
    _SKIP = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _addresses(value: str | Iterable[str], field: str) -> list[Address]:
    items = re.split(r"\s*[,;]\s*", value) if isinstance(value, str) else list(value)
    found: list[Address] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{field} recipient {item!r} is not a string")
        if not item.strip():
            continue
        address = _address(item, field)
        if address.addr_spec.lower() not in seen:
            seen.add(address.addr_spec.lower())
            found.append(address)
    return found


def _address(value: str, field: str) -> Address:
    """Accept ``a@b.example`` or ``Name <a@b.example>``; anything else is a clear ValueError."""
    if any(char in value for char in "\r\n\0"):
        raise ValueError(f"{field} address {value!r} contains a line break")
    text = value.strip()
    name, addr_spec = parseaddr(text)
    well_formed = text.endswith(">") if "<" in text else addr_spec == text
    if not (well_formed and _ADDRESS.fullmatch(addr_spec)):
        raise ValueError(f"{field} address {value!r} is not a valid email address")
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def _envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """The envelope sender and every recipient (To, Cc and Bcc), validated."""
    senders = getaddresses([str(value) for value in message.get_all("From", [])])
    if len(senders) != 1 or not _ADDRESS.fullmatch(senders[0][1]):
        raise ValueError(f"Email needs exactly one valid From address, found {message.get_all('From')!r}")
    recipients: list[str] = []
    for field in ("To", "Cc", "Bcc"):
        for _name, addr_spec in getaddresses([str(value) for value in message.get_all(field, [])]):
            if not _ADDRESS.fullmatch(addr_spec):
                raise ValueError(f"{field} address {addr_spec!r} is not a valid email address")
            if addr_spec.lower() not in {r.lower() for r in recipients}:
                recipients.append(addr_spec)
    if not recipients:
        raise ValueError(f"Email {message.get('Subject')!r} has no recipients")
    return senders[0][1], recipients


def _default_outbox() -> Path:
    from council_social.config import settings

    return settings().outbox


def _slug(key: str, limit: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "-", key.lower()).strip("-") or "email"
    if len(slug) > limit:
        # Keep long keys distinct after cutting them short.
        slug = f"{slug[:limit].rstrip('-')}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    return slug


def _outbox_name(now: datetime, key: str) -> str:
    return f"{now:%Y%m%dT%H%M%S.%fZ}__{_slug(key)}.eml"


def _write_outbox(message: EmailMessage, folder: Path, name: str) -> Path:
    """Write the message where the outbox reader will never see half a file: temp file, then rename."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    data = message.as_bytes(policy=policy.SMTP)
    descriptor, temp_name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".eml.part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return target


def _flag(value: Any) -> bool:
    """Connection extras typed in the UI arrive as text: ``"false"`` must mean False."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@contextmanager
def _smtp_client(connection: Any) -> Iterator[smtplib.SMTP]:
    """An open, logged-in SMTP client configured the way the Airflow SMTP provider reads a connection.

    Like ``SmtpHook``: SSL unless ``disable_ssl``; STARTTLS unless ``disable_tls`` (only on a plain
    connection); ``ssl_context`` ``"none"`` skips certificate checks; connecting is retried
    ``retry_limit`` times when the server drops the connection. Unlike it, sending is never
    retried here: a timeout after the server took the message would otherwise email everyone twice
    (the Airflow task's own retries, with the delivery log, are the safe way to try again).
    """
    extra = connection.extra_dejson
    use_ssl = not _flag(extra.get("disable_ssl", False))
    use_starttls = not use_ssl and not _flag(extra.get("disable_tls", False))
    timeout = float(extra.get("timeout", 30))
    retry_limit = int(extra.get("retry_limit", 5))
    context_name = extra.get("ssl_context") or "default"
    if context_name not in ("default", "none"):
        raise ValueError(f"SMTP connection extra ssl_context must be 'default' or 'none': {context_name!r}")
    context = ssl.create_default_context() if context_name == "default" else None
    host = connection.host or "localhost"
    port = int(connection.port or 0)

    for attempt in range(retry_limit + 1):
        try:
            if use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            else:
                client = smtplib.SMTP(host, port, timeout=timeout)
            break
        except smtplib.SMTPServerDisconnected:
            if attempt == retry_limit:
                raise
            logger.warning("SMTP server %s:%s dropped the connection; retrying (%d)", host, port, attempt + 1)
    try:
        if use_starttls:
            client.starttls(context=context)
            client.ehlo()
        if connection.login and connection.password:
            client.login(connection.login, connection.password)
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
