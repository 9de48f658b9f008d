"""Render a report in every format, archive it, and email it once to the people who should get it.

``render_report`` makes the email, the PDF and the XLSX appendix from one ``Report``. ``archive``
writes them under ``reports/output/<report>/<period>/``; a rerun for the same period replaces that
folder as a whole (written beside it, then swapped in), so no file of an earlier run is left behind.
``send`` emails one message per report and period, with the PDF and XLSX attached and the charts
inline, recorded in the delivery log under ``<report>/<period>``: a rerun or a backfill does not
email people again unless asked (``force``).

None of this touches the warehouse: a build task (in the ``duckdb_writer`` pool) saves the report
with ``store.save_report`` and hands the path to a task that renders and sends it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from council_social.delivery import Attachment, Delivery, compose, deliver
from council_social.reporting.email_format import render_email
from council_social.reporting.model import RenderedReport, Report
from council_social.reporting.pdf_format import render_pdf
from council_social.reporting.present import subject_line
from council_social.reporting.store import save_report
from council_social.reporting.xlsx_format import render_xlsx

logger = logging.getLogger(__name__)

#: The recipients register's name for the Review Board pack, and its archive folder.
PACK = "review_board_pack"
#: Seconds after which a half-written archive folder is taken to be left by a run that died.
_ABANDONED_AFTER = 3600
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def render_report(report: Report) -> RenderedReport:
    """The report as an email (HTML, plain text, inline charts), a PDF and an XLSX appendix."""
    html, text, images = render_email(report)
    return RenderedReport(report=report, email_html=html, email_text=text, inline_images=images,
                          pdf=render_pdf(report), xlsx=render_xlsx(report))


def file_stem(report: Report) -> str:
    return f"{_safe(report.report, 'report')}-{_safe(report.period, 'period')}"


def archive(rendered: RenderedReport, root: Path | str | None = None) -> Path:
    """Write the report's files to ``<root>/<report>/<period>/`` and return that folder.

    It holds ``<report>-<period>.pdf``, ``<report>-<period>.xlsx``, ``email.html`` (its charts as
    ``<name>.png`` beside it, so it opens in a browser), ``email.txt`` and ``report.json`` (the
    report itself, to re-render it later). An earlier output for the same period is replaced whole.
    """
    report = rendered.report
    stem = file_stem(report)
    files: dict[str, bytes] = {
        f"{stem}.pdf": rendered.pdf,
        f"{stem}.xlsx": rendered.xlsx,
        "email.html": _browser_html(rendered.email_html, rendered.inline_images).encode("utf-8"),
        "email.txt": rendered.email_text.encode("utf-8"),
    }
    for cid, png in rendered.inline_images.items():
        files[f"{_safe(cid, 'chart')}.png"] = png

    def write(folder: Path) -> None:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        save_report(report, folder / "report.json")

    return _replace_folder(_root(root) / _safe(report.report, "report") / _safe(report.period, "period"), write)


def archive_pack(pdf_bytes: bytes, period: str, root: Path | str | None = None) -> Path:
    """Write the Review Board pack to ``<root>/review_board_pack/<period>/`` and return the PDF's path."""
    name = f"{PACK}-{_safe(period, 'period')}.pdf"

    def write(folder: Path) -> None:
        (folder / name).write_bytes(pdf_bytes)

    return _replace_folder(_root(root) / PACK / _safe(period, "period"), write) / name


def publish_report(
    report: Report,
    recipients: Mapping[str, Sequence[str]],
    *,
    root: Path | str | None = None,
    force: bool = False,
    run_id: str | None = None,
) -> dict[str, object]:
    """Render, archive and send in one call: what a report's publish task does after loading the saved report.

    Returns plain values that fit in XCom: the archive folder, the PDF and XLSX paths and, per email,
    its delivery key, channel and whether it was skipped as already sent.
    """
    rendered = render_report(report)
    folder = archive(rendered, root)
    pdf_path, xlsx_path = folder / f"{file_stem(report)}.pdf", folder / f"{file_stem(report)}.xlsx"
    deliveries = send(rendered, recipients, pdf_path=pdf_path, xlsx_path=xlsx_path, force=force, run_id=run_id)
    return {
        "folder": str(folder),
        "pdf": str(pdf_path),
        "xlsx": str(xlsx_path),
        "deliveries": [{"key": d.key, "channel": d.channel, "skipped": d.skipped, "recipients": list(d.recipients)}
                       for d in deliveries],
    }


def send(
    rendered: RenderedReport,
    recipients: Mapping[str, Sequence[str]],
    *,
    pdf_path: Path | str,
    xlsx_path: Path | str,
    force: bool = False,
    run_id: str | None = None,
) -> list[Delivery]:
    """Email the report once to ``recipients`` (``{"to": [...], "cc": [...]}``), files attached.

    The delivery key is ``<report>/<period>``: if the log already holds it, nothing is sent and the
    earlier delivery comes back with ``skipped=True``; ``force=True`` sends it again and logs that.
    With nobody to send to, a warning is logged and nothing is sent (the archive still has it).
    """
    report = rendered.report
    to, cc = _recipients(recipients)
    if not to:
        logger.warning(
            "Nobody is listed for '%s' in the report recipients register: %s %s archived, not emailed",
            report.report, report.title, report.period,
        )
        return []
    message = compose(
        subject=subject_line(report),
        to=to,
        cc=cc,
        html=rendered.email_html,
        text=rendered.email_text,
        inline_images=rendered.inline_images,
        attachments=[Attachment.from_path(pdf_path), Attachment.from_path(xlsx_path)],
        headers=_headers(report.report, report.period, run_id),
    )
    delivery = deliver(message, key=f"{report.report}/{report.period}", resend=force)
    _log(delivery, run_id)
    return [delivery]


def send_pack(
    pdf_path: Path | str,
    recipients: Mapping[str, Sequence[str]],
    *,
    period: str,
    title: str,
    period_label: str,
    as_of: date,
    force: bool = False,
    run_id: str | None = None,
) -> list[Delivery]:
    """Email the Review Board pack once per period (key ``review_board_pack/<period>``)."""
    to, cc = _recipients(recipients)
    if not to:
        logger.warning("Nobody is listed for '%s' in the report recipients register: pack archived, not emailed",
                       PACK)
        return []
    from council_social.reporting.render import render

    context = {"title": title, "period_label": period_label, "as_of": f"{as_of.day} {as_of:%b %Y}",
               "filename": Path(pdf_path).name}
    message = compose(
        subject=" ".join(f"{title}, {period_label}".split()),
        to=to,
        cc=cc,
        html=render("report_pack_email.html", **context),
        text=render("report_pack_email.txt", **context),
        attachments=[Attachment.from_path(pdf_path)],
        headers=_headers(PACK, period, run_id),
    )
    delivery = deliver(message, key=f"{PACK}/{period}", resend=force)
    _log(delivery, run_id)
    return [delivery]


# -- helpers --------------------------------------------------------------------------------------------------


def _root(root: Path | str | None) -> Path:
    if root is not None:
        return Path(root)
    from council_social.config import settings

    return settings().reports_output


def _safe(name: str, what: str) -> str:
    """A report or period name used as a folder or file name: no separators, no dot files."""
    if not _SAFE_NAME.fullmatch(name or "") or ".." in name:
        raise ValueError(f"{what} name {name!r} cannot name an archive folder: use letters, digits, '.', '_' or '-'")
    return name


def _replace_folder(target: Path, write) -> Path:
    """Fill a new folder beside ``target`` with ``write``, then swap it in and remove the old one.

    Readers see the old folder or the new one, never a mixture. A crash between the two renames leaves
    the old output under a hidden ``.<period>.old-*`` name, which the next run removes.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    for leftover in parent.glob(f".{target.name}.*"):
        # Work folders of an earlier run that died part-way (a .new- one only once it is clearly abandoned,
        # in case another run is writing it right now).
        if ".old-" in leftover.name or time.time() - leftover.stat().st_mtime > _ABANDONED_AFTER:
            shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.new-"))
    try:
        write(staging)
        staging.chmod(0o755)
        if target.exists():
            retired = Path(tempfile.mkdtemp(dir=parent, prefix=f".{target.name}.old-"))
            os.replace(target, retired)
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _browser_html(html: str, images: Mapping[str, bytes]) -> str:
    """The email as a browser shows it from the archive: ``cid:`` charts point at the PNG files beside it."""
    for cid in images:
        html = html.replace(f'src="cid:{cid}"', f'src="{_safe(cid, "chart")}.png"')
    return html


def _recipients(recipients: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    to = [a for a in recipients.get("to", ()) if a and a.strip()]
    cc = [a for a in recipients.get("cc", ()) if a and a.strip()]
    if not to and cc:
        # Only copy recipients listed: they are still the people who should get it.
        to, cc = cc, []
    return to, cc


def _headers(report: str, period: str, run_id: str | None) -> dict[str, str]:
    headers = {"X-Council-Report": f"{report}/{period}"}
    if run_id:
        headers["X-Council-Run-Id"] = " ".join(str(run_id).split())
    return headers


def _log(delivery: Delivery, run_id: str | None) -> None:
    if delivery.skipped:
        logger.info("%s was already emailed on %s (%s): not sent again; pass force to resend",
                    delivery.key, delivery.sent_at.isoformat(), delivery.channel)
    else:
        logger.info("%s emailed by %s to %s (run %s)", delivery.key, delivery.channel,
                    ", ".join(delivery.recipients), run_id or "-")
