"""Load landed Graph API pages into the platform tables (the steps that hold the warehouse).

``read_accounts`` lists the Facebook Pages and Instagram accounts the register says are active,
with what the warehouse already knows about each (watermarks, recent posts whose comments are
still moving). ``load_outcomes`` parses the pages the fetch tasks landed and upserts
``platform_accounts``, ``platform_account_daily``, ``platform_posts``, ``platform_comments``,
``platform_mentions`` and ``platform_insights``; watermarks move only after an account's load
commits. ``summarise`` writes ``platform_fetch_log`` and fails the run, naming the accounts, if
any account failed. Nothing here makes a request.

Rows are replaced only when what the platform says about them changed, so loading the same pages
again changes nothing, lineage included. Posts, comments and mentions without an id or a time are
set aside in ``ops_quarantine`` (source ``facebook`` or ``instagram``; line = the record's position
in the landed page) with the reason; unknown fields are ignored, missing optional ones left null.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from airflow.sdk.exceptions import AirflowFailException

from council_social.landing import read_landed, sha256
from council_social.platforms.graph import PLATFORMS, parse_graph_time
from council_social.warehouse import loading
from council_social.warehouse.loading import in_transaction, quarantine_records

log = logging.getLogger(__name__)

#: Graph's daily insights end at midnight in California: a value counts for the day before end_time there.
INSIGHTS_CLOCK = ZoneInfo("America/Los_Angeles")
LINEAGE = ("landing_path", "run_id", "loaded_at")
#: Table -> natural key, as in sql/migrations/003_platforms.sql.
KEYS = {
    "platform_accounts": ("platform", "account_id"),
    "platform_account_daily": ("platform", "account_id", "snapshot_date"),
    "platform_posts": ("platform", "post_id"),
    "platform_comments": ("platform", "comment_id"),
    "platform_mentions": ("platform", "mention_id"),
    "platform_insights": ("platform", "account_id", "metric", "period", "end_date"),
}
SKIP_GROUPS = ("a Facebook group: the Graph API reads Pages only (Meta withdrew the Groups API in 2024), "
               "so its activity cannot be fetched")


def _schemas():
    import pyarrow as pa

    text, big, stamp, flag = pa.string(), pa.int64(), pa.timestamp("us", tz="UTC"), pa.bool_()
    lineage = [("landing_path", text), ("run_id", text), ("loaded_at", stamp)]
    return {
        "platform_accounts": pa.schema([
            ("platform", text), ("account_id", text), ("handle", text), ("handle_key", text), ("name", text),
            ("description", text), ("verified", flag), ("protected", flag), ("created_at", stamp), *lineage]),
        "platform_account_daily": pa.schema([
            ("platform", text), ("account_id", text), ("snapshot_date", pa.date32()), ("followers", big),
            ("following", big), ("posts_count", big), *lineage]),
        "platform_posts": pa.schema([
            ("platform", text), ("post_id", text), ("account_id", text), ("created_at", stamp),
            ("text", text),
            ("permalink", text), ("in_reply_to_id", text), ("quoted_id", text), ("reposted_id", text),
            ("conversation_id", text), ("likes", big), ("replies", big), ("reposts", big), ("quotes", big),
            ("impressions", big), *lineage]),
        "platform_comments": pa.schema([
            ("platform", text), ("comment_id", text), ("post_id", text), ("account_id", text),
            ("parent_comment_id", text), ("author_id", text), ("author_name", text), ("from_account", flag),
            ("text", text), ("created_at", stamp), ("like_count", big), *lineage]),
        "platform_mentions": pa.schema([
            ("platform", text), ("mention_id", text), ("kind", text), ("mentioned_account_id", text),
            ("search_query", text), ("author_id", text), ("author_handle", text), ("author_name", text),
            ("author_followers", big), ("author_verified", flag), ("text", text), ("lang", text),
            ("url", text),
            ("created_at", stamp), ("in_reply_to_id", text), ("conversation_id", text), *lineage]),
        "platform_insights": pa.schema([
            ("platform", text), ("account_id", text), ("metric", text), ("period", text),
            ("end_date", pa.date32()),
            ("value", pa.float64()), ("api_version", text), *lineage]),
    }


# --- which accounts to fetch -------------------------------------------------------------------------

def read_accounts(*, now: datetime, comment_days: int = 14, warehouse: Path | None = None) -> list[dict]:
    """Active Facebook and Instagram accounts in the register, each with its watermarks and recent posts.

    A small list of dicts for ``.expand``: one mapped fetch task per account.
    """
    from council_social.platforms.graph import AccountPlan
    from council_social.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        register = con.execute(
            "select register.platform, register.handle, register.handle_key, register.url, known.account_id"
            " from register_accounts_current as register"
            " left join platform_accounts as known"
            "   on known.platform = register.platform and known.handle_key = register.handle_key"
            " where register.platform in ('facebook', 'instagram') and lower(register.status) = 'active'"
            " order by register.platform, register.handle_key").fetchall()
        marks = con.execute("select source, scope, entity, value from ops_watermarks where source in ?",
                            [list(PLATFORMS)]).fetchall()
        recent = con.execute(
            "select platform, account_id, post_id from platform_posts where platform in ? and created_at >= ?"
            " order by created_at desc", [list(PLATFORMS), now - timedelta(days=comment_days)]).fetchall()
    watermarks: dict[tuple[str, str], dict[str, str]] = {}
    for source, scope, entity, value in marks:
        watermarks.setdefault((source, scope), {})[entity] = value
    posts: dict[tuple[str, str], list[str]] = {}
    for platform, account_id, post_id in recent:
        posts.setdefault((platform, account_id), []).append(post_id)
    plans = []
    for platform, handle, handle_key, url, account_id in register:
        skip = SKIP_GROUPS if platform == "facebook" and url and "/groups/" in url.lower() else None
        known = (platform, account_id or "")
        plan = AccountPlan(platform=platform, handle=handle, handle_key=handle_key, url=url,
                           account_id=account_id, watermarks=watermarks.get(known, {}),
                           recent_post_ids=posts.get(known, [])[:500], skip_reason=skip)
        plans.append({k: getattr(plan, k) for k in plan.__dataclass_fields__}
                     | {"account_key": plan.account_key})
    log.info("%d Facebook and Instagram account(s) in the register to fetch: %s", len(plans),
             ", ".join(p["account_key"] for p in plans) or "none")
    return plans


# --- reading landed pages ----------------------------------------------------------------------------

@dataclass
class Problem:
    line: int
    reason: str
    raw: object


@dataclass
class LandedPage:
    url: str
    sha256: str
    envelope: dict | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def entity(self) -> str:
        parts = self.url.rstrip("/").split("/")
        return parts[-3] if len(parts) >= 3 else ""

    def set_aside(self, line: int, reason: str, raw: object) -> None:
        for problem in self.problems:
            if problem.line == line:  # one quarantine row per record: reasons add up
                problem.reason = f"{problem.reason}; {reason}"
                return
        self.problems.append(Problem(line, reason, raw))


def read_page(url: str) -> LandedPage:
    data = read_landed(url)
    page = LandedPage(url, sha256(data), None)
    try:
        lines = [line for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip()]
        envelope = json.loads(lines[0]) if lines else None
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        page.set_aside(0, f"unreadable landed page (not gzip JSON lines): {exc}", None)
        return page
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        page.set_aside(0, "landed page has no answer body", None)
        return page
    page.envelope = envelope
    return page


# --- shaping records into rows -----------------------------------------------------------------------

def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _path(value: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _required(page: LandedPage, line: int, record: dict, what: str,
              time_field: str) -> tuple[str, datetime] | None:
    """The record's id and time, or None after setting it aside with the reason."""
    ident, stamp = _text(record.get("id")), record.get(time_field)
    if ident is None:
        page.set_aside(line, f"{what} without id", record)
    if stamp in (None, ""):
        page.set_aside(line, f"{what} without {time_field}", record)
        return None
    try:
        moment = parse_graph_time(str(stamp))
    except ValueError:
        page.set_aside(line, f"{what} {time_field} is not a time: {str(stamp)[:40]}", record)
        return None
    return (ident, moment) if ident is not None else None


@dataclass
class Shaped:
    rows: dict[str, list[dict]] = field(default_factory=lambda: {table: [] for table in KEYS})

    def add(self, table: str, row: dict) -> None:
        self.rows[table].append(row)


def shape_page(page: LandedPage, shaped: Shaped, run_id: str, now: datetime) -> None:
    """Turn one landed answer into rows (or set-aside records)."""
    envelope = page.envelope or {}
    body, edge = envelope.get("body") or {}, envelope.get("edge")
    platform = envelope.get("platform")
    if platform not in PLATFORMS:
        page.set_aside(0, f"landed page names no Graph platform ({platform!r})", None)
        return
    lineage = {"landing_path": page.url, "run_id": run_id, "loaded_at": now}
    account_id = _text(envelope.get("account_id"))
    if edge == "account":
        _shape_account(page, shaped, envelope, body, lineage)
        return
    data = body.get("data")
    if not isinstance(data, list):
        page.set_aside(0, f"{edge} answer without a data list", None)
        return
    for line, record in enumerate(data, 1):
        if not isinstance(record, dict):
            page.set_aside(line, "record is not a JSON object", {"value": record})
            continue
        if edge in ("published_posts", "media"):
            _shape_post(page, shaped, line, record, platform, account_id, lineage)
        elif edge == "comments":
            _shape_comment(page, shaped, line, record, envelope, lineage)
        elif edge in ("tagged", "tags"):
            _shape_mention(page, shaped, line, record, platform, account_id, lineage)
        elif edge == "insights":
            _shape_insight(page, shaped, line, record, platform, account_id, envelope.get("api_version"),
                           lineage)
        else:
            page.set_aside(0, f"unknown landed edge {edge!r}", None)
            return


def _shape_account(page: LandedPage, shaped: Shaped, envelope: dict, body: dict, lineage: dict) -> None:
    platform = envelope["platform"]
    account_id = _text(body.get("id"))
    if account_id is None:
        page.set_aside(1, "account answer without id", body)
        return
    facebook = platform == "facebook"
    handle_key = str(envelope.get("account_key") or "").partition(":")[2] or None
    shaped.add("platform_accounts", {
        "platform": platform, "account_id": account_id,
        "handle": _text(body.get("username")) or _text(envelope.get("handle")), "handle_key": handle_key,
        "name": _text(body.get("name")), "description": _text(body.get("about" if facebook else "biography")),
        "verified": None, "protected": None, "created_at": None, **lineage})
    followers = _int(body.get("followers_count"))
    if followers is None and facebook:
        followers = _int(body.get("fan_count"))
    following = None if facebook else _int(body.get("follows_count"))
    posts_count = None if facebook else _int(body.get("media_count"))
    if followers is None and following is None and posts_count is None:
        log.warning("%s: no follower count in %s", envelope.get("account_key"), page.name)
        return
    shaped.add("platform_account_daily", {
        "platform": platform, "account_id": account_id,
        "snapshot_date": date.fromisoformat(str(envelope.get("snapshot_date"))[:10]),
        "followers": followers, "following": following, "posts_count": posts_count, **lineage})


def _shape_post(page: LandedPage, shaped: Shaped, line: int, record: dict, platform: str,
                account_id: str | None, lineage: dict) -> None:
    facebook = platform == "facebook"
    found = _required(page, line, record, "post", "created_time" if facebook else "timestamp")
    if found is None:
        return
    post_id, created = found
    shaped.add("platform_posts", {
        "platform": platform, "post_id": post_id, "account_id": account_id, "created_at": created,
        "text": _text(record.get("message" if facebook else "caption")),
        "permalink": _text(record.get("permalink_url" if facebook else "permalink")),
        "in_reply_to_id": None, "quoted_id": None, "reposted_id": None, "conversation_id": None,
        "likes": _int(_path(record, "reactions", "summary", "total_count")) if facebook
        else _int(record.get("like_count")),
        "replies": _int(_path(record, "comments", "summary", "total_count")) if facebook
        else _int(record.get("comments_count")),
        "reposts": _int(_path(record, "shares", "count")) if facebook else None,
        "quotes": None, "impressions": None, **lineage})


def _shape_comment(page: LandedPage, shaped: Shaped, line: int, record: dict, envelope: dict, lineage: dict,
                   parent: str | None = None) -> None:
    platform, account_id = envelope["platform"], _text(envelope.get("account_id"))
    facebook = platform == "facebook"
    found = _required(page, line, record, "reply" if parent else "comment",
                      "created_time" if facebook else "timestamp")
    author = record.get("from") if isinstance(record.get("from"), dict) else {}
    author_id = _text(author.get("id"))
    username = _text(record.get("username")) or _text(author.get("username"))
    if found is not None:
        comment_id, created = found
        own = author_id is not None and author_id == account_id
        if not facebook and username and not own:
            own = username.lower() == str(envelope.get("handle") or "").lower()
        shaped.add("platform_comments", {
            "platform": platform, "comment_id": comment_id, "post_id": _text(envelope.get("node")),
            "account_id": account_id, "parent_comment_id": parent or _text(_path(record, "parent", "id")),
            "author_id": author_id, "author_name": _text(author.get("name")) or username, "from_account": own,
            "text": _text(record.get("message" if facebook else "text")), "created_at": created,
            "like_count": _int(record.get("like_count")), **lineage})
    replies = _path(record, "replies", "data")
    if isinstance(replies, list) and not parent:
        for reply in replies:
            if isinstance(reply, dict):
                _shape_comment(page, shaped, line, reply, envelope, lineage,
                               parent=_text(record.get("id")) or "unknown")


def _shape_mention(page: LandedPage, shaped: Shaped, line: int, record: dict, platform: str,
                   account_id: str | None, lineage: dict) -> None:
    facebook = platform == "facebook"
    found = _required(page, line, record, "tagged post", "created_time" if facebook else "timestamp")
    if found is None:
        return
    mention_id, created = found
    author = record.get("from") if isinstance(record.get("from"), dict) else {}
    shaped.add("platform_mentions", {
        "platform": platform, "mention_id": mention_id, "kind": "tag", "mentioned_account_id": account_id,
        "search_query": None, "author_id": _text(author.get("id")),
        "author_handle": _text(record.get("username")), "author_name": _text(author.get("name")),
        "author_followers": None, "author_verified": None,
        "text": _text(record.get("message" if facebook else "caption")), "lang": None,
        "url": _text(record.get("permalink_url" if facebook else "permalink")), "created_at": created,
        "in_reply_to_id": None, "conversation_id": None, **lineage})


def insight_day(end_time: str) -> date:
    """The day a daily insight value counts: the day that ends at ``end_time`` in Meta's Pacific clock."""
    return (parse_graph_time(end_time).astimezone(INSIGHTS_CLOCK) - timedelta(seconds=1)).date()


def _shape_insight(page: LandedPage, shaped: Shaped, line: int, record: dict, platform: str,
                   account_id: str | None, api_version: object, lineage: dict) -> None:
    metric, period = _text(record.get("name")), _text(record.get("period")) or "day"
    values = record.get("values")
    if metric is None or not isinstance(values, list):
        page.set_aside(line, "insight without name or values", record)
        return
    for value in values:
        number = value.get("value") if isinstance(value, dict) else None
        end_time = value.get("end_time") if isinstance(value, dict) else None
        if not isinstance(number, int | float) or isinstance(number, bool) or not end_time:
            continue  # breakdowns (objects) and gaps are not daily numbers
        try:
            day = insight_day(str(end_time))
        except ValueError:
            page.set_aside(line, f"insight {metric} end_time is not a time: {str(end_time)[:40]}", record)
            continue
        shaped.add("platform_insights", {
            "platform": platform, "account_id": account_id, "metric": metric, "period": period,
            "end_date": day, "value": float(number), "api_version": _text(api_version), **lineage})


# --- writing -----------------------------------------------------------------------------------------

def upsert_changed(con, table: str, rows: list[dict]) -> int:
    """``insert or replace`` the rows whose platform data differ from what is stored (lineage aside)."""
    import pyarrow as pa

    key = KEYS[table]
    rows = list({tuple(r[k] for k in key): r for r in rows}.values())
    if not rows:
        return 0
    schema = _schemas()[table]
    compare = [c for c in schema.names if c not in key and c not in LINEAGE]
    return loading.upsert_changed(con, table, pa.Table.from_pylist(rows, schema=schema), key, compare)


def current_watermarks(con, platform: str, account_id: str) -> dict[str, str]:
    rows = con.execute("select entity, value from ops_watermarks where source = ? and scope = ?",
                       [platform, account_id]).fetchall()
    return dict(rows)


def advance_watermark(con, platform: str, entity: str, account_id: str, value: datetime | date, run_id: str,
                      now: datetime) -> bool:
    """Move a watermark forward, never back; call only after the account's data committed."""
    current = current_watermarks(con, platform, account_id).get(entity)
    text = value.isoformat()
    if current is not None and _sortable(current) >= _sortable(text):
        return False
    con.execute("insert or replace into ops_watermarks (source, entity, scope, value, run_id, updated_at)"
                " values (?, ?, ?, ?, ?, ?)", [platform, entity, account_id, text, run_id, now])
    return True


def _sortable(value: str) -> datetime:
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    return parse_graph_time(value)


def load_account(con, outcome: dict, run_id: str, now: datetime) -> dict:
    """One account's landed pages in one validated transaction, then its watermarks. Returns rows changed
    per table."""
    from council_social.validation import Batch, gate

    platform = outcome["platform"]
    pages = [read_page(url) for url in outcome.get("files") or []]
    shaped = Shaped()
    for page in pages:
        if page.envelope is not None:
            shape_page(page, shaped, run_id, now)

    def work() -> dict:
        changed = {table: upsert_changed(con, table, rows) for table, rows in shaped.rows.items()}
        changed["quarantined"] = quarantine_records(
            con, ((page, p) for page in pages for p in page.problems), source=platform, run_id=run_id, now=now)
        scope = outcome.get("account_id") or outcome.get("account_key", "?")
        gate(con, suite=tuple(KEYS), batch=Batch.of_api(platform, "activity", scope, run_id,
                                                         landing_paths=[page.url for page in pages]))
        return changed

    changed = in_transaction(con, work)
    account_id = outcome.get("account_id")
    advance = outcome.get("advance") or {}
    moved = []
    if account_id:
        newest = {
            "posts": max((r["created_at"] for r in shaped.rows["platform_posts"]), default=None),
            "mentions": max((r["created_at"] for r in shaped.rows["platform_mentions"]), default=None),
            "insights": max((r["end_date"] for r in shaped.rows["platform_insights"]), default=None),
        }
        for entity, value in newest.items():
            if value is not None and advance.get(entity) and advance_watermark(
                    con, platform, entity, account_id, value, run_id, now):
                moved.append(f"{entity} -> {value.isoformat()}")
    changed["rows"] = {table: len(rows) for table, rows in shaped.rows.items()}
    changed["watermarks"] = moved
    return changed


def load_outcomes(outcomes: Iterable[dict | None], run_id: str, warehouse: Path | None = None,
                  now: datetime | None = None) -> dict:
    """Load every account whose fetch succeeded; one account's bad load never stops the others."""
    from council_social.warehouse import connect
    from council_social.warehouse.marts import refresh_marts

    now = now or datetime.now(UTC)
    results: dict[str, dict] = {}
    outcomes = [o for o in outcomes if isinstance(o, dict)]
    with connect(warehouse) as con:
        for outcome in outcomes:
            key = outcome.get("account_key", "?")
            if outcome.get("status") != "ok":
                continue
            try:
                changed = load_account(con, outcome, run_id, now)
            except Exception as exc:  # reported by the summary; the other accounts still load
                log.exception("%s: load failed", key)
                results[key] = {"status": "failed", "message": f"load failed: {type(exc).__name__}: {exc}"}
                continue
            results[key] = {"status": "ok", **changed}
            log.info("%s: %s row(s) read, %s changed, %d set aside%s", key, sum(changed["rows"].values()),
                     sum(v for k, v in changed.items() if k in KEYS), changed["quarantined"],
                     f"; watermarks {', '.join(changed['watermarks'])}" if changed["watermarks"] else "")
        refresh_marts(con)
    return results


# --- the run's summary -------------------------------------------------------------------------------

def pull_outcomes(ti, task_id: str = "fetch_account") -> list[dict]:
    """Every mapped fetch task's pushed outcome (failed ones included), whatever shape XCom returns."""
    pulled = ti.xcom_pull(task_ids=task_id, key="outcome")
    if pulled is None:
        return []
    if isinstance(pulled, dict):
        return [pulled]
    return [o for o in pulled if isinstance(o, dict)]


def summarise(accounts: list[dict] | None, outcomes: list[dict], loaded: dict | None, run_id: str,
              warehouse: Path | None = None, now: datetime | None = None) -> list[dict]:
    """Write ``platform_fetch_log`` and log the per-account table; fail, naming them, if any failed."""
    from council_social.warehouse import connect

    now = now or datetime.now(UTC)
    loaded = loaded or {}
    by_key = {o["account_key"]: o for o in outcomes if o.get("account_key")}
    keys = list(dict.fromkeys([a["account_key"] for a in accounts or []] + list(by_key)))
    lines = []
    for key in keys:
        outcome = by_key.get(key)
        platform = key.partition(":")[0]
        if outcome is None:
            lines.append({"platform": platform, "account_key": key, "status": "failed", "items": 0,
                          "message": "the fetch task left no outcome: see its log"})
            continue
        status, message = outcome.get("status", "failed"), outcome.get("message") or ""
        items = outcome.get("items", 0)
        load = loaded.get(key)
        if status == "ok" and load is None:
            status, message = "failed", "fetched but not loaded: see the load task's log"
        elif status == "ok" and load.get("status") != "ok":
            status, message = "failed", load.get("message", "load failed")
        elif status == "ok":
            items = sum((load.get("rows") or {}).values())
        lines.append({"platform": platform, "account_key": key, "status": status, "items": int(items or 0),
                      "message": message})
    with connect(warehouse) as con:
        def work() -> None:
            for line in lines:
                con.execute("insert or replace into platform_fetch_log (run_id, platform, account_key,"
                            " status, items, message, fetched_at) values (?, ?, ?, ?, ?, ?, ?)",
                            [run_id, line["platform"], line["account_key"], line["status"], line["items"],
                             line["message"] or None, now])
        in_transaction(con, work)
    log.info("Facebook and Instagram accounts, run %s:\n%s", run_id, format_table(lines))
    failed = [line["account_key"] for line in lines if line["status"] == "failed"]
    if failed:
        raise AirflowFailException(
            f"{len(failed)} of {len(lines)} account(s) failed: {', '.join(failed)}. The other accounts' data "
            "is loaded; platform_fetch_log and the table above say why each failed.")
    return lines


def format_table(lines: list[dict]) -> str:
    if not lines:
        return "  (no Facebook or Instagram accounts in the register)"
    width = max(len(line["account_key"]) for line in lines)
    rows = [f"  {'account':<{width}}  {'status':<8} {'items':>6}  message"]
    rows += [f"  {line['account_key']:<{width}}  {line['status']:<8} {line['items']:>6}  "
             f"{line['message'] or ''}" for line in lines]
    return "\n".join(rows)
