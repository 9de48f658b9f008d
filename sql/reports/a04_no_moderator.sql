-- A04 M 4.1 ("a record of all the Council's social media accounts, including account managers") and
-- M Appendix 2 (account moderators): every active account names at least one moderator who still
-- works for the council. Found: no moderator named in the register, or every named moderator is on
-- the HR leavers register with a leaving date on or before the evaluation date.
with accounts as (
    select * from report_accounts_as_of($as_of) where is_active
),
leavers as (
    select lower(email) as email, name, leaving_date
    from register_leavers_as_of($as_of) where leaving_date <= $as_of
),
moderators as (
    select accounts.account_key, lower(moderator.email) as email
    from accounts, unnest(accounts.moderators) as moderator(email)
),
standing as (
    select
        moderators.account_key,
        count(*) as named,
        count(leavers.email) as left_council,
        list(coalesce(leavers.name, moderators.email) || ' (left ' || day_text(leavers.leaving_date) || ')'
             order by leavers.leaving_date) filter (where leavers.email is not null) as who_left
    from moderators
    left join leavers using (email)
    group by moderators.account_key
),
found as (
    select accounts.*, coalesce(standing.named, 0) as named, standing.left_council, standing.who_left,
           case when coalesce(standing.named, 0) = 0 then 'none_named' else 'all_left' end as problem
    from accounts
    left join standing using (account_key)
    where coalesce(standing.named, 0) = 0 or standing.left_council = standing.named
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    problem as detail_key,
    case problem
        when 'none_named' then 'No moderator named in the account register'
        else 'Every moderator named in the register has left the council'
    end as summary,
    to_json({
        'Moderators named': named,
        'Moderators who left': array_to_string(who_left, '; '),
        'Owning service': coalesce(owning_service, 'not recorded'),
        'Approved on': approved_on
    }) as evidence,
    [account_key] as accounts,
    null as action
from found
order by account_key;
