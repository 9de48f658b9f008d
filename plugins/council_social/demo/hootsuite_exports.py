"""Write the demo council's Hootsuite exports as a comms officer drops them into the Hootsuite inbox.

What a person downloads from the Hootsuite dashboard, in the shapes Hootsuite really gives them:

* the organisation's members (CSV saved with a byte-order mark; times in UK local time),
* its social profiles (plain CSV),
* three months of sent messages as a workbook: an overview sheet first, then the messages below a
  summary block, with real date cells,
* the two most recent months as a ZIP of two CSV exports that overlap by a week (someone exported
  September, then "the last five weeks"), one saved by Excel as UTF-16 "Unicode text" with tabs
  and the other from a newer Hootsuite that renamed "Date (GMT)" to "Sent Time (GMT)".

Authors and approvers appear by email in the CSVs and by name in the workbook, as the exports do.
Writing is deterministic: the same organisation gives byte-identical files (fixed workbook
properties and zip timestamps), so a re-run drops exactly the same files and loads nothing new.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from council_social.demo.organisation import CENTRAL, HootsuiteMessage, Member, Organisation
from council_social.demo.registers import _save_workbook

LONDON = ZoneInfo("Europe/London")
#: How Hootsuite names each network in its exports.
NETWORK_NAMES = {"x": "Twitter", "facebook": "Facebook Page", "instagram": "Instagram Business",
                 "linkedin": "LinkedIn Company", "youtube": "YouTube Channel"}
#: Months in the workbook, before the two months in the archive.
WORKBOOK_MONTHS = 3
OVERLAP_DAYS = 7


def _month_start(day: date, back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def export_months(as_of: date) -> dict[str, tuple[date, date]]:
    """Start (inclusive) and end (exclusive) of the period each sent-messages export covers."""
    last = _month_start(as_of - timedelta(days=1))
    previous = _month_start(last, 1)
    first = _month_start(previous, WORKBOOK_MONTHS)
    return {"workbook": (first, previous), "month": (previous, last),
            "recent": (last - timedelta(days=OVERLAP_DAYS), as_of)}


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON).replace(tzinfo=None)


class _People:
    """Members as exports name them: by id in the API, by email or full name in files."""

    def __init__(self, org: Organisation):
        self.by_id: dict[str, Member] = {m.id: m for m in org.members}

    def email(self, member_id: str | None) -> str:
        member = self.by_id.get(member_id or "")
        return member.email if member else ""

    def name(self, member_id: str | None) -> str:
        member = self.by_id.get(member_id or "")
        return member.full_name if member else ""


def _history(message: HootsuiteMessage, action: str) -> list:
    return [a for a in message.history if a.action == action]


def _sent(messages: list[HootsuiteMessage], start: date, end: date) -> list[HootsuiteMessage]:
    low = datetime.combine(start, time(), UTC)
    high = datetime.combine(end, time(), UTC)
    return [m for m in messages if m.state == "SENT" and low <= m.scheduled_send_time < high]


def sent_messages(org: Organisation) -> list[HootsuiteMessage]:
    """The sent messages every export is cut from (generated once: it is the slow part)."""
    start = export_months(org.as_of)["workbook"][0]
    low = datetime.combine(start, time(), UTC)
    return [m for m in org.hootsuite_messages() if m.state == "SENT" and m.scheduled_send_time >= low]


def _csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def members_csv(org: Organisation) -> bytes:
    teams = {t.id: t.name for t in org.teams}
    rows = [[m.id, m.full_name, m.email, m.role, "Active" if m.is_active else "Inactive",
             f"{_local(m.created_at):%d/%m/%Y %H:%M}", "; ".join(teams[t] for t in m.teams)]
            for m in org.members]
    text = _csv_text(["Member ID", "Name", "Email", "Permission Preset", "Status", "Date Created", "Teams"], rows)
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def profiles_csv(org: Organisation) -> bytes:
    from council_social.demo.organisation import stable_int

    rows = [[a.hootsuite_profile_id, NETWORK_NAMES[a.platform], a.handle,
             a.platform_id or str(stable_int(a.key) % 10**12), "Organization",
             "Yes" if a.hootsuite_reauth_required else "No"]
            for a in org.accounts if a.in_hootsuite]
    header = ["Social Profile ID", "Social Network", "Username", "Social Network ID", "Owner",
              "Reauthorization Required"]
    return _csv_text(header, rows).encode("utf-8")


def _message_cells(org: Organisation, people: _People, message: HootsuiteMessage, *, by: str) -> dict[str, object]:
    """One message's export cells; ``by`` is how people are named ("email" or "name")."""
    who = people.email if by == "email" else people.name
    account = org.account(message.account_key)
    created = _history(message, "CREATE")
    approvals = _history(message, "APPROVE")
    sends = [a for a in _history(message, "SEND") if a.actor_type == "MEMBER"]
    return {
        "sent": message.scheduled_send_time, "network": NETWORK_NAMES[account.platform], "profile": account.handle,
        "id": message.id, "post": message.post_id, "text": message.text, "created_by": who(message.created_by),
        "created": created[0].at if created else None,
        "approved_by": "; ".join(who(a.actor_id) for a in approvals),
        "approved": approvals[-1].at if approvals else None,
        "sent_by": who(sends[-1].actor_id) if sends else "", "state": "Sent",
    }


def sent_messages_workbook(org: Organisation, people: _People, messages: list[HootsuiteMessage],
                           path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    start, end = export_months(org.as_of)["workbook"]
    messages = _sent(messages, start, end)
    workbook = Workbook()
    overview = workbook.active
    overview.title = "Overview"
    for row in (("Hootsuite", "Sent messages report"), ("Organization", org.name),
                ("Messages", len(messages)), ("Exported by", CENTRAL)):
        overview.append(row)
    sheet = workbook.create_sheet("Sent Messages")
    sheet["A1"] = "Sent Messages"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["Organization", org.name])
    sheet.append(["Date range", f"{start:%d/%m/%Y} - {end - timedelta(days=1):%d/%m/%Y}"])
    sheet.append(["Times", "Date (GMT) in GMT; other times in Europe/London"])
    sheet.append([])
    header = ["Date (GMT)", "Social Network", "Social Profile", "Message ID", "Post ID", "Message", "Created By",
              "Created Date", "Scheduled Date", "Approved By", "Approved Date", "Sent By", "State"]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for message in messages:
        c = _message_cells(org, people, message, by="name")
        sheet.append([c["sent"].replace(tzinfo=None), c["network"], c["profile"], c["id"], c["post"], c["text"],
                      c["created_by"], c["created"] and _local(c["created"]), _local(c["sent"]),
                      c["approved_by"] or None, c["approved"] and _local(c["approved"]), c["sent_by"] or None,
                      c["state"]])
    for column, width in zip("ABCDEFGHIJKLM", (17, 16, 24, 18, 24, 70, 20, 17, 17, 30, 17, 20, 8), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=7):
        for cell in (row[0], row[7], row[8], row[10]):
            cell.number_format = "yyyy-mm-dd hh:mm"
    return _save_workbook(workbook, path, org.as_of)


def _month_csv(org: Organisation, people: _People, messages: list[HootsuiteMessage], start: date, end: date, *,
               renamed: bool) -> list[list[object]]:
    rows = []
    for message in _sent(messages, start, end):
        c = _message_cells(org, people, message, by="email")
        created = c["created"] and _local(c["created"])
        approved = c["approved"] and _local(c["approved"])
        if renamed:  # the newer export writes local times in US-style words
            created_text = created and f"{created:%b} {created.day}, {created:%Y} {created:%I:%M %p}".replace(" 0", " ")
            approved_text = approved and f"{approved:%d/%m/%Y %H:%M}"
        else:
            created_text = created and f"{created:%d/%m/%Y %H:%M}"
            approved_text = approved and f"{approved:%d/%m/%Y %H:%M}"
        rows.append([f"{c['sent']:%Y-%m-%d %H:%M}", c["network"], c["profile"], c["id"], c["post"], c["text"],
                     c["created_by"], created_text, c["approved_by"], approved_text, c["sent_by"], c["state"]])
    return rows


def sent_messages_archive(org: Organisation, people: _People, messages: list[HootsuiteMessage],
                          path: Path) -> Path:
    periods = export_months(org.as_of)
    month_start, month_end = periods["month"]
    recent_start, recent_end = periods["recent"]
    columns = ["Social Network", "Social Profile", "Message ID", "Post ID", "Message", "Created By", "Created Date",
               "Approved By", "Approved Date", "Sent By", "State"]
    month = _csv_text(["Date (GMT)", *columns],
                      _month_csv(org, people, messages, month_start, month_end, renamed=False), delimiter="\t")
    recent = _csv_text(["Sent Time (GMT)", *columns],
                       _month_csv(org, people, messages, recent_start, recent_end, renamed=True))
    stamp = datetime.combine(org.as_of, time(9, 0)).timetuple()[:6]
    members = (
        (f"sent_messages_{month_start:%Y-%m}.csv", b"\xff\xfe" + month.encode("utf-16-le")),
        (f"sent_messages_{recent_start:%Y-%m-%d}_to_{recent_end - timedelta(days=1):%Y-%m-%d}.csv",
         recent.encode("utf-8")),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, data)
    path.write_bytes(buffer.getvalue())
    return path


def write_hootsuite_exports(org: Organisation, inbox: Path) -> list[Path]:
    """Drop ``org``'s Hootsuite exports into the Hootsuite inbox folder ``inbox``; returns the files written."""
    inbox.mkdir(parents=True, exist_ok=True)
    people = _People(org)
    stamp = org.as_of.isoformat()
    periods = export_months(org.as_of)
    first, last = periods["workbook"][0], periods["workbook"][1] - timedelta(days=1)
    recent = periods["month"][0]
    written = []
    members = inbox / f"hootsuite_members_{stamp}.csv"
    members.write_bytes(members_csv(org))
    written.append(members)
    profiles = inbox / f"hootsuite_social_profiles_{stamp}.csv"
    profiles.write_bytes(profiles_csv(org))
    written.append(profiles)
    messages = sent_messages(org)
    written.append(sent_messages_workbook(org, people, messages,
                                          inbox / f"sent_messages_{first:%Y-%m}_to_{last:%Y-%m}.xlsx"))
    written.append(sent_messages_archive(org, people, messages, inbox / f"sent_messages_from_{recent:%Y-%m}.zip"))
    return written
