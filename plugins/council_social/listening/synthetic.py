"""A large synthetic listening warehouse, for ``make bench``: the listening report at the design's size.

Twenty million scored mentions over three years for 2,000 council accounts, written straight into
``listening_mentions`` with ``range()`` and hashes (the same arguments always give the same rows),
then the daily aggregates as the refresh builds them, a moderation queue, alerts and findings. The
mentions arrive in time order, as they do in production, so DuckDB's zone maps on ``day`` work as
they would there. ``measure`` times the three listening reports over it in a fresh process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

TOPICS = ["Bins and recycling", "Roads and transport", "Parking", "Council tax and benefits", "Housing",
          "Streets and lighting", "Parks and green spaces", "Libraries and culture", "Planning and consultation",
          "Schools and children", "Safety and anti-social behaviour", "Events", "Customer service"]
WORDS = ["bin", "collected", "missed", "road", "pothole", "park", "library", "council", "tax", "bill", "parking",
         "permit", "street", "light", "broken", "thanks", "great", "open", "closed", "weekend", "waiting", "reply",
         "fly-tipping", "recycling", "housing", "repairs", "mould", "school", "event", "market", "gritters", "snow",
         "bus", "lane", "traffic", "consultation", "plan", "budget", "noise", "graffiti"]
TEXTS = ["@MCCService my bin was missed again, when will it be collected?", "Lovely afternoon in the park, thanks",
         "Pothole on the main road is huge, please fix it", "Is the library open on Sunday?",
         "Still waiting for a reply about my council tax bill", "Great job by the gritters last night",
         "Absolute idiots running this council", "Vote them out in May", "Parking permit renewal is confusing",
         "Salford City Council sorted our bins in a day"]

STATEMENTS = [
    """
    insert into ops_file_ledger (file_sha256, source, entity, original_name, landing_path, received_at,
        effective_from, status, loaded_at)
    select 'bench-' || entity, 'registers', entity, entity || '.csv', 'bench/' || entity, now(), $first, 'loaded',
        now()
    from (values ('accounts'), ('brand'), ('recipients')) as t(entity)
    """,
    """
    insert into register_accounts (platform, handle, handle_key, account_name, status, file_sha256, effective_from,
        source_line, loaded_at)
    select (['x', 'facebook', 'instagram'])[1 + i % 3], 'acct' || i, 'acct' || i, 'MCC Service ' || i, 'active',
        'bench-accounts', $first, i + 2, now()
    from range($accounts) as t(i)
    """,
    """
    insert into register_brand_patterns (pattern, use, file_sha256, effective_from, source_line, loaded_at)
    values ('Manchester City Council', 'listening', 'bench-brand', $first, 2, now()),
           ('Salford City Council', 'comparison', 'bench-brand', $first, 3, now()),
           ('Trafford Council', 'comparison', 'bench-brand', $first, 4, now())
    """,
    # The fact, in time order: row n falls on day n * days / mentions.
    """
    insert into listening_mentions
    with base as (
        select n, hash(n) as h, hash(n + 7919) as g,
            ($first + (n * $days // $mentions)::integer) as day,
            case when n % 10 < 6 then 'x' when n % 10 < 9 then 'facebook' else 'instagram' end as platform,
            case when n % 20 = 0 then 'brand_search' when n % 10 >= 6 then 'comment' else 'mention' end as kind
        from range($mentions) as t(n)
    ),
    shaped as (
        select *, (h % 1000) / 1000.0 * 2 - 1 as score, day::timestamp at time zone 'UTC'
            + to_seconds((h % 57600)::bigint + 25200) as created_at,
            kind <> 'brand_search' and g % 5 < 2 as asking, g % 100 < 85 as answered
        from base
    )
    select platform, 'm' || n, kind,
        case when kind = 'brand_search' then null else platform || ':acct' || (g % $accounts) end,
        case when kind = 'brand_search' then null else 'id' || (g % $accounts) end,
        kind <> 'brand_search' or h % 4 <> 0,
        'author' || (h % 2000000), 'author' || (h % 2000000), 'Author ' || (h % 2000000),
        case when h % 1000 = 0 then 50000 + h % 200000 else h % 3000 end, h % 1000 = 0, false,
        $texts[1 + (h % 10)::integer], 'en', 'https://example.org/m' || n, created_at, day, null, null,
        kind = 'comment', asking, case when asking and answered then created_at + to_minutes((g % 1800)::bigint) end,
        case when asking and answered then 'r' || n end, case when asking and answered then (g % 1800)::integer end,
        score, case when score >= 0.05 then 'positive' when score <= -0.05 then 'negative' else 'neutral' end,
        case when h % 3 = 0 then [$topics[1 + (g % 13)::integer], $topics[1 + (h % 13)::integer]]
             else [$topics[1 + (g % 13)::integer]] end,
        [$words[1 + (h % 40)::integer], $words[1 + (g % 40)::integer], $words[1 + ((h // 40) % 40)::integer]],
        case when kind = 'brand_search' and h % 4 = 0 then ['Salford City Council']
             when h % 7 = 0 then ['Manchester City Council'] else [] end,
        kind = 'comment' and h % 200 = 0, kind = 'comment' and h % 250 = 0,
        case when kind = 'comment' and h % 200 = 0 then ['idiots'] else [] end,
        'platform_mentions', 'bench/landing', 'bench', now()
    from shaped
    """,
    """
    insert into listening_daily
    select day, platform, coalesce(council_account, ''), source_kind,
        count(*), count(*) filter (needs_reply), count(*) filter (needs_reply and replied_at is not null),
        count(*) filter (needs_reply and reply_minutes <= 1440),
        coalesce(sum(reply_minutes) filter (needs_reply and replied_at is not null), 0),
        count(*) filter (sentiment_label = 'positive'), count(*) filter (sentiment_label = 'neutral'),
        count(*) filter (sentiment_label = 'negative'), coalesce(sum(sentiment), 0),
        count(*) filter (abusive), count(*) filter (political), now()
    from listening_mentions where about_council and not author_is_council
    group by all
    """,
    """
    insert into listening_daily_terms
    select day, platform, term, case when term like 'Manchester%' then 'listening' else 'comparison' end,
        count(*), count(*) filter (sentiment_label = 'positive'), count(*) filter (sentiment_label = 'negative'),
        now()
    from (select day, platform, sentiment_label, unnest(terms) as term from listening_mentions)
    group by day, platform, term
    """,
    """
    insert into listening_daily_topics
    select day, platform, topic, count(*), count(*) filter (sentiment_label = 'negative'), now()
    from (select day, platform, sentiment_label, unnest(topics) as topic from listening_mentions where about_council)
    group by all
    """,
    """
    insert into listening_moderation_queue (platform, mention_id, council_account, post_id, created_at, reason,
        matched_terms, status, queued_at, run_id)
    select platform, mention_id, council_account, 'post', created_at,
        case when abusive and political then 'abusive and party-political' when abusive then 'abusive'
             else 'party-political' end,
        flagged_terms, case when created_at < $last - interval 14 day then 'reviewed' else 'queued' end, created_at,
        'bench'
    from listening_mentions where abusive or political
    """,
]


def generate(path: Path, *, as_of: date, mentions: int = 20_000_000, accounts: int = 2000,
             years: int = 3) -> dict[str, int]:
    """Write the synthetic listening warehouse at ``path`` (migrated first); returns row counts."""
    from council_social.warehouse.connection import connect
    from council_social.warehouse.migrations import migrate

    migrate(path)
    days = 365 * years
    first = as_of - timedelta(days=days - 1)
    params = {"first": first, "last": as_of, "days": days, "mentions": mentions, "accounts": accounts,
              "topics": TOPICS, "words": WORDS, "texts": TEXTS}
    with connect(path) as con:
        for sql in STATEMENTS:
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        con.execute("checkpoint")
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in (
            "listening_mentions", "listening_daily", "listening_daily_terms", "listening_daily_topics",
            "listening_moderation_queue")}


#: Run in a fresh process: the three listening reports over the synthetic warehouse, timed, with peak memory.
BUILD = r"""
import json, sys, time
from datetime import date, timedelta
from pathlib import Path
from council_social.warehouse.connection import connect
from council_social.listening.report import build_digest, build_listening, build_listening_summary
import airflow.sdk, council_social.reporting.charts, matplotlib.pyplot  # imports are not timed (a task has them)
as_of = date.fromisoformat(sys.argv[2])
week_end = as_of - timedelta(days=as_of.isoweekday() % 7)
timings = {}
with connect(Path(sys.argv[1])) as con:
    started = time.perf_counter()
    weekly = build_listening(con, week_start=week_end - timedelta(days=6), week_end=week_end)
    timings["weekly"] = time.perf_counter() - started
    started = time.perf_counter()
    digest = build_digest(con, day=as_of)
    timings["digest"] = time.perf_counter() - started
    started = time.perf_counter()
    summary = build_listening_summary(con, since=as_of - timedelta(days=182), until=as_of)
    timings["summary"] = time.perf_counter() - started
# This process's own peak (VmHWM): ru_maxrss would carry the parent's footprint over exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024
print(json.dumps({**timings, "findings": len(weekly.findings) + len(digest.findings) + len(summary.findings),
                  "headline": weekly.headline, "peak_mb": peak}))
"""
GENERATE = r"""
import json, sys, time
from datetime import date
from pathlib import Path
from council_social.listening.synthetic import generate
started = time.perf_counter()
counts = generate(Path(sys.argv[1]), as_of=date.fromisoformat(sys.argv[2]), mentions=int(sys.argv[3]))
print(json.dumps({"counts": counts, "seconds": time.perf_counter() - started}))
"""


def _run(script: str, *args: str, env: dict | None = None) -> dict:
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(mentions: int, workdir: Path, *, as_of: date | None = None, env: dict | None = None) -> dict:
    """Generate the warehouse, then build the listening reports over it, each in a process of its own
    (the build's time and peak memory are its alone)."""
    as_of = as_of or date(2026, 10, 31)
    path = workdir / "listening_bench.duckdb"
    generated = _run(GENERATE, str(path), as_of.isoformat(), str(mentions), env=env)
    built = _run(BUILD, str(path), as_of.isoformat(), env=env)
    return {"counts": generated["counts"], "generate_seconds": generated["seconds"], "bytes": path.stat().st_size,
            **built}
