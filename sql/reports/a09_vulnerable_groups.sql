-- A09 G Public VS Private Social Media Accounts: an account whose content features vulnerable
-- groups should be locked (private), with a known follower list.
-- Found: an active account the register flags as featuring vulnerable groups that the register
-- does not record as private/locked ("not_locked"), or that the register calls locked while the
-- platform shows it public ("public_on_platform", where the platform reports it).
with accounts as (
    select * from report_accounts_as_of($as_of) where is_active and coalesce(features_vulnerable_groups, false)
),
found as (
    select *, case when not coalesce(private_locked, false) then 'not_locked' else 'public_on_platform' end
        as problem
    from accounts
    where not coalesce(private_locked, false) or platform_protected = false
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    problem as detail_key,
    case problem
        when 'not_locked' then 'Features vulnerable groups but is not private or locked'
        else 'Features vulnerable groups; the register says it is locked but the platform shows it public'
    end as summary,
    to_json({
        'Register: features vulnerable groups': yes_no(features_vulnerable_groups),
        'Register: private/locked': yes_no(private_locked),
        'Platform: protected': case when platform_protected is null then 'not reported'
                                    else yes_no(platform_protected) end,
        'Education establishment': education_establishment,
        'Owning service': owning_service
    }) as evidence,
    [account_key] as accounts,
    null as action
from found
order by account_key;
