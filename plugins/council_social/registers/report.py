"""The register import summary: what each dropped file did, emailed to whoever maintains the registers."""

from __future__ import annotations

import logging
from datetime import datetime

from council_social.config import settings
from council_social.reporting.render import render

log = logging.getLogger(__name__)
REPORT = "register_import"


def recipients(con, report: str) -> dict[str, list[str]]:
    """To and Cc addresses for a report, from the report recipients register in force today."""
    rows = con.execute(
        "select email, copy from register_report_recipients_current where report = ? order by email", [report]
    ).fetchall()
    return {"to": [e for e, c in rows if c == "to"], "cc": [e for e, c in rows if c == "cc"]}


def summarise(outcomes: list[dict]) -> dict[str, int]:
    return {
        "files": len(outcomes),
        "loaded": sum(o["status"] == "loaded" for o in outcomes),
        "rejected": sum(o["status"] == "rejected" for o in outcomes),
        "duplicates": sum(o["status"] == "duplicate" for o in outcomes),
        "rows_loaded": sum(o["rows_loaded"] for o in outcomes),
        "rows_quarantined": sum(o["rows_quarantined"] for o in outcomes),
    }


def send_import_report(outcomes: list[dict], to: dict[str, list[str]], run_id: str, when: datetime) -> str | None:
    """Archive the summary and email it; nothing is sent when no new file arrived."""
    from council_social.delivery.email import compose, deliver

    news = [o for o in outcomes if o["status"] != "duplicate"]
    if not news:
        log.info("no new register files: no import report")
        return None
    counts = summarise(outcomes)
    attention = counts["rejected"] + counts["rows_quarantined"]
    subject = (f"Register import {when:%d %b %Y}: {counts['loaded']} file(s) loaded"
               + (f", {attention} problem(s) to fix" if attention else ", no problems"))
    html = render("register_import.html", subject=subject, outcomes=outcomes, counts=counts, when=when,
                  inbox=str(settings().register_inbox))
    archive = settings().reports_output / REPORT / f"{when:%Y-%m-%d}"
    archive.mkdir(parents=True, exist_ok=True)
    path = archive / f"{run_id.replace(':', '-').replace('+', '_')}.html"
    path.write_text(html, encoding="utf-8")
    if not to["to"] and not to["cc"]:
        log.warning("nobody is listed for '%s' in the report recipients register: archived %s only", REPORT, path)
        return str(path)
    message = compose(subject=subject, to=to["to"] or to["cc"], cc=to["cc"] if to["to"] else (), html=html,
                      text=render("register_import.txt", subject=subject, outcomes=outcomes, counts=counts))
    delivery = deliver(message, key=f"{REPORT}/{run_id}")
    log.info("import report: %s", "already sent" if delivery.skipped else f"sent by {delivery.channel}")
    return str(path)
