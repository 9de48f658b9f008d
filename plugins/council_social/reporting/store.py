"""A report as a JSON file, so the task that built it can hand it to the tasks that render and send it.

The build task holds the warehouse (pool ``duckdb_writer``); rendering a PDF and emailing take
seconds and must not. So the builder saves the ``Report`` to a file and passes only the path through
XCom; the render task loads it back. The file is also archived beside the PDF as ``report.json``,
which lets a report be re-rendered later without the warehouse.

JSON keeps strings, numbers, booleans, null, lists and objects; everything else a report may hold is
written as a one-key tagged object: ``{"$date": "2026-09-30"}``, ``{"$datetime": "...+00:00"}``,
``{"$bytes": "<base64>"}`` (chart PNGs), ``{"$decimal": "1.50"}``, ``{"$tuple": [...]}``, and
``{"$dict": [[key, value], ...]}`` for a mapping whose keys are not plain text. Loading turns
them back into the same Python values, so a loaded report equals the saved one.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import fields
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from council_social.reporting.model import Chart, Finding, Measure, Report, Section, Table

#: Bumped when the file layout changes in a way older readers cannot follow.
FORMAT = "council-social-report/1"


def dumps(report: Report) -> str:
    """The report as JSON text."""
    return json.dumps({"format": FORMAT, "report": _encode(report)}, ensure_ascii=False, indent=1)


def loads(text: str) -> Report:
    """A report from JSON text written by ``dumps``."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ValueError(f"Not a saved report (format {found!r}, expected {FORMAT!r})")
    return _report(document["report"])


def save_report(report: Report, path: Path | str) -> Path:
    """Write ``report`` to ``path`` (created with its folder), atomically: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(dumps(report))
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def load_report(path: Path | str) -> Report:
    """Read a report saved by ``save_report``."""
    path = Path(path)
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: cannot read the saved report: {error}") from error


# -- encoding ---------------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinity; keep them as tagged text rather than writing invalid JSON.
        return value if value == value and value not in (float("inf"), float("-inf")) else {"$float": repr(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Report | Section | Finding | Table | Measure | Chart):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_encode(v) for v in value]}
    if isinstance(value, list | set | frozenset):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        # Keys that are not text, or that look like a tag, are kept as pairs so they come back as they were.
        return {"$dict": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        return _encode(value.item())
    raise TypeError(f"cannot save a value of type {type(value).__name__} in a report: {value!r}")


_TAGS = {
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$decimal": Decimal,
    "$bytes": lambda text: base64.b64decode(text.encode("ascii"), validate=True),
    "$float": float,
}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            (tag, inner), = value.items()
            if tag == "$tuple":
                return tuple(_decode(v) for v in inner)
            if tag == "$dict":
                return {_decode(k): _decode(v) for k, v in inner}
            if tag in _TAGS:
                return _TAGS[tag](inner)
        return {k: _decode(v) for k, v in value.items()}
    return value


def _build(cls, data: dict, **nested) -> Any:
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    values = {}
    for name, raw in data.items():
        values[name] = nested[name](raw) if name in nested else _decode(raw)
    return cls(**values)


def _many(builder):
    return lambda raw: tuple(builder(item) for item in _decode_sequence(raw))


def _decode_sequence(raw: Any) -> list:
    if isinstance(raw, dict) and set(raw) == {"$tuple"}:
        return list(raw["$tuple"])
    if isinstance(raw, list):
        return raw
    raise ValueError(f"expected a list, found {type(raw).__name__}")


def _strings(raw: Any) -> tuple:
    return tuple(_decode(v) for v in _decode_sequence(raw))


def _table(data: dict) -> Table:
    return _build(Table, data, columns=_strings,
                  rows=lambda raw: tuple(tuple(_decode(v) for v in _decode_sequence(r)) for r in _decode_sequence(raw)))


def _finding(data: dict) -> Finding:
    return _build(Finding, data, accounts=_strings)


def _section(data: dict) -> Section:
    return _build(Section, data, findings=_many(_finding), tables=_many(_table),
                  measures=_many(lambda d: _build(Measure, d)), charts=_many(lambda d: _build(Chart, d)))


def _report(data: dict) -> Report:
    return _build(Report, data, summary=_many(lambda d: _build(Measure, d)), sections=_many(_section),
                  notes=_strings)
