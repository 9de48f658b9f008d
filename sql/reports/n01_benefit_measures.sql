-- N01 (G Requests for new Social Media Accounts): what a new account achieved in its first three months,
-- week by week and over the whole review window, beside the business-case targets it was approved on.
--
-- The review window runs from go-live up to (not including) the review date, go-live plus
-- $review_after_months months, or up to $as_of when a report is asked for before then. Days are
-- Europe/London days. The window is cut into 7-day weeks from go-live; the days left over (0 to 6) join
-- the last week, and "posts a week" is worked out from each week's own number of days.
--
-- Measures (the report states the same definitions):
--   followers        the latest follower count read in the week; for the whole window, the latest read
--                    up to and including the review date (else the first read after it, up to $as_of,
--                    with followers_read_on saying when). Counts are the account's daily reads, else
--                    the page's daily follower count from its insights.
--   posts a week     original posts (not replies, not plain reposts) per 7 days.
--   engagement rate  likes + replies (comments) + reposts (shares) + quotes, as a percentage of:
--                    impressions, on the posts whose impressions the platform gives (X); else of the
--                    page's daily views from Page insights (page_post_engagements / page_media_view,
--                    or page_impressions before it, on Facebook); else of the followers the account had
--                    on each post's day (a percentage of followers per post, on Instagram; the count at
--                    the review date when none was read before the post). The basis is
--                    chosen once per account, from the whole window, so its weeks compare.
--   response rate    of the mentions of the account and the comments on its posts that ask it something
--                    (the listening fact's needs_reply, as rule L01 counts them), the percentage a council
--                    account answered within L01_unanswered_hours, from listening_daily. Page tags are
--                    not counted: the platforms do not show a page's replies on other people's posts.
--
-- Rows: one per account and week (week = 0, 1, ...), then one per account for the whole window
-- (week is null). Numerators and denominators come with each rate, so a reader can check it.
--
-- Parameters: $as_of (date), $review_after_months (integer), $accounts (list of "platform:handle_key").

with review_accounts as (
    select
        platform || ':' || handle_key as account_key,
        platform,
        handle,
        handle_key,
        account_name,
        go_live_on,
        cast(go_live_on + to_months(cast($review_after_months as integer)) as date) as review_on,
        target_followers,
        cast(target_posts_per_week as double) as target_posts_per_week,
        cast(target_engagement_rate as double) as target_engagement_rate,
        cast(target_response_rate as double) as target_response_rate
    from register_accounts_as_of(cast($as_of as date))
    where go_live_on is not null
      and list_contains(cast($accounts as varchar[]), platform || ':' || handle_key)
),

review_windows as (
    select
        *,
        least(review_on, cast($as_of as date)) as window_end,  -- the first day not counted
        greatest(1, date_diff('day', go_live_on, least(review_on, cast($as_of as date))) // 7) as weeks,
        -- The same window as instants (UK midnight to UK midnight), to select rows by their UTC time.
        timezone('Europe/London', cast(go_live_on as timestamp)) as window_from_at,
        timezone('Europe/London', cast(least(review_on, cast($as_of as date)) as timestamp)) as window_end_at
    from review_accounts
    where least(review_on, cast($as_of as date)) > go_live_on
),

review_weeks as (
    select
        account_key,
        week,
        go_live_on + cast(7 * week as integer) as week_start,
        case when week = weeks - 1 then window_end - 1 else go_live_on + cast(7 * week + 6 as integer) end as week_end
    from (select *, unnest(range(weeks)) as week from review_windows)
),

-- The platform's own ids for each account (joined on platform and lower-cased handle).
tracked_accounts as (
    select distinct review_windows.account_key, review_windows.platform, platform_accounts.account_id
    from review_windows
    join platform_accounts
      on platform_accounts.platform = review_windows.platform
     and platform_accounts.handle_key = review_windows.handle_key
),

-- Follower counts by day: as read from the account each day, else the page's daily follower count from
-- its insights (page_follows, page_fans before it), which reaches back before the first daily read.
read_followers as (
    select tracked_accounts.account_key, daily.snapshot_date, daily.followers, 1 as preference
    from platform_account_daily as daily
    join tracked_accounts
      on tracked_accounts.platform = daily.platform and tracked_accounts.account_id = daily.account_id
    join review_windows using (account_key)
    where daily.followers is not null
      and daily.snapshot_date between review_windows.go_live_on and cast($as_of as date)
    union all
    select tracked_accounts.account_key, insights.end_date, cast(insights.value as bigint),
           case insights.metric when 'page_follows' then 2 else 3 end
    from platform_insights as insights
    join tracked_accounts
      on tracked_accounts.platform = insights.platform and tracked_accounts.account_id = insights.account_id
    join review_windows using (account_key)
    where insights.metric in ('page_follows', 'page_fans')
      and insights.period in ('day', 'lifetime')
      and insights.value is not null
      and insights.end_date between review_windows.go_live_on and cast($as_of as date)
),

daily_followers as (
    select account_key, snapshot_date, arg_min(followers, preference) as followers
    from read_followers
    group by all
),

-- The followers the account had at the review date: the latest count read from go-live up to and
-- including the review date, else (no count read in the window) the first read after it, up to $as_of.
review_followers as (
    select
        review_windows.account_key,
        coalesce(
            arg_max(daily_followers.followers, daily_followers.snapshot_date)
                filter (where daily_followers.snapshot_date <= review_windows.window_end),
            arg_min(daily_followers.followers, daily_followers.snapshot_date)
                filter (where daily_followers.snapshot_date > review_windows.window_end)
        ) as followers,
        coalesce(
            max(daily_followers.snapshot_date) filter (where daily_followers.snapshot_date <= review_windows.window_end),
            min(daily_followers.snapshot_date) filter (where daily_followers.snapshot_date > review_windows.window_end)
        ) as followers_read_on
    from review_windows
    join daily_followers using (account_key)
    group by all
),

weekly_followers as (
    select
        daily_followers.account_key,
        least(date_diff('day', review_windows.go_live_on, daily_followers.snapshot_date) // 7,
              review_windows.weeks - 1) as week,
        arg_max(daily_followers.followers, daily_followers.snapshot_date) as followers
    from daily_followers
    join review_windows using (account_key)
    where daily_followers.snapshot_date >= review_windows.go_live_on
      and daily_followers.snapshot_date < review_windows.window_end
    group by all
),

tracked_windows as (
    select tracked_accounts.*, review_windows.window_from_at, review_windows.window_end_at
    from tracked_accounts
    join review_windows using (account_key)
),

window_posts as (
    select
        tracked_windows.account_key,
        (posts.created_at at time zone 'Europe/London')::date as posted_on,
        coalesce(posts.likes, 0) + coalesce(posts.replies, 0) + coalesce(posts.reposts, 0)
            + coalesce(posts.quotes, 0) as engagements,
        posts.impressions
    from platform_posts as posts
    join tracked_windows
      on tracked_windows.platform = posts.platform
     and tracked_windows.account_id = posts.account_id
     and posts.created_at >= tracked_windows.window_from_at
     and posts.created_at < tracked_windows.window_end_at
    where posts.in_reply_to_id is null
      and posts.reposted_id is null
),

-- Each post with the followers the account had on its day: the latest count read by then, else (none
-- read yet) the count at the review date.
window_followers as (
    select daily_followers.*
    from daily_followers
    join review_windows using (account_key)
    where daily_followers.snapshot_date < review_windows.window_end
),

posts_with_followers as (
    select
        window_posts.*,
        coalesce(window_followers.followers, review_followers.followers) as followers_then
    from window_posts
    asof left join window_followers
      on window_followers.account_key = window_posts.account_key
     and window_posts.posted_on >= window_followers.snapshot_date
    left join review_followers on review_followers.account_key = window_posts.account_key
),

weekly_posts as (
    select
        posts_with_followers.account_key,
        least(date_diff('day', review_windows.go_live_on, posts_with_followers.posted_on) // 7,
              review_windows.weeks - 1) as week,
        count(*) as posts,
        sum(engagements) filter (where impressions > 0) as engagements_with_impressions,
        sum(impressions) filter (where impressions > 0) as impressions,
        sum(engagements) filter (where followers_then > 0) as engagements_with_followers,
        sum(followers_then) filter (where followers_then > 0) as follower_reach
    from posts_with_followers
    join review_windows using (account_key)
    group by all
),

daily_insights as (
    select
        tracked_accounts.account_key,
        insights.end_date as day,
        sum(insights.value) filter (where insights.metric = 'page_post_engagements') as engagements,
        coalesce(sum(insights.value) filter (where insights.metric = 'page_media_view'),
                 sum(insights.value) filter (where insights.metric = 'page_impressions')) as views
    from platform_insights as insights
    join tracked_accounts
      on tracked_accounts.platform = insights.platform and tracked_accounts.account_id = insights.account_id
    where insights.period = 'day'
      and insights.metric in ('page_post_engagements', 'page_media_view', 'page_impressions')
    group by all
),

weekly_insights as (
    select
        daily_insights.account_key,
        least(date_diff('day', review_windows.go_live_on, daily_insights.day) // 7, review_windows.weeks - 1) as week,
        sum(daily_insights.engagements) as insight_engagements,
        sum(daily_insights.views) as insight_views
    from daily_insights
    join review_windows using (account_key)
    where daily_insights.day >= review_windows.go_live_on
      and daily_insights.day < review_windows.window_end
      and daily_insights.engagements is not null
      and daily_insights.views > 0
    group by all
),

-- What people asked the account, and how many the council answered within the L01 window: the listening
-- fact's daily counts, which outlive the mentions and comments themselves (retention removes those after
-- listening.retention_days, sooner than a review window of three months reaches back).
weekly_responses as (
    select
        review_windows.account_key,
        least(date_diff('day', review_windows.go_live_on, daily.day) // 7, review_windows.weeks - 1) as week,
        sum(daily.needing_reply) as received,
        sum(daily.answered_in_time) as answered
    from listening_daily as daily
    join review_windows on review_windows.account_key = daily.council_account
    where daily.day >= review_windows.go_live_on
      and daily.day < review_windows.window_end
    group by all
),

weekly as (
    select
        review_weeks.account_key,
        review_weeks.week,
        review_weeks.week_start,
        review_weeks.week_end,
        date_diff('day', review_weeks.week_start, review_weeks.week_end) + 1 as days,
        weekly_followers.followers,
        -- An account the platforms were never read for has no activity to count, not zero activity.
        case when review_weeks.account_key in (select account_key from tracked_accounts)
             then coalesce(weekly_posts.posts, 0) end as posts,
        weekly_posts.engagements_with_impressions,
        weekly_posts.impressions,
        weekly_posts.engagements_with_followers,
        weekly_posts.follower_reach,
        weekly_insights.insight_engagements,
        weekly_insights.insight_views,
        case when review_weeks.account_key in (select account_key from tracked_accounts)
             then coalesce(weekly_responses.received, 0) end as received,
        case when review_weeks.account_key in (select account_key from tracked_accounts)
             then coalesce(weekly_responses.answered, 0) end as answered
    from review_weeks
    left join weekly_followers using (account_key, week)
    left join weekly_posts using (account_key, week)
    left join weekly_insights using (account_key, week)
    left join weekly_responses using (account_key, week)
),

whole_window as (
    select
        account_key,
        cast(null as bigint) as week,
        min(week_start) as week_start,
        max(week_end) as week_end,
        sum(days) as days,
        cast(null as bigint) as followers,  -- taken from review_followers
        sum(posts) as posts,
        sum(engagements_with_impressions) as engagements_with_impressions,
        sum(impressions) as impressions,
        sum(engagements_with_followers) as engagements_with_followers,
        sum(follower_reach) as follower_reach,
        sum(insight_engagements) as insight_engagements,
        sum(insight_views) as insight_views,
        sum(received) as received,
        sum(answered) as answered
    from weekly
    group by account_key
),

engagement_basis as (
    select
        account_key,
        case
            when impressions > 0 then 'impressions'
            when insight_views > 0 then 'insights'
            when follower_reach > 0 then 'followers'
        end as basis
    from whole_window
),

measured as (
    select * from weekly
    union all by name
    select * from whole_window
)

select
    review_windows.account_key,
    review_windows.platform,
    review_windows.handle,
    review_windows.handle_key,
    review_windows.account_name,
    review_windows.go_live_on,
    review_windows.review_on,
    review_windows.window_end,
    measured.week,
    measured.week_start,
    measured.week_end,
    measured.days,
    case when measured.week is null then review_followers.followers else measured.followers end as followers,
    case when measured.week is null then review_followers.followers_read_on end as followers_read_on,
    measured.posts,
    measured.posts * 7.0 / measured.days as posts_per_week,
    engagement_basis.basis as engagement_basis,
    case engagement_basis.basis
        when 'impressions' then measured.engagements_with_impressions
        when 'insights' then measured.insight_engagements
        when 'followers' then measured.engagements_with_followers
    end as engagements,
    case engagement_basis.basis
        when 'impressions' then measured.impressions
        when 'insights' then measured.insight_views
        when 'followers' then measured.follower_reach
    end as engagement_base,
    100.0 * engagements / nullif(engagement_base, 0) as engagement_rate,
    measured.received,
    measured.answered,
    100.0 * measured.answered / nullif(measured.received, 0) as response_rate,
    review_windows.target_followers,
    review_windows.target_posts_per_week,
    review_windows.target_engagement_rate,
    review_windows.target_response_rate
from measured
join review_windows using (account_key)
left join engagement_basis using (account_key)
left join review_followers using (account_key)
order by review_windows.account_key, measured.week nulls last
