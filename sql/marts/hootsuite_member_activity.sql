-- Each Hootsuite member's last activity. Hootsuite has no last-login field, so inactivity
-- (G Removing Inactive Users, rule U02) is derived from what a member created, approved or sent.
-- Exports name people by email or name where the API gives the member id: all three match, for
-- authors and for approvers and senders alike.
create or replace view mart_member_activity as
with members as (
    select member_key, member_id, full_name, email, role, is_active, created_at, teams
    from hootsuite_members
),
created as (
    select members.member_key, max(messages.created_at) as last_created_at
    from members
    join hootsuite_messages as messages
        on messages.created_by in (members.member_id, members.email, members.full_name)
    group by members.member_key
),
acted as (
    select
        members.member_key,
        max(actions.acted_at) filter (where actions.action = 'APPROVE') as last_approved_at,
        max(actions.acted_at) filter (where actions.action = 'SEND') as last_sent_at
    from members
    join hootsuite_message_actions as actions
        on actions.actor_id in (members.member_id, members.email, members.full_name)
    group by members.member_key
)
select
    members.*,
    created.last_created_at,
    acted.last_approved_at,
    acted.last_sent_at,
    greatest(created.last_created_at, acted.last_approved_at, acted.last_sent_at) as last_active_at
from members
left join created using (member_key)
left join acted using (member_key);
