-- A05 G Social Media Accounts: no account may "represent or speak on behalf of" the council without
-- the Digital Comms Review Board's approval, and no handle may use the council's prefix or suffix
-- (GCC in Glasgow, MCC here) unless authorised.
-- Found: a Hootsuite profile for an account that is not in the account register; or an account seen
-- in the period, writing mentions or comments or named in a mention ("@MCCCouncilTaxHelp"), whose
-- handle or name uses the council's naming (the brand register's "naming" patterns: see
-- common_formats.sql for how "MCC" differs from "Mccarthy") but which is not in the register.
-- Authors are reduced to distinct names before any pattern is tried, so the cost stays with the
-- number of people, not of mentions.
with bounds as (
    select london_day_start($period_start) as starts_at, london_day_start($as_of + 1) as ends_at
),
naming as (
    -- with what a handle or a name must at least contain for the pattern to match (a cheap test first)
    select pattern, lower(regexp_replace(pattern, '[^A-Za-z0-9]', '', 'g')) as in_handle, lower(pattern) as in_name
    from (select distinct trim(pattern) as pattern from register_brand_patterns_as_of($as_of)
          where lower(use) = 'naming' and trim(pattern) <> '')
),
registered as (
    select platform, handle_key, platform_account_id, hootsuite_profile_ids from report_accounts_as_of($as_of)
),
registered_profiles as (
    select unnest(hootsuite_profile_ids) as profile_id from registered
),
in_hootsuite as (
    select
        profiles.network as platform,
        coalesce(lower(ltrim(profiles.username, '@')), 'id:' || profiles.social_network_id) as handle_key,
        coalesce(ltrim(profiles.username, '@'), profiles.social_network_id) as handle,
        profiles.profile_id
    from hootsuite_profiles as profiles
    where profiles.profile_id not in (select profile_id from registered_profiles)
),
period_mentions as materialized (
    select mentions.platform, mentions.author_handle, mentions.author_name, mentions.text, mentions.created_at
    from platform_mentions as mentions, bounds
    where mentions.created_at >= bounds.starts_at and mentions.created_at < bounds.ends_at
),
authors as (
    select platform, author_handle as handle, any_value(author_name) as name, count(*) as mentions,
           max(created_at) as last_at
    from period_mentions
    where author_handle is not null
    group by platform, author_handle
),
named as (
    -- handles named in a mention's text ("is @MCCCouncilTaxHelp one of yours?"), from texts that can
    -- name one at all
    select platform, handle, count(*) as times, max(created_at) as last_at
    from (
        select mentions.platform, unnest(regexp_extract_all(mentions.text, '@(\w{1,50})', 1)) as handle,
               mentions.created_at
        from period_mentions as mentions
        semi join naming on contains(lower(mentions.text), naming.in_handle)
        where mentions.platform = 'x' and contains(mentions.text, '@')
    )
    group by platform, handle
),
commenters as (
    select platform, author_id, any_value(author_name) as name, count(*) as comments, max(created_at) as last_at
    from platform_comments, bounds
    where created_at >= bounds.starts_at and created_at < bounds.ends_at and not from_account
      and author_id is not null
    group by platform, author_id
),
seen as (
    select platform, lower(handle) as handle_key, handle, name, mentions, 0 as named_times, 0 as comments, last_at
    from authors
    union all
    select platform, lower(handle), handle, null, 0, times, 0, last_at from named
    union all
    select platform, 'id:' || author_id, null, name, 0, 0, comments, last_at from commenters
),
-- materialized: the cheap test runs on every name first, the regular expressions only on what passes
could_match as materialized (
    select seen.*, naming.pattern
    from seen
    join naming on contains(lower(coalesce(seen.handle, '')), naming.in_handle)
                or contains(lower(coalesce(seen.name, '')), naming.in_name)
),
speaking as (
    select platform, handle_key, any_value(handle) as handle, any_value(name) as name,
           sum(mentions) as mentions, sum(named_times) as named_times, sum(comments) as comments,
           max(last_at) as last_at, list(distinct pattern order by pattern) as patterns
    from could_match
    where handle_has_pattern(pattern, handle) or text_has_pattern(pattern, name)
    group by platform, handle_key
),
candidates as (
    select platform, handle_key, handle, name, mentions, named_times, comments, last_at, patterns,
           null::varchar as profile_id
    from speaking
    union all
    select platform, handle_key, handle, null, 0, 0, 0, null, []::varchar[], profile_id
    from in_hootsuite
),
unregistered as (
    select candidates.platform, candidates.handle_key, any_value(candidates.handle) as handle,
           any_value(candidates.name) as name, sum(mentions) as mentions, sum(named_times) as named_times,
           sum(comments) as comments, max(last_at) as last_at, flatten(list(patterns)) as patterns,
           list(profile_id) filter (where profile_id is not null) as profile_ids
    from candidates
    left join registered
        on registered.platform = candidates.platform
        and (registered.handle_key = candidates.handle_key
             or 'id:' || registered.platform_account_id = candidates.handle_key)
    where registered.platform is null
    group by candidates.platform, candidates.handle_key
    -- a handle only named by others, that the council uses on another platform, is most likely a
    -- resident guessing the council's handle: left out; one that writes or is in Hootsuite is not
    having sum(mentions) + sum(comments) > 0 or len(list(profile_id) filter (where profile_id is not null)) > 0
        or candidates.handle_key not in (select handle_key from registered)
)
select
    'account' as subject_kind,
    platform || ':' || handle_key as subject_key,
    case when handle is null then coalesce(name, 'Unnamed author') || ' (' || platform_label(platform) || ')'
         when name is null then account_handle_label(platform, handle)
         else name || ' (' || account_handle_label(platform, handle) || ')' end as subject_name,
    '' as detail_key,
    case when len(profile_ids) > 0 then 'In Hootsuite but not in the account register'
         else 'Uses the council''s naming (' || array_to_string(list_distinct(patterns), ', ')
              || ') but is not in the account register' end
        || case when mentions + named_times + comments = 1 then '; seen once in the period'
                when mentions + named_times + comments > 1
                then format('; seen {} times in the period', mentions + named_times + comments) else '' end
        as summary,
    to_json({
        'Hootsuite profile': nullif(array_to_string(profile_ids, ', '), ''),
        'Naming patterns matched': nullif(array_to_string(list_distinct(patterns), ', '), ''),
        'Name shown': name,
        'Mentions written': nullif(mentions, 0),
        'Named in mentions': nullif(named_times, 0),
        'Comments written': nullif(comments, 0),
        'Last seen': london_time(last_at)
    }) as evidence,
    [platform || ':' || handle_key] as accounts,
    null as action
from unregistered
order by subject_key;
