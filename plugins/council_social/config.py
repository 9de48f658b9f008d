"""Where things live, read from the environment each time it is asked.

Every location has a default inside the checkout so ``make demo`` needs no set-up, and an
environment variable so a deployment (docker-compose, Kubernetes) can point it elsewhere.
Nothing here is read at import time: DAG parsing must stay free of I/O.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The Airflow pool every task that opens the warehouse runs in (DuckDB allows one process per file).
WAREHOUSE_POOL = "duckdb_writer"

#: Airflow connection ids the pipelines use.
SMTP_CONN_ID = "smtp_default"
X_CONN_ID = "x_default"
FACEBOOK_CONN_ID = "facebook_default"
HOOTSUITE_CONN_ID = "hootsuite_default"

#: When the bi-annual audit runs (cron, Europe/London): 1 April and 1 October by default, covering the
#: six months before. A schedule is fixed when Airflow parses the DAG, which must not read files, so it
#: comes from the environment rather than the policy file.
AUDIT_SCHEDULE = os.environ.get("COUNCIL_SOCIAL_AUDIT_SCHEDULE", "0 6 1 4,10 *")


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved locations for one process."""

    root: Path
    data_dir: Path
    warehouse: Path
    landing: str
    inbox: Path
    outbox: Path
    reports_output: Path
    policy_file: Path

    @property
    def register_inbox(self) -> Path:
        return self.inbox / "registers"

    @property
    def hootsuite_inbox(self) -> Path:
        return self.inbox / "hootsuite"


def settings() -> Settings:
    """Read the locations from ``COUNCIL_SOCIAL_*`` variables, defaulting to ``var/`` in the checkout."""
    root = _path("COUNCIL_SOCIAL_HOME", PROJECT_ROOT)
    data_dir = _path("COUNCIL_SOCIAL_DATA_DIR", root / "var")
    return Settings(
        root=root,
        data_dir=data_dir,
        warehouse=_path("COUNCIL_SOCIAL_WAREHOUSE", data_dir / "warehouse" / "council_social.duckdb"),
        # A URL such as s3://bucket/landing is allowed: the landing zone goes through ObjectStoragePath.
        landing=os.environ.get("COUNCIL_SOCIAL_LANDING") or str(data_dir / "landing"),
        inbox=_path("COUNCIL_SOCIAL_INBOX", data_dir / "inbox"),
        outbox=_path("COUNCIL_SOCIAL_OUTBOX", data_dir / "outbox"),
        reports_output=_path("COUNCIL_SOCIAL_REPORTS", root / "reports" / "output"),
        policy_file=_path("COUNCIL_SOCIAL_POLICY", root / "config" / "policy.yaml"),
    )
