-- What actually happened on each platform: accounts, daily follower counts, posts, mentions,
-- comments and insight metrics, from the X API v2 and the Graph API (Facebook Pages, Instagram
-- Business). Rows merge on the platform's own ids; lineage says which landed page each came from.

create table platform_accounts (
    platform        varchar not null,      -- x, facebook, instagram
    account_id      varchar not null,      -- the platform's id for the account
    handle          varchar,
    handle_key      varchar,               -- lower-cased handle, to join the account register
    name            varchar,
    description     varchar,               -- bio / about: branding check (M 5.1)
    verified        boolean,
    protected       boolean,
    created_at      timestamptz,
    landing_path    varchar not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (platform, account_id)
);

create table platform_account_daily (
    platform        varchar not null,
    account_id      varchar not null,
    snapshot_date   date not null,         -- Europe/London day the counts were read
    followers       bigint,
    following       bigint,
    posts_count     bigint,
    landing_path    varchar not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (platform, account_id, snapshot_date)
);

create table platform_posts (
    platform         varchar not null,
    post_id          varchar not null,
    account_id       varchar not null,
    created_at       timestamptz not null,
    text             varchar,
    permalink        varchar,
    in_reply_to_id   varchar,              -- a reply (not counted as direct posting of new content)
    quoted_id        varchar,
    reposted_id      varchar,
    conversation_id  varchar,
    likes            bigint,
    replies          bigint,
    reposts          bigint,
    quotes           bigint,
    impressions      bigint,
    landing_path     varchar not null,
    run_id           varchar,
    loaded_at        timestamptz not null,
    primary key (platform, post_id)
);

create table platform_mentions (
    platform            varchar not null,
    mention_id          varchar not null,
    kind                varchar not null,  -- mention | brand_search | tag
    mentioned_account_id varchar,          -- the council account mentioned (null for brand search)
    search_query        varchar,
    author_id           varchar,
    author_handle       varchar,
    author_name         varchar,
    author_followers    bigint,
    author_verified     boolean,
    text                varchar,
    lang                varchar,
    url                 varchar,
    created_at          timestamptz not null,
    in_reply_to_id      varchar,
    conversation_id     varchar,
    landing_path        varchar not null,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (platform, mention_id)
);

create table platform_comments (
    platform            varchar not null,
    comment_id          varchar not null,
    post_id             varchar not null,  -- the council post commented on
    account_id          varchar not null,  -- the council account that owns the post
    parent_comment_id   varchar,
    author_id           varchar,
    author_name         varchar,
    from_account        boolean not null,  -- written by the council account itself (a reply)
    text                varchar,
    created_at          timestamptz not null,
    like_count          bigint,
    landing_path        varchar not null,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (platform, comment_id)
);

create table platform_insights (
    platform        varchar not null,
    account_id      varchar not null,
    metric          varchar not null,
    period          varchar not null,      -- day, week, days_28, lifetime
    end_date        date not null,
    value           double,
    api_version     varchar,
    landing_path    varchar not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (platform, account_id, metric, period, end_date)
);

-- One row per account per fetch run: what was fetched, or why not (revoked token, deleted account,
-- access tier), so a run's per-account summary and its failures stay visible after Airflow's logs go.
create table platform_fetch_log (
    run_id          varchar not null,
    platform        varchar not null,
    account_key     varchar not null,      -- platform:handle as in the account register
    status          varchar not null,      -- ok | failed | skipped
    items           integer not null default 0,
    message         varchar,
    fetched_at      timestamptz not null,
    primary key (run_id, platform, account_key)
);
