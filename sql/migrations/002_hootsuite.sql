-- Hootsuite: the system of record for who posted what, who approved it, and who holds access.
-- Rows arrive from two routes, exports dropped in the inbox and the REST API, and merge on natural
-- keys; `source` and `file_sha256` / `landing_path` say where each version came from.

create table hootsuite_profiles (
    profile_id          varchar primary key,   -- Hootsuite social profile id
    network             varchar,               -- x, facebook, instagram, linkedin, youtube, ...
    username            varchar,               -- null for X profiles from the API: match on social_network_id
    social_network_id   varchar,
    owner               varchar,
    needs_reauth        boolean,
    source              varchar not null,      -- api | export
    landing_path        varchar not null,
    file_sha256         varchar,
    run_id              varchar,
    loaded_at           timestamptz not null
);

create table hootsuite_members (
    member_key      varchar primary key,       -- Hootsuite member id, or 'email:<address>' when an export has none
    member_id       varchar,
    full_name       varchar,
    email           varchar,
    role            varchar,                   -- permission preset: Admin, Reviewer, Editor, ...
    is_active       boolean,
    created_at      timestamptz,
    teams           varchar[],
    source          varchar not null,
    landing_path    varchar not null,
    file_sha256     varchar,
    run_id          varchar,
    loaded_at       timestamptz not null
);

create table hootsuite_messages (
    message_key         varchar primary key,   -- Hootsuite message id, or '<network>:<post id>' from exports
    message_id          varchar,
    network_post_id     varchar,               -- the platform's post id once sent (direct-posting check)
    profile_id          varchar,
    profile_name        varchar,
    network             varchar,
    text                varchar,
    state               varchar,               -- SENT, SCHEDULED, PENDING_APPROVAL, REJECTED, ...
    created_at          timestamptz,
    scheduled_at        timestamptz,
    sent_at             timestamptz,
    created_by          varchar,               -- member id, or email / name as the export gives it
    approved_by         varchar[],
    source              varchar not null,
    landing_path        varchar not null,
    file_sha256         varchar,
    source_line         integer,
    run_id              varchar,
    loaded_at           timestamptz not null
);

create table hootsuite_message_actions (
    message_id      varchar not null,
    action          varchar not null,          -- CREATE, APPROVE, REJECT, SCHEDULE, SEND, ...
    actor_id        varchar not null,
    actor_type      varchar,
    acted_at        timestamptz not null,
    source          varchar not null,
    landing_path    varchar not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (message_id, action, actor_id, acted_at)
);

create table hootsuite_post_metrics (
    network             varchar not null,
    network_post_id     varchar not null,
    profile_name        varchar,
    reported_on         date not null,
    impressions         bigint,
    engagements         bigint,
    reactions           bigint,
    comments            bigint,
    shares              bigint,
    clicks              bigint,
    file_sha256         varchar,
    landing_path        varchar not null,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (network, network_post_id, reported_on)
);
