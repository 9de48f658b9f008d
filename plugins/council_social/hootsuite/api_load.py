"""Load landed Hootsuite API pages into the staged tables (the step that holds the warehouse).

``read_watermark`` decides what a run fetches; ``load_landed_pages`` parses the pages the fetch
landed and upserts ``hootsuite_profiles``, ``hootsuite_members``, ``hootsuite_messages`` and
``hootsuite_message_actions`` (``source = 'api'``), then moves the messages watermark and
refreshes the marts. Both run in the ``duckdb_writer`` pool; nothing here makes a request.

Rows are replaced only when what Hootsuite says about them changed, so loading the same pages
again changes nothing, lineage included: a row's ``landing_path`` and ``run_id`` say which page
first brought its current version. Records without an id or time are set aside in
``ops_quarantine`` (source ``hootsuite``) with the reason and the record as received.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from council_social.hootsuite.api import SOURCE, FetchPlan, message_fingerprint, parse_time, plan_fetch
from council_social.landing import read_landed, sha256
from council_social.warehouse import loading
from council_social.warehouse.loading import in_transaction, quarantine_records

log = logging.getLogger(__name__)

WATERMARK_ENTITY = "messages"
#: Hootsuite's social profile types, as the platform names the rest of the warehouse uses.
NETWORKS = {
    "TWITTER": "x", "FACEBOOK": "facebook", "FACEBOOKPAGE": "facebook", "FACEBOOKGROUP": "facebook",
    "INSTAGRAM": "instagram", "INSTAGRAMBUSINESS": "instagram", "LINKEDIN": "linkedin",
    "LINKEDINCOMPANY": "linkedin", "LINKEDINGROUP": "linkedin", "YOUTUBECHANNEL": "youtube",
    "PINTEREST": "pinterest", "TIKTOKBUSINESS": "tiktok", "THREADS": "threads",
}


# --- reading landed pages --------------------------------------------------------------------------

@dataclass
class Problem:
    page: Page
    line: int
    reason: str
    raw: object


@dataclass
class Page:
    """One landed file: its records by line number, and lines that are not JSON."""

    url: str
    entity: str
    sha256: str
    records: list[tuple[int, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]


def entity_of(url: str) -> str:
    """``<landing>/hootsuite/<entity>/dt=YYYY-MM-DD/<file>`` -> entity."""
    parts = url.rstrip("/").split("/")
    if len(parts) < 4 or parts[-4] != SOURCE or not parts[-2].startswith("dt="):
        raise ValueError(f"{url} is not a Hootsuite landing file (<landing>/hootsuite/<entity>/dt=.../<file>)")
    return parts[-3]


def read_page(url: str) -> Page:
    data = read_landed(url)
    page = Page(url=url, entity=entity_of(url), sha256=sha256(data))
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        page.problems.append(Problem(page, 0, f"unreadable page (not complete gzip UTF-8 JSON lines): {exc}", None))
        return page
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            page.records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            page.problems.append(Problem(page, number, f"line is not JSON: {exc.msg}", {"text": line[:2000]}))
    return page


def _time(value: object) -> datetime | None:
    """An API time as UTC; None when absent; ValueError when present but not a time."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    return parse_time(str(value), "time")


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _id_of(value: object) -> str | None:
    """Ids arrive as strings or numbers, or as ``{"id": ...}`` references."""
    if isinstance(value, dict):
        value = value.get("id")
    return _text(value)


# --- shaping records into rows ---------------------------------------------------------------------

@dataclass
class Shaped:
    rows: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _lineage(page: Page, run_id: str, now: datetime, **more) -> dict:
    return {"source": "api", "landing_path": page.url, "file_sha256": page.sha256, "run_id": run_id,
            "loaded_at": now, **more}


def _records(pages: list[Page], shaped: Shaped):
    """Each record of the pages that is a JSON object; anything else is set aside."""
    for page in pages:
        for line, record in page.records:
            if isinstance(record, dict):
                yield page, line, record
            else:
                shaped.problems.append(Problem(page, line, "record is not a JSON object", {"value": record}))


def shape_profiles(pages: list[Page], run_id: str, now: datetime) -> Shaped:
    shaped = Shaped()
    for page, line, record in _records(pages, shaped):
        profile_id = _id_of(record.get("id"))
        if profile_id is None:
            shaped.problems.append(Problem(page, line, "social profile without an id", record))
            continue
        kind = _text(record.get("type"))
        reauth = record.get("isReauthRequired")
        shaped.rows.append({
            "profile_id": profile_id, "network": NETWORKS.get(kind or "", kind.lower() if kind else None),
            "username": _text(record.get("socialNetworkUsername")),
            "social_network_id": _text(record.get("socialNetworkId")), "owner": _text(record.get("owner")),
            "needs_reauth": None if reauth is None else bool(reauth), **_lineage(page, run_id, now),
        })
    return shaped


def _by_member(pages: list[Page], shaped: Shaped) -> dict[str, object]:
    """``{"memberId": id, "data": ...}`` lines by member id."""
    found = {}
    for page, line, record in _records(pages, shaped):
        member_id = _id_of(record.get("memberId"))
        if member_id is None:
            shaped.problems.append(Problem(page, line, "member answer without a memberId", record))
        else:
            found[member_id] = record.get("data")
    return found


def _role(permissions: object) -> str | None:
    """The permission preset (``EDITOR``) in the council's words (``Editor``)."""
    preset = permissions.get("permissionPreset") if isinstance(permissions, dict) else None
    return preset.replace("_", " ").title() if isinstance(preset, str) and preset else None


def shape_members(pages: dict[str, list[Page]], run_id: str, now: datetime) -> Shaped:
    shaped = Shaped()
    team_names = {}
    for _, _, record in _records(pages.get("teams", []), shaped):
        if _id_of(record.get("id")):
            team_names[_id_of(record.get("id"))] = _text(record.get("name")) or _id_of(record.get("id"))
    roles = {k: _role(v) for k, v in _by_member(pages.get("member_permissions", []), shaped).items()}
    teams = {}
    for member_id, answer in _by_member(pages.get("member_teams", []), shaped).items():
        ids = [_id_of(t) for t in answer] if isinstance(answer, list) else []
        teams[member_id] = sorted(team_names.get(t, t) for t in ids if t)
    for page, line, record in _records(pages.get("members", []), shaped):
        member_id = _id_of(record.get("id"))
        if member_id is None:
            shaped.problems.append(Problem(page, line, "member without an id", record))
            continue
        try:
            created = _time(record.get("createdDate"))
        except ValueError:
            shaped.problems.append(Problem(page, line, f"member {member_id}: createdDate "
                                                       f"'{record.get('createdDate')}' is not a time", record))
            continue
        active = record.get("isActive")
        shaped.rows.append({
            "member_key": member_id, "member_id": member_id, "full_name": _text(record.get("fullName")),
            "email": _text(record.get("email")), "role": roles.get(member_id),
            "is_active": None if active is None else bool(active), "created_at": created,
            "teams": teams.get(member_id), **_lineage(page, run_id, now),
        })
    return shaped


def shape_messages(pages: list[Page], run_id: str, now: datetime) -> Shaped:
    shaped = Shaped()
    for page, line, record in _records(pages, shaped):
        message_id = _id_of(record.get("id"))
        if message_id is None:
            shaped.problems.append(Problem(page, line, "message without an id", record))
            continue
        try:
            scheduled = _time(record.get("scheduledSendTime"))
        except ValueError:
            scheduled = None
        if scheduled is None:
            shaped.problems.append(Problem(page, line, f"message {message_id}: scheduledSendTime missing or not a "
                                                       "time", record))
            continue
        shaped.rows.append({
            "message_key": message_id, "message_id": message_id, "network_post_id": _text(record.get("postId")),
            "profile_id": _id_of(record.get("socialProfile")), "text": _text(record.get("text")),
            "state": _text(record.get("state")), "scheduled_at": scheduled,
            "created_by": _id_of(record.get("createdByMember")), "source_line": line,
            **_lineage(page, run_id, now),
        })
    return shaped


def shape_actions(pages: list[Page], run_id: str, now: datetime) -> Shaped:
    """Approval trails; a line whose actions lack a type or time is set aside whole-line with every reason."""
    shaped = Shaped()
    for page, line, record in _records(pages, shaped):
        message_id = _id_of(record.get("messageId"))
        data = record.get("data")
        actions = data.get("actions") if isinstance(data, dict) else data
        if message_id is None or not isinstance(actions, list):
            shaped.problems.append(Problem(page, line, "history without a messageId or actions list", record))
            continue
        reasons = []
        for index, action in enumerate(actions, 1):
            if not isinstance(action, dict):
                reasons.append(f"action {index} is not a JSON object")
                continue
            kind = _text(action.get("actionType"))
            try:
                acted = _time(action.get("timestamp"))
            except ValueError:
                acted = None
            if kind is None or acted is None:
                reasons.append(f"action {index}: {'actionType' if kind is None else 'timestamp'} missing or invalid")
                continue
            actor_type = _text(action.get("actorType"))
            shaped.rows.append({
                "message_id": message_id, "action": kind.upper(),
                "actor_id": _id_of(action.get("actorId")) or actor_type or "UNKNOWN", "actor_type": actor_type,
                "acted_at": acted, "source": "api", "landing_path": page.url, "run_id": run_id, "loaded_at": now,
            })
        if reasons:
            shaped.problems.append(Problem(page, line, f"message {message_id}: " + "; ".join(reasons), record))
    return shaped


# --- loading ---------------------------------------------------------------------------------------

def _schemas():
    import pyarrow as pa

    text, when = pa.string(), pa.timestamp("us", tz="UTC")
    lineage = [("source", text), ("landing_path", text), ("file_sha256", text), ("run_id", text), ("loaded_at", when)]
    return {
        "hootsuite_profiles": pa.schema([("profile_id", text), ("network", text), ("username", text),
                                         ("social_network_id", text), ("owner", text),
                                         ("needs_reauth", pa.bool_()), *lineage]),
        "hootsuite_members": pa.schema([("member_key", text), ("member_id", text), ("full_name", text),
                                        ("email", text), ("role", text), ("is_active", pa.bool_()),
                                        ("created_at", when), ("teams", pa.list_(text)), *lineage]),
        "hootsuite_messages": pa.schema([("message_key", text), ("message_id", text), ("network_post_id", text),
                                         ("profile_id", text), ("text", text), ("state", text),
                                         ("scheduled_at", when), ("created_by", text),
                                         ("source_line", pa.int32()), *lineage]),
        "hootsuite_message_actions": pa.schema([("message_id", text), ("action", text), ("actor_id", text),
                                                ("actor_type", text), ("acted_at", when),
                                                *[c for c in lineage if c[0] != "file_sha256"]]),
    }


TABLES = {
    # table: (natural key, business columns compared to decide whether a row changed)
    "hootsuite_profiles": (("profile_id",), ("network", "username", "social_network_id", "owner", "needs_reauth",
                                             "source")),
    "hootsuite_members": (("member_key",), ("member_id", "full_name", "email", "role", "is_active", "created_at",
                                            "teams", "source")),
    "hootsuite_messages": (("message_key",), ("message_id", "network_post_id", "profile_id", "profile_name",
                                              "network", "text", "state", "created_at", "scheduled_at", "sent_at",
                                              "created_by", "approved_by", "source")),
    "hootsuite_message_actions": (("message_id", "action", "actor_id", "acted_at"), ("actor_type", "source")),
}

#: API messages with what their approval trail and profile say: author's create time, send time, approvers.
MESSAGES_SHAPED = """
with trail as (
    select
        message_id,
        min(acted_at) filter (where action = 'CREATE') as created_at,
        max(acted_at) filter (where action = 'SEND') as sent_at,
        list(distinct actor_id order by actor_id) filter (where action = 'APPROVE') as approvers,
        count(*) as actions
    from hootsuite_message_actions
    where message_id in (select message_id from incoming)
    group by message_id
)
select
    incoming.message_key, incoming.message_id, incoming.network_post_id, incoming.profile_id,
    profiles.username as profile_name, profiles.network, incoming.text, incoming.state,
    trail.created_at, incoming.scheduled_at,
    case when incoming.state = 'SENT' then coalesce(trail.sent_at, incoming.scheduled_at) end as sent_at,
    incoming.created_by,
    case when trail.actions > 0 then coalesce(trail.approvers, []::varchar[]) end as approved_by,
    incoming.source, incoming.landing_path, incoming.file_sha256, incoming.source_line, incoming.run_id,
    incoming.loaded_at
from incoming
left join trail using (message_id)
left join hootsuite_profiles as profiles on profiles.profile_id = incoming.profile_id
"""


def _latest(rows: list[dict], key: tuple[str, ...]) -> list[dict]:
    """One row per natural key, the last one seen (pages are read in the order they were fetched)."""
    return list({tuple(r[k] for k in key): r for r in rows}.values())


def upsert_changed(con, table: str, rows: list[dict], shaping_sql: str = "select * from incoming") -> int:
    """``insert or replace ... by name`` the rows whose business columns differ from the stored ones."""
    import pyarrow as pa

    key, compare = TABLES[table]
    rows = _latest(rows, key)
    if not rows:
        return 0
    incoming = pa.Table.from_pylist(rows, schema=_schemas()[table])
    return loading.upsert_changed(con, table, incoming, key, compare, shaping_sql=shaping_sql)


def mark_departed_members(con, pages: list[Page], run_id: str, now: datetime) -> int:
    """Members the organisation no longer lists hold no access: mark them inactive (U01 reads this)."""
    if not pages:
        return 0
    page = pages[-1]
    present = [i for i in (_id_of(r.get("id")) for _, r in page.records if isinstance(r, dict)) if i]
    if not present:
        return 0  # an empty list is more likely a fault than an organisation with nobody in it
    return con.execute(
        "update hootsuite_members set is_active = false, landing_path = ?, file_sha256 = ?, run_id = ?, loaded_at = ?"
        " where source = 'api' and not list_contains(?, member_id) and is_active is distinct from false",
        [page.url, page.sha256, run_id, now, present]).fetchone()[0]


def current_watermark(con, scope: str) -> datetime | None:
    row = con.execute("select value from ops_watermarks where source = ? and entity = ? and scope = ?",
                      [SOURCE, WATERMARK_ENTITY, scope]).fetchone()
    return parse_time(row[0]) if row else None


def advance_watermark(con, scope: str, to: datetime, run_id: str, now: datetime) -> bool:
    """Move the messages watermark forward (never back); call it only after the data committed."""
    current = current_watermark(con, scope)
    if current is not None and current >= to:
        return False
    con.execute("insert or replace into ops_watermarks (source, entity, scope, value, run_id, updated_at)"
                " values (?, ?, ?, ?, ?, ?)", [SOURCE, WATERMARK_ENTITY, scope, to.isoformat(), run_id, now])
    return True


def read_watermark(organization_id: str, *, now: datetime, start: str | None = None, end: str | None = None,
                   history_days: int = 180, overlap_days: float = 1, lookahead_days: float = 28,
                   warehouse: Path | None = None) -> dict:
    """The run's fetch plan (for XCom): the range to fetch and the settled messages already loaded in it."""
    from council_social.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        watermark = current_watermark(con, str(organization_id))
        plan = plan_fetch(organization_id=str(organization_id), watermark=watermark, now=now, start=start, end=end,
                          history_days=history_days, overlap_days=overlap_days, lookahead_days=lookahead_days)
        rows = con.execute(
            "select message_id, state, network_post_id from hootsuite_messages as messages"
            " where source = 'api' and scheduled_at between ? and ?"
            " and exists (select 1 from hootsuite_message_actions as actions"
            "             where actions.message_id = messages.message_id)",
            [plan.start, plan.fetch_end]).fetchall()
    plan.known = {message_id: message_fingerprint(state, post_id) for message_id, state, post_id in rows}
    log.info("messages watermark for organisation %s: %s; fetching %s to %s (%d window(s)), %d settled message(s) "
             "already loaded there", organization_id, watermark.isoformat() if watermark else "none (first run)",
             plan.start.isoformat(), plan.fetch_end.isoformat(), len(plan.windows), len(plan.known))
    return plan.to_xcom()


def load_landed_pages(paths: list[str], plan: dict, run_id: str, warehouse: Path | None = None) -> dict:
    """Parse the landed pages and load them, one validated transaction per table group; then the watermark
    and marts."""
    from council_social.validation import Batch, gate
    from council_social.warehouse import connect
    from council_social.warehouse.marts import refresh_marts

    fetch_plan = FetchPlan.from_xcom(plan)
    now = datetime.now(UTC)
    pages: dict[str, list[Page]] = {}
    for url in paths:
        page = read_page(url)
        pages.setdefault(page.entity, []).append(page)
    unreadable = [p for group in pages.values() for page in group for p in page.problems]
    profiles = shape_profiles(pages.get("profiles", []), run_id, now)
    members = shape_members(pages, run_id, now)
    messages = shape_messages(pages.get("messages", []), run_id, now)
    actions = shape_actions(pages.get("message_history", []), run_id, now)
    result = {"pages": len(paths), "organization_id": fetch_plan.organization_id,
              "window": {"start": fetch_plan.start.isoformat(), "end": fetch_plan.fetch_end.isoformat()}}

    with connect(warehouse) as con:
        def validate(entity: str, *suites: str) -> None:
            gate(con, suite=suites, batch=Batch.of_api(SOURCE, entity, fetch_plan.organization_id, run_id))

        def load_profiles():
            changed = upsert_changed(con, "hootsuite_profiles", profiles.rows)
            validate("profiles", "hootsuite_profiles")
            return changed

        def load_members():
            changed = upsert_changed(con, "hootsuite_members", members.rows)
            departed = mark_departed_members(con, pages.get("organization_members", []), run_id, now)
            validate("members", "hootsuite_members")
            return changed, departed

        def load_messages():
            loaded_actions = upsert_changed(con, "hootsuite_message_actions", actions.rows)
            changed = upsert_changed(con, "hootsuite_messages", messages.rows, MESSAGES_SHAPED)
            validate("messages", "hootsuite_messages", "hootsuite_message_actions")
            return loaded_actions, changed

        result["profiles"] = {"received": len(profiles.rows), "changed": in_transaction(con, load_profiles)}
        changed, departed = in_transaction(con, load_members)
        result["members"] = {"received": len(members.rows), "changed": changed, "marked_inactive": departed}
        loaded_actions, changed = in_transaction(con, load_messages)
        result["messages"] = {"received": len(messages.rows), "changed": changed}
        result["actions"] = {"received": len(actions.rows), "changed": loaded_actions}
        problems = unreadable + profiles.problems + members.problems + messages.problems + actions.problems
        in_transaction(con, lambda: quarantine_records(con, ((p.page, p) for p in problems), source=SOURCE,
                                                        run_id=run_id, now=now))
        result["quarantined"] = len(problems)

        # Only now, with the data committed, may the watermark move.
        moved = fetch_plan.advance_to is not None and in_transaction(
            con, lambda: advance_watermark(con, fetch_plan.organization_id, fetch_plan.advance_to, run_id, now))
        result["watermark"] = {"previous": plan.get("previous"),
                               "current": fetch_plan.advance_to.isoformat() if moved else plan.get("previous"),
                               "moved": bool(moved)}
        refresh_marts(con)
    log.info("%s", summarise(result))
    return result


def summarise(result: dict) -> str:
    """One paragraph for the task log and the run's summary task."""
    def part(name: str, label: str) -> str:
        counts = result.get(name, {})
        return f"{counts.get('received', 0)} {label} ({counts.get('changed', 0)} new or changed)"

    watermark = result.get("watermark", {})
    members = result.get("members", {})
    departed = members.get("marked_inactive", 0)
    return (f"Hootsuite API, organisation {result.get('organization_id')}: {result.get('pages', 0)} landed page(s); "
            f"{part('profiles', 'profile(s)')}, {part('members', 'member(s)')}"
            f"{f', {departed} no longer in the organisation' if departed else ''}, {part('messages', 'message(s)')}, "
            f"{part('actions', 'approval action(s)')}; {result.get('quarantined', 0)} record(s) set aside. "
            f"Messages watermark: {watermark.get('current') or 'none'}"
            f"{' (moved)' if watermark.get('moved') else ' (unchanged)'}.")
