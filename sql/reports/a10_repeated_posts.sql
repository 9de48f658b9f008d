-- A10 M 5.1 What can't you post on Council accounts?: "Officers must not publish the same or similar
-- content repeatedly or in bulk - this can also be called 'spamming'."
-- Found: an account that posted the same or nearly the same text at least $repeat_posts times within
-- $window_days days, in the period. "Nearly the same" is decided by a normalised text key: the letters
-- of the text before its first link, in lower case (numbers, punctuation and spacing dropped, so "6pm"
-- and "7pm" agree), counted with a sliding window per account and key: no pairwise comparison, so
-- the cost grows with the number of posts.
with bounds as (
    select london_day_start($period_start) as starts_at, london_day_start($as_of + 1) as ends_at
),
keyed as (
    select
        posts.account_key, posts.post_id, posts.created_at, posts.text,
        regexp_replace(split_part(lower(coalesce(posts.text, '')), 'http', 1), '\PL+', '', 'g') as text_key
    from mart_account_posts as posts, bounds
    where posts.is_original
      and posts.created_at >= bounds.starts_at - to_days($window_days)
      and posts.created_at < bounds.ends_at
),
windowed as (
    select keyed.*,
           count(*) over (partition by account_key, text_key order by created_at
                          range between to_days($window_days) preceding and current row) as in_window
    from keyed
    where length(text_key) >= 10
),
bursts as (
    select windowed.account_key, windowed.text_key,
           max(windowed.in_window) as most_in_window,
           arg_max(windowed.created_at, windowed.in_window) as densest_at
    from windowed, bounds
    where windowed.created_at >= bounds.starts_at
    group by windowed.account_key, windowed.text_key
    having max(windowed.in_window) >= $repeat_posts
),
repeats as (
    select
        bursts.account_key, bursts.text_key, bursts.most_in_window,
        count(*) as times_in_period,
        min(keyed.created_at) as first_at,
        max(keyed.created_at) as last_at,
        arg_min(keyed.text, keyed.created_at) as example_text,
        list(keyed.post_id order by keyed.created_at) as post_ids,
        min(keyed.created_at) filter (where keyed.created_at > bursts.densest_at - to_days($window_days))
            as burst_from,
        bursts.densest_at as burst_to
    from bursts
    join keyed using (account_key, text_key)
    cross join bounds
    where keyed.created_at >= bounds.starts_at
    group by all
),
accounts as (
    select account_key, label from report_accounts_as_of($as_of)
)
select
    'account' as subject_kind,
    repeats.account_key as subject_key,
    coalesce(accounts.label, repeats.account_key) as subject_name,
    left(md5(repeats.text_key), 12) as detail_key,
    format('The same text was posted {} times within {} days ({} to {}): "{}"', most_in_window, $window_days,
           day_text(london_date(burst_from)), day_text(london_date(burst_to)),
           left(example_text, 80) || case when length(example_text) > 80 then '…' else '' end) as summary,
    to_json({
        'Text': example_text,
        'Most times within the window': most_in_window,
        'Window (days)': $window_days,
        'Flagged from (times)': $repeat_posts,
        'Times in the period': times_in_period,
        'First': london_time(first_at),
        'Last': london_time(last_at),
        'Post ids': array_to_string(post_ids[1:10], ', ')
    }) as evidence,
    [repeats.account_key] as accounts,
    null as action
from repeats
left join accounts using (account_key)
order by subject_key, detail_key;
