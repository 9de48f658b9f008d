-- Small helpers every report query shares: the council's day boundaries (Europe/London), how times
-- and dates are written for people, and how a brand or naming pattern is matched in a handle, a
-- name or a bio.
--
-- Matching: a short upper-case pattern such as "MCC" is an acronym, matched case-sensitively as a
-- word ("MCC Parks", "@MCCParks", "ParksMCC", "mcc_parks") so that "Mccarthy" is not the council;
-- any other pattern ("Manchester City Council") is matched as a whole phrase, in any case, and in a
-- handle with its spaces removed ("@ManchesterCityCouncilHelp"), so a handle or name merely
-- containing "Manchester" does not match it.
create or replace macro london_day_start(d) as timezone('Europe/London', d::timestamp);

create or replace macro london_time(ts) as strftime(ts at time zone 'Europe/London', '%-d %b %Y %H:%M');

create or replace macro london_date(ts) as (ts at time zone 'Europe/London')::date;

create or replace macro day_text(d) as strftime(d, '%-d %b %Y');

create or replace macro platform_label(platform) as case lower(platform)
    when 'x' then 'X' when 'youtube' then 'YouTube' when 'linkedin' then 'LinkedIn' when 'wordpress' then 'WordPress'
    when 'tiktok' then 'TikTok' else upper(platform[1]) || lower(platform[2:]) end;

-- "X @ManCityCouncil", "Facebook mancitycouncil": how a reader finds the account on its platform.
create or replace macro account_handle_label(platform, handle) as
    platform_label(platform) || ' ' || case when lower(platform) in ('x', 'instagram', 'tiktok', 'threads')
                                            then '@' || ltrim(handle, '@') else handle end;

create or replace macro yes_no(b) as case when b then 'Yes' when not b then 'No' else 'Not recorded' end;

create or replace macro is_acronym(pattern) as regexp_full_match(pattern, '[A-Z0-9]{2,8}');

create or replace macro text_has_pattern(pattern, text) as (
    case when is_acronym(pattern)
        then regexp_matches(coalesce(text, ''), '(^|[^A-Za-z0-9])' || pattern || '([^A-Za-z0-9]|$)')
        else regexp_matches(lower(coalesce(text, '')),
                            '(^|[^a-z0-9])' || regexp_escape(lower(trim(pattern))) || '([^a-z0-9]|$)')
    end
);

create or replace macro handle_has_pattern(pattern, handle) as (
    case when is_acronym(pattern)
        then regexp_matches(coalesce(handle, ''), '^' || pattern || '([A-Z0-9_]|$)')
            or regexp_matches(coalesce(handle, ''), '(^|[a-z0-9_])' || pattern || '$')
            or regexp_matches(lower(coalesce(handle, '')), '(^|_)' || lower(pattern) || '(_|$)')
        else contains(lower(replace(coalesce(handle, ''), '_', '')),
                      lower(regexp_replace(pattern, '[^A-Za-z0-9]', '', 'g')))
    end
);
