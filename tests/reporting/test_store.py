"""A report saved to JSON comes back equal, values and types alike, so render tasks see what the builder built."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from reporting.sample_reports import audit_report, benefit_report, finding

from council_social.reporting.model import Report, Section
from council_social.reporting.store import dumps, load_report, loads, save_report


@pytest.mark.parametrize("build", [audit_report, benefit_report])
def test_a_saved_report_loads_back_equal(tmp_path, build):
    report = build()
    path = save_report(report, tmp_path / "handoff" / "report.json")

    loaded = load_report(path)

    assert loaded == report
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]  # no temporary file left beside it


def test_values_keep_their_types():
    report = loads(dumps(audit_report()))
    hostile = next(f for f in report.findings if f.rule == "A05")

    assert type(hostile.evidence["seen on"]) is date
    assert hostile.evidence["last post"] == datetime(2026, 9, 2, 13, 5, tzinfo=UTC)
    assert hostile.evidence["last post"].tzinfo is not None
    assert hostile.evidence["posts"] == 42 and type(hostile.evidence["posts"]) is int
    assert hostile.evidence["verified"] is False and hostile.evidence["owner"] is None
    assert isinstance(hostile.accounts, tuple)
    table = report.sections[0].tables[0]
    assert isinstance(table.rows[0], tuple) and isinstance(table.columns, tuple)
    assert table.rows[1][5] == Decimal("0.5") and type(table.rows[1][5]) is Decimal
    chart = report.sections[0].charts[0]
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert report.generated_at.tzinfo is not None and type(report.as_of) is date


def test_evidence_that_looks_like_the_file_format_is_kept_as_given():
    odd = finding("A06", "x:odd", evidence={"$date": "not a date", "$tuple": [1, 2], "list": [1, "two"],
                                            "nested": {"$bytes": "x", "ok": (1, 2)}, "nan": float("nan")})
    report = Report(report="audit", title="t", period="2026-H2", period_label="p", as_of=date(2026, 9, 30),
                    generated_at=datetime(2026, 10, 1, tzinfo=UTC), headline="h",
                    sections=(Section(title="s", findings=(odd,)),))

    evidence = loads(dumps(report)).findings[0].evidence

    assert evidence["$date"] == "not a date" and evidence["$tuple"] == [1, 2]
    assert evidence["list"] == [1, "two"]
    assert evidence["nested"] == {"$bytes": "x", "ok": (1, 2)}
    assert evidence["nan"] != evidence["nan"]  # still NaN


def test_the_file_is_plain_json_with_charts_in_base64(tmp_path):
    path = save_report(audit_report(), tmp_path / "report.json")
    document = json.loads(path.read_text(encoding="utf-8"))

    assert document["format"] == "council-social-report/1"
    chart = document["report"]["sections"]["$tuple"][0]["charts"]["$tuple"][0]
    assert set(chart["png"]) == {"$bytes"}
    assert document["report"]["as_of"] == {"$date": "2026-09-30"}


def test_a_file_that_is_not_a_saved_report_is_refused_by_name(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}), encoding="utf-8")

    with pytest.raises(ValueError, match=r"(?i)other\.json.*not a saved report"):
        load_report(path)


def test_a_value_json_cannot_hold_is_refused_when_saving():
    report = Report(report="audit", title="t", period="2026-H2", period_label="p", as_of=date(2026, 9, 30),
                    generated_at=datetime(2026, 10, 1, tzinfo=UTC), headline="h",
                    sections=(Section(title="s", findings=(finding("A01", "x:a", evidence={"x": object()}),)),))

    with pytest.raises(TypeError, match="object"):
        dumps(report)
