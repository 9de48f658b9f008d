-- The account register as it stood on a date, with what the platforms and Hootsuite know of each
-- account: the accounts the audit rules (A01-A12) and the reports read.
--
-- Hootsuite names a profile by username (exports) or only by the platform's id for the account (X
-- from the API), and Facebook pages are often registered by their numeric id: a profile matches an
-- account on any of the three. A table macro rather than a view because the register is read as of
-- the evaluation date.
create or replace macro report_accounts_as_of(d) as table
with register as (
    select * from register_accounts_as_of(d)
),
known as (
    select
        platform,
        handle_key,
        arg_max(account_id, loaded_at) as account_id,
        arg_max(name, loaded_at) as name,
        arg_max(description, loaded_at) as description,
        arg_max(protected, loaded_at) as protected
    from platform_accounts
    where handle_key is not null
    group by platform, handle_key
),
profile_keys as (
    select profile_id, network as platform, lower(ltrim(username, '@')) as handle_key
    from hootsuite_profiles where username is not null
    union
    select profiles.profile_id, profiles.network, accounts.handle_key
    from hootsuite_profiles as profiles
    join platform_accounts as accounts
        on accounts.platform = profiles.network and accounts.account_id = profiles.social_network_id
    where accounts.handle_key is not null
    union
    select profile_id, network, lower(social_network_id)
    from hootsuite_profiles where social_network_id is not null
),
profiles as (
    select
        keys.platform,
        keys.handle_key,
        list(distinct keys.profile_id order by keys.profile_id) as profile_ids,
        bool_or(coalesce(profiles.needs_reauth, false)) as needs_reauth
    from profile_keys as keys
    join hootsuite_profiles as profiles using (profile_id)
    group by keys.platform, keys.handle_key
)
select
    register.platform || ':' || register.handle_key as account_key,
    register.platform,
    register.handle,
    register.handle_key,
    register.account_name,
    register.account_name || ' (' || account_handle_label(register.platform, register.handle) || ')' as label,
    register.url,
    register.owning_service,
    coalesce(register.moderators, []::varchar[]) as moderators,
    register.approved_on,
    register.go_live_on,
    register.managed_in_hootsuite,
    register.private_locked,
    register.features_vulnerable_groups,
    nullif(trim(register.education_establishment), '') as education_establishment,
    nullif(lower(trim(register.nominated_manager)), '') as nominated_manager,
    register.status,
    lower(coalesce(register.status, 'active')) = 'active' as is_active,
    register.last_password_change,
    register.target_followers,
    register.target_posts_per_week,
    register.target_engagement_rate,
    register.target_response_rate,
    -- Networks Hootsuite publishes to; Facebook groups lost their publishing API in 2024.
    register.platform in ('x', 'facebook', 'instagram', 'linkedin', 'youtube', 'tiktok', 'pinterest', 'threads')
        and coalesce(register.url, '') not ilike '%/groups/%' as hootsuite_capable,
    known.account_id as platform_account_id,
    known.name as platform_name,
    known.description as platform_description,
    known.protected as platform_protected,
    coalesce(profiles.profile_ids, []::varchar[]) as hootsuite_profile_ids,
    profiles.profile_ids is not null as in_hootsuite,
    coalesce(profiles.needs_reauth, false) as hootsuite_needs_reauth
from register
left join known on known.platform = register.platform and known.handle_key = register.handle_key
left join profiles on profiles.platform = register.platform and profiles.handle_key = register.handle_key;
