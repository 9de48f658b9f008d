"""A large synthetic organisation written straight into a migrated warehouse, for ``make bench``.

2,000 accounts, 1,500 Hootsuite members, 5 million posts over 3 years by default: the size the
design's report target names. Generated set-based in DuckDB (``range()`` and hashes), so building it
takes seconds and the same arguments always give the same warehouse. Shapes follow the loaders':
registers with a ledger row each (the ``*_as_of`` macros need it), Hootsuite profiles, members,
messages and approval trails, platform accounts, daily counts, posts, mentions and comments.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

PLATFORMS = "['x', 'facebook', 'instagram']"


def generate(path: Path, *, as_of: date, accounts: int = 2000, users: int = 1500, posts: int = 5_000_000,
             years: int = 3, mentions: int = 500_000, comments: int = 1_000_000) -> dict[str, int]:
    from council_social.warehouse.connection import connect
    from council_social.warehouse.migrations import migrate

    migrate(path)
    days = 365 * years
    p = {"as_of": as_of, "accounts": accounts, "users": users, "posts": posts, "days": days,
         "mentions": mentions, "comments": comments}
    with connect(path) as con:
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")
        for sql in STATEMENTS:
            con.execute(sql, {k: v for k, v in p.items() if f"${k}" in sql})
        counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in COUNTED}
    return counts


COUNTED = ("register_accounts", "hootsuite_members", "hootsuite_messages", "hootsuite_message_actions",
           "platform_posts", "platform_account_daily", "platform_mentions", "platform_comments")

STATEMENTS = [
    # One ledger row per register file, in force from three years ago.
    """
    insert into ops_file_ledger (file_sha256, source, entity, original_name, landing_path, received_at,
        effective_from, status, rows_loaded, loaded_at)
    select 'bench-' || entity, 'registers', entity, entity || '.csv', 'bench/' || entity || '.csv',
        now(), $as_of::date - interval 3 year, 'loaded', 0, now()
    from (values ('accounts'), ('leavers'), ('training'), ('elections'), ('brand'), ('recipients')) as t(entity)
    """,
    # Accounts: every 40th is new (go-live 3 months ago, with targets); a few are locked, vulnerable, schools.
    f"""
    create temp table bench_accounts as
    select i,
        ({PLATFORMS})[1 + i % 3] as platform,
        'mcc_service_' || i as handle,
        'MCC Service ' || i as account_name,
        -- 50 new accounts going live over three months: about one reaches its three-month review each
        -- day, as in a real council, and the newest is still inside its first three months.
        case when i % 40 = 0 then ($as_of::date - interval 3 month + interval ((i // 40) % 60) day
                                   - interval 30 day)::date
             else ($as_of::date - interval 4 year)::date end as go_live_on
    from range($accounts) as t(i)
    """,
    """
    insert into register_accounts
    select platform, handle, handle, 'https://example.org/' || handle, account_name, 'Service ' || (i % 60),
        case when i % 97 = 0 then null
             else ['member' || (i % $users) || '@council.example', 'member' || ((i * 7) % $users) || '@council.example']
        end,
        go_live_on - interval 30 day, go_live_on, i % 50 <> 0, i % 31 = 0, i % 29 = 0,
        case when i % 45 = 0 then 'School ' || (i % 200) end, case when i % 90 = 0 then null else 'Manager ' || i end,
        case when i % 40 = 0 then 500 + i % 300 end, case when i % 40 = 0 then 5 end,
        case when i % 40 = 0 then 2.5 end, case when i % 40 = 0 then 80 end,
        'active', $as_of::date - interval (i % 200) day,
        'bench-accounts', $as_of::date - interval 3 year, i + 2, 'bench', now()
    from bench_accounts
    """,
    """
    insert into register_leavers
    select 'Member ' || i, 'member' || i || '@council.example', $as_of::date - interval (i % 400) day, 'Service',
        null, 'bench-leavers', $as_of::date - interval 3 year, i + 2, 'bench', now()
    from range(0, $users, 10) as t(i)
    """,
    """
    insert into register_training
    select 'Member ' || i, 'member' || i || '@council.example', 'GOLD', $as_of::date - interval (i % 500) day,
        'bench-training', $as_of::date - interval 3 year, i + 2, 'bench', now()
    from range($users) as t(i) where i % 13 <> 0
    """,
    """
    insert into register_election_periods values
        ('Local elections ' || year($as_of::date), $as_of::date - interval 200 day, $as_of::date - interval 160 day,
         ['Labour', 'Conservative', 'Liberal Democrat', 'Green Party', 'vote for'], ['cllr_one', 'cllr_two'],
         'bench-elections', $as_of::date - interval 3 year, 2, 'bench', now())
    """,
    """
    insert into register_brand_patterns values
        ('Manchester City Council', 'branding', null, 'bench-brand', $as_of::date - interval 3 year, 2, 'bench', now()),
        ('MCC', 'branding', null, 'bench-brand', $as_of::date - interval 3 year, 3, 'bench', now()),
        ('MCC', 'naming', null, 'bench-brand', $as_of::date - interval 3 year, 4, 'bench', now()),
        ('Manchester City Council', 'listening', null, 'bench-brand', $as_of::date - interval 3 year, 5, 'bench',
         now()),
        ('Salford City Council', 'comparison', null, 'bench-brand', $as_of::date - interval 3 year, 6, 'bench', now())
    """,
    """
    insert into register_report_recipients
    select r, 'lead@council.example', 'Comms Lead', 'to', 'bench-recipients', $as_of::date - interval 3 year, 2,
        'bench', now()
    from (values ('audit'), ('inactive_users'), ('new_account_benefit'), ('listening'), ('review_board_pack')) as t(r)
    """,
    # Hootsuite: a profile for every managed account, members with roles.
    """
    insert into hootsuite_profiles
    select 'p' || i, platform, handle, 'acct' || i, 'Service ' || (i % 60), i % 120 = 0, 'api', 'bench', null,
        'bench', now()
    from bench_accounts where i % 50 <> 0
    """,
    """
    insert into hootsuite_members
    select 'm' || i, 'm' || i, 'Member ' || i, 'member' || i || '@council.example',
        (['Editor', 'Editor', 'Reviewer', 'Admin'])[1 + i % 4], true, $as_of::date - interval 4 year,
        ['Team ' || (i % 30)], 'api', 'bench', null, 'bench', now()
    from range($users) as t(i)
    """,
    # Posts: spread over the years, most sent through Hootsuite (every 25th posted directly).
    """
    insert into platform_accounts
    select platform, 'acct' || i, handle, handle, account_name, 'Official account of Manchester City Council',
        false, i % 31 = 0, $as_of::date - interval 4 year, 'bench', 'bench', now()
    from bench_accounts
    """,
    """
    insert into platform_account_daily
    select a.platform, 'acct' || a.i, ($as_of::date - interval (d.d) day)::date, 1000 + a.i + (1095 - d.d), 100,
        d.d, 'bench', 'bench', now()
    from bench_accounts as a, range(1, $days + 1) as d(d)
    """,
    """
    insert into platform_posts
    select a.platform, 'post' || n, 'acct' || a.i,
        $as_of::timestamptz - to_seconds((hash(n) % ($days * 86400))::bigint),
        'Update ' || (hash(n * 7) % 100000) || ' from the council', null, null, null, null, null,
        hash(n) % 50, hash(n) % 7, hash(n) % 11, 0, 100 + hash(n) % 5000, 'bench', 'bench', now()
    from range($posts) as t(n)
    join bench_accounts as a on a.i = n % $accounts
    """,
    """
    insert into hootsuite_messages
    select 'msg' || n, 'msg' || n, post_id, 'p' || (n % $accounts), null, platform, text, 'SENT',
        created_at - interval 2 hour, created_at - interval 1 hour, created_at,
        'm' || (n % $users), ['m' || ((n + 1) % $users)], 'api', 'bench', null, null, 'bench', now()
    from (select *, substr(post_id, 5)::bigint as n from platform_posts)
    where n % 25 <> 0 and n % $accounts % 50 <> 0
    """,
    """
    insert into hootsuite_message_actions
    select message_id, action, case action when 'APPROVE' then approved_by[1] else created_by end, 'MEMBER',
        case action when 'CREATE' then created_at when 'APPROVE' then scheduled_at else sent_at end,
        'api', 'bench', 'bench', now()
    from hootsuite_messages, (values ('CREATE'), ('APPROVE'), ('SEND')) as t(action)
    """,
    # Mentions and comments from the public.
    """
    insert into platform_mentions
    select 'x', 'mention' || n, 'mention', 'acct' || (n % $accounts), null, 'user' || (hash(n) % 200000),
        'resident_' || (hash(n) % 200000), 'Resident ' || (hash(n) % 200000), hash(n) % 20000, false,
        'Question for @mcc_service_' || (n % $accounts) || ' about bins ' || n, 'en', null,
        $as_of::timestamptz - to_seconds((hash(n * 3) % ($days * 86400))::bigint), null, null, 'bench', 'bench', now()
    from range($mentions) as t(n)
    """,
    """
    insert into platform_comments
    select 'facebook', 'comment' || n, 'post' || (n * 5 % $posts), 'acct' || (n * 5 % $posts % $accounts), null,
        'user' || (hash(n) % 200000), 'Resident ' || (hash(n) % 200000), n % 4 = 0, 'Thanks for the update ' || n,
        $as_of::timestamptz - to_seconds((hash(n * 5) % ($days * 86400))::bigint), hash(n) % 10, 'bench', 'bench', now()
    from range($comments) as t(n)
    """,
]
