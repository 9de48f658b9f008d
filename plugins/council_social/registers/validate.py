"""Check a register's rows and turn cell text into typed values.

A bad cell never sinks the file: its row is set aside with a reason a comms officer can act on
("line 12, 'Go live date': '31/13/2026' is not a date"). Only a file that cannot be a register at
all (unreadable, no header, a required column missing) is refused whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from council_social.inbox.tables import Cell, Table, UnreadableFile, normalise_header
from council_social.registers import schema
from council_social.registers.profiles import NotAProfile, profile_from_url
from council_social.registers.schema import Column, Register

EMAIL_PATTERN = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[A-Za-z]{2,}$")
LIST_SEPARATORS = re.compile(r"\s*[;\n|]\s*")
TRUE_WORDS = {"yes", "y", "true", "t", "1", "x", "locked", "private"}
FALSE_WORDS = {"no", "n", "false", "f", "0", "", "public", "open"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y",
                "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """One cell's value cannot be used."""


@dataclass
class Problem:
    line: int
    reason: str
    raw: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Checked:
    """What a register file held: good records, the rows set aside, and notes for the import report."""

    register: Register
    records: list[dict]
    problems: list[Problem]
    notes: list[str]


def _names(column: Column) -> set[str]:
    return {normalise_header(column.name), *(normalise_header(a) for a in column.aliases)}


def match_columns(register: Register, headers: list[str]) -> tuple[dict[int, str], list[str]]:
    """Which header cell holds which column; headers we do not know are returned to be reported."""
    lookup = {name: column.name for column in register.columns for name in _names(column)}
    mapping: dict[int, str] = {}
    unknown: list[str] = []
    for index, header in enumerate(headers):
        key = normalise_header(header)
        column = lookup.get(key) or lookup.get(re.sub(r"\s*(gmt|utc|bst)$", "", key))
        if column and column not in mapping.values():
            mapping[index] = column
        elif header.strip():
            unknown.append(header)
    return mapping, unknown


def header_score(register: Register):
    """Rate a candidate header row by how many of this register's columns it names."""
    names = {name for column in register.columns for name in _names(column)}

    def score(cells: list[str]) -> int:
        return sum(1 for cell in set(cells) if cell and cell in names)

    return score


# --- cells -------------------------------------------------------------------------------------------

def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_date(value: Cell) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date that lost its format
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(f"'{value}' is not a date")
    text = _text(value)
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_bool(value: Cell) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return None if text == "" else False
    raise CellError(f"'{_text(value)}' is not yes or no")


def parse_decimal(value: Cell) -> Decimal | None:
    text = _text(value).replace(",", "").rstrip("%").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{_text(value)}' is not a number") from exc
    if number < 0:
        raise CellError(f"'{_text(value)}' is negative")
    return number


def parse_int(value: Cell) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"'{_text(value)}' is not a whole number")
    return int(number)


def parse_email(value: Cell) -> str | None:
    text = _text(value).strip("<> ").lower()
    if text.startswith("mailto:"):
        text = text[7:]
    if not text:
        return None
    if not EMAIL_PATTERN.match(text):
        raise CellError(f"'{_text(value)}' is not an email address")
    return text


def parse_list(value: Cell) -> list[str] | None:
    items = [item.strip() for item in LIST_SEPARATORS.split(_text(value)) if item.strip()]
    if len(items) == 1 and "," in items[0]:
        items = [item.strip() for item in items[0].split(",") if item.strip()]
    return items or None


def parse_emails(value: Cell) -> list[str] | None:
    items = parse_list(value)
    return [parse_email(item) for item in items] if items else None


def parse_platform(value: Cell) -> str | None:
    text = _text(value).lower()
    if not text:
        return None
    if text not in schema.PLATFORMS:
        known = ", ".join(sorted(set(schema.PLATFORMS.values())))
        raise CellError(f"'{_text(value)}' is not a platform we know ({known})")
    return schema.PLATFORMS[text]


def parse_choice(column: Column):
    def parse(value: Cell) -> str | None:
        text = normalise_header(value).replace(" ", "_")
        if not text:
            return None
        if text not in column.choices:
            raise CellError(f"'{_text(value)}' is not one of: {', '.join(column.choices)}")
        return text

    return parse


def _parser(column: Column):
    return {
        schema.DATE: parse_date,
        schema.BOOL: parse_bool,
        schema.INT: parse_int,
        schema.DECIMAL: parse_decimal,
        schema.PLATFORM: parse_platform,
        schema.EMAIL: parse_email,
        schema.EMAILS: parse_emails,
        schema.LIST: parse_list,
        schema.CHOICE: parse_choice(column),
    }.get(column.type, lambda v: _text(v) or None)


# --- rows --------------------------------------------------------------------------------------------

def _complete_account(record: dict) -> None:
    """Platform and handle from the URL where the register left them blank; they must agree."""
    url = record.get("url")
    if url:
        try:
            platform, handle = profile_from_url(url)
        except NotAProfile as exc:
            if not (record.get("platform") and record.get("handle")):
                raise CellError(f"'url': {exc}") from exc
        else:
            if record.get("platform") and record["platform"] != platform:
                raise CellError(f"platform '{record['platform']}' does not match the link '{url}' ({platform})")
            record["platform"] = record.get("platform") or platform
            record["handle"] = record.get("handle") or handle
    if not record.get("platform") or not record.get("handle"):
        raise CellError("needs a profile link, or both a platform and a handle")
    record["handle"] = record["handle"].lstrip("@")
    record["handle_key"] = record["handle"].lower()
    record["status"] = record.get("status") or "active"


def _complete(register: Register, record: dict) -> None:
    if register is schema.ACCOUNT_REGISTER:
        _complete_account(record)
    elif register is schema.ELECTION_PERIODS:
        if record["ends_on"] < record["starts_on"]:
            raise CellError(f"ends ({record['ends_on']}) before it starts ({record['starts_on']})")
    elif register is schema.REPORT_RECIPIENTS:
        record["copy"] = record.get("copy") or "to"


def check_rows(register: Register, table: Table, name: str) -> Checked:
    """Typed records and set-aside rows for one register file."""
    mapping, unknown = match_columns(register, table.headers)
    present = set(mapping.values())
    missing = [c for c in register.required if c not in present]
    if register is schema.ACCOUNT_REGISTER and not ({"url"} <= present or {"platform", "handle"} <= present):
        missing.append("url (or platform and handle)")
    if missing:
        wanted = "; ".join(
            f"'{c}' (also accepted: {', '.join(repr(a) for a in register.column(c).aliases) or 'no other name'})"
            if c in {col.name for col in register.columns} else f"'{c}'"
            for c in missing
        )
        raise UnreadableFile(
            f"{name}: this {register.title.lower()} file is missing required column(s) {wanted}; "
            f"the header on line {table.header_line} has: {', '.join(repr(h) for h in table.headers if h)}"
        )
    notes = list(table.notes)
    if unknown:
        notes.append(f"ignored column(s) this register does not use: {', '.join(repr(u) for u in unknown)}")
    parsers = {column.name: _parser(column) for column in register.columns}
    records: list[dict] = []
    problems: list[Problem] = []
    seen: dict[tuple, tuple[int, dict]] = {}
    width = len(table.headers)
    for line, cells in table.rows:
        raw = {table.headers[i] or f"column {i + 1}": cells[i] for i in range(min(len(cells), width))}
        extra = [c for c in cells[width:] if _text(c)]
        errors: list[str] = []
        if extra:
            errors.append(f"has {len(cells)} cells but the header has {width} (a stray delimiter?)")
        if line == table.cut_off_line:
            errors.append("ends early: the file looks cut off here (no line end, cells missing); "
                          "export the register again")
        record: dict = {}
        for index, column_name in mapping.items():
            column = register.column(column_name)
            value = cells[index] if index < len(cells) else None
            try:
                record[column_name] = parsers[column_name](value)
            except CellError as exc:
                errors.append(f"'{table.headers[index]}': {exc}")
                continue
            if column.required and record[column_name] in (None, [], ""):
                errors.append(f"'{table.headers[index]}' is empty but required")
        if not errors:
            try:
                _complete(register, record)
            except CellError as exc:
                errors.append(str(exc))
        if errors:
            problems.append(Problem(line, "; ".join(errors), raw))
            continue
        key = tuple(record.get(k) for k in register.key)
        if key in seen:
            first_line, first = seen[key]
            if first == record:
                reason = f"repeats line {first_line}"
            else:
                key_names = " + ".join(k.removesuffix("_key") for k in register.key)
                reason = (f"has the same {key_names} as line {first_line} with different values; "
                          "kept the first, check which is right")
            problems.append(Problem(line, reason, raw))
            continue
        seen[key] = (line, dict(record))
        record["source_line"] = line
        records.append(record)
    return Checked(register, records, problems, notes)
