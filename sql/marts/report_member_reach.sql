-- Which accounts each Hootsuite member can reach, as of a date, and how we know: named as the
-- account's moderator in the register, in the Hootsuite team of the account's owning service
-- (teams are named for services), or they have written messages for the account's Hootsuite
-- profile. The inactive-user report lists these so a leaver's passwords can be changed (M 5.1
-- Leaving or moving within the Council). Hootsuite profiles missing from the register count too.
create or replace macro report_member_reach_as_of(d) as table
with accounts as (
    select account_key, owning_service, moderators, hootsuite_profile_ids
    from report_accounts_as_of(d)
    where is_active
),
members as (
    select member_key, lower(trim(email)) as email from hootsuite_members
),
member_teams as (
    select member_key, lower(trim(unnest(teams))) as team from hootsuite_members where teams is not null
),
registered_profiles as (
    select unnest(hootsuite_profile_ids) as profile_id, account_key from accounts
),
profile_accounts as (
    select profile_id, account_key from registered_profiles
    union
    select profile_id, network || ':' || lower(ltrim(username, '@'))
    from hootsuite_profiles
    where username is not null and profile_id not in (select profile_id from registered_profiles)
),
authored as (
    select lower(created_by) as created_by, profile_id
    from hootsuite_messages
    where created_by is not null and profile_id is not null
      and coalesce(created_at, sent_at, scheduled_at) < timezone('Europe/London', (d + 1)::timestamp)
    group by created_by, profile_id
),
reach as (
    select members.member_key, moderated.account_key, 'moderator' as via
    from members
    join (select account_key, lower(unnest(moderators)) as email from accounts) as moderated
        on moderated.email = members.email
    union all
    select member_teams.member_key, accounts.account_key, 'team'
    from member_teams
    join accounts on lower(trim(accounts.owning_service)) = member_teams.team
    union all
    select aliases.member_key, profile_accounts.account_key, 'posted'
    from authored
    join report_member_aliases as aliases on aliases.alias = authored.created_by
    join profile_accounts using (profile_id)
)
select member_key, account_key, list(distinct via order by via) as via
from reach
group by member_key, account_key;
