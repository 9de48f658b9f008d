"""The delivery log: what went to whom, and the memory that stops a rerun emailing twice.

Each delivery is one JSON line in a plain file (default ``<reports_output>/delivery_log.jsonl``) so
the data team can read it with ``tail`` and the DPO can answer "who received this report?". Writers
take an exclusive ``fcntl.flock`` on the file, readers a shared one, so tasks running in parallel on
one machine (LocalExecutor, or Celery workers sharing a local volume) never interleave lines. flock is
advisory and not reliable on every network filesystem: with workers on several machines, keep the
log on a volume that honours it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

#: How a message left: handed to the SMTP server, or written as an ``.eml`` file to the outbox.
CHANNELS = ("smtp", "outbox")


@dataclass(frozen=True)
class Delivery:
    """One email that was delivered (or, with ``skipped``, that was not sent again)."""

    key: str
    sent_at: datetime
    channel: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    outbox_path: str | None = None
    #: Recipients the SMTP server refused while accepting the others.
    refused: tuple[str, ...] = ()
    #: True when ``deliver`` found the key already delivered and sent nothing; never stored.
    skipped: bool = field(default=False, compare=False)

    def to_record(self) -> dict:
        record = asdict(self)
        record.pop("skipped")
        record["sent_at"] = self.sent_at.isoformat()
        record["recipients"] = list(self.recipients)
        record["refused"] = list(self.refused)
        return record

    @classmethod
    def from_record(cls, record: dict) -> Delivery:
        return cls(
            key=record["key"],
            sent_at=datetime.fromisoformat(record["sent_at"]),
            channel=record["channel"],
            recipients=tuple(record.get("recipients") or ()),
            subject=record.get("subject", ""),
            message_id=record.get("message_id", ""),
            outbox_path=record.get("outbox_path"),
            refused=tuple(record.get("refused") or ()),
        )


class LockedLog:
    """The log while this process holds its exclusive lock (see ``DeliveryLog.locked``)."""

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self._path = path
        self._handle = handle

    def entries(self) -> list[Delivery]:
        self._handle.seek(0)
        return _parse(self._path, self._handle.read())

    def delivered(self, key: str) -> Delivery | None:
        return _latest(self.entries(), key)

    def record(self, delivery: Delivery) -> None:
        """Append one line and flush it to disk before returning."""
        if delivery.channel not in CHANNELS:
            raise ValueError(f"Unknown delivery channel {delivery.channel!r}; expected one of {CHANNELS}")
        line = json.dumps(delivery.to_record(), ensure_ascii=False, sort_keys=True) + "\n"
        data = line.encode("utf-8")
        self._handle.seek(0, os.SEEK_END)
        if self._handle.tell() > 0:
            # A crash mid-append can leave a line without its newline; never glue a record onto it.
            self._handle.seek(-1, os.SEEK_END)
            if self._handle.read(1) != b"\n":
                data = b"\n" + data
        self._handle.write(data)
        self._handle.flush()
        os.fsync(self._handle.fileno())


class DeliveryLog:
    """Append-only JSON-lines record of deliveries, keyed by the caller's idempotency key."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            from council_social.config import settings

            path = settings().reports_output / "delivery_log.jsonl"
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DeliveryLog({str(self.path)!r})"

    def entries(self) -> list[Delivery]:
        """Every delivery recorded, oldest first. A log that does not exist yet is empty."""
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - closed below, after the lock is released
        except FileNotFoundError:
            return []
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
            try:
                return _parse(self.path, handle.read())
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def delivered(self, key: str) -> Delivery | None:
        """The latest delivery recorded for ``key``, or None if it was never delivered."""
        return _latest(self.entries(), key)

    def record(self, delivery: Delivery) -> None:
        """Append one delivery under the exclusive lock."""
        with self.locked() as log:
            log.record(delivery)

    @contextmanager
    def locked(self) -> Iterator[LockedLog]:
        """Hold the exclusive lock for a check-then-send-then-record sequence.

        ``deliver`` sends while holding it, so two runs with the same key cannot both send. Do not
        call this object's own ``entries``/``delivered``/``record`` inside the block: flock locks
        taken through a second file handle conflict even within one process. Use the yielded
        ``LockedLog`` instead.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield LockedLog(self.path, handle)
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _latest(entries: list[Delivery], key: str) -> Delivery | None:
    for delivery in reversed(entries):
        if delivery.key == key:
            return delivery
    return None


def _parse(path: Path, data: bytes) -> list[Delivery]:
    entries = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            entries.append(Delivery.from_record(json.loads(raw)))
        except (ValueError, KeyError, TypeError) as error:
            # A line cut short by a crash must not stop every later email; say where it is.
            logger.warning("Ignoring unreadable line %d of delivery log %s: %s", number, path, error)
    return entries
