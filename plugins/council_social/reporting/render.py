"""Jinja templates from ``reports/templates/``, always autoescaped.

Text in reports comes from the public and from spreadsheets people fill in, so every template is
rendered with autoescaping on: a mention containing ``<script>`` stays text.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from council_social.config import settings

LONDON = ZoneInfo("Europe/London")


def london(value: datetime | str | None, fmt: str = "%d %b %Y %H:%M") -> str:
    """Times are stored in UTC and shown to people in Europe/London."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(LONDON).strftime(fmt)


@cache
def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(settings().root / "reports" / "templates"),
        autoescape=select_autoescape(disabled_extensions=("txt",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["london"] = london
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
