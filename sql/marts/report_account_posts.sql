-- Every post a council account made on its platform, with the account's key ("x:mancitycouncil",
-- as in the account register) and its interactions. Original posts are new content; replies and
-- reposts are not (replies to the public go out through Hootsuite's inbox, which its outbound
-- messages do not list, so the direct-posting rule A02 looks at original posts only).
create or replace view mart_account_posts as
select
    posts.platform,
    posts.post_id,
    posts.platform || ':' || coalesce(accounts.handle_key, posts.account_id) as account_key,
    posts.account_id,
    posts.created_at,
    posts.text,
    posts.permalink,
    posts.in_reply_to_id,
    posts.reposted_id,
    posts.in_reply_to_id is null and posts.reposted_id is null as is_original,
    coalesce(posts.likes, 0) + coalesce(posts.replies, 0) + coalesce(posts.reposts, 0)
        + coalesce(posts.quotes, 0) as interactions,
    posts.impressions
from platform_posts as posts
left join platform_accounts as accounts
    on accounts.platform = posts.platform and accounts.account_id = posts.account_id;
