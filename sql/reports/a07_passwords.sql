-- A07 G Mitigation of Risk ("Passwords for all social media accounts will be reset frequently") and
-- M 5.1 Leaving or moving within the Council ("the employee's line manager is asked to change any
-- passwords during the leaver's process").
-- Found, for an active account: the register records no password change, or the last one is more
-- than $password_max_age_days days old ("age"); or someone named as its moderator in any version of
-- the register up to the evaluation date has left the council (HR leavers register) and the
-- password has not been changed since the day they left ("leaver").
with accounts as (
    select * from report_accounts_as_of($as_of) where is_active
),
leavers as (
    select lower(email) as email, name, leaving_date
    from register_leavers_as_of($as_of) where leaving_date <= $as_of
),
moderators_ever as (
    select distinct platform || ':' || handle_key as account_key, lower(moderator.email) as email
    from register_accounts, unnest(moderators) as moderator(email)
    where effective_from <= $as_of
),
left_since_change as (
    select
        accounts.account_key,
        list(leavers.name || ' (left ' || day_text(leavers.leaving_date) || ')' order by leavers.leaving_date)
            as who,
        max(leavers.leaving_date) as latest_leaving
    from accounts
    join moderators_ever using (account_key)
    join leavers using (email)
    where accounts.last_password_change is null or accounts.last_password_change < leavers.leaving_date
    group by accounts.account_key
),
found as (
    select accounts.*, 'age' as problem, null::varchar[] as who, null::date as latest_leaving
    from accounts
    where last_password_change is null or $as_of - last_password_change > $password_max_age_days
    union all
    select accounts.*, 'leaver', left_since_change.who, left_since_change.latest_leaving
    from accounts
    join left_since_change using (account_key)
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    problem as detail_key,
    case
        when problem = 'leaver' then format('Password not changed since {} left', array_to_string(who, ', '))
        when last_password_change is null then 'No password change recorded in the register'
        else format('Password last changed {} days ago ({})', $as_of - last_password_change,
                    day_text(last_password_change))
    end as summary,
    to_json({
        'Password last changed': coalesce(day_text(last_password_change), 'not recorded'),
        'Days since': $as_of - last_password_change,
        'Change at least every (days)': case when problem = 'age' then $password_max_age_days end,
        'Moderators who left since': array_to_string(who, '; '),
        'Moderators now': nullif(array_to_string(moderators, '; '), ''),
        'Owning service': owning_service
    }) as evidence,
    [account_key] as accounts,
    case when problem = 'leaver' then 'Change the password now (a moderator who knew it has left), share it with '
                                      || 'Central Communications and record the date in the register' end as action
from found
order by account_key, problem;
