"""The mentions fact: one row per mention from every source, refreshed incrementally.

Sources: ``platform_mentions`` (X mentions and brand search results, Facebook and Instagram posts
tagging a council account), ``platform_comments`` (the public's comments on council posts; the
council's own replies there close them) and ``hootsuite_mentions`` (Hootsuite stream and listening
exports). A row found by the platform's API wins over the same post in a Hootsuite export.

Each refresh reads only the source rows loaded since the last refresh (watermarks in
``ops_watermarks``, source ``listening``, one per source table), scores them once (sentiment,
topics, keywords, listening and comparison terms, L03 flags, whether they ask something), works out
which of them, and which earlier mentions, a council account has since replied to, rebuilds the
daily aggregates of the days touched and queues new L03 comments, all in one transaction; the
watermarks move in the same transaction, so a failed refresh leaves nothing half done.

A mention is answered when a registered council account replied in its thread: on X a council post
replying to it (``in_reply_to_id``) or in the conversation it started (``conversation_id``); on
Facebook and Instagram a reply to the comment by the page (``from_account``) or by another council
account. A reply by anyone else does not answer it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from council_social.warehouse.loading import in_transaction

log = logging.getLogger(__name__)

SOURCE = "listening"
ENTITY = "mentions"
LONDON = ZoneInfo("Europe/London")
#: The source tables the fact is refreshed from, each with its own watermark (the newest loaded_at read).
TABLES = ("platform_mentions", "platform_comments", "hootsuite_mentions", "platform_posts")
#: Kinds of mention a council account can answer where we can see the answer. Tags are posts on
#: other people's pages: a reply there is not visible to the pipeline, so tags never count for L01.
ANSWERABLE = ("mention", "brand_search", "comment", "hootsuite_stream")

INCOMING = """
create or replace temp table lm_incoming as
with from_mentions as (
    select m.platform, m.mention_id,
        case when m.kind in ('tag', 'brand_search') then m.kind else 'mention' end as source_kind,
        c.account_key as council_account, m.mentioned_account_id as council_account_id,
        m.author_id, m.author_handle, m.author_name, m.author_followers as author_reach, m.author_verified,
        m.text, m.lang, m.url, m.created_at, m.in_reply_to_id, m.conversation_id, false as is_comment,
        'platform_mentions' as source_table, m.landing_path, 1 as priority
    from platform_mentions as m
    left join lm_council as c on c.platform = m.platform and c.account_id = m.mentioned_account_id
    where $all or m.loaded_at > $wm_mentions
),
from_comments as (
    select pc.platform, pc.comment_id, 'comment', c.account_key, pc.account_id,
        pc.author_id, case when pc.platform = 'instagram' then pc.author_name end, pc.author_name, null::bigint,
        null::boolean, pc.text, null::varchar, p.permalink, pc.created_at,
        coalesce(pc.parent_comment_id, pc.post_id), null::varchar, true,
        'platform_comments', pc.landing_path, 2
    from platform_comments as pc
    left join lm_council as c on c.platform = pc.platform and c.account_id = pc.account_id
    left join platform_posts as p on p.platform = pc.platform and p.post_id = pc.post_id
    where not pc.from_account and ($all or pc.loaded_at > $wm_comments)
),
from_hootsuite as (
    select h.platform, h.mention_id, 'hootsuite_stream', null::varchar, null::varchar,
        null::varchar, ltrim(h.author_handle, '@'), h.author_name, h.author_reach, null::boolean, h.text, h.lang,
        h.url, h.created_at, h.in_reply_to_id, null::varchar, false,
        'hootsuite_mentions', h.landing_path, 3
    from hootsuite_mentions as h
    where ($all or h.loaded_at > $wm_hootsuite)
      and not exists (select 1 from platform_mentions as m
                      where m.platform = h.platform and m.mention_id = h.mention_id)
      and not exists (select 1 from platform_comments as pc
                      where pc.platform = h.platform and pc.comment_id = h.mention_id)
)
select * from (select * from from_mentions union all select * from from_comments union all select * from from_hootsuite)
qualify row_number() over (partition by platform, mention_id order by priority) = 1
"""

# Who the council is: accounts in the account register (any version: an account approved once is the
# council's), with the platform ids the APIs gave them.
COUNCIL = """
create or replace temp table lm_council_handles as
select distinct platform, handle_key, platform || ':' || handle_key as account_key
from register_accounts where handle_key is not null;
create or replace temp table lm_council as
select distinct pa.platform, pa.account_id, pa.handle_key, pa.platform || ':' || pa.handle_key as account_key
from platform_accounts as pa
join lm_council_handles as h on h.platform = pa.platform and h.handle_key = pa.handle_key;
create or replace temp table lm_council_posts as
select p.platform, p.post_id, p.created_at, p.in_reply_to_id, p.conversation_id, p.loaded_at
from platform_posts as p join lm_council as c on c.platform = p.platform and c.account_id = p.account_id;
"""

ENRICHED = """
create or replace temp table lm_enriched as
select i.* exclude (council_account, priority),
    coalesce(i.council_account, (
        select arg_min(h.account_key, list_position(regexp_extract_all(lower(i.text), '@(\\w+)', 1), h.handle_key))
        from lm_council_handles as h
        where h.platform = i.platform
          and list_contains(regexp_extract_all(lower(i.text), '@(\\w+)', 1), h.handle_key))) as council_account,
    (exists (select 1 from lm_council as c where c.platform = i.platform and c.account_id = i.author_id)
     or exists (select 1 from lm_council_handles as h
                where h.platform = i.platform and h.handle_key = lower(i.author_handle))) as author_is_council,
    (i.is_comment or exists (select 1 from lm_council_posts as p
                             where p.platform = i.platform and p.post_id = i.in_reply_to_id)) as on_council_post,
    timezone('Europe/London', i.created_at)::date as day
from lm_incoming as i
"""

# Mentions whose answer may have changed: the incoming ones, and those a council reply loaded since
# the last refresh points at.
CANDIDATES = """
create or replace temp table lm_candidates as
select platform, mention_id from lm_enriched
union
select platform, in_reply_to_id from lm_council_posts
where in_reply_to_id is not null and ($all or loaded_at > $wm_posts)
union
select platform, conversation_id from lm_council_posts
where conversation_id is not null and ($all or loaded_at > $wm_posts)
union
select r.platform, r.parent_comment_id from platform_comments as r
where r.parent_comment_id is not null and ($all or r.loaded_at > $wm_comments)
  and (r.from_account
       or exists (select 1 from lm_council as c where c.platform = r.platform and c.account_id = r.author_id))
"""

REPLIES = """
create or replace temp table lm_replies as
with targets as (
    select e.platform, e.mention_id, e.created_at from lm_enriched as e
    union all
    select m.platform, m.mention_id, m.created_at
    from listening_mentions as m join lm_candidates as c using (platform, mention_id)
    where not exists (select 1 from lm_enriched as e where e.platform = m.platform and e.mention_id = m.mention_id)
),
answers as (
    select t.platform, t.mention_id, p.post_id as reply_id, p.created_at as replied_at, t.created_at
    from targets as t join lm_council_posts as p on p.platform = t.platform and p.in_reply_to_id = t.mention_id
    union all
    select t.platform, t.mention_id, p.post_id, p.created_at, t.created_at
    from targets as t join lm_council_posts as p on p.platform = t.platform and p.conversation_id = t.mention_id
    where p.post_id <> t.mention_id
    union all
    select t.platform, t.mention_id, r.comment_id, r.created_at, t.created_at
    from targets as t join platform_comments as r on r.platform = t.platform and r.parent_comment_id = t.mention_id
    where r.from_account
       or exists (select 1 from lm_council as c where c.platform = r.platform and c.account_id = r.author_id)
)
select platform, mention_id, arg_min(reply_id, replied_at) as reply_id, min(replied_at) as replied_at,
    greatest(0, floor(epoch(min(replied_at) - any_value(created_at)) / 60))::integer as reply_minutes
from answers where replied_at >= created_at
group by platform, mention_id
"""

UPSERT = """
insert or replace into listening_mentions by name
select e.platform, e.mention_id, e.source_kind, e.council_account,
    coalesce(e.council_account_id, (select c.account_id from lm_council as c
                                    where c.account_key = e.council_account limit 1)) as council_account_id,
    (e.council_account is not null or e.is_comment or list_has_any(s.terms, $own_terms::varchar[])
     or not list_has_any(s.terms, $comparison_terms::varchar[])) as about_council,
    e.author_id, e.author_handle, e.author_name, e.author_reach, e.author_verified, e.author_is_council,
    e.text, e.lang, e.url, e.created_at, e.day, e.in_reply_to_id, e.conversation_id, e.on_council_post,
    (e.source_kind in ('mention', 'brand_search', 'comment', 'hootsuite_stream') and e.council_account is not null
     and not e.author_is_council and s.asks) as needs_reply,
    r.replied_at, r.reply_id, r.reply_minutes,
    s.sentiment, s.sentiment_label, s.topics, s.keywords, s.terms, s.abusive, s.political, s.flagged_terms,
    e.source_table, e.landing_path, $run_id as run_id, $now as loaded_at
from lm_enriched as e
join lm_scores as s using (platform, mention_id)
left join lm_replies as r using (platform, mention_id)
"""

# Earlier mentions a reply loaded since the last refresh answers (their other columns stay as stored).
REANSWER = """
insert or replace into listening_mentions by name
select m.* replace (r.replied_at as replied_at, r.reply_id as reply_id, r.reply_minutes as reply_minutes)
from listening_mentions as m
join lm_replies as r using (platform, mention_id)
where not exists (select 1 from lm_enriched as e where e.platform = m.platform and e.mention_id = m.mention_id)
  and (m.replied_at is distinct from r.replied_at or m.reply_id is distinct from r.reply_id)
"""

# Days to re-aggregate. A day older than the retention cutoff may have lost mentions to retention, so
# its counts are only written if it has none yet (history loaded for the first time).
DAYS = """
create or replace temp table lm_days as
select distinct m.day from listening_mentions as m join lm_candidates as c using (platform, mention_id)
where m.day >= $cutoff or not exists (select 1 from listening_daily as d where d.day = m.day)
"""

DAILY = """
delete from listening_daily where day in (select day from lm_days);
insert into listening_daily
select day, platform, coalesce(council_account, ''), source_kind,
    count(*), count(*) filter (needs_reply), count(*) filter (needs_reply and replied_at is not null),
    count(*) filter (needs_reply and reply_minutes <= $in_time_minutes),
    coalesce(sum(reply_minutes) filter (needs_reply and replied_at is not null), 0),
    count(*) filter (sentiment_label = 'positive'), count(*) filter (sentiment_label = 'neutral'),
    count(*) filter (sentiment_label = 'negative'), coalesce(sum(sentiment), 0),
    count(*) filter (abusive), count(*) filter (political), $now
from listening_mentions
where day in (select day from lm_days) and about_council and not author_is_council
group by all;
delete from listening_daily_terms where day in (select day from lm_days);
insert into listening_daily_terms
select day, platform, term, any_value(use), count(*), count(*) filter (sentiment_label = 'positive'),
    count(*) filter (sentiment_label = 'negative'), $now
from (select m.day, m.platform, m.sentiment_label, unnest(m.terms) as term
      from listening_mentions as m where m.day in (select day from lm_days) and not m.author_is_council) as named
join lm_terms using (term)
group by day, platform, term;
delete from listening_daily_topics where day in (select day from lm_days);
insert into listening_daily_topics
select day, platform, topic, count(*), count(*) filter (sentiment_label = 'negative'), $now
from (select m.day, m.platform, m.sentiment_label, unnest(m.topics) as topic
      from listening_mentions as m
      where m.day in (select day from lm_days) and m.about_council and not m.author_is_council) as named
group by all;
"""

QUEUE = """
insert into listening_moderation_queue (platform, mention_id, council_account, post_id, created_at, reason,
    matched_terms, status, queued_at, run_id)
select m.platform, m.mention_id, m.council_account, m.in_reply_to_id, m.created_at,
    case when m.abusive and m.political then 'abusive and party-political'
         when m.abusive then 'abusive' else 'party-political' end,
    m.flagged_terms, 'queued', $now, $run_id
from listening_mentions as m join lm_candidates as c using (platform, mention_id)
where m.on_council_post and not m.author_is_council and (m.abusive or m.political)
  and not exists (select 1 from listening_moderation_queue as q
                  where q.platform = m.platform and q.mention_id = m.mention_id)
"""


def watermarks(con) -> dict[str, datetime | None]:
    rows = dict(con.execute("select scope, value from ops_watermarks where source = ? and entity = ?",
                            [SOURCE, ENTITY]).fetchall())
    return {table: datetime.fromisoformat(rows[table]) if rows.get(table) else None for table in TABLES}


def _params(sql: str, values: Mapping) -> dict:
    return {k: v for k, v in values.items() if f"${k}" in sql}


def _run(con, sql: str, values: Mapping) -> None:
    for statement in (s for s in sql.split(";\n") if s.strip()):
        con.execute(statement, _params(statement, values))


def brand_terms(con, day: date) -> dict[str, str]:
    """Listening (the council's own) and comparison terms of the brand register in force: term -> use."""
    rows = con.execute(
        "select pattern, use from register_brand_patterns_as_of(?::date) where use in ('listening', 'comparison') "
        "order by use desc, source_line", [day]).fetchall()
    terms: dict[str, str] = {}
    for pattern, use in rows:
        terms.setdefault(pattern.strip(), use)
    return {t: u for t, u in terms.items() if t}


def election_terms(con) -> list[tuple[date, date, tuple[str, ...]]]:
    """Election periods of the register in force, with their political terms (L03 looks for them too)."""
    rows = con.execute("select starts_on, ends_on, political_terms from register_election_periods_current").fetchall()
    return [(s, e, tuple(t or ())) for s, e, t in rows]


def score_rows(rows: list[tuple], *, lexicon, scorer, terms: Mapping[str, str],
               elections: list[tuple[date, date, tuple[str, ...]]]):
    """Scores for (platform, mention_id, text, day) rows, as an Arrow table for ``lm_scores``."""
    import pyarrow as pa

    from council_social.listening import topics as topic_words
    from council_social.listening.lexicon import found, term_pattern

    patterns = [(term, term_pattern([term])) for term in terms]
    columns: dict[str, list] = {name: [] for name in (
        "platform", "mention_id", "sentiment", "sentiment_label", "topics", "keywords", "terms", "abusive",
        "political", "flagged_terms", "asks")}
    for platform, mention_id, text, day in rows:
        score = scorer.score(text)
        extra = [t for start, end, words in elections if start <= day <= end for t in words]
        abusive = lexicon.abusive_terms(text)
        political = lexicon.political_terms(text, extra)
        columns["platform"].append(platform)
        columns["mention_id"].append(mention_id)
        columns["sentiment"].append(score.compound)
        columns["sentiment_label"].append(score.label)
        columns["topics"].append(topic_words.topics(text, lexicon))
        columns["keywords"].append(topic_words.keywords(text, lexicon))
        columns["terms"].append([term for term, pattern in patterns if found(pattern, text or "")])
        columns["abusive"].append(bool(abusive))
        columns["political"].append(bool(political))
        columns["flagged_terms"].append(abusive + [t for t in political if t not in abusive])
        columns["asks"].append(lexicon.asks(text))
    words = pa.list_(pa.string())
    schema = pa.schema([("platform", pa.string()), ("mention_id", pa.string()), ("sentiment", pa.float64()),
                        ("sentiment_label", pa.string()), ("topics", words), ("keywords", words), ("terms", words),
                        ("abusive", pa.bool_()), ("political", pa.bool_()), ("flagged_terms", words),
                        ("asks", pa.bool_())])
    return pa.Table.from_pydict(columns, schema=schema)


def refresh(con, *, run_id: str | None, now: datetime | None = None, lexicon=None, scorer=None,
            policy: Mapping | None = None, rescore: bool = False) -> dict:
    """Bring ``listening_mentions`` and its aggregates up to date with the source tables.

    ``rescore`` reads every source row again (after a lexicon or threshold change), not only those
    loaded since the last refresh. Returns counts for the task's log.
    """
    import pyarrow as pa

    from council_social.listening.lexicon import load_lexicon
    from council_social.listening.sentiment import scorer as make_scorer
    from council_social.policy import load_policy

    now = now or datetime.now(UTC)
    policy = policy or load_policy()
    lexicon = lexicon or load_lexicon()
    scorer = scorer or make_scorer(lexicon, policy)
    today = now.astimezone(LONDON).date()
    marks = {} if rescore else watermarks(con)
    # Timestamps stand in for "never" so the statements keep one shape; $all short-cuts them.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    values = {
        "all": rescore, "now": now, "run_id": run_id,
        "wm_mentions": marks.get("platform_mentions") or epoch, "wm_comments": marks.get("platform_comments") or epoch,
        "wm_hootsuite": marks.get("hootsuite_mentions") or epoch, "wm_posts": marks.get("platform_posts") or epoch,
        "cutoff": today - timedelta(days=int(policy["listening"]["retention_days"])),
        "in_time_minutes": int(policy["rules"]["L01_unanswered_hours"]) * 60,
    }
    terms = brand_terms(con, today)
    values["own_terms"] = [t for t, use in terms.items() if use == "listening"]
    values["comparison_terms"] = [t for t, use in terms.items() if use == "comparison"]
    elections = election_terms(con)

    def work() -> dict:
        newest = {table: con.execute(
            f"select max(loaded_at) from {table} where $all or loaded_at > $wm",
            {"all": rescore, "wm": values[key]}).fetchone()[0]
            for table, key in (("platform_mentions", "wm_mentions"), ("platform_comments", "wm_comments"),
                               ("hootsuite_mentions", "wm_hootsuite"), ("platform_posts", "wm_posts"))}
        _run(con, COUNCIL, values)
        _run(con, INCOMING, values)
        _run(con, ENRICHED, values)
        rows = con.execute("select platform, mention_id, text, day from lm_enriched").fetchall()
        scores = score_rows(rows, lexicon=lexicon, scorer=scorer, terms=terms, elections=elections)
        con.register("lm_scores", scores)
        con.register("lm_terms", pa.table({"term": pa.array(list(terms), pa.string()),
                                           "use": pa.array(list(terms.values()), pa.string())}))
        try:
            _run(con, CANDIDATES, values)
            _run(con, REPLIES, values)
            _run(con, UPSERT, values)
            answered = con.execute(REANSWER).fetchone()[0]
            _run(con, DAYS, values)
            days = [d for (d,) in con.execute("select day from lm_days order by day").fetchall()]
            if days:
                _run(con, DAILY, values)
            queued = con.execute(QUEUE, _params(QUEUE, values)).fetchone()[0]
        finally:
            con.unregister("lm_scores")
            con.unregister("lm_terms")
        for table, value in newest.items():
            if value is not None:
                con.execute("insert or replace into ops_watermarks (source, entity, scope, value, run_id, updated_at)"
                            " values (?, ?, ?, ?, ?, ?)", [SOURCE, ENTITY, table, value.isoformat(), run_id, now])
        by_source = dict(con.execute("select source_table, count(*) from lm_enriched group by 1").fetchall())
        return {"mentions": len(rows), "by_source": by_source, "answered_later": answered,
                "days_refreshed": [d.isoformat() for d in days], "queued_for_moderation": queued}

    try:
        result = in_transaction(con, work)
    finally:
        for table in ("lm_incoming", "lm_enriched", "lm_candidates", "lm_replies", "lm_days", "lm_council",
                      "lm_council_handles", "lm_council_posts"):
            con.execute(f"drop table if exists {table}")
    log.info("listening fact: %d mention(s) scored (%s); %d earlier mention(s) newly answered; %d day(s) "
             "re-aggregated; %d comment(s) queued for moderation", result["mentions"],
             ", ".join(f"{k}: {v}" for k, v in sorted(result["by_source"].items())) or "nothing new",
             result["answered_later"], len(result["days_refreshed"]), result["queued_for_moderation"])
    return result
