-- U02 G Removing Inactive Users: "This is to remove inactive users". Hootsuite has no last-login
-- field, so activity is the last message a member created, approved or sent.
-- Found: an active Hootsuite member, a member for more than $inactive_days days, with no activity in
-- the last $inactive_days days (or none at all). Members who joined within the window are not
-- inactive yet; and nothing is judged unless Hootsuite's record reaches back over the whole window.
with members as (
    select * from hootsuite_members
    where coalesce(is_active, true)
      and (created_at is null or london_date(created_at) < $as_of - $inactive_days)
),
reach as (
    select member_key, list(account_key order by account_key) as accounts
    from report_member_reach_as_of($as_of) group by member_key
),
found as (
    select members.*, activity.last_created_at, activity.last_approved_at, activity.last_sent_at,
           activity.last_active_at, $as_of - london_date(activity.last_active_at) as days_quiet,
           coalesce(reach.accounts, []::varchar[]) as accounts, london_date(record.starts_at) as record_starts_on
    from members
    left join report_member_activity_as_of($as_of) as activity using (member_key)
    left join reach using (member_key)
    cross join report_hootsuite_record as record
    where london_date(record.starts_at) <= $as_of - $inactive_days
      and (activity.last_active_at is null or $as_of - london_date(activity.last_active_at) > $inactive_days)
)
select
    'member' as subject_kind,
    coalesce(lower(trim(email)), member_key) as subject_key,
    coalesce(full_name, member_key) || coalesce(' (' || lower(trim(email)) || ')', '') as subject_name,
    '' as detail_key,
    case when last_active_at is null
         then format('No message created, approved or sent since Hootsuite''s record starts ({})',
                     day_text(record_starts_on))
         else format('No message created, approved or sent for {} days (last on {})', days_quiet,
                     day_text(london_date(last_active_at))) end as summary,
    to_json({
        'Last created': london_time(last_created_at),
        'Last approved': london_time(last_approved_at),
        'Last sent': london_time(last_sent_at),
        'Days without activity': days_quiet,
        'Inactive after (days)': $inactive_days,
        'Hootsuite record starts': record_starts_on,
        'Hootsuite role': role,
        'Member since': london_date(created_at),
        'Accounts they can reach': len(accounts)
    }) as evidence,
    accounts,
    null as action
from found
order by subject_key;
