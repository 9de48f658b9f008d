-- U01 G What if an Employee Leaves? and M 5.1 Leaving or moving within the Council: a leaver's
-- access to the council's social media must go when they do.
-- Found: someone on the HR leavers register with a leaving date on or before the evaluation date who
-- is still an active Hootsuite member (matched by email, in any case). A member whose access was
-- removed (inactive in Hootsuite, or no longer listed) is not found.
with leavers as (
    select lower(trim(email)) as email, name, leaving_date, service, line_manager_email
    from register_leavers_as_of($as_of)
    where leaving_date <= $as_of
),
members as (
    select * from hootsuite_members
    where coalesce(is_active, true) and email is not null
      and (created_at is null or created_at < london_day_start($as_of + 1))
),
reach as (
    select member_key, list(account_key order by account_key) as accounts
    from report_member_reach_as_of($as_of) group by member_key
),
found as (
    select leavers.*, members.member_key, members.full_name, members.role, members.teams, members.created_at,
           activity.last_active_at, coalesce(reach.accounts, []::varchar[]) as accounts
    from leavers
    join members on lower(trim(members.email)) = leavers.email
    left join report_member_activity_as_of($as_of) as activity using (member_key)
    left join reach using (member_key)
)
select
    'member' as subject_kind,
    email as subject_key,
    coalesce(full_name, name) || ' (' || email || ')' as subject_name,
    '' as detail_key,
    format('Left on {} ({} days ago) and is still an active Hootsuite {}{}', day_text(leaving_date),
           $as_of - leaving_date, coalesce(role, 'member'),
           case when london_date(last_active_at) > leaving_date
                then format('; active in Hootsuite after leaving (last {})', day_text(london_date(last_active_at)))
                else '' end) as summary,
    to_json({
        'Left on': leaving_date,
        'Days since leaving': $as_of - leaving_date,
        'Service': service,
        'Line manager': line_manager_email,
        'Hootsuite role': role,
        'Hootsuite teams': nullif(array_to_string(teams, ', '), ''),
        'Member since': london_date(created_at),
        'Last Hootsuite activity': coalesce(london_time(last_active_at), 'none on record'),
        'Accounts they can reach': len(accounts)
    }) as evidence,
    accounts,
    null as action
from found
order by subject_key;
