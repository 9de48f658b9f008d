-- A02 G Account Security: "Content must not be posted directly to the social media platform. All
-- content must be published via our social media management software."
-- X removed the post `source` field, so a post counts as published through Hootsuite when its id is
-- among the posts Hootsuite sent (the `postId` of its sent messages, as in mart_profile_sent_posts). Only original posts are judged:
-- replies to the public go out through Hootsuite's inbox, which its outbound messages do not list.
-- Nothing is judged before Hootsuite's record starts (its earliest sent message in the warehouse).
with bounds as (
    select
        greatest(london_day_start($period_start), min(sent_at)) as starts_at,
        london_day_start($as_of + 1) as ends_at,
        min(sent_at) as record_starts_at
    from hootsuite_messages
    where state = 'SENT' and network_post_id is not null
),
judged as (
    select posts.*
    from mart_account_posts as posts, bounds
    where posts.is_original and posts.created_at >= bounds.starts_at and posts.created_at < bounds.ends_at
),
sent_ids as (
    select network_post_id from hootsuite_messages where state = 'SENT' and network_post_id is not null
),
direct as (
    select judged.* from judged anti join sent_ids on sent_ids.network_post_id = judged.post_id
),
per_account as (
    select
        account_key,
        count(*) as direct_posts,
        min(created_at) as first_at,
        max(created_at) as last_at,
        list(london_time(created_at) || ' · post ' || post_id || ' · ' || left(coalesce(text, ''), 120)
             order by created_at desc)[1:3] as examples
    from direct
    group by account_key
),
judged_counts as (
    select account_key, count(*) as posts from judged group by account_key
),
accounts as (
    select account_key, label from report_accounts_as_of($as_of)
)
select
    'account' as subject_kind,
    per_account.account_key as subject_key,
    coalesce(accounts.label, per_account.account_key) as subject_name,
    '' as detail_key,
    format('{} of {} posts since {} were not sent through Hootsuite (latest {})', direct_posts,
           judged_counts.posts, day_text(london_date(bounds.starts_at)), london_time(last_at)) as summary,
    to_json({
        'Posts judged': judged_counts.posts,
        'Posts not sent by Hootsuite': direct_posts,
        'First': london_time(first_at),
        'Latest': london_time(last_at),
        'Judged from': london_date(bounds.starts_at),
        'Hootsuite record starts': london_date(bounds.record_starts_at),
        'Example 1': examples[1],
        'Example 2': examples[2],
        'Example 3': examples[3]
    }) as evidence,
    [per_account.account_key] as accounts,
    null as action
from per_account
join judged_counts using (account_key)
left join accounts using (account_key)
cross join bounds
where direct_posts > $direct_posting_allowed
order by per_account.account_key;
