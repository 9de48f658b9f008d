-- A12 G Account Security: "Hootsuite offers various levels of access - particularly the
-- editor/reviewer roles which make sure no posts are sent without the appropriate approvals."
-- Found, for messages Hootsuite sent in the period: an author whose role needs a reviewer's approval
-- (Editor, Limited, Contributor) and no approval on record ("no_approval"); or a message approved
-- by nobody but its own author ("self_approved"), unless the author's role needs no approval.
-- Approvals are the message's approved_by: from its approvals trail (API) or the export's
-- "Approved By" column. A message from the API whose trail was never read is not judged.
-- The few messages that can be findings are picked out first; only they are described.
with bounds as (
    select london_day_start($period_start) as starts_at, london_day_start($as_of + 1) as ends_at
),
sent as (
    select messages.message_key, messages.created_by, coalesce(messages.approved_by, []::varchar[]) as approved_by,
           aliases.member_key as author_key
    from hootsuite_messages as messages
    cross join bounds
    left join report_member_aliases as aliases on aliases.alias = lower(messages.created_by)
    where messages.state = 'SENT' and messages.created_by is not null
      and messages.sent_at >= bounds.starts_at and messages.sent_at < bounds.ends_at
      and (messages.approved_by is not null or messages.source = 'export')
),
approvals as (
    select named.message_key, named.author_key,
           coalesce(aliases.member_key, named.approver) as approver_key
    from (select message_key, coalesce(author_key, lower(created_by)) as author_key,
                 lower(unnest(approved_by)) as approver
          from sent where len(approved_by) > 0) as named
    left join report_member_aliases as aliases on aliases.alias = named.approver
),
candidates as (
    select message_key, 'no_approval' as problem from sent where len(approved_by) = 0
    union all
    (select message_key, 'self_approved' from approvals where approver_key = author_key
     except
     select message_key, 'self_approved' from approvals where approver_key <> author_key)
),
judged as (
    select
        candidates.problem, messages.*,
        coalesce(members.full_name, messages.created_by) as author_name,
        members.role,
        lower(coalesce(members.role, '')) in ('editor', 'limited', 'contributor') as needs_approval
    from candidates
    join hootsuite_messages as messages using (message_key)
    join sent using (message_key)
    left join hootsuite_members as members on members.member_key = sent.author_key
),
found as materialized (
    select * from judged
    where (problem = 'no_approval' and needs_approval) or (problem = 'self_approved' and (needs_approval or role is null))
),
approver_names as (
    select found.message_key, string_agg(distinct coalesce(approvers.full_name, named.approver), ', ') as names
    from found, unnest(found.approved_by) as named(approver)
    left join report_member_aliases as aliases on aliases.alias = lower(named.approver)
    left join hootsuite_members as approvers on approvers.member_key = aliases.member_key
    group by found.message_key
),
profile_accounts as (
    select unnest(hootsuite_profile_ids) as profile_id, account_key, label from report_accounts_as_of($as_of)
),
profiles as (
    select profiles.profile_id,
           coalesce(any_value(registered.account_key),
                    any_value(profiles.network || ':' || lower(ltrim(profiles.username, '@')))) as account_key,
           coalesce(any_value(registered.label),
                    any_value(account_handle_label(profiles.network, profiles.username))) as label
    from hootsuite_profiles as profiles
    left join profile_accounts as registered using (profile_id)
    group by profiles.profile_id
)
select
    'post' as subject_kind,
    'message:' || coalesce(found.message_id, found.message_key) as subject_key,
    'Message sent to ' || coalesce(profiles.label, found.network, 'an unknown profile') || ' on '
        || day_text(london_date(found.sent_at)) as subject_name,
    found.problem as detail_key,
    case found.problem
        when 'no_approval' then format('Sent without approval, though its author {} ({}) needs a reviewer''s approval',
                                       found.author_name, found.role)
        else format('Approved only by its own author, {}', found.author_name)
    end as summary,
    to_json({
        'Sent': london_time(found.sent_at),
        'Author': found.author_name,
        'Author''s role': coalesce(found.role, 'not known'),
        'Approved by': coalesce(approver_names.names, 'nobody'),
        'Text': found.text,
        'Hootsuite message': found.message_id,
        'Post id': found.network_post_id
    }) as evidence,
    case when profiles.account_key is not null then [profiles.account_key] else []::varchar[] end as accounts,
    null as action
from found
left join profiles using (profile_id)
left join approver_names using (message_key)
order by subject_key;
