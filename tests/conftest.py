"""Every test runs against its own Airflow home, warehouse and folders, never the checkout's.

Airflow reads its configuration once, at first import, so the environment is set here, before
any test module imports it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="council-social-tests-"))

os.environ.update({
    "AIRFLOW_HOME": str(_SESSION_HOME / "airflow"),
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_SESSION_HOME / 'airflow' / 'airflow.db'}",
    "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
    "COUNCIL_SOCIAL_DATA_DIR": str(_SESSION_HOME / "var"),
    "COUNCIL_SOCIAL_REPORTS": str(_SESSION_HOME / "reports"),
})
for leaked in ("AIRFLOW_CONN_SMTP_DEFAULT", "COUNCIL_SOCIAL_WAREHOUSE", "COUNCIL_SOCIAL_LANDING",
               "COUNCIL_SOCIAL_INBOX", "COUNCIL_SOCIAL_OUTBOX", "COUNCIL_SOCIAL_HOME"):
    os.environ.pop(leaked, None)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Inbox, landing zone, outbox, reports and warehouse of this test alone."""
    monkeypatch.setenv("COUNCIL_SOCIAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COUNCIL_SOCIAL_REPORTS", str(tmp_path / "reports"))
    return tmp_path / "var"


@pytest.fixture
def warehouse(data_dir) -> Path:
    """A freshly migrated warehouse file."""
    from council_social.config import settings
    from council_social.warehouse.migrations import migrate

    migrate()
    return settings().warehouse
