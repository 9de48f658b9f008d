"""The steps every report DAG takes, so the DAG files stay thin.

1. ``build`` (in the ``duckdb_writer`` pool): evaluate the rules as of the report's date, build the
   ``Report``, read its recipients, save it as JSON in the work folder and hand on the path.
2. ``publish`` (outside the pool: rendering a PDF and sending email are slow): render, archive under
   ``reports/output/<report>/<period>/`` (replacing an earlier output for the same period) and email
   the recipients once; ``resend`` sends again.
3. ``record`` (in the pool): the ``report_runs`` row, so the next audit can say what changed and the
   benefit report is produced once per account.
"""

from __future__ import annotations

import logging
import re
from calendar import monthrange
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from council_social.config import settings

log = logging.getLogger(__name__)

AUDIT = "audit"
INACTIVE_USERS = "inactive_users"
NEW_ACCOUNT_BENEFIT = "new_account_benefit"
LISTENING = "listening"
LISTENING_DIGEST = "listening_digest"
REVIEW_BOARD_PACK = "review_board_pack"


def _day(value: str | date | None) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def london_day(when: datetime) -> date:
    """The council's calendar day for a run: schedules are in Europe/London."""
    return when.astimezone(ZoneInfo("Europe/London")).date()


def audit_period(run_day: date, period_start: str | date | None = None,
                 period_end: str | date | None = None) -> tuple[date, date]:
    """The six whole months before the run (1 October covers April to September) unless given."""
    end = _day(period_end)
    if end is None:
        end = run_day.replace(day=1) - timedelta(days=1)
    start = _day(period_start)
    if start is None:
        month = end.month - 5
        year = end.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        start = date(year, month, 1)
    if start > end:
        raise ValueError(f"the audit period starts ({start}) after it ends ({end})")
    return start, end


def month_end_before(run_day: date) -> date:
    """The inactive-user report on the 1st covers the month that has just ended."""
    return run_day.replace(day=1) - timedelta(days=1)


def last_day_of_month(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


@contextmanager
def report_connection(path: Path | None = None, *, read_only: bool = False):
    """The warehouse for building reports, with DuckDB's memory capped (``COUNCIL_SOCIAL_REPORT_MEMORY``,
    default 1 GB): DuckDB otherwise keeps up to 80% of the machine's memory cached, and a report task
    shares its worker with PDF rendering. Large joins spill to disk instead."""
    import os

    from council_social.warehouse.connection import connect

    with connect(path, read_only=read_only) as con:
        con.execute("set memory_limit = ?", [os.environ.get("COUNCIL_SOCIAL_REPORT_MEMORY", "1GB")])
        yield con


def work_dir() -> Path:
    """Where a built report waits for rendering: beside the warehouse, never in the archive."""
    return settings().data_dir / "reports_work"


def _safe(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", value).strip("_")[:120] or "report"


def _builders() -> dict[str, Callable[..., Any]]:
    from council_social.listening import report as listening
    from council_social.reporting import audit, benefit, inactive_users

    def build_audit(con, params, run_id):
        start, end = audit_period(params["run_day"], params.get("period_start"), params.get("period_end"))
        params.update(period_start=start.isoformat(), period_end=end.isoformat())
        return audit.build_audit(con, period_start=start, period_end=end, run_id=run_id)

    def build_inactive(con, params, run_id):
        as_of = _day(params.get("as_of")) or month_end_before(params["run_day"])
        return inactive_users.build_inactive_users(con, as_of=as_of, run_id=run_id)

    def build_benefit(con, params, run_id):
        as_of = _day(params.get("as_of")) or params["run_day"]
        return benefit.build_benefit(con, account_key=params["account_key"], as_of=as_of, run_id=run_id)

    def build_listening(con, params, run_id):
        end = _day(params.get("week_end")) or (params["run_day"] - timedelta(days=params["run_day"].isoweekday()))
        return listening.build_listening(con, week_start=end - timedelta(days=6), week_end=end)

    def build_digest(con, params, run_id):
        day = _day(params.get("day")) or params["run_day"] - timedelta(days=1)
        return listening.build_digest(con, day=day)

    return {AUDIT: build_audit, INACTIVE_USERS: build_inactive, NEW_ACCOUNT_BENEFIT: build_benefit,
            LISTENING: build_listening, LISTENING_DIGEST: build_digest}


def build(kind: str, params: dict[str, Any], run_id: str | None = None) -> dict[str, Any] | None:
    """Build one report in the warehouse's pool slot; returns what ``publish`` needs, by path."""
    from council_social.registers.report import recipients
    from council_social.reporting.store import save_report

    params = {**params, "run_day": _day(params.get("run_day")) or date.today()}
    builder = _builders()[kind]
    with report_connection() as con:
        report = builder(con, params, run_id)
        if report is None:
            log.info("Nothing to report for %s with %s", kind, params)
            return None
        to = recipients(con, kind)
    path = work_dir() / _safe(run_id or "manual") / f"{_safe(kind)}-{_safe(report.period)}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_report(report, path)
    log.info("Built %s for %s: %s", report.title, report.period_label, report.headline)
    return {"report": kind, "period": report.period, "path": str(path), "recipients": to,
            "subject": params.get("account_key"), "period_start": params.get("period_start"),
            "period_end": params.get("period_end")}


def publish(built: dict[str, Any] | None, *, resend: bool = False, run_id: str | None = None) -> dict[str, Any] | None:
    """Render, archive and email a built report; a rerun replaces the files and emails nobody again."""
    if not built:
        return None
    from council_social.reporting.publish import publish_report
    from council_social.reporting.store import load_report

    report = load_report(Path(built["path"]))
    published = publish_report(report, built["recipients"], force=resend, run_id=run_id)
    emails = sum(not d["skipped"] for d in published["deliveries"])
    log.info("Archived %s in %s; %d email(s) sent", report.title, published["folder"], emails)
    return {**built, "output_dir": published["folder"], "emails": emails}


def record(published: dict[str, Any] | None, run_id: str | None = None) -> None:
    """Keep the report run: what the next report compares with, and what not to produce twice."""
    if not published:
        return
    from council_social.reporting.findings import record_run
    from council_social.reporting.store import load_report
    from council_social.warehouse.connection import connect

    report = load_report(Path(published["path"]))
    with connect() as con:
        record_run(con, report, published["output_dir"], run_id, period_start=_day(published.get("period_start")),
                   period_end=_day(published.get("period_end")), subject=published.get("subject"))


def benefit_reviews_due(run_day: date, *, account: str | None = None, as_of: str | None = None) -> list[dict]:
    """One review per account due (or the one asked for), as XCom-sized dicts."""
    from council_social.reporting.benefit import accounts_due

    day = _day(as_of) or run_day
    if account:
        keys = [account.lower()]
    else:
        with report_connection(read_only=True) as con:
            keys = accounts_due(con, day)
    log.info("New-account benefit reviews due as of %s: %s", day, ", ".join(keys) or "none")
    return [{"account_key": key, "as_of": day.isoformat(), "run_day": run_day.isoformat()} for key in keys]


def build_pack_parts(run_day: date, *, period_end: str | None = None, run_id: str | None = None) -> dict | None:
    """The reports the Review Board pack bundles: the audit (the latest, or the one ending on
    ``period_end``), the latest inactive-user report up to it, and summaries of the benefit reviews and
    listening over the audit period. Built in the pool; rendered outside it."""
    from council_social.listening.report import build_listening_summary
    from council_social.registers.report import recipients
    from council_social.reporting.benefit import build_benefit_summary
    from council_social.reporting.store import load_report, save_report

    with report_connection(read_only=True) as con:
        audit = con.execute(
            "select period, as_of, coalesce(period_start, as_of - interval 6 month)::date, output_dir "
            "from report_runs where report = 'audit' and (? is null or as_of = ?::date) "
            "order by as_of desc, generated_at desc limit 1", [period_end, period_end]).fetchone()
        if audit is None:
            log.warning("No audit has been produced%s yet: the Review Board pack needs one",
                        f" for the period ending {period_end}" if period_end else "")
            return None
        period, as_of, since, _ = audit
        inactive = con.execute(
            "select output_dir from report_runs where report = 'inactive_users' and as_of <= ? "
            "order by as_of desc limit 1", [as_of]).fetchone()
        summaries = [build_benefit_summary(con, as_of=as_of, since=since),
                     build_listening_summary(con, since=since, until=as_of)]

        to = recipients(con, REVIEW_BOARD_PACK)
    folder = work_dir() / _safe(run_id or "manual")
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(Path(audit[3]) / "report.json")]
    if inactive:
        paths.append(str(Path(inactive[0]) / "report.json"))
    for report in summaries:
        if report is not None:
            path = folder / f"{_safe(report.report)}-{_safe(report.period)}.json"
            save_report(report, path)
            paths.append(str(path))
    for path in paths:
        load_report(Path(path))  # fail here, in the build, if an archived report cannot be read
    return {"report": REVIEW_BOARD_PACK, "period": period, "as_of": as_of.isoformat(), "since": since.isoformat(),
            "paths": paths, "recipients": to}


def publish_pack(parts: dict | None, *, resend: bool = False, run_id: str | None = None) -> dict | None:
    """One PDF with cover, contents and page numbers, archived and emailed to the Review Board."""
    if not parts:
        return None
    from council_social.reporting.model import Report
    from council_social.reporting.pdf_format import render_pack
    from council_social.reporting.publish import archive_pack, send_pack
    from council_social.reporting.store import load_report, save_report

    reports = [load_report(Path(p)) for p in parts["paths"]]
    as_of = date.fromisoformat(parts["as_of"])
    title = "Digital Comms Review Board: meeting pack"
    pdf = render_pack(reports, title=title, period_label=reports[0].period_label, as_of=as_of)
    path = archive_pack(pdf, parts["period"])
    sent = [d for d in send_pack(path, parts["recipients"], period=parts["period"], title=title,
                                 period_label=reports[0].period_label, as_of=as_of, force=resend, run_id=run_id)
            if not d.skipped]
    log.info("Review Board pack for %s: %s (%s)", parts["period"], path, ", ".join(r.title for r in reports))
    pack = Report(report=REVIEW_BOARD_PACK, title=title, period=parts["period"],
                  period_label=reports[0].period_label, as_of=as_of, generated_at=datetime.now(UTC),
                  headline=f"{len(reports)} report(s): " + ", ".join(r.title for r in reports))
    record_path = work_dir() / _safe(run_id or "manual") / f"{REVIEW_BOARD_PACK}-{_safe(parts['period'])}.json"
    record_path.parent.mkdir(parents=True, exist_ok=True)
    save_report(pack, record_path)
    return {"report": REVIEW_BOARD_PACK, "period": parts["period"], "path": str(record_path),
            "period_start": parts["since"], "period_end": parts["as_of"], "subject": None,
            "output_dir": str(Path(path).parent), "emails": len(sent)}
