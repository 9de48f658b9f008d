-- A11 G Election Period ("we will not use politicians to promote initiatives") and M 5.1 What can't
-- you post on Council accounts? ("Council social media accounts cannot be used for political
-- purposes ... Officers must also not seek to promote councillor accounts").
-- Found: a post by a council account, during an election period of the election register that
-- overlaps the audit period, naming one of the period's political terms (as a whole word or phrase,
-- any case) or one of its councillor accounts ("@CllrAmyHarper"). A cheap `contains` narrows the
-- posts before the word-boundary check, so only candidate posts meet a regular expression.
with bounds as (
    select london_day_start($period_start) as starts_at, london_day_start($as_of + 1) as ends_at
),
elections as (
    select election, starts_on, ends_on,
           greatest(london_day_start(starts_on), bounds.starts_at) as from_at,
           least(london_day_start(ends_on + 1), bounds.ends_at) as to_at,
           coalesce(political_terms, []::varchar[]) as terms,
           coalesce(councillor_handles, []::varchar[]) as handles
    from register_election_periods_as_of($as_of), bounds
    where london_day_start(starts_on) < bounds.ends_at and london_day_start(ends_on + 1) > bounds.starts_at
),
words as (
    select election, from_at, to_at, 'term' as kind, trim(term) as word, lower(trim(term)) as needle
    from elections, unnest(terms) as t(term) where trim(term) <> ''
    union all
    select election, from_at, to_at, 'councillor', '@' || ltrim(trim(handle), '@'),
           '@' || lower(ltrim(trim(handle), '@'))
    from elections, unnest(handles) as h(handle) where trim(handle) <> ''
),
posts as (
    -- a reply's leading @names are whom it answers (a councillor who wrote in), not promotion
    select posts.*,
           lower(case when posts.in_reply_to_id is null then posts.text
                      else regexp_replace(posts.text, '^(\s*@\w+)+', '') end) as lowered
    from mart_account_posts as posts, bounds
    where posts.created_at >= bounds.starts_at and posts.created_at < bounds.ends_at
      and posts.text is not null
      and posts.reposted_id is null
),
candidates as (
    select posts.platform, posts.post_id, posts.account_key, posts.created_at, posts.text, posts.lowered,
           words.election, words.kind, words.word, words.needle
    from posts
    join words on posts.created_at >= words.from_at and posts.created_at < words.to_at
    where contains(posts.lowered, words.needle)
),
matched as (
    select platform, post_id, any_value(account_key) as account_key, any_value(created_at) as created_at,
           any_value(text) as text, any_value(election) as election,
           list(distinct word order by word) filter (where kind = 'term') as terms,
           list(distinct word order by word) filter (where kind = 'councillor') as councillors
    from candidates
    where case kind
        when 'term' then regexp_matches(lowered, '(^|[^[:alnum:]])' || regexp_escape(needle) || '([^[:alnum:]]|$)')
        else regexp_matches(lowered, regexp_escape(needle) || '([^[:alnum:]_]|$)')
    end
    group by platform, post_id
),
accounts as (
    select account_key, label from report_accounts_as_of($as_of)
)
select
    'post' as subject_kind,
    matched.platform || ':' || matched.post_id as subject_key,
    'Post by ' || coalesce(accounts.label, matched.account_key) || ' on ' || day_text(london_date(created_at))
        as subject_name,
    '' as detail_key,
    'During the ' || election || ' period: '
        || concat_ws('; ',
                     case when len(councillors) > 0 then 'promotes ' || array_to_string(councillors, ', ') end,
                     case when len(terms) > 0 then 'names ' || array_to_string(terms, ', ') end) as summary,
    to_json({
        'Election': election,
        'Posted': london_time(created_at),
        'Text': text,
        'Political terms': nullif(array_to_string(terms, ', '), ''),
        'Councillor accounts': nullif(array_to_string(councillors, ', '), ''),
        'Post id': post_id
    }) as evidence,
    [matched.account_key] as accounts,
    null as action
from matched
left join accounts using (account_key)
order by subject_key;
