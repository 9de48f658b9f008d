-- Social listening: one mentions fact from every source, its daily aggregates, the moderation queue
-- and spike alerts.
--
-- listening_mentions is refreshed incrementally from platform_mentions (X mentions and brand search,
-- Facebook and Instagram tags), platform_comments (comments on council posts) and hootsuite_mentions
-- (Hootsuite stream and listening exports). Sentiment, topics and lexicon flags are scored once, when
-- a mention arrives or its source row changes, so reports are set-based SQL over stored facts.
-- Mentions concern members of the public: retention removes them after listening.retention_days;
-- the listening_daily* aggregates hold no personal data and are kept.

create table listening_mentions (
    platform            varchar not null,      -- x, facebook, instagram, ...
    mention_id          varchar not null,      -- the platform's id of the post or comment
    source_kind         varchar not null check (source_kind in ('mention', 'brand_search', 'tag', 'comment',
                                                                'hootsuite_stream')),
    council_account     varchar,               -- register key (platform:handle) of the account addressed
    council_account_id  varchar,               -- its platform id
    about_council       boolean not null,      -- false: names only a comparison term (share of voice only)
    author_id           varchar,
    author_handle       varchar,
    author_name         varchar,
    author_reach        bigint,                -- the author's followers when the platform says
    author_verified     boolean,
    author_is_council   boolean not null,      -- written by a registered council account
    text                varchar,               -- as written: escaped by whoever shows it
    lang                varchar,
    url                 varchar,
    created_at          timestamptz not null,
    day                 date not null,         -- created_at's Europe/London day
    in_reply_to_id      varchar,               -- the post or comment it replies to
    conversation_id     varchar,
    on_council_post     boolean not null,      -- a comment or reply on a council post (L03 looks at these)
    needs_reply         boolean not null,      -- addressed to a council account and asking something
    replied_at          timestamptz,           -- first reply from a registered council account
    reply_id            varchar,
    reply_minutes       integer,
    sentiment           double,                -- VADER compound score, -1 .. 1
    sentiment_label     varchar check (sentiment_label in ('positive', 'neutral', 'negative')),
    topics              varchar[],             -- topic names from config/listening.yaml
    keywords            varchar[],
    terms               varchar[],             -- listening and comparison terms (brand register) it names
    abusive             boolean not null default false,
    political           boolean not null default false,
    flagged_terms       varchar[],             -- the lexicon words that flagged it (L03)
    source_table        varchar not null,
    landing_path        varchar,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (platform, mention_id)
);

-- Per day, platform, council account and kind of mention: counts that outlive the mention text.
-- council_account is '' for mentions that address no account (brand search).
create table listening_daily (
    day                 date not null,
    platform            varchar not null,
    council_account     varchar not null,
    source_kind         varchar not null,
    mentions            integer not null,
    needing_reply       integer not null,
    answered            integer not null,
    answered_in_time    integer not null,      -- within L01_unanswered_hours
    reply_minutes_sum   bigint not null,       -- of the answered ones: mean reply time
    positive            integer not null,
    neutral             integer not null,
    negative            integer not null,
    sentiment_sum       double not null,
    abusive             integer not null,
    political           integer not null,
    refreshed_at        timestamptz not null,
    primary key (day, platform, council_account, source_kind)
);

-- Share of voice: mentions naming each listening (own) and comparison term, per day and platform.
create table listening_daily_terms (
    day                 date not null,
    platform            varchar not null,
    term                varchar not null,
    use                 varchar not null check (use in ('listening', 'comparison')),
    mentions            integer not null,
    positive            integer not null,
    negative            integer not null,
    refreshed_at        timestamptz not null,
    primary key (day, platform, term)
);

-- Topics per day and platform (mentions about the council).
create table listening_daily_topics (
    day                 date not null,
    platform            varchar not null,
    topic               varchar not null,
    mentions            integer not null,
    negative            integer not null,
    refreshed_at        timestamptz not null,
    primary key (day, platform, topic)
);

-- L03: comments on council posts that look abusive or party-political, for a moderator's review.
-- A comment is queued once; a moderator's review is kept when the comment is refreshed.
create table listening_moderation_queue (
    platform            varchar not null,
    mention_id          varchar not null,
    council_account     varchar,
    post_id             varchar,               -- the council post it was written on
    created_at          timestamptz not null,  -- when the comment was written
    reason              varchar not null check (reason in ('abusive', 'party-political',
                                                           'abusive and party-political')),
    matched_terms       varchar[] not null,
    status              varchar not null check (status in ('queued', 'reviewed')),
    queued_at           timestamptz not null,
    reviewed_at         timestamptz,
    reviewed_by         varchar,
    outcome             varchar,               -- hidden, removed, left, reported, ...
    run_id              varchar,
    primary key (platform, mention_id)
);

-- L02: one row per spike alerted (a day and a scope: 'all' or a council account), so each spike is
-- emailed once however often the day is checked.
create table listening_alerts (
    day                 date not null,
    scope               varchar not null,
    volume              integer not null,
    mean                double not null,
    sigma               double not null,
    threshold           double not null,
    detected_at         timestamptz not null,
    alerted_at          timestamptz not null,
    recipients          integer not null,
    run_id              varchar,
    primary key (day, scope)
);

-- Mentions from Hootsuite stream and listening exports dropped in the Hootsuite inbox.
create table hootsuite_mentions (
    mention_key         varchar primary key,   -- '<network>:<post id>', or '<network>:url:<sha>' without an id
    platform            varchar not null,
    mention_id          varchar not null,
    stream              varchar,               -- the stream, search or query it came from
    author_handle       varchar,
    author_name         varchar,
    author_reach        bigint,
    text                varchar,
    lang                varchar,
    url                 varchar,
    created_at          timestamptz not null,
    in_reply_to_id      varchar,
    source              varchar not null,
    landing_path        varchar not null,
    file_sha256         varchar,
    source_line         integer,
    run_id              varchar,
    loaded_at           timestamptz not null
);

-- Keys the pipelines generate once per deployment (the listening pseudonym key when no Airflow
-- connection provides one). Never shown in reports, logs or XCom.
create table ops_keys (
    name                varchar primary key,
    value               varchar not null,
    created_at          timestamptz not null
);
