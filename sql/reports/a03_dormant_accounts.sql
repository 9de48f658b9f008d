-- A03 G Auditing of Accounts and Users ("remove ... dormant accounts"); M 4.1 and 5.1 ("if accounts
-- are not well used, they may be considered redundant").
-- Found: an active account live for more than $dormant_days days with no original post (new content,
-- not replies) for more than $dormant_days days, by the platform's own record or Hootsuite's. A
-- "redundant candidate" also had an engagement rate below $low_engagement_rate percent over its last
-- year of posting (interactions per impression; per follower where the platform gives no
-- impressions). Accounts with neither record (blogs, Flickr) cannot be judged. Posts are aggregated
-- per platform account before anything is joined, and only dormant accounts' posts are read twice.
with accounts as (
    select * from report_accounts_as_of($as_of)
    where is_active and coalesce(go_live_on, approved_on, date '1900-01-01') <= $as_of - $dormant_days
),
bounds as (
    select london_day_start($as_of + 1) as ends_at,
           (select min(sent_at) from hootsuite_messages where state = 'SENT') as hootsuite_starts_at
),
latest_by_id as (
    select posts.platform, posts.account_id, max(posts.created_at) as last_post_at
    from platform_posts as posts, bounds
    where posts.in_reply_to_id is null and posts.reposted_id is null and posts.created_at < bounds.ends_at
    group by posts.platform, posts.account_id
),
platform_last as (
    select accounts.account_key, max(latest.last_post_at) as last_post_at
    from accounts
    join platform_accounts as known
        on known.platform = accounts.platform and known.handle_key = accounts.handle_key
    join latest_by_id as latest on latest.platform = known.platform and latest.account_id = known.account_id
    group by accounts.account_key
),
account_profiles as (
    select account_key, unnest(hootsuite_profile_ids) as profile_id from accounts
),
hootsuite_last as (
    select account_profiles.account_key, max(messages.sent_at) as last_sent_at
    from account_profiles
    join hootsuite_messages as messages using (profile_id)
    cross join bounds
    where messages.state = 'SENT' and messages.sent_at < bounds.ends_at
    group by account_profiles.account_key
),
judged as (
    select
        accounts.account_key, accounts.label, accounts.owning_service, accounts.platform,
        accounts.platform_account_id,
        accounts.platform_account_id is not null as platform_record,
        greatest(platform_last.last_post_at, hootsuite_last.last_sent_at) as last_post_at,
        bounds.hootsuite_starts_at
    from accounts
    cross join bounds
    left join platform_last using (account_key)
    left join hootsuite_last using (account_key)
    where accounts.platform_account_id is not null or accounts.in_hootsuite
),
dormant as (
    select *, $as_of - london_date(last_post_at) as days_quiet
    from judged
    where ($as_of - london_date(last_post_at) > $dormant_days)
       or (last_post_at is null and (platform_record or london_date(hootsuite_starts_at) <= $as_of - $dormant_days))
),
last_year as (
    -- engagement over the dormant accounts' last year of posting
    select
        dormant.account_key,
        count(*) as posts,
        sum(coalesce(posts.likes, 0) + coalesce(posts.replies, 0) + coalesce(posts.reposts, 0)
            + coalesce(posts.quotes, 0)) filter (where posts.impressions > 0) as interactions_seen,
        sum(posts.impressions) filter (where posts.impressions > 0) as impressions,
        avg(coalesce(posts.likes, 0) + coalesce(posts.replies, 0) + coalesce(posts.reposts, 0)
            + coalesce(posts.quotes, 0)) as interactions_per_post
    from dormant
    join platform_posts as posts
        on posts.platform = dormant.platform and posts.account_id = dormant.platform_account_id
    where posts.in_reply_to_id is null and posts.reposted_id is null
      and posts.created_at <= dormant.last_post_at and posts.created_at > dormant.last_post_at - interval 365 days
    group by dormant.account_key
),
followers as (
    -- the count on the evaluation date, or the nearest one read after it
    select
        dormant.account_key,
        coalesce(arg_max(daily.followers, daily.snapshot_date) filter (where daily.snapshot_date <= $as_of),
                 arg_min(daily.followers, daily.snapshot_date)) as followers
    from dormant
    join platform_account_daily as daily
        on daily.platform = dormant.platform and daily.account_id = dormant.platform_account_id
    group by dormant.account_key
),
rated as (
    select dormant.*, last_year.posts as last_year_posts, followers.followers,
        round(case
            when last_year.impressions > 0 then 100.0 * last_year.interactions_seen / last_year.impressions
            when followers.followers > 0 then 100.0 * last_year.interactions_per_post / followers.followers
        end, 2) as engagement_rate
    from dormant
    left join last_year using (account_key)
    left join followers using (account_key)
),
found as (
    select *, coalesce(engagement_rate < $low_engagement_rate, false) as redundant from rated
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    '' as detail_key,
    case when last_post_at is null then 'No post on record'
         else format('No post for {} days (last on {})', days_quiet, day_text(london_date(last_post_at))) end
        || case when redundant then format('; engagement {}% is low: a redundant candidate', engagement_rate)
                else '' end as summary,
    to_json({
        'Last post': coalesce(london_time(last_post_at), 'none on record'),
        'Days without a post': days_quiet,
        'Dormant after (days)': $dormant_days,
        'Engagement rate in its last year of posting (%)': engagement_rate,
        'Redundant below (%)': $low_engagement_rate,
        'Posts in its last year of posting': last_year_posts,
        'Followers': followers,
        'Redundant candidate': yes_no(redundant),
        'Owning service': owning_service
    }) as evidence,
    [account_key] as accounts,
    case when redundant then 'Agree with the owning service to archive or close the account (M 5.1 redundant '
                             || 'accounts), and record it in the register' end as action
from found
order by account_key;
