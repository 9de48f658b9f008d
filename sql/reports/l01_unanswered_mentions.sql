-- L01 (M 5.1 respond; G Monitoring): mentions and comments addressed to a council account that ask
-- something and had no reply from any registered council account $hours hours after they were
-- written, as they stood at $as_of. Only those written in the $window_days days before $as_of are
-- listed (an older question is past a useful answer). Ranked by the author's reach: most seen first.
-- Rows, not findings: listening/findings.py turns them into findings (private individuals
-- pseudonymised) and keeps them with reporting.findings.store.
with asked as (
    select m.*
    from listening_mentions as m
    where m.needs_reply
      and m.created_at >= $as_of - to_days($window_days)
      and m.created_at <= $as_of - to_hours($hours)
),
unanswered as (
    select asked.*, epoch($as_of - asked.created_at) / 3600.0 as hours_waiting
    from asked
    where asked.replied_at is null or asked.replied_at > $as_of
)
select platform, mention_id, source_kind, council_account, author_id, author_handle, author_name, author_reach,
    author_verified, author_is_council, text, url, created_at, hours_waiting, sentiment_label, topics
from unanswered
order by author_reach desc nulls last, created_at, platform, mention_id
