"""A small warehouse and landing zone with one member of the public to erase and two to keep.

The person (Samantha Quillfeather) is ``@Quill_Resident42`` on X, a commenter on the council's
Facebook Page (her name, a Facebook id) and ``quill_resident42`` on Instagram. She wrote mentions,
comments and a reply, is quoted and @-mentioned by the two others and by the council, has a record
in quarantine, a finding about her mention, landed X, Facebook and Instagram pages and a row in a
dropped Hootsuite stream export. Jordan Meadowbank (X) and Priya Oakenfold (Facebook, Instagram)
must come through an erasure untouched, apart from her name in what they wrote.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from council_social.config import settings
from council_social.landing import land_bytes, land_json_lines

COUNCIL_X, COUNCIL_FB, COUNCIL_IG = "100200300", "200300400", "300400500"


@dataclass(frozen=True)
class Person:
    name: str
    x_id: str | None = None
    x_handle: str | None = None
    fb_id: str | None = None
    ig_id: str | None = None
    ig_handle: str | None = None

    @property
    def identifiers(self) -> list[str]:
        """Every way she can be recognised, as the tests search for it (lower case)."""
        return sorted({v.lower() for v in (self.name, self.x_id, self.x_handle, self.fb_id, self.ig_id, self.ig_handle)
                       if v})


SAM = Person("Samantha Quillfeather", x_id="1790000000000000042", x_handle="Quill_Resident42",
             fb_id="3100000000000042", ig_id="17890000000000042", ig_handle="quill_resident42")
JORDAN = Person("Jordan Meadowbank", x_id="1790000000000000077", x_handle="RiverRoadRes")
PRIYA = Person("Priya Oakenfold", fb_id="3100000000000099", ig_id="17890000000000099", ig_handle="oakenfold_p")

DAY = date(2026, 10, 28)
AT = datetime(2026, 10, 28, 9, 30, tzinfo=UTC)
LOADED = datetime(2026, 10, 28, 12, 0, tzinfo=UTC)

DEFAULTS = {
    "platform_mentions": {"landing_path": "file:///landing/x/mentions/p.jsonl.gz", "loaded_at": LOADED},
    "platform_comments": {"landing_path": "file:///landing/facebook/comments/p.jsonl.gz", "loaded_at": LOADED,
                          "from_account": False},
    "platform_posts": {"landing_path": "file:///landing/x/tweets/p.jsonl.gz", "loaded_at": LOADED},
    "hootsuite_messages": {"source": "api", "landing_path": "file:///landing/hootsuite/messages/p.jsonl.gz",
                           "loaded_at": LOADED},
    "hootsuite_mentions": {"source": "export", "landing_path": "file:///landing/hootsuite/exports/s.csv",
                           "loaded_at": LOADED},
    "listening_mentions": {"about_council": True, "author_is_council": False, "on_council_post": False,
                           "needs_reply": True, "source_table": "platform_mentions", "loaded_at": LOADED},
    "listening_moderation_queue": {"reason": "abusive", "matched_terms": ["idiots"], "status": "queued"},
    "ops_quarantine": {"original_name": "page.jsonl.gz", "landing_path": "file:///landing/x/mentions/q.jsonl.gz",
                       "line": 1},
    "report_findings": {"clause": "M 5.1 respond; G Monitoring", "severity": "medium", "subject_kind": "mention",
                        "action": "Reply to the mention", "status": "open", "updated_at": LOADED},
    "ops_validation_results": {"run_id": "r1", "level": "warning", "success": False, "rows_checked": 10,
                               "validated_at": LOADED},
    "listening_daily": {"needing_reply": 0, "answered": 0, "answered_in_time": 0, "reply_minutes_sum": 0,
                        "positive": 0, "neutral": 1, "negative": 0, "sentiment_sum": 0.0, "abusive": 0,
                        "political": 0, "refreshed_at": LOADED},
}


def add(con, table: str, **values) -> None:
    row = {**DEFAULTS.get(table, {}), **values}
    for column, value in list(row.items()):
        if isinstance(value, dict):
            row[column] = json.dumps(value)
    columns = ", ".join(row)
    con.execute(f"insert into {table} ({columns}) values ({', '.join('?' for _ in row)})", list(row.values()))


def mention(con, person: Person, mention_id: str, text: str, *, platform: str = "x", kind: str = "mention",
            at: datetime = AT, handle: str | None = None, author_id: str | None = None) -> None:
    # None: the person's X id on X (Instagram tags carry no author id); "" stands for no id.
    author_id = (person.x_id if platform == "x" else None) if author_id is None else (author_id or None)
    handle = handle or (person.x_handle if platform == "x" else person.ig_handle)
    add(con, "platform_mentions", platform=platform, mention_id=mention_id, kind=kind,
        mentioned_account_id=COUNCIL_X if platform == "x" else COUNCIL_IG, author_id=author_id,
        author_handle=handle, author_name=person.name, author_followers=120, text=text,
        url=f"https://x.com/{handle}/status/{mention_id}", created_at=at)
    add(con, "listening_mentions", platform=platform, mention_id=mention_id, source_kind=kind,
        council_account="x:mancitycouncil", author_id=author_id, author_handle=handle, author_name=person.name,
        author_reach=120, text=text, url=f"https://x.com/{handle}/status/{mention_id}", created_at=at,
        day=at.date(), terms=["bins"], topics=["Bins and recycling"])


def comment(con, platform: str, comment_id: str, text: str, *, author_id: str | None, author_name: str | None,
            parent: str | None = None, council: bool = False, at: datetime = AT) -> None:
    add(con, "platform_comments", platform=platform, comment_id=comment_id, post_id=f"{COUNCIL_FB}_555",
        account_id=COUNCIL_FB if platform == "facebook" else COUNCIL_IG, parent_comment_id=parent,
        author_id=author_id, author_name=author_name, from_account=council, text=text, created_at=at)
    if not council:
        add(con, "listening_mentions", platform=platform, mention_id=comment_id, source_kind="comment",
            council_account=f"{platform}:manchestercitycouncil", author_id=author_id, author_name=author_name,
            text=text, created_at=at, day=at.date(), on_council_post=True, source_table="platform_comments")


def build_warehouse(path) -> None:
    """Everyone's rows, written as the loaders would have written them."""
    con = duckdb.connect(str(path))
    try:
        con.execute("set TimeZone = 'UTC'")
        # X: Sam's mention and brand-search hit; Jordan agreeing with her, naming her handle in another case.
        mention(con, SAM, "1850000000000000001", "@ManCityCouncil bins not collected on Larch Lane again")
        mention(con, SAM, "1850000000000000002", "Manchester council never answers", kind="brand_search")
        mention(con, JORDAN, "1850000000000000003", "@ManCityCouncil @QUILL_RESIDENT42 is right, ours too",
                at=AT + timedelta(hours=1))
        mention(con, SAM, "ig-tag-1", "Tagging the council about the park", platform="instagram", kind="tag",
                handle=SAM.ig_handle, author_id="")
        mention(con, PRIYA, "ig-tag-2", "Lovely park day, thanks @quill_resident42 for the tip", platform="instagram",
                kind="tag", handle=PRIYA.ig_handle, author_id="")
        # Facebook: Sam's comment, the Page's reply naming her, Priya agreeing with her, Sam's reply to Priya.
        comment(con, "facebook", "555_1", "The play area has been closed for weeks", author_id=SAM.fb_id,
                author_name=SAM.name)
        comment(con, "facebook", "555_2", "Thanks Samantha Quillfeather, we've passed this on", author_id=COUNCIL_FB,
                author_name="Manchester City Council", parent="555_1", council=True)
        comment(con, "facebook", "555_3", "I agree with samantha quillfeather", author_id=PRIYA.fb_id,
                author_name=PRIYA.name)
        comment(con, "facebook", "555_4", "Thanks Priya", author_id=SAM.fb_id, author_name=SAM.name, parent="555_3")
        comment(con, "instagram", "ig_c1", "When will it reopen?", author_id=SAM.ig_id, author_name=SAM.ig_handle)
        comment(con, "instagram", "ig_c2", "Same question here", author_id=PRIYA.ig_id, author_name=PRIYA.ig_handle)
        # The council's own reply on X and a Hootsuite message to her.
        add(con, "platform_posts", platform="x", post_id="1850000000000000009", account_id=COUNCIL_X, created_at=AT,
            text="@Quill_Resident42 sorry about that, we've reported it", in_reply_to_id="1850000000000000001",
            permalink="https://x.com/ManCityCouncil/status/1850000000000000009")
        add(con, "hootsuite_messages", message_key="hs-1", message_id="hs-1", network="x",
            text="@quill_resident42 sorry about that, we've reported it", state="SENT", created_at=AT)
        # Hootsuite stream mentions: hers and Jordan's.
        add(con, "hootsuite_mentions", mention_key="x:1850000000000000011", platform="x",
            mention_id="1850000000000000011", author_handle="@Quill_Resident42", author_name=SAM.name,
            text="Still no bin collection", created_at=AT)
        add(con, "hootsuite_mentions", mention_key="x:1850000000000000012", platform="x",
            mention_id="1850000000000000012", author_handle="@RiverRoadRes", author_name=JORDAN.name,
            text="Agree with @Quill_Resident42", created_at=AT)
        # L03 queue: her comment and Priya's.
        add(con, "listening_moderation_queue", platform="facebook", mention_id="555_1", created_at=AT, queued_at=AT)
        add(con, "listening_moderation_queue", platform="facebook", mention_id="555_3", created_at=AT, queued_at=AT)
        # Quarantine: her post without a time; Jordan's naming her.
        add(con, "ops_quarantine", file_sha256="a" * 64, source="x", entity="mentions", reason="post without "
            "created_at", raw={"id": "1850000000000000021", "author_id": SAM.x_id, "text": "the bins!"},
            quarantined_at=AT)
        add(con, "ops_quarantine", file_sha256="b" * 64, source="x", entity="mentions", reason="post without "
            "created_at", raw={"id": "1850000000000000022", "author_id": JORDAN.x_id,
                               "text": "as @Quill_Resident42 said"}, quarantined_at=AT)
        # Findings: L01 about her mention and about Jordan's; validation examples quoting her.
        add(con, "report_findings", finding_key="L01:x:1850000000000000001", rule="L01",
            subject_key="x:1850000000000000001",
            subject_name="@Quill_Resident42", summary="Unanswered for 30 hours",
            evidence={"author_handle": "Quill_Resident42", "author_id": SAM.x_id, "text": "bins not collected"},
            first_seen=DAY, last_seen=DAY)
        add(con, "report_findings", finding_key="L01:x:1850000000000000003", rule="L01",
            subject_key="x:1850000000000000003", subject_name="@RiverRoadRes", summary="Unanswered for 29 hours",
            evidence={"author_handle": "RiverRoadRes", "text": "@QUILL_RESIDENT42 is right, ours too"},
            first_seen=DAY, last_seen=DAY)
        add(con, "ops_validation_results", batch_id="x:mentions", suite="platform_mentions",
            expectation="expect_column_values_to_match_regex(text)", examples=["@quill_resident42 hello", "fine"])
        add(con, "listening_daily", day=DAY, platform="x", council_account="x:mancitycouncil", source_kind="mention",
            mentions=3)
    finally:
        con.close()


# --- the landing zone ---------------------------------------------------------------------------------

def x_user(person: Person) -> dict:
    return {"id": person.x_id, "username": person.x_handle, "name": person.name,
            "public_metrics": {"followers_count": 120}}


def x_post(post_id: str, person: Person, text: str, mentions: list[Person] = ()) -> dict:
    post = {"id": post_id, "author_id": person.x_id, "text": text, "created_at": "2026-10-28T09:30:00.000Z"}
    if mentions:
        post["entities"] = {"mentions": [{"username": p.x_handle, "id": p.x_id} for p in mentions]}
    return post


def build_landing() -> dict[str, str]:
    """Landed pages and files; returns their URLs by a short name."""
    urls = {}
    urls["x_mentions"] = land_json_lines([{
        "endpoint": "/2/users/:id/mentions", "account_id": COUNCIL_X, "handle": "ManCityCouncil", "params": {},
        "body": {"data": [x_post("1850000000000000001", SAM, "@ManCityCouncil bins not collected on Larch Lane again"),
                          x_post("1850000000000000003", JORDAN, "@ManCityCouncil @QUILL_RESIDENT42 is right, ours too",
                                 [SAM])],
                 "includes": {"users": [x_user(SAM), x_user(JORDAN)]}, "meta": {"result_count": 2}}}],
        source="x", entity="mentions", day=DAY, name=f"{COUNCIL_X}_mentions_all_001")
    urls["x_search"] = land_json_lines([{
        "endpoint": "/2/tweets/search/recent", "query": "manchester council", "params": {},
        "body": {"data": [x_post("1850000000000000002", SAM, "Manchester council never answers")],
                 "includes": {"users": [x_user(SAM)]}}}], source="x", entity="search", day=DAY, name="search_q_001")
    urls["x_tweets"] = land_json_lines([{
        "endpoint": "/2/users/:id/tweets", "account_id": COUNCIL_X, "handle": "ManCityCouncil", "params": {},
        "body": {"data": [{"id": "1850000000000000009", "author_id": COUNCIL_X, "created_at": "2026-10-28T10:00:00Z",
                           "text": "@Quill_Resident42 sorry about that, we've reported it",
                           "referenced_tweets": [{"type": "replied_to", "id": "1850000000000000001"}]}]}}],
        source="x", entity="tweets", day=DAY, name=f"{COUNCIL_X}_tweets_all_001")
    urls["fb_comments"] = land_json_lines([{
        "platform": "facebook", "account_key": "facebook:manchestercitycouncil", "account_id": COUNCIL_FB,
        "node": f"{COUNCIL_FB}_555", "edge": "comments", "page": 1, "params": {},
        "body": {"data": [
            {"id": "555_1", "created_time": "2026-10-28T09:30:00+0000", "message": "The play area has been closed",
             "from": {"id": SAM.fb_id, "name": SAM.name}},
            {"id": "555_2", "created_time": "2026-10-28T10:30:00+0000",
             "message": "Thanks Samantha Quillfeather, we've passed this on",
             "from": {"id": COUNCIL_FB, "name": "Manchester City Council"}, "parent": {"id": "555_1"}},
            {"id": "555_3", "created_time": "2026-10-28T11:30:00+0000", "message": "I agree with samantha quillfeather",
             "from": {"id": PRIYA.fb_id, "name": PRIYA.name}},
            {"id": "555_4", "created_time": "2026-10-28T11:45:00+0000", "message": "Thanks Priya",
             "from": {"id": SAM.fb_id, "name": SAM.name}, "parent": {"id": "555_3"}}]}}],
        source="facebook", entity="comments", day=DAY, name=f"{COUNCIL_FB}_comments_p001")
    urls["ig_comments"] = land_json_lines([{
        "platform": "instagram", "account_key": "instagram:manchestercitycouncil", "account_id": COUNCIL_IG,
        "node": "ig_media_1", "edge": "comments", "page": 1, "params": {},
        "body": {"data": [
            {"id": "ig_c2", "timestamp": "2026-10-28T09:40:00+0000", "text": "Same question here",
             "username": PRIYA.ig_handle, "from": {"id": PRIYA.ig_id, "username": PRIYA.ig_handle},
             "replies": {"data": [{"id": "ig_c1", "timestamp": "2026-10-28T09:50:00+0000",
                                   "text": "When will it reopen?", "username": SAM.ig_handle,
                                   "from": {"id": SAM.ig_id, "username": SAM.ig_handle}}]}}]}}],
        source="instagram", entity="comments", day=DAY, name=f"{COUNCIL_IG}_comments_p001")
    export = ("Date (GMT),Network,Author,Author Name,Message,Followers\r\n"
              f"2026-10-28 09:30,Twitter,@Quill_Resident42,{SAM.name},Still no bin collection,120\r\n"
              f"2026-10-28 09:45,Twitter,@RiverRoadRes,{JORDAN.name},Agree with @Quill_Resident42,80\r\n")
    urls["export"] = land_bytes(export.encode("utf-8"), source="hootsuite", entity="exports", day=DAY,
                                name="stream_export.csv")
    return urls


def build(warehouse) -> dict[str, str]:
    build_warehouse(warehouse)
    return build_landing()


# --- looking for anyone ---------------------------------------------------------------------------------

def warehouse_text(path) -> dict[tuple[str, str], list[str]]:
    """Every text, JSON and list value of every table, lower case, by (table, column)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select c.table_name, c.column_name from information_schema.columns as c join information_schema.tables"
            " as t using (table_schema, table_name) where t.table_type = 'BASE TABLE' and t.table_schema = 'main'"
            " and (c.data_type in ('VARCHAR', 'JSON') or c.data_type like '%[]')").fetchall()
        found = {}
        for table, column in columns:
            values = con.execute(f'select cast("{column}" as varchar) from "{table}" where "{column}" is not null'
                                 ).fetchall()
            found[(table, column)] = [v[0].lower() for v in values]
        return found
    finally:
        con.close()


def landing_text() -> dict[str, str]:
    """Every landed file, decompressed, lower case, by path."""
    root = settings().data_dir / "landing"
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            found[str(path.relative_to(root))] = data.decode("utf-8", errors="replace").lower()
    return found


def where_named(person: Person, warehouse) -> list[str]:
    """Every place (table.column or landing file) that still holds any of the person's identifiers."""
    places = []
    for (table, column), values in warehouse_text(warehouse).items():
        for identifier in person.identifiers:
            if any(identifier in value for value in values):
                places.append(f"{table}.{column}: {identifier}")
    for path, text in landing_text().items():
        for identifier in person.identifiers:
            if identifier in text:
                places.append(f"landing {path}: {identifier}")
    return places
