-- Every post Hootsuite sent, by social profile, with the platform's post id: a post on the
-- platform whose id is not here was posted directly (G Account Security, rule A02).
create or replace view mart_profile_sent_posts as
select
    messages.profile_id,
    profiles.network,
    coalesce(profiles.username, messages.profile_name) as profile_username,
    profiles.social_network_id,
    messages.message_key,
    messages.message_id,
    messages.network_post_id,
    messages.sent_at,
    messages.created_by,
    messages.text
from hootsuite_messages as messages
left join hootsuite_profiles as profiles on profiles.profile_id = messages.profile_id
where messages.state = 'SENT' and messages.network_post_id is not null;
