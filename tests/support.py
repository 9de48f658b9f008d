"""Small helpers the tests share: reading the warehouse, dropping files, building workbooks."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
from openpyxl import Workbook

from council_social.config import settings


def query(sql: str, *params) -> list[tuple]:
    """Rows from this test's warehouse, opened read-only for the one query."""
    con = duckdb.connect(str(settings().warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def drop_into(inbox: Path, name: str, data: bytes | str) -> Path:
    """Put a file into an inbox folder, as a person dropping it would."""
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    """An XLSX file with the given sheets and rows."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Mailbox:
    """An SMTP server on loopback (aiosmtpd) keeping every message it accepts, for email round trips.

    ``with Mailbox() as box:`` starts it on a free port; ``box.port``, ``box.received`` (envelope
    recipients and the parsed message), ``box.configure(monkeypatch)`` points ``smtp_default`` at it.
    """

    def __init__(self) -> None:
        import threading

        self.received: list[tuple[list[str], object]] = []
        self._lock = threading.Lock()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        with self._lock:
            self.received.append(
                (list(envelope.rcpt_tos), message_from_bytes(bytes(envelope.original_content), policy=policy.default))
            )
        return "250 Message accepted for delivery"

    @property
    def port(self) -> int:
        return self._controller.port

    def configure(self, monkeypatch, from_email: str = "comms-data@example.gov.uk") -> None:
        import json

        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": self.port,
            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": from_email},
        }))

    def __enter__(self) -> Mailbox:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=port, server_hostname="localhost")
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


def isolated_airflow_env(home: Path, dags: Path, data_dir: Path | None = None,
                         reports: Path | None = None) -> dict[str, str]:
    """The environment for a real Airflow run in a throwaway home: SQLite metadata, LocalExecutor, our
    plugins, ``dags`` as the DAG folder, and none of the caller's Airflow settings. With ``data_dir`` the
    run also gets its own data and reports folders; without, it keeps the test's own (see conftest)."""
    import os

    drop = ("AIRFLOW", "COUNCIL_SOCIAL") if data_dir is not None else ("AIRFLOW",)
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(Path(__file__).resolve().parents[1] / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
    })
    if data_dir is not None:
        env["COUNCIL_SOCIAL_DATA_DIR"] = str(data_dir)
        env["COUNCIL_SOCIAL_REPORTS"] = str(reports if reports is not None else data_dir.parent / "reports")
    return env
