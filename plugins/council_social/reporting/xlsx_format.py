"""A report's XLSX appendix: a Summary sheet, one sheet per rule's findings, one per table.

People sort and filter these sheets, so each has a frozen header row and an autofilter, dates are real
Excel dates (times in UK time: Excel has no time zones) and numbers are numbers. Text comes from the
public and from registers people typed, so every text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is stored as text with a leading
apostrophe, and characters XML cannot carry are dropped.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from council_social.reporting.model import SEVERITIES, Report
from council_social.reporting.present import (
    CHANGE_LABELS,
    by_rule,
    fmt,
    rag_label,
    severity_label,
)
from council_social.reporting.render import LONDON

#: A text cell starting with one of these is a formula (or becomes one when edited) in Excel, LibreOffice or Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: What is put in front of such text to keep it text.
GUARD = "'"
#: Excel's limit on the length of a cell.
CELL_LIMIT = 32767
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WIDE_COLUMNS = {"summary", "action", "subject", "accounts", "note", "clause"}

FINDING_COLUMNS = ("rule", "clause", "severity", "status", "first seen", "last seen", "resolved on", "subject",
                   "subject key", "summary", "action")


def neutralise(text: str) -> str:
    """Text that cannot run as a formula and that XML can carry."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text.startswith(FORMULA_STARTS):
        text = GUARD + text
    if len(text) > CELL_LIMIT:
        text = text[: CELL_LIMIT - 1] + "…"
    return text


def cell_value(value: Any) -> Any:
    """A report value as an Excel cell value: numbers, dates and booleans kept, text neutralised."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = float(value)
        return None if math.isnan(number) or math.isinf(number) else number
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(LONDON).replace(tzinfo=None)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return neutralise(value)
    return neutralise(fmt(value))


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not starting or ending with '."""
    base = " ".join(_SHEET_FORBIDDEN.sub(" ", wanted or "").split()).strip("'") or "Sheet"
    if base.lower() == "history":  # reserved by Excel
        base = "History sheet"
    name = base[:31].rstrip()
    number = 1
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def render_xlsx(report: Report) -> bytes:
    """The report's XLSX appendix as bytes."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    taken: set[str] = set()
    summary.title = sheet_name("Summary", taken)

    rule_sheets: dict[str, str] = {}
    groups = by_rule(report.findings)
    for rule, _ in groups:
        rule_sheets[rule] = sheet_name(rule, taken)
    measures = [(s.title, m) for s in report.sections for m in s.measures]
    measures_sheet = sheet_name("Measures", taken) if measures else ""
    table_sheets = [(t, sheet_name(t.sheet or t.title, taken)) for s in report.sections for t in s.tables]

    _write_summary(summary, report, groups, rule_sheets, measures_sheet, table_sheets)
    for rule, findings in groups:
        _write_findings(book.create_sheet(rule_sheets[rule]), findings)
    if measures:
        rows = [
            (section, m.label, m.actual, m.target, m.unit, rag_label(m.rag), m.note) for section, m in measures
        ]
        _write_table(book.create_sheet(measures_sheet),
                     ("section", "measure", "actual", "target", "unit", "status", "note"), rows)
    for table, name in table_sheets:
        _write_table(book.create_sheet(name), table.columns, table.rows)

    book.properties.title = neutralise(f"{report.title}: {report.period_label}")
    book.properties.creator = "Council Social Pipelines"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- sheets ---------------------------------------------------------------------------------------------------


def _write_summary(sheet, report: Report, groups, rule_sheets, measures_sheet, table_sheets) -> None:
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    heading = Font(bold=True, size=12, color="1D4F91")

    def row(*values, font=None) -> int:
        sheet.append([cell_value(v) for v in values])
        number = sheet.max_row
        for cell in sheet[number]:
            _format_cell(cell)
            if font is not None:
                cell.font = font
        return number

    row(report.title, font=Font(bold=True, size=14, color="1D4F91"))
    row("Period", report.period_label)
    row("As at", report.as_of)
    row("Produced (UK time)", report.generated_at)
    row("Headline", report.headline)
    if report.verdict:
        row("Verdict", report.verdict)
    sheet.append([])

    if report.findings:
        by_change = {s: dict.fromkeys(CHANGE_LABELS, 0) for s in SEVERITIES}
        for finding in report.findings:
            by_change.setdefault(finding.severity, dict.fromkeys(CHANGE_LABELS, 0))[finding.status] += 1
        row("Findings by severity", font=heading)
        row("severity", "open", *(CHANGE_LABELS[k] for k in CHANGE_LABELS), font=bold)
        for severity, changes in by_change.items():
            row(severity_label(severity), changes["new"] + changes["open"], *changes.values())
        sheet.append([])

        row("Findings by rule", font=heading)
        row("rule", "clause", "severity", "findings", *(CHANGE_LABELS[k] for k in CHANGE_LABELS), "sheet", font=bold)
        for rule, findings in groups:
            changes = {k: sum(f.status == k for f in findings) for k in CHANGE_LABELS}
            number = row(rule, findings[0].clause, severity_label(findings[0].severity), len(findings),
                         *changes.values(), rule_sheets[rule])
            _link(sheet.cell(row=number, column=8), rule_sheets[rule])
        sheet.append([])

    if report.summary:
        row("Figures", font=heading)
        row("measure", "actual", "target", "unit", "status", "note", font=bold)
        for m in report.summary:
            row(m.label, m.actual, m.target, m.unit, rag_label(m.rag), m.note)
        sheet.append([])

    if measures_sheet or table_sheets:
        row("Other sheets", font=heading)
        for name in ([measures_sheet] if measures_sheet else []) + [name for _, name in table_sheets]:
            _link(sheet.cell(row=row(name), column=1), name)
        sheet.append([])

    if report.notes:
        row("Notes", font=heading)
        for note in report.notes:
            row(note)

    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    for letter in "CDEFGH":
        sheet.column_dimensions[letter].width = 14
    for cells in sheet.iter_rows(min_col=2, max_col=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_findings(sheet, findings) -> None:
    evidence_keys: list[str] = []
    for finding in findings:
        for key in finding.evidence:
            if str(key) not in evidence_keys:
                evidence_keys.append(str(key))
    evidence_headers = [key if key.lower() not in FINDING_COLUMNS + ("accounts",) else f"evidence: {key}"
                        for key in evidence_keys]
    columns = (*FINDING_COLUMNS, *evidence_headers, "accounts")
    rows = []
    for f in findings:
        evidence = {str(k): v for k, v in f.evidence.items()}
        rows.append((
            f.rule, f.clause, severity_label(f.severity), CHANGE_LABELS.get(f.status, f.status),
            f.first_seen, f.last_seen, f.resolved_on, f.subject_name, f.subject_key, f.summary, f.action,
            *(evidence.get(key) for key in evidence_keys),
            "; ".join(f.accounts),
        ))
    _write_table(sheet, columns, rows)


def _write_table(sheet, columns, rows) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append([cell_value(str(c)) for c in columns])
    header_fill = PatternFill("solid", fgColor="E6ECF5")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for values in rows:
        sheet.append([cell_value(v) for v in values])
    widths = [len(str(c)) for c in columns]
    for cells in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(cells):
            _format_cell(cell)
            if index < len(widths) and cell.value is not None:
                widths[index] = max(widths[index], _display_length(cell.value))
    for index, column in enumerate(columns, start=1):
        wide = str(column).lower() in _WIDE_COLUMNS
        width = min(max(widths[index - 1] + 2, 8), 60 if wide else 40)
        sheet.column_dimensions[get_column_letter(index)].width = width
        if wide or widths[index - 1] > 40:
            for cells in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                for cell in cells:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{max(sheet.max_row, 1)}"


def _link(cell, sheet: str) -> None:
    """A link to another sheet of the workbook (a location, not a URL)."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1")
    cell.style = "Hyperlink"


def _format_cell(cell) -> None:
    value = cell.value
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever openpyxl guessed


def _display_length(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)
