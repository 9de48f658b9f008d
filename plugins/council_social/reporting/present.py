"""How report values read to people, shared by the email, the PDF and the XLSX appendix.

One place decides the words for a severity, a change since the last report and a RAG status (so the
printed pack, which is read in black and white, never relies on colour alone), how dates, times and
numbers are written, in which order findings are listed, and the email subject line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from council_social.reporting.model import SEVERITIES, Chart, Finding, Measure, Report
from council_social.reporting.render import london

SEVERITY_LABELS = {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}
#: Strong colours for the label background; the word is always printed on it.
SEVERITY_COLOURS = {"critical": "#8b0016", "high": "#b00020", "medium": "#a85c00", "low": "#4d4d4d"}

CHANGE_LABELS = {"new": "New", "open": "Still open", "resolved": "Resolved"}
CHANGE_ORDER = {"new": 0, "open": 1, "resolved": 2}

RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", "grey": "Not rated"}
RAG_COLOURS = {"red": "#b00020", "amber": "#e07b00", "green": "#2e8540", "grey": "#8c8c8c"}
#: Pale backgrounds that keep dark text readable, for the email's RAG cells.
RAG_TINTS = {"red": "#fde8e8", "amber": "#fff4d6", "green": "#e6f4ea", "grey": "#f0f0f0"}


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, str(severity).title())


def change_label(status: str) -> str:
    return CHANGE_LABELS.get(status, str(status).title())


def rag_label(rag: str | None) -> str:
    return RAG_LABELS.get(rag or "", "")


def finding_order(finding: Finding) -> tuple:
    """Most urgent first: severity, then new before still open before resolved, then rule and subject."""
    severity = SEVERITIES.index(finding.severity) if finding.severity in SEVERITIES else len(SEVERITIES)
    return (severity, CHANGE_ORDER.get(finding.status, 3), finding.rule, finding.subject_name.lower(),
            finding.subject_key)


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_order)


def by_rule(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by rule (rules in id order), each group most urgent first."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.rule, []).append(finding)
    return [(rule, ordered(groups[rule])) for rule in sorted(groups)]


def fmt_date(value: date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return fmt_datetime(value)
    return f"{value.day} {value:%b %Y}"


def fmt_datetime(value: datetime | None) -> str:
    """Times are stored in UTC and shown in UK time; a time without a zone is taken as UTC."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return london(value, "%d %b %Y %H:%M").lstrip("0")


def fmt_number(value: float | int | Decimal) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    number = float(value)
    if number != number:
        return "n/a"
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text


def fmt(value: Any) -> str:
    """Any value a report holds, as text a person reads (escaping is the template's job)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, int | float | Decimal):
        return fmt_number(value)
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(fmt(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {fmt(v)}" for k, v in value.items())
    if isinstance(value, bytes | bytearray):
        return f"({len(value)} bytes)"
    return str(value)


def fmt_quantity(value: Any, unit: str = "") -> str:
    """A measure's actual or target with its unit: ``4.5%``, ``12 per week``."""
    if value is None:
        return "no data"
    text = fmt(value)
    if not text:
        return ""
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def measure_view(measure: Measure) -> dict[str, Any]:
    return {
        "label": measure.label,
        "actual": fmt_quantity(measure.actual, measure.unit),
        "target": "" if measure.target is None else fmt_quantity(measure.target, measure.unit),
        "rag": measure.rag or "",
        "rag_label": rag_label(measure.rag),
        "rag_colour": RAG_COLOURS.get(measure.rag or "", ""),
        "rag_tint": RAG_TINTS.get(measure.rag or "", ""),
        "note": measure.note,
    }


def finding_view(finding: Finding, section: str = "") -> dict[str, Any]:
    """A finding as the templates show it: labels in words, values formatted, evidence as pairs."""
    return {
        "rule": finding.rule,
        "clause": finding.clause,
        "section": section,
        "severity": finding.severity,
        "severity_label": severity_label(finding.severity),
        "severity_colour": SEVERITY_COLOURS.get(finding.severity, "#4d4d4d"),
        "status": finding.status,
        "status_label": change_label(finding.status),
        "subject_kind": finding.subject_kind,
        "subject_key": finding.subject_key,
        "subject_name": finding.subject_name or finding.subject_key,
        "summary": finding.summary,
        "action": finding.action,
        "evidence": [(str(key), fmt(value)) for key, value in finding.evidence.items()],
        "accounts": "; ".join(finding.accounts),
        "first_seen": fmt_date(finding.first_seen),
        "last_seen": fmt_date(finding.last_seen),
        "resolved_on": fmt_date(finding.resolved_on),
        "finding_key": finding.finding_key,
    }


def chart_ids(report: Report) -> list[list[tuple[str, Chart]]]:
    """Per section, each chart with a content id unique within the report (its name, suffixed if reused)."""
    seen: dict[str, bytes] = {}
    result: list[list[tuple[str, Chart]]] = []
    for section in report.sections:
        charts = []
        for chart in section.charts:
            cid = chart.name
            number = 1
            while cid in seen and seen[cid] != chart.png:
                number += 1
                cid = f"{chart.name}-{number}"
            seen[cid] = chart.png
            charts.append((cid, chart))
        result.append(charts)
    return result


def counts_phrase(report: Report) -> str:
    """``3 critical, 12 high (5 new)``: what is open, most urgent first, and how much of it is new."""
    counts = report.counts_by_severity()
    changes = report.counts_by_change()
    parts = [f"{n} {severity}" for severity, n in counts.items() if n]
    if not parts:
        return f"nothing open ({changes['resolved']} resolved)" if changes["resolved"] else ""
    return ", ".join(parts) + f" ({changes['new']} new)"


def subject_line(report: Report, limit: int = 160) -> str:
    """An email subject a manager understands without opening it.

    "Bi-annual audit of accounts and users, April to September 2026: 3 critical, 12 high (5 new)".
    A report without findings (the benefit report) gives its verdict, else its headline.
    """
    summary = counts_phrase(report) or report.verdict or report.headline or "nothing found"
    subject = f"{report.title}, {report.period_label}: {summary}"
    subject = " ".join(subject.split())  # a header value must not carry line breaks
    if len(subject) > limit:
        subject = subject[: limit - 1].rstrip() + "…"
    return subject
