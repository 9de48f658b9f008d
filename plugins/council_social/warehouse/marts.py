"""Marts: the views the reports read, one ``create or replace view`` per file in ``sql/marts/``.

Views cost nothing to refresh, so every load that changes their inputs re-creates them in the
same connection; a report never reads a mart older than the code.
"""

from __future__ import annotations

from pathlib import Path

from council_social.config import settings


def mart_files() -> list[Path]:
    return sorted((settings().root / "sql" / "marts").glob("*.sql"))


def refresh_marts(con) -> list[str]:
    """(Re)create every mart view; returns their file names in the order applied."""
    applied = []
    for path in mart_files():
        con.execute(path.read_text(encoding="utf-8"))
        applied.append(path.name)
    return applied
