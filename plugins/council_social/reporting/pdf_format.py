"""A report as a printable PDF, and the Review Board's meeting pack bundling several reports.

WeasyPrint lays out HTML from ``reports/templates/`` with the print stylesheet ``print.css``: A4, a
running header, "Page X of Y" in the footer (CSS page counters) and, in the pack, a contents page
whose page numbers WeasyPrint fills in (``target-counter``). Every finding shows its rule, its
policy clause, its severity and whether it is new, still open or resolved, in words as well as
colours, because the pack is printed in black and white.

Charts are embedded as ``data:`` URIs and the URL fetcher refuses every other address, so rendering
never reaches the network or the file system, whatever a template or a mention contains.
WeasyPrint is imported inside the functions: it is slow to import and DAG files must parse fast.
"""

from __future__ import annotations

import base64
import logging
from datetime import date
from string import ascii_uppercase
from typing import Any

from council_social.config import settings
from council_social.reporting.model import SEVERITIES, Report
from council_social.reporting.present import (
    CHANGE_LABELS,
    SEVERITY_COLOURS,
    SEVERITY_LABELS,
    by_rule,
    chart_ids,
    finding_view,
    fmt,
    fmt_date,
    fmt_datetime,
    measure_view,
    ordered,
)
from council_social.reporting.render import render

logger = logging.getLogger(__name__)

#: Chapters of the pack in the order the Board reads them; other reports follow in the order given.
PACK_ORDER = ("audit", "new_account_benefit", "inactive_users", "listening")
#: Critical findings named in the pack's executive summary.
EXECUTIVE_CRITICAL_CAP = 15
#: Findings shown in full under each rule, most urgent first, and rows shown of each table. A large
#: council's audit finds thousands: the printed pack shows what the Board can read and counts the
#: rest, which are all in the XLSX appendix (one sheet per rule).
FINDINGS_PER_RULE = 10
TABLE_ROWS = 60


def render_pdf(report: Report) -> bytes:
    """One report as an A4 PDF, evidence shown with each finding."""
    html = render("report_pdf.html", r=report_view(report, prefix="r", evidence_inline=True))
    return _write_pdf(html)


def render_pack(reports: list[Report | None], *, title: str, period_label: str, as_of: date) -> bytes:
    """The Review Board pack: cover, contents, executive summary, one chapter per report, evidence appendices.

    A report that does not exist yet (``None``, e.g. no listening report) is simply left out.
    """
    present = [r for r in reports if r is not None]
    if not present:
        raise ValueError("The Review Board pack needs at least one report")
    rank = {name: n for n, name in enumerate(PACK_ORDER)}
    present = sorted(present, key=lambda r: rank.get(r.report, len(PACK_ORDER)))  # stable for the rest
    letters = (a + b for a in ("", *ascii_uppercase) for b in ascii_uppercase)  # A ... Z, AA, AB ...
    chapters = []
    for number, report in enumerate(present, start=1):
        view = report_view(report, prefix=f"c{number}", evidence_inline=False)
        view["number"] = number
        view["appendix"] = next(letters) if view["evidence"] else ""
        chapters.append(view)
    html = render(
        "pack.html",
        title=title,
        period_label=period_label,
        as_of=fmt_date(as_of),
        chapters=chapters,
        totals=_totals(present),
        critical=_critical(chapters),
    )
    return _write_pdf(html)


# -- the view the templates show ----------------------------------------------------------------------------


def report_view(report: Report, *, prefix: str, evidence_inline: bool) -> dict[str, Any]:
    """Everything the PDF templates show of one report, formatted; ids start with ``prefix``."""
    evidence: list[dict[str, Any]] = []
    shown = 0
    sections = []
    for index, (section, charts) in enumerate(zip(report.sections, chart_ids(report), strict=True), start=1):
        groups = []
        for rule, findings in by_rule(section.findings):
            views = []
            for finding in findings[:FINDINGS_PER_RULE]:
                view = finding_view(finding, section.title)
                shown += 1
                view["anchor"] = f"{prefix}-f{shown}"
                if view["evidence"]:
                    view["ref"] = f"{prefix}-e{len(evidence) + 1}"
                    evidence.append(view)
                else:
                    view["ref"] = ""
                views.append(view)
            changes = {k: sum(f.status == k for f in findings) for k in CHANGE_LABELS}
            groups.append({
                "rule": rule,
                "clause": findings[0].clause,
                "severity_label": SEVERITY_LABELS.get(findings[0].severity, findings[0].severity),
                "count": len(findings),
                "changes": [(CHANGE_LABELS[k].lower(), n) for k, n in changes.items() if n],
                "findings": views,
                "more": max(0, len(findings) - FINDINGS_PER_RULE),
            })
        sections.append({
            "anchor": f"{prefix}-s{index}",
            "title": section.title,
            "intro": section.intro,
            "groups": groups,
            "measures": [measure_view(m) for m in section.measures],
            "charts": [
                {"src": _data_uri(c.png), "title": c.title, "alt": c.alt or c.title, "cid": cid} for cid, c in charts
            ],
            "tables": [
                {"title": t.title, "columns": list(t.columns),
                 "rows": [[fmt(v) for v in row] for row in t.rows[:TABLE_ROWS]],
                 "more": max(0, len(t.rows) - TABLE_ROWS)}
                for t in section.tables
            ],
            "empty": not (section.findings or section.tables or section.measures or section.charts),
            "empty_text": section.empty_text,
        })
    # Evidence is numbered in the order findings appear, so the appendix reads like the chapter.
    for number, view in enumerate(evidence, start=1):
        view["evidence_number"] = number
    counts = report.counts_by_severity()
    changes = report.counts_by_change()
    return {
        "id": prefix,
        "number": None,  # the chapter number in the pack
        "appendix": "",  # the pack's appendix letter holding this report's evidence
        "report": report.report,
        "title": report.title,
        "period": report.period,
        "period_label": report.period_label,
        "as_of": fmt_date(report.as_of),
        "generated": fmt_datetime(report.generated_at),
        "headline": report.headline,
        "verdict": report.verdict,
        "has_findings": bool(report.findings),
        "severity_counts": [
            {"severity": s, "label": SEVERITY_LABELS[s], "count": counts[s], "colour": SEVERITY_COLOURS[s]}
            for s in SEVERITIES
        ],
        "change_counts": [{"status": k, "label": CHANGE_LABELS[k], "count": n} for k, n in changes.items()],
        "summary": [measure_view(m) for m in report.summary],
        "sections": sections,
        "notes": list(report.notes),
        "evidence": evidence,
        "evidence_inline": evidence_inline,
        "critical": [f for f in ordered(report.findings) if f.severity == "critical" and f.status != "resolved"],
    }


def _totals(reports: list[Report]) -> dict[str, int]:
    totals = dict.fromkeys((*SEVERITIES, *CHANGE_LABELS), 0)
    for report in reports:
        for severity, n in report.counts_by_severity().items():
            totals[severity] += n
        for status, n in report.counts_by_change().items():
            totals[status] += n
    return totals


def _critical(chapters: list[dict[str, Any]]) -> dict[str, Any]:
    """The open critical findings across the pack, most urgent first, each pointing to its chapter."""
    items = []
    for chapter in chapters:
        anchors = {
            (f["rule"], f["subject_key"], f["finding_key"]): f["anchor"]
            for s in chapter["sections"] for g in s["groups"] for f in g["findings"]
        }
        for finding in chapter["critical"]:
            view = finding_view(finding)
            view["chapter"] = chapter["number"]
            view["anchor"] = anchors.get((finding.rule, finding.subject_key, finding.finding_key), chapter["id"])
            items.append(view)
    return {"findings": items[:EXECUTIVE_CRITICAL_CAP], "more": max(0, len(items) - EXECUTIVE_CRITICAL_CAP)}


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# -- WeasyPrint -----------------------------------------------------------------------------------------------


def _write_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    templates = settings().root / "reports" / "templates"
    fetcher = _fetcher()
    stylesheet = CSS(string=(templates / "print.css").read_text(encoding="utf-8"), url_fetcher=fetcher)
    document = HTML(string=html, base_url=str(templates), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet])


def _fetcher():
    """A URL fetcher that serves ``data:`` URIs (our own chart bytes) and refuses everything else."""
    from weasyprint.urls import URLFetcher

    class OwnBytesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.lower().startswith("data:"):
                logger.warning("Not fetching %.200s for a report PDF: only embedded images are allowed", url)
                raise ValueError(f"Report PDFs fetch nothing: refused {url[:200]!r}")
            return super().fetch(url, headers)

    return OwnBytesOnly(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
