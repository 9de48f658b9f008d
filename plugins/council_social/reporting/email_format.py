"""A report as an email that comms leads read in Outlook between meetings.

Summary and counts first, then what to act on, readable without opening the attachments. Outlook's
Word engine ignores ``<style>`` blocks, flexbox, SVG and CSS background images, so the template is
table layout with inline styles, 680 pixels wide, in Arial, and charts are PNGs referenced as
``cid:<name>``. The list of findings is capped: every critical and high finding (up to
``FINDINGS_CAP``) in full, topped up with the next most urgent when there are few; the rest are
counted and left to the attached PDF and XLSX.
"""

from __future__ import annotations

from typing import Any

from council_social.reporting.model import SEVERITIES, Report
from council_social.reporting.present import (
    CHANGE_LABELS,
    SEVERITY_COLOURS,
    SEVERITY_LABELS,
    chart_ids,
    finding_view,
    fmt,
    fmt_date,
    fmt_datetime,
    measure_view,
    ordered,
    subject_line,
)
from council_social.reporting.render import render

#: Severities listed in full in the email.
FULL_SEVERITIES = ("critical", "high")
#: At most this many findings are listed; the rest are counted.
FINDINGS_CAP = 30
#: When fewer critical and high findings are open, the list is topped up to this many.
FINDINGS_MIN = 10
#: Rows of each table shown in the email; the whole table is in the XLSX.
TABLE_ROWS = 10
#: Resolved findings named in the email.
RESOLVED_CAP = 10


def render_email(report: Report) -> tuple[str, str, dict[str, bytes]]:
    """The email's HTML, its plain-text alternative, and the inline chart PNGs by content id."""
    context = email_context(report)
    html = render("report_email.html", **context)
    text = render("report_email.txt", **context)
    images = {cid: chart.png for charts in chart_ids(report) for cid, chart in charts}
    return html, text, images


def email_context(report: Report) -> dict[str, Any]:
    sections_of = {id(f): s.title for s in report.sections for f in s.findings}
    open_findings = ordered(f for f in report.findings if f.status != "resolved")
    listed = [f for f in open_findings if f.severity in FULL_SEVERITIES][:FINDINGS_CAP]
    if len(listed) < FINDINGS_MIN:
        rest = [f for f in open_findings if f.severity not in FULL_SEVERITIES]
        listed += rest[: FINDINGS_MIN - len(listed)]
    listed_ids = {id(f) for f in listed}
    not_listed: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
    for finding in open_findings:
        if id(finding) not in listed_ids:
            not_listed[finding.severity] = not_listed.get(finding.severity, 0) + 1
    more = ", ".join(f"{n} {severity}" for severity, n in not_listed.items() if n)

    resolved = ordered(f for f in report.findings if f.status == "resolved")
    counts = report.counts_by_severity()
    changes = report.counts_by_change()
    sections = []
    for section, charts in zip(report.sections, chart_ids(report), strict=True):
        section_changes = {"new": 0, "open": 0, "resolved": 0}
        for finding in section.findings:
            section_changes[finding.status] = section_changes.get(finding.status, 0) + 1
        sections.append({
            "title": section.title,
            "intro": section.intro,
            "findings": len(section.findings),
            "changes": [(CHANGE_LABELS[k].lower(), n) for k, n in section_changes.items() if n],
            "measures": [measure_view(m) for m in section.measures],
            "charts": [{"cid": cid, "title": c.title, "alt": c.alt or c.title} for cid, c in charts],
            "tables": [
                {
                    "title": table.title,
                    "columns": list(table.columns),
                    "rows": [[fmt(v) for v in row] for row in table.rows[:TABLE_ROWS]],
                    "more": max(0, len(table.rows) - TABLE_ROWS),
                }
                for table in section.tables
            ],
            "empty": not (section.findings or section.tables or section.measures or section.charts),
            "empty_text": section.empty_text,
        })
    return {
        "subject": subject_line(report),
        "report": report,
        "title": report.title,
        "period_label": report.period_label,
        "headline": report.headline,
        "verdict": report.verdict,
        "as_of": fmt_date(report.as_of),
        "generated": fmt_datetime(report.generated_at),
        "has_findings": bool(report.findings),
        "severity_counts": [
            {"label": SEVERITY_LABELS[s], "count": counts[s], "colour": SEVERITY_COLOURS[s]} for s in SEVERITIES
        ],
        "change_counts": [{"label": CHANGE_LABELS[k], "count": n} for k, n in changes.items()],
        "summary": [measure_view(m) for m in report.summary],
        "act_on": [finding_view(f, sections_of.get(id(f), "")) for f in listed],
        "open_total": len(open_findings),
        "not_listed": more,
        "resolved": [finding_view(f, sections_of.get(id(f), "")) for f in resolved[:RESOLVED_CAP]],
        "resolved_more": max(0, len(resolved) - RESOLVED_CAP),
        "sections": sections,
        "notes": list(report.notes),
    }
