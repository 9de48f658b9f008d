-- A08 G Education Establishments: each establishment "should only [have] one account per platform"
-- and should "nominate a social media manager to run their account(s)".
-- Found, per establishment named in the account register (active accounts): more than one account
-- on a platform ("platform:<name>"), or an account with no nominated manager ("no_manager").
with accounts as (
    select * from report_accounts_as_of($as_of) where is_active and education_establishment is not null
),
establishments as (
    select lower(education_establishment) as establishment_key, any_value(education_establishment) as establishment
    from accounts group by 1
),
per_platform as (
    select lower(education_establishment) as establishment_key, platform,
           list(account_key order by account_key) as account_keys,
           list(label order by account_key) as labels
    from accounts group by 1, 2 having count(*) > 1
),
no_manager as (
    select lower(education_establishment) as establishment_key,
           list(account_key order by account_key) as account_keys,
           list(label order by account_key) as labels
    from accounts where nominated_manager is null group by 1
),
found as (
    select establishment_key, 'platform:' || platform as detail_key,
           format('{} accounts on {} for one establishment', len(account_keys),
                  case platform when 'x' then 'X' else upper(platform[1]) || platform[2:] end) as summary,
           account_keys, labels
    from per_platform
    union all
    select establishment_key, 'no_manager', 'No nominated social media manager for '
           || case when len(account_keys) = 1 then 'its account' else format('{} of its accounts', len(account_keys)) end,
           account_keys, labels
    from no_manager
)
select
    'establishment' as subject_kind,
    found.establishment_key as subject_key,
    establishments.establishment as subject_name,
    found.detail_key,
    found.summary,
    to_json({
        'Accounts': array_to_string(found.labels, '; '),
        'Nominated managers': (select nullif(string_agg(distinct nominated_manager, '; '), '') from accounts
                               where lower(education_establishment) = found.establishment_key)
    }) as evidence,
    found.account_keys as accounts,
    case when found.detail_key = 'no_manager'
         then 'Ask the establishment to nominate a social media manager and record them in the register' end
        as action
from found
join establishments using (establishment_key)
order by subject_key, detail_key;
