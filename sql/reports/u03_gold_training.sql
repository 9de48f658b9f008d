-- U03 G Training of Approved Employees: "All approved social media users should be GOLD trained ...
-- Employees should undergo refresher training every year."
-- Found: an active Hootsuite member with no GOLD course (GOLD or a GOLD refresher) in the training
-- register, or whose latest one was completed more than $training_refresh_months months before the
-- evaluation date. Matched by email, in any case.
with members as (
    select * from hootsuite_members
    where coalesce(is_active, true) and (created_at is null or created_at < london_day_start($as_of + 1))
),
gold as (
    select lower(trim(email)) as email, max(completed_on) as last_completed_on,
           arg_max(course, completed_on) as last_course, count(*) as courses
    from register_training_as_of($as_of)
    where course ilike '%gold%' and completed_on <= $as_of
    group by 1
),
reach as (
    select member_key, list(account_key order by account_key) as accounts
    from report_member_reach_as_of($as_of) group by member_key
),
found as (
    select members.*, gold.last_completed_on, gold.last_course, coalesce(gold.courses, 0) as courses,
           gold.last_completed_on + to_months($training_refresh_months) as due_on,
           coalesce(reach.accounts, []::varchar[]) as accounts
    from members
    left join gold on gold.email = lower(trim(members.email))
    left join reach using (member_key)
    where gold.email is null or gold.last_completed_on + to_months($training_refresh_months) < $as_of
)
select
    'member' as subject_kind,
    coalesce(lower(trim(email)), member_key) as subject_key,
    coalesce(full_name, member_key) || coalesce(' (' || lower(trim(email)) || ')', '') as subject_name,
    '' as detail_key,
    case when last_completed_on is null then 'No GOLD training on record'
         else format('GOLD refresher overdue since {} (last course {} on {})', day_text(due_on::date),
                     last_course, day_text(last_completed_on)) end as summary,
    to_json({
        'Last GOLD course': last_course,
        'Completed on': last_completed_on,
        'Refresher due': due_on::date,
        'Refresh every (months)': $training_refresh_months,
        'GOLD courses on record': courses,
        'Hootsuite role': role,
        'Member since': london_date(created_at),
        'Accounts they can reach': len(accounts)
    }) as evidence,
    accounts,
    case when last_completed_on is null then 'Book GOLD training now; access should wait for it (G Training of '
                                             || 'Approved Employees)'
         else 'Book the yearly GOLD refresher' end as action
from found
order by subject_key;
