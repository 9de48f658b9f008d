"""What a governance report holds, independent of how it is shown.

Builders (audit, new-account benefit, inactive users, listening) read the warehouse and return a
``Report``; renderers turn one into an email, a PDF, an XLSX appendix, or a chapter of the Review
Board pack. Keeping the two apart means every format shows the same findings, and a builder can be
tested without rendering and a renderer without a warehouse.

Everything here is plain data (str, int, float, date, datetime, lists, dicts): text from the public
is kept as given and escaped by whoever renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

#: Order in which severities are shown, most urgent first.
SEVERITIES = ("critical", "high", "medium", "low")
Severity = Literal["critical", "high", "medium", "low"]

#: How a finding stands against the previous report of the same kind.
#: new: first seen since the last report; open: seen before and still there;
#: resolved: was open at the last report and is no longer found.
Change = Literal["new", "open", "resolved"]

#: Red/amber/green for the new-account benefit report (rule N01).
Rag = Literal["red", "amber", "green", "grey"]


@dataclass(frozen=True)
class Rule:
    """One policy rule: what it checks, the clause it enforces and what is expected of people."""

    id: str  # A01 ... A12, U01 ... U03, N01, L01 ... L03
    title: str  # "Leaver still holding Hootsuite access"
    clause: str  # "G employee leaves; M leaving or moving within the Council"
    severity: Severity
    action: str  # "Remove their Hootsuite access today and reset the passwords they knew"
    subject_kind: str  # account | member | establishment | post | mention | comment


@dataclass(frozen=True)
class Finding:
    """One thing a rule found, with the evidence a reader needs to check it."""

    rule: str
    clause: str
    severity: Severity
    subject_kind: str
    subject_key: str  # stable id: "x:mcrcitycouncil", "jo.bloggs@manchester.gov.uk", a post id
    subject_name: str  # what a person calls it: "Manchester City Council (X @ManCityCouncil)"
    summary: str  # one line: "Left on 3 Sep 2026; still an Editor in Hootsuite"
    action: str
    evidence: dict[str, Any] = field(default_factory=dict)  # column -> value, shown as a small table
    finding_key: str = ""  # rule:subject_key[:detail]; the identity kept across reports
    status: Change = "new"
    first_seen: date | None = None
    last_seen: date | None = None
    resolved_on: date | None = None
    accounts: tuple[str, ...] = ()  # accounts the subject can reach (users) or concerns


@dataclass(frozen=True)
class Table:
    """A plain table: a section's body, and a sheet of the XLSX appendix."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    sheet: str = ""  # XLSX sheet name (<= 31 chars); defaults to the title


@dataclass(frozen=True)
class Chart:
    """A chart rendered to PNG: inline in the email (cid:<name>) and embedded in the PDF."""

    name: str  # content id and file stem: letters, digits, '-', '_'
    title: str
    png: bytes
    alt: str = ""  # what the chart says, for readers who cannot see it


@dataclass(frozen=True)
class Measure:
    """A target against an actual with its RAG status (rule N01), or any headline figure."""

    label: str
    actual: float | int | str | None
    target: float | int | str | None = None
    rag: Rag | None = None
    unit: str = ""  # "", "%", "per week"
    note: str = ""


@dataclass(frozen=True)
class Section:
    """One part of a report: an intro line, then findings, tables, measures and charts."""

    title: str
    intro: str = ""
    findings: tuple[Finding, ...] = ()
    tables: tuple[Table, ...] = ()
    measures: tuple[Measure, ...] = ()
    charts: tuple[Chart, ...] = ()
    empty_text: str = "Nothing found."


@dataclass(frozen=True)
class Report:
    """A whole report, summary first."""

    report: str  # audit | new_account_benefit | inactive_users | listening
    title: str  # "Bi-annual audit of accounts and users"
    period: str  # archive folder name: "2026-H2", "2026-10", "2026-W46", "x-mcrcitycouncil-2026-11-20"
    period_label: str  # how people say it: "April to September 2026"
    as_of: date
    generated_at: datetime
    headline: str  # the one line a busy reader needs first
    summary: tuple[Measure, ...] = ()  # counts shown first in the email
    sections: tuple[Section, ...] = ()
    verdict: str = ""  # benefit report: one line for the Board
    notes: tuple[str, ...] = ()  # caveats: data gaps, sources that failed, thresholds used

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for s in self.sections for f in s.findings)

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(c for s in self.sections for c in s.charts)

    def counts_by_severity(self, include_resolved: bool = False) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            if include_resolved or f.status != "resolved":
                counts[f.severity] += 1
        return counts

    def counts_by_change(self) -> dict[str, int]:
        counts = {"new": 0, "open": 0, "resolved": 0}
        for f in self.findings:
            counts[f.status] += 1
        return counts


@dataclass(frozen=True)
class RenderedReport:
    """A report's files, ready to archive and to email."""

    report: Report
    email_html: str
    email_text: str
    inline_images: dict[str, bytes]  # cid -> PNG
    pdf: bytes
    xlsx: bytes
