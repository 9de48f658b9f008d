"""The X steps that hold the warehouse: plan a run, load the landed pages, summarise per account.

* ``plan_run`` reads which X accounts the account register lists as active on the run's day, the
  listening and comparison patterns of the brand register (the brand search query) and the watermarks.
* ``load_outcomes`` parses the pages the fetch tasks landed and upserts ``platform_accounts``,
  ``platform_account_daily``, ``platform_posts`` and ``platform_mentions`` in one transaction, sets
  malformed posts aside in ``ops_quarantine`` (source ``x``), and moves each watermark whose fetch
  completed, in the same transaction, so a watermark never runs ahead of the data.
* ``summarise`` writes ``platform_fetch_log`` and fails the run, naming them, when accounts failed.

A row is rewritten only when what X says about it changed, so loading the same pages again (a
rerun) changes nothing, lineage included. All of this runs in the ``duckdb_writer`` pool; nothing
here makes a request.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from airflow.sdk.exceptions import AirflowFailException

from council_social.landing import read_landed, sha256
from council_social.platforms.x import LONDON, REFRESH_DAYS, SOURCE, brand_query
from council_social.warehouse import loading
from council_social.warehouse.loading import quarantine_records

log = logging.getLogger(__name__)

PLATFORM = "x"
SEARCH_ACCOUNT_KEY = "x:[brand search]"
#: Backfill bounds as typed in the trigger form: a date, or a date-time with an optional offset.
WHEN = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


# --- planning ----------------------------------------------------------------------------------------

def parse_when(text: str, *, end: bool = False) -> datetime:
    """A trigger-form date or date-time as UTC; a bare date means its start (or, for ``end``, its end)."""
    text = text.strip()
    if not WHEN.match(text):
        raise AirflowFailException(f"'{text}' is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM[:SS][Z])")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    if len(text) == 10 and end:
        moment += timedelta(days=1)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def query_scope(query: str) -> str:
    """The watermark scope of a brand query: a new query starts from its own first run."""
    return "query:" + hashlib.sha256(query.encode("utf-8")).hexdigest()[:12]


def plan_run(run_after: datetime, *, start: str | None = None, end: str | None = None,
             max_wait_seconds: float | None = None, refresh_days: int = REFRESH_DAYS,
             warehouse: Path | None = None) -> dict:
    """What this run fetches (for XCom): the register's active X accounts on the run's day, watermarks, query.

    With ``start`` (and optionally ``end``) the run is a backfill of that range: watermarks are not
    used and not moved. Otherwise posts made in the ``refresh_days`` before the run are read again
    (``refresh_from``): counts taken an hour after posting say little about engagement.
    """
    from council_social.warehouse import connect

    day = run_after.astimezone(LONDON).date()
    backfill = None
    if start or end:
        if not start:
            raise AirflowFailException("a backfill needs a start (and optionally an end)")
        began = parse_when(start)
        ended = parse_when(end, end=True) if end else run_after.astimezone(UTC)
        if began >= ended:
            raise AirflowFailException(f"the backfill start {began.isoformat()} is not before its end "
                                       f"{ended.isoformat()}")
        backfill = {"start": began.isoformat(), "end": ended.isoformat()}
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "select handle, handle_key, account_name, coalesce(private_locked, false)"
            " from register_accounts_as_of(?::date)"
            " where platform = 'x' and coalesce(status, 'active') = 'active' order by handle_key", [day]).fetchall()
        # The council's own terms first, then the comparison terms share of voice counts: a query
        # past X's length limit loses comparison terms before any of the council's own.
        patterns = [r[0] for r in con.execute(
            "select pattern from register_brand_patterns_as_of(?::date) where use in ('listening', 'comparison')"
            " order by use = 'comparison', source_line, pattern", [day]).fetchall()]
        marks = con.execute("select entity, scope, value from ops_watermarks where source = ?", [SOURCE]).fetchall()
    watermarks: dict[str, dict[str, str]] = {}
    for entity, scope, value in marks:
        watermarks.setdefault(entity, {})[scope] = value
    accounts = []
    for handle, handle_key, name, locked in rows:
        handle = (handle or "").lstrip("@")
        accounts.append({"account_key": f"{PLATFORM}:{handle_key}", "handle": handle,
                         "handle_key": (handle_key or handle).lower(), "account_name": name,
                         "private_locked": bool(locked)})
    query, dropped = brand_query(patterns)
    if dropped:
        log.warning("the brand query is kept under X's 512 characters: listening pattern(s) left out: %s",
                    ", ".join(dropped))
    search = None
    if query:
        scope = query_scope(query)
        search = {"query": query, "scope": scope, "since_id": watermarks.get("search", {}).get(scope),
                  "dropped": dropped}
    log.info("X run for %s: %d active account(s) in the register; brand query: %s; %s", day, len(accounts),
             query or "none (no listening or comparison patterns)",
             f"backfill {backfill['start']} to {backfill['end']}" if backfill else "incremental from watermarks")
    refresh_from = None
    if refresh_days and not backfill:
        refresh_from = (run_after.astimezone(UTC) - timedelta(days=refresh_days)).isoformat()
    return {"day": day.isoformat(), "accounts": accounts, "watermarks": watermarks, "search": search,
            "backfill": backfill, "max_wait_seconds": max_wait_seconds, "refresh_from": refresh_from}


# --- reading landed pages ----------------------------------------------------------------------------

@dataclass
class Page:
    url: str
    entity: str
    sha256: str
    record: dict | None = None
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def body(self) -> dict:
        body = (self.record or {}).get("body")
        return body if isinstance(body, dict) else {}

    @property
    def day(self) -> date | None:
        folder = self.url.rstrip("/").split("/")[-2]
        return date.fromisoformat(folder[3:]) if folder.startswith("dt=") else None


def read_page(url: str) -> Page:
    """One landed page (``<landing>/x/<entity>/dt=.../<file>``, one JSON line: the request and the body)."""
    parts = url.rstrip("/").split("/")
    if len(parts) < 4 or parts[-4] != SOURCE or not parts[-2].startswith("dt="):
        raise ValueError(f"{url} is not an X landing file (<landing>/x/<entity>/dt=YYYY-MM-DD/<file>)")
    data = read_landed(url)
    page = Page(url=url, entity=parts[-3], sha256=sha256(data))
    try:
        lines = [line for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip()]
        record = json.loads(lines[0]) if lines else None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        page.problem = f"unreadable page (not gzip JSON lines): {exc}"
        return page
    if not isinstance(record, dict) or not isinstance(record.get("body"), dict):
        page.problem = "the page holds no API answer (no 'body' object)"
        return page
    page.record = record
    return page


# --- shaping -----------------------------------------------------------------------------------------

@dataclass
class Problem:
    page: Page
    line: int
    reason: str
    raw: object


@dataclass
class Shaped:
    accounts: list[dict] = field(default_factory=list)
    daily: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)
    mentions: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _time(value: object) -> datetime:
    """X's RFC 3339 times (``2026-10-30T12:00:00.000Z``) as UTC; ValueError when it is not one."""
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _items(page: Page, key: str = "data"):
    """(line, item) for each item of the page's ``data``; line counts from 1 within the page."""
    data = page.body.get(key) or []
    if isinstance(data, dict):
        data = [data]
    return list(enumerate(data if isinstance(data, list) else [], 1))


def _lineage(page: Page, run_id: str, now: datetime) -> dict:
    return {"landing_path": page.url, "run_id": run_id, "loaded_at": now}


def _post_core(page: Page, line: int, post: object, shaped: Shaped) -> dict | None:
    """The fields every post needs (id, time); anything without them is set aside with the reason."""
    if not isinstance(post, dict):
        shaped.problems.append(Problem(page, line, "post is not a JSON object", {"value": post}))
        return None
    post_id = _text(post.get("id"))
    if post_id is None:
        shaped.problems.append(Problem(page, line, "post without an id", post))
        return None
    if not post.get("created_at"):
        shaped.problems.append(Problem(page, line, f"post {post_id} without created_at", post))
        return None
    try:
        created = _time(post["created_at"])
    except ValueError:
        shaped.problems.append(Problem(page, line, f"post {post_id}: created_at '{post['created_at']}' is not a "
                                                   "time", post))
        return None
    references = {r.get("type"): _text(r.get("id")) for r in post.get("referenced_tweets") or []
                  if isinstance(r, dict)}
    metrics = post.get("public_metrics") if isinstance(post.get("public_metrics"), dict) else {}
    return {"id": post_id, "created_at": created, "text": _text(post.get("text")),
            "in_reply_to_id": references.get("replied_to"), "quoted_id": references.get("quoted"),
            "reposted_id": references.get("retweeted"), "conversation_id": _text(post.get("conversation_id")),
            "lang": _text(post.get("lang")), "metrics": metrics}


def shape_users(pages: list[Page], run_id: str, now: datetime, shaped: Shaped) -> None:
    for page in pages:
        day = (page.record or {}).get("read_on") or (page.day.isoformat() if page.day else None)
        for line, user in _items(page):
            if not isinstance(user, dict) or not _text(user.get("id")):
                shaped.problems.append(Problem(page, line, "account without an id", user))
                continue
            account_id, handle = str(user["id"]), _text(user.get("username"))
            try:
                created = _time(user["created_at"]) if user.get("created_at") else None
            except ValueError:
                created = None
            shaped.accounts.append({
                "platform": PLATFORM, "account_id": account_id, "handle": handle,
                "handle_key": handle.lower() if handle else None, "name": _text(user.get("name")),
                "description": _text(user.get("description")), "verified": _bool(user.get("verified")),
                "protected": _bool(user.get("protected")), "created_at": created, **_lineage(page, run_id, now)})
            metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else None
            if metrics is not None and day:
                shaped.daily.append({
                    "platform": PLATFORM, "account_id": account_id, "snapshot_date": date.fromisoformat(day),
                    "followers": _int(metrics.get("followers_count")),
                    "following": _int(metrics.get("following_count")),
                    "posts_count": _int(metrics.get("tweet_count")), **_lineage(page, run_id, now)})


def shape_posts(pages: list[Page], run_id: str, now: datetime, shaped: Shaped) -> None:
    for page in pages:
        context = page.record or {}
        account_id, handle = _text(context.get("account_id")), _text(context.get("handle"))
        for line, post in _items(page):
            core = _post_core(page, line, post, shaped)
            if core is None:
                continue
            metrics = core["metrics"]
            shaped.posts.append({
                "platform": PLATFORM, "post_id": core["id"], "account_id": account_id or _text(post.get("author_id")),
                "created_at": core["created_at"], "text": core["text"],
                "permalink": f"https://x.com/{handle or 'i/web'}/status/{core['id']}",
                "in_reply_to_id": core["in_reply_to_id"], "quoted_id": core["quoted_id"],
                "reposted_id": core["reposted_id"], "conversation_id": core["conversation_id"],
                "likes": _int(metrics.get("like_count")), "replies": _int(metrics.get("reply_count")),
                "reposts": _int(metrics.get("retweet_count")), "quotes": _int(metrics.get("quote_count")),
                "impressions": _int(metrics.get("impression_count")), **_lineage(page, run_id, now)})


def shape_mentions(pages: list[Page], run_id: str, now: datetime, shaped: Shaped) -> None:
    for page in pages:
        context = page.record or {}
        kind = "brand_search" if page.entity == "search" else "mention"
        includes = page.body.get("includes")
        users = includes.get("users") if isinstance(includes, dict) else None
        authors = {str(u.get("id")): u for u in users or [] if isinstance(u, dict)}
        for line, post in _items(page):
            core = _post_core(page, line, post, shaped)
            if core is None:
                continue
            author_id = _text(post.get("author_id"))
            author = authors.get(author_id or "", {})
            author_handle = _text(author.get("username"))
            author_metrics = author.get("public_metrics") if isinstance(author.get("public_metrics"), dict) else {}
            shaped.mentions.append({
                "platform": PLATFORM, "mention_id": core["id"], "kind": kind,
                "mentioned_account_id": _text(context.get("account_id")) if kind == "mention" else None,
                "search_query": _text(context.get("query")) if kind == "brand_search" else None,
                "author_id": author_id, "author_handle": author_handle, "author_name": _text(author.get("name")),
                "author_followers": _int(author_metrics.get("followers_count")),
                "author_verified": _bool(author.get("verified")), "text": core["text"], "lang": core["lang"],
                "url": f"https://x.com/{author_handle or 'i/web'}/status/{core['id']}",
                "created_at": core["created_at"], "in_reply_to_id": core["in_reply_to_id"],
                "conversation_id": core["conversation_id"], **_lineage(page, run_id, now)})


# --- loading -----------------------------------------------------------------------------------------

#: Natural key and the columns whose change rewrites a row (lineage columns never do).
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "platform_accounts": (("platform", "account_id"),
                          ("handle", "handle_key", "name", "description", "verified", "protected", "created_at")),
    "platform_account_daily": (("platform", "account_id", "snapshot_date"), ("followers", "following", "posts_count")),
    "platform_posts": (("platform", "post_id"),
                       ("account_id", "created_at", "text", "permalink", "in_reply_to_id", "quoted_id",
                        "reposted_id", "conversation_id", "likes", "replies", "reposts", "quotes", "impressions")),
    "platform_mentions": (("platform", "mention_id"),
                          ("kind", "mentioned_account_id", "search_query", "author_id", "author_handle",
                           "author_name", "author_followers", "author_verified", "text", "lang", "url",
                           "created_at", "in_reply_to_id", "conversation_id")),
}
#: A mention already stored against one council account stays with it: the key is the post alone, so a post
#: naming two accounts (or also found by the brand search) is kept with the account that first saw it.
GUARDS = {"platform_mentions": "not (stored.kind = 'mention' and stored.mentioned_account_id is distinct from "
                               "shaped.mentioned_account_id)"}


def _schema(table: str):
    import pyarrow as pa

    text, when, number, flag = pa.string(), pa.timestamp("us", tz="UTC"), pa.int64(), pa.bool_()
    lineage = [("landing_path", text), ("run_id", text), ("loaded_at", when)]
    columns = {
        "platform_accounts": [("platform", text), ("account_id", text), ("handle", text), ("handle_key", text),
                              ("name", text), ("description", text), ("verified", flag), ("protected", flag),
                              ("created_at", when)],
        "platform_account_daily": [("platform", text), ("account_id", text), ("snapshot_date", pa.date32()),
                                   ("followers", number), ("following", number), ("posts_count", number)],
        "platform_posts": [("platform", text), ("post_id", text), ("account_id", text), ("created_at", when),
                           ("text", text), ("permalink", text), ("in_reply_to_id", text), ("quoted_id", text),
                           ("reposted_id", text), ("conversation_id", text), ("likes", number),
                           ("replies", number), ("reposts", number), ("quotes", number), ("impressions", number)],
        "platform_mentions": [("platform", text), ("mention_id", text), ("kind", text),
                              ("mentioned_account_id", text), ("search_query", text), ("author_id", text),
                              ("author_handle", text), ("author_name", text), ("author_followers", number),
                              ("author_verified", flag), ("text", text), ("lang", text), ("url", text),
                              ("created_at", when), ("in_reply_to_id", text), ("conversation_id", text)],
    }[table]
    return pa.schema(columns + lineage)


def _one_per_key(table: str, rows: list[dict]) -> list[dict]:
    """One row per natural key: the last one, except that a mention beats a brand-search hit of the same post."""
    key = TABLES[table][0]
    chosen: dict[tuple, dict] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        held = chosen.get(k)
        if table == "platform_mentions" and held is not None and held["kind"] == "mention":
            continue
        chosen[k] = row
    return list(chosen.values())


def upsert_changed(con, table: str, rows: list[dict]) -> int:
    """Insert new rows and rewrite those whose content changed; identical rows are left as they are."""
    import pyarrow as pa

    rows = _one_per_key(table, rows)
    if not rows:
        return 0
    key, compare = TABLES[table]
    incoming = pa.Table.from_pylist(rows, schema=_schema(table))
    return loading.upsert_changed(con, table, incoming, key, compare, guard=GUARDS.get(table))


def advance_watermark(con, entity: str, scope: str, value: str, run_id: str, now: datetime) -> bool:
    """Move a ``since_id`` watermark forward, never back (post ids grow with time)."""
    row = con.execute("select value from ops_watermarks where source = ? and entity = ? and scope = ?",
                      [SOURCE, entity, scope]).fetchone()
    if row and row[0].isdigit() and int(row[0]) >= int(value):
        return False
    con.execute("insert or replace into ops_watermarks (source, entity, scope, value, run_id, updated_at)"
                " values (?, ?, ?, ?, ?, ?)", [SOURCE, entity, scope, value, run_id, now])
    return True


def _watermarks(outcomes: list[dict]) -> list[tuple[str, str, str]]:
    """(entity, scope, value) for each fetch that completed; a failed account keeps what completed before."""
    moves = []
    for outcome in outcomes:
        for entity, value in (outcome.get("watermarks") or {}).items():
            if not value or not str(value).isdigit():
                continue
            scope = outcome.get("scope") if entity == "search" else outcome.get("account_id")
            if scope:
                moves.append((entity, str(scope), str(value)))
    return moves


def load_outcomes(outcomes: list[dict], run_id: str, warehouse: Path | None = None) -> dict:
    """Load every page the run's fetch tasks landed (failed ones included), through the validation gate, then
    move the watermarks."""
    from council_social.validation import Batch, gate
    from council_social.warehouse import connect
    from council_social.warehouse.marts import refresh_marts

    now = datetime.now(UTC)
    outcomes = [o for o in outcomes if isinstance(o, dict)]
    pages: dict[str, list[Page]] = {}
    owner: dict[str, str] = {}
    for outcome in sorted(outcomes, key=lambda o: (o.get("kind") != "account", o.get("account_key") or "")):
        for url in outcome.get("pages") or []:
            if url in owner:
                continue
            page = read_page(url)
            owner[url] = outcome.get("account_key") or SEARCH_ACCOUNT_KEY
            pages.setdefault(page.entity, []).append(page)
    shaped = Shaped()
    for group in pages.values():
        shaped.problems += [Problem(p, 0, p.problem, None) for p in group if p.problem]
    shape_users(pages.get("users", []), run_id, now, shaped)
    shape_posts(pages.get("tweets", []), run_id, now, shaped)
    shape_mentions(pages.get("mentions", []) + pages.get("search", []), run_id, now, shaped)
    moves = _watermarks(outcomes)

    with connect(warehouse) as con:
        con.execute("begin transaction")
        try:
            changed = {
                "accounts": upsert_changed(con, "platform_accounts", shaped.accounts),
                "daily": upsert_changed(con, "platform_account_daily", shaped.daily),
                "posts": upsert_changed(con, "platform_posts", shaped.posts),
                "mentions": upsert_changed(con, "platform_mentions", shaped.mentions),
            }
            quarantined = quarantine_records(con, ((p.page, p) for p in shaped.problems), source=SOURCE,
                                             run_id=run_id, now=now)
            gate(con, suite=tuple(TABLES), batch=Batch.of_api(SOURCE, "activity", "*", run_id))
            moved = sum(advance_watermark(con, entity, scope, value, run_id, now) for entity, scope, value in moves)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        refresh_marts(con)
    set_aside: dict[str, int] = {}
    for problem in shaped.problems:
        key = owner.get(problem.page.url, "")
        set_aside[key] = set_aside.get(key, 0) + 1
    result = {
        "pages": len(owner),
        "received": {"accounts": len(shaped.accounts), "daily": len(shaped.daily), "posts": len(shaped.posts),
                     "mentions": len(shaped.mentions)},
        "changed": changed, "quarantined": len(shaped.problems), "newly_quarantined": quarantined,
        "watermarks_moved": moved, "set_aside": set_aside,
    }
    log.info("X load: %d page(s); received %s; changed %s; %d record(s) set aside; %d watermark(s) moved",
             result["pages"], result["received"], changed, len(shaped.problems), moved)
    return result


# --- the per-account summary -------------------------------------------------------------------------

def summarise(plan: dict | None, outcomes: list[dict], loaded: dict | None, run_id: str,
              warehouse: Path | None = None) -> list[dict]:
    """Log account -> status/items/message, write ``platform_fetch_log``, fail the run if any account failed."""
    from council_social.warehouse import connect

    if not plan:
        raise AirflowFailException("the X run has no plan: the plan_run task failed (see its log)")
    outcomes = [o for o in outcomes if isinstance(o, dict)]
    lookup = next((o for o in outcomes if o.get("kind") == "lookup"), None)
    by_key = {o.get("account_key"): o for o in outcomes if o.get("kind") == "account"}
    search = next((o for o in outcomes if o.get("kind") == "search"), None)
    set_aside = (loaded or {}).get("set_aside", {})
    rows = []
    for account in plan["accounts"]:
        outcome = by_key.get(account["account_key"])
        if outcome is not None:
            row = {"account_key": account["account_key"], "status": outcome.get("status", "failed"),
                   "items": int(outcome.get("items") or 0), "message": outcome.get("message") or ""}
        elif lookup is not None and lookup.get("status") == "failed":
            row = {"account_key": account["account_key"], "status": "failed", "items": 0,
                   "message": f"not fetched: the account lookup failed: {lookup.get('message')}"}
        else:
            row = {"account_key": account["account_key"], "status": "failed", "items": 0,
                   "message": "no outcome recorded: its fetch task did not run (see the task's log)"}
        rows.append(row)
    if plan.get("search"):
        if search is None:
            rows.append({"account_key": SEARCH_ACCOUNT_KEY, "status": "failed", "items": 0,
                         "message": "no outcome recorded: the brand search task did not run (see its log)"})
        else:
            rows.append({"account_key": SEARCH_ACCOUNT_KEY, "status": search.get("status", "failed"),
                         "items": int(search.get("items") or 0), "message": search.get("message") or ""})
    for row in rows:
        if set_aside.get(row["account_key"]):
            row["message"] += f"; {set_aside[row['account_key']]} record(s) set aside in ops_quarantine"
        if loaded is None and row["status"] != "failed":
            row["status"] = "failed"
            row["message"] += "; fetched, but the load task failed, so none of it is in the warehouse"
    now = datetime.now(UTC)
    with connect(warehouse) as con:
        con.execute("begin transaction")
        try:
            for row in rows:
                con.execute("insert or replace into platform_fetch_log (run_id, platform, account_key, status, items,"
                            " message, fetched_at) values (?, ?, ?, ?, ?, ?, ?)",
                            [run_id, PLATFORM, row["account_key"], row["status"], row["items"], row["message"], now])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    log.info("X accounts this run:\n%s", format_table(rows))
    failed = [r for r in rows if r["status"] == "failed"]
    if failed:
        raise AirflowFailException(failure_message(failed, len(rows)))
    return rows


def failure_message(failed: list[dict], total: int, named: int = 20) -> str:
    """The run's failure, accounts grouped by reason (an app-wide refusal is said once, not per account)."""
    by_reason: dict[str, list[str]] = {}
    for row in failed:
        by_reason.setdefault(row["message"], []).append(row["account_key"])
    parts = []
    for reason, keys in by_reason.items():
        listed = ", ".join(keys[:named]) + (f" and {len(keys) - named} more" if len(keys) > named else "")
        parts.append(f"{listed}: {reason}")
    rest = "nothing else was fetched" if len(failed) == total else "the other accounts' data is loaded"
    return (f"{len(failed)} of {total} X fetch(es) failed ({rest}; the table in this log and platform_fetch_log "
            f"say more): " + " | ".join(parts))


def format_table(rows: list[dict]) -> str:
    width = max([len("account")] + [len(r["account_key"]) for r in rows])
    lines = [f"{'account':<{width}}  {'status':<8} {'items':>7}  message", "-" * (width + 30)]
    lines += [f"{r['account_key']:<{width}}  {r['status']:<8} {r['items']:>7}  {r['message']}" for r in rows]
    return "\n".join(lines)

