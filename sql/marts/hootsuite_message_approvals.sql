-- Approvals per message: who created it, who approved it and when, and whether the author
-- approved their own message (G Account Security, editor/reviewer roles; rule A12).
create or replace view mart_message_approvals as
with approvals as (
    select
        message_id,
        list(distinct actor_id order by actor_id) filter (where action = 'APPROVE') as approvers,
        count(*) filter (where action = 'APPROVE') as approvals,
        min(acted_at) filter (where action = 'APPROVE') as first_approved_at,
        count(*) filter (where action = 'REJECT') as rejections
    from hootsuite_message_actions
    group by message_id
)
select
    messages.message_key,
    messages.message_id,
    messages.profile_id,
    messages.state,
    messages.created_by,
    messages.sent_at,
    coalesce(approvals.approvers, messages.approved_by) as approvers,
    coalesce(approvals.approvals, len(messages.approved_by), 0) as approvals,
    approvals.first_approved_at,
    coalesce(approvals.rejections, 0) as rejections,
    coalesce(list_contains(coalesce(approvals.approvers, messages.approved_by), messages.created_by), false)
        as self_approved
from hootsuite_messages as messages
left join approvals on approvals.message_id = messages.message_id;
