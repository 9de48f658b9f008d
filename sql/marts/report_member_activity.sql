-- Each Hootsuite member's last activity up to the end of a date (Europe/London): the last message
-- they created, approved or sent (G Removing Inactive Users; Hootsuite has no last-login field).
-- Like mart_member_activity, but as of a date, so an audit rebuilt later says what was true then,
-- and joined through report_member_aliases (an equality) so it stays quick over millions of
-- messages. A message with no creation time counts from when it was sent or scheduled.
create or replace macro report_member_activity_as_of(d) as table
with bounds as (
    select london_day_start(d + 1) as ends_at
),
-- aggregated by the name each row uses before it is matched to a member: thousands of names, not
-- millions of rows, go through the alias join
created_by_name as (
    select lower(messages.created_by) as alias,
           max(coalesce(messages.created_at, messages.sent_at, messages.scheduled_at)) as last_created_at
    from hootsuite_messages as messages, bounds
    where messages.created_by is not null
      and coalesce(messages.created_at, messages.sent_at, messages.scheduled_at) < bounds.ends_at
    group by messages.created_by
),
acted_by_name as (
    select lower(actions.actor_id) as alias,
           max(actions.acted_at) filter (where actions.action = 'APPROVE') as last_approved_at,
           max(actions.acted_at) filter (where actions.action = 'SEND') as last_sent_at
    from hootsuite_message_actions as actions, bounds
    where actions.acted_at < bounds.ends_at
    group by actions.actor_id
),
created as (
    select aliases.member_key, max(created_by_name.last_created_at) as last_created_at
    from created_by_name join report_member_aliases as aliases using (alias)
    group by aliases.member_key
),
acted as (
    select aliases.member_key, max(acted_by_name.last_approved_at) as last_approved_at,
           max(acted_by_name.last_sent_at) as last_sent_at
    from acted_by_name join report_member_aliases as aliases using (alias)
    group by aliases.member_key
)
select
    members.member_key,
    created.last_created_at,
    acted.last_approved_at,
    acted.last_sent_at,
    greatest(created.last_created_at, acted.last_approved_at, acted.last_sent_at) as last_active_at
from hootsuite_members as members
left join created using (member_key)
left join acted using (member_key);

-- When Hootsuite's record of activity starts: before it, nobody's inactivity can be judged.
create or replace view report_hootsuite_record as
select least(
    (select min(coalesce(created_at, sent_at, scheduled_at)) from hootsuite_messages),
    (select min(acted_at) from hootsuite_message_actions)
) as starts_at;
