-- Every way Hootsuite data names a member, lower-cased: the API's member id, and the email address
-- or full name an export writes instead. Joining on this (an equality) instead of "created_by in
-- (id, email, name)" keeps author and approver lookups a hash join over millions of messages. A
-- name two members share says nobody in particular and is left out.
create or replace view report_member_aliases as
select alias, any_value(member_key) as member_key
from (
    select member_key, lower(member_id) as alias from hootsuite_members
    union
    select member_key, lower(trim(email)) from hootsuite_members
    union
    select member_key, lower(trim(full_name)) from hootsuite_members
)
where alias is not null and alias <> ''
group by alias
having count(distinct member_key) = 1;
