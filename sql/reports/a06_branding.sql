-- A06 M 5.1 What can you post on Council accounts?: "All Council accounts must have clear Council
-- branding so they are easily identifiable as being part of Manchester City Council."
-- Found: an active account whose name and bio on the platform (as last read through its API)
-- contain none of the brand register's "branding" patterns. Accounts the pipelines cannot read
-- (no platform record) are not judged; with no branding patterns registered nothing is.
with branding as (
    select distinct trim(pattern) as pattern
    from register_brand_patterns_as_of($as_of)
    where lower(use) = 'branding' and trim(pattern) <> ''
),
accounts as (
    select * from report_accounts_as_of($as_of) where is_active and platform_account_id is not null
),
branded as (
    select accounts.account_key
    from accounts
    cross join branding
    where text_has_pattern(branding.pattern, accounts.platform_name)
       or text_has_pattern(branding.pattern, accounts.platform_description)
    group by accounts.account_key
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    '' as detail_key,
    format('Neither its name "{}" nor its bio shows the council''s branding', coalesce(platform_name, '')) as summary,
    to_json({
        'Name on the platform': platform_name,
        'Bio': platform_description,
        'Branding looked for': (select string_agg(pattern, ', ' order by pattern) from branding),
        'Owning service': owning_service
    }) as evidence,
    [account_key] as accounts,
    null as action
from accounts
where account_key not in (select account_key from branded)
  and exists (select 1 from branding)
order by account_key;
