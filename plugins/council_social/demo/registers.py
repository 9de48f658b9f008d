"""Write the demo council's registers as the comms team would drop them into the register inbox.

The files look like what people actually send: headers in their own words (aliases the register
schema accepts, e.g. "Social media account", "Profile URL", "Go live date"), "Yes"/"No" flags,
lists separated by "; ", a CSV saved by Excel with a byte-order mark, and a workbook with a title
block above the table and a notes sheet beside it. The date in each file name is the day the
register is in force from, so the account register is written twice: the version the Review Board
had six months ago and the current one, which differ (new accounts, a replaced moderator, an
account archived since).

Writing is deterministic: the same organisation gives byte-identical files, workbooks included
(fixed document properties and zip timestamps), so a re-run drops exactly the same files.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from council_social.demo.organisation import CENTRAL, COUNCIL_NAME, Account, Organisation

TITLE = f"{COUNCIL_NAME} — Social media account register"
SUBTITLE = f"Maintained by {CENTRAL}"

#: (header as the council writes it, Account attribute) for the older, CSV account register.
PREVIOUS_ACCOUNT_COLUMNS = (
    ("Social media account", "account_name"),
    ("Network", "platform"),
    ("Profile URL", "url"),
    ("Service", "owning_service"),
    ("Account moderators", "moderators"),
    ("Approval date", "approved_on"),
    ("Go live date", "go_live_on"),
    ("In Hootsuite", "managed_in_hootsuite"),
    ("Private/locked", "private_locked"),
    ("Vulnerable groups", "features_vulnerable_groups"),
    ("Establishment", "education_establishment"),
    ("Establishment manager", "nominated_manager"),
    ("Followers target", "target_followers"),
    ("Posts per week target", "target_posts_per_week"),
    ("Engagement rate target", "target_engagement_rate"),
    ("Response rate target", "target_response_rate"),
    ("Account status", "status"),
    ("Password last changed", "last_password_change"),
)
#: The current workbook uses the schema's own names, written for people.
CURRENT_ACCOUNT_COLUMNS = (
    ("Account name", "account_name"),
    ("Platform", "platform"),
    ("Profile URL", "url"),
    ("Owning service", "owning_service"),
    ("Moderators", "moderators"),
    ("Approved on", "approved_on"),
    ("Go live date", "go_live_on"),
    ("Managed in Hootsuite", "managed_in_hootsuite"),
    ("Private/locked", "private_locked"),
    ("Features vulnerable groups", "features_vulnerable_groups"),
    ("Education establishment", "education_establishment"),
    ("Nominated manager", "nominated_manager"),
    ("Target followers", "target_followers"),
    ("Target posts per week", "target_posts_per_week"),
    ("Target engagement rate", "target_engagement_rate"),
    ("Target response rate", "target_response_rate"),
    ("Status", "status"),
    ("Last password change", "last_password_change"),
)
#: How the register spells each platform (the schema maps these back).
PLATFORM_NAMES = {
    "x": "Twitter", "facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
    "linkedin": "LinkedIn", "flickr": "Flickr", "vimeo": "Vimeo", "foursquare": "Foursquare",
    "wordpress": "WordPress", "blogger": "Blogger",
}
NOTES = (
    "How to fill in this register",
    "One row per account the Digital Comms Review Board has approved.",
    "Moderators: work email addresses, separated by '; '.",
    "Yes/No columns: Managed in Hootsuite, Private/locked, Features vulnerable groups.",
    "Targets come from the business case and are reviewed three months after the go live date.",
    "Status: 'active' or 'archived' (archived accounts are closed or handed over).",
    "Send changes to the Central Communications team; do not edit the table headers.",
)


def register_dates(as_of: date) -> dict[str, date]:
    """The in-force date of each register file for an organisation as of ``as_of``."""
    current = as_of.replace(day=1)
    months = current.year * 12 + current.month - 1 - 6
    previous = date(months // 12, months % 12 + 1, 1)
    return {"accounts_previous": previous, "accounts": current, "leavers": current, "training": current,
            "yearly": date(as_of.year, 1, 1)}


def _cell(value: object) -> object:
    """A register cell as the council types it; dates and numbers stay typed for the workbook."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple | list):
        return "; ".join(value) or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: object) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def account_register_rows(org: Organisation, effective_from: date,
                          columns: tuple[tuple[str, str], ...]) -> list[list[object]]:
    """What the account register said on ``effective_from``: the rows, with typed cells.

    Accounts approved later are missing; an account archived since is still active; moderators
    and password dates are the ones recorded then.
    """
    rows = []
    for account in org.accounts:
        if not account.in_register or (account.approved_on and account.approved_on > effective_from):
            continue
        values = _register_values(account, effective_from, org.as_of)
        rows.append([_cell(values[attribute]) for _, attribute in columns])
    return rows


def _register_values(account: Account, effective_from: date, as_of: date) -> dict[str, object]:
    values = {name: getattr(account, name) for _, name in CURRENT_ACCOUNT_COLUMNS}
    values["platform"] = PLATFORM_NAMES.get(account.platform, account.platform)
    if effective_from < as_of.replace(day=1):
        if account.previous_moderators is not None:
            values["moderators"] = account.previous_moderators
        if account.archived_on and account.archived_on > effective_from:
            values["status"] = "active"
        changed = account.last_password_change
        while changed and changed > effective_from:
            changed -= timedelta(days=97)
        values["last_password_change"] = changed
    return values


def _write_csv(path: Path, header: list[str], rows: list[list[object]], *, bom: bool = False) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_text(v) for v in row] for row in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def _save_workbook(workbook, path: Path, when: date) -> Path:
    """Save with fixed properties and zip timestamps, so the same workbook gives the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = datetime.combine(when, time(9, 0))
    workbook.properties.creator = CENTRAL
    workbook.properties.lastModifiedBy = CENTRAL
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook() would stamp "modified" with the current time.
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(item.filename))
    path.write_bytes(fixed.getvalue())
    return path


def _sheet(workbook, title: str, header: list[str], rows: list[list[object]], *, first_row: int = 1,
           widths: dict[int, int] | None = None):
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title)
    for column, name in enumerate(header, 1):
        sheet.cell(row=first_row, column=column, value=name).font = Font(bold=True)
    for offset, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(row=first_row + offset, column=column, value=value)
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
    for column, width in (widths or {}).items():
        sheet.column_dimensions[chr(ord("A") + column)].width = width
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
    return sheet


def write_registers(org: Organisation, inbox: Path) -> list[Path]:
    """Drop every register of ``org`` into the register inbox folder ``inbox``; returns the files written."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    inbox.mkdir(parents=True, exist_ok=True)
    dates = register_dates(org.as_of)
    written: list[Path] = []

    previous = dates["accounts_previous"]
    written.append(_write_csv(
        inbox / f"account_register_{previous.isoformat()}.csv",
        [h for h, _ in PREVIOUS_ACCOUNT_COLUMNS],
        account_register_rows(org, previous, PREVIOUS_ACCOUNT_COLUMNS), bom=True,
    ))

    current = dates["accounts"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = _sheet(workbook, "Account register", [h for h, _ in CURRENT_ACCOUNT_COLUMNS],
                   account_register_rows(org, current, CURRENT_ACCOUNT_COLUMNS), first_row=3,
                   widths={0: 42, 1: 12, 2: 48, 3: 32, 4: 60})
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = SUBTITLE
    notes = workbook.create_sheet("Notes")
    for row, line in enumerate(NOTES, 1):
        notes.cell(row=row, column=1, value=line).font = Font(bold=row == 1)
    notes.column_dimensions["A"].width = 100
    written.append(_save_workbook(workbook, inbox / f"account_register_{current.isoformat()}.xlsx", current))

    written.append(_write_csv(
        inbox / f"hr_leavers_{dates['leavers'].isoformat()}.csv",
        ["Employee name", "Email address", "Leaving date", "Service area", "Line manager"],
        [[x.name, x.email, x.leaving_date, x.service, x.line_manager_email]
         for x in org.leavers if x.leaving_date <= dates["leavers"]],
    ))

    training = Workbook()
    training.remove(training.active)
    trained = [[r.name, r.email, r.course, r.completed_on] for r in org.training
               if r.completed_on <= dates["training"]]
    _sheet(training, "GOLD training", ["Delegate", "Work email", "Course name", "Date completed"], trained,
           widths={0: 28, 1: 40, 2: 18, 3: 16})
    name = f"gold_training_records_{dates['training'].isoformat()}.xlsx"
    written.append(_save_workbook(training, inbox / name, dates["training"]))

    yearly = dates["yearly"].isoformat()
    written.append(_write_csv(
        inbox / f"election_periods_{yearly}.csv",
        ["Election", "Start date", "End date", "Political terms", "Councillor handles"],
        [[e.election, e.starts_on, e.ends_on, e.political_terms, e.councillor_handles]
         for e in org.elections],
    ))
    written.append(_write_csv(
        inbox / f"brand_patterns_{yearly}.csv",
        ["Pattern", "Use", "Note"],
        [[b.pattern, b.use, b.note] for b in org.brand_patterns],
    ))
    written.append(_write_csv(
        inbox / f"report_recipients_{yearly}.csv",
        ["Report name", "Email address", "Recipient name", "Send as"],
        [[r.report, r.email, r.name, r.copy] for r in org.report_recipients],
    ))
    return written
