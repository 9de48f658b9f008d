-- A01 G Account Security: "all authorised accounts must be managed using ... Hootsuite".
-- Found: an active account on a network Hootsuite publishes to that Hootsuite has no profile for
-- (whatever the register says), or whose Hootsuite profile needs re-authorisation (it cannot
-- publish, so posts go out some other way). Networks Hootsuite cannot publish to (blogs, Flickr,
-- Vimeo, Facebook groups) are not judged.
with accounts as (
    select * from report_accounts_as_of($as_of) where is_active and hootsuite_capable
),
account_profiles as (
    select account_key, unnest(hootsuite_profile_ids) as profile_id from accounts
),
last_sent as (
    select account_profiles.account_key, max(messages.sent_at) as sent_at
    from account_profiles
    join hootsuite_messages as messages using (profile_id)
    where messages.state = 'SENT' and messages.sent_at < london_day_start($as_of + 1)
    group by account_profiles.account_key
),
found as (
    select
        accounts.*,
        last_sent.sent_at as last_sent_at,
        case when not accounts.in_hootsuite then 'not_in_hootsuite' else 'reauthorise' end as problem
    from accounts
    left join last_sent using (account_key)
    where not accounts.in_hootsuite or accounts.hootsuite_needs_reauth
)
select
    'account' as subject_kind,
    account_key as subject_key,
    label as subject_name,
    problem as detail_key,
    case problem
        when 'reauthorise' then 'Its Hootsuite profile needs re-authorisation, so Hootsuite cannot publish to it'
        when 'not_in_hootsuite' then case when coalesce(managed_in_hootsuite, false)
            then 'The register says it is managed in Hootsuite, but Hootsuite has no profile for it'
            else 'Not managed through Hootsuite' end
    end as summary,
    to_json({
        'Register: managed in Hootsuite': yes_no(managed_in_hootsuite),
        'Hootsuite profile': coalesce(nullif(array_to_string(hootsuite_profile_ids, ', '), ''), 'none'),
        'Needs re-authorisation': yes_no(hootsuite_needs_reauth),
        'Last post Hootsuite sent': coalesce(london_time(last_sent_at), 'none on record'),
        'Owning service': owning_service
    }) as evidence,
    [account_key] as accounts,
    case problem
        when 'reauthorise' then 'Re-authorise the account''s Hootsuite profile today, then check for posts made '
                                || 'outside Hootsuite meanwhile (rule A02)'
    end as action
from found
order by account_key;
