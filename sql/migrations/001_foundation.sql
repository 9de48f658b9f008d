-- Foundation: the file ledger, quarantine and watermarks every source shares,
-- and the comms team's registers, kept with their history.
--
-- Registers are stored one version per file: each row carries the file it came from and the date
-- that file is in force from, so "what did the register say on date d" is answerable.
-- The *_as_of(d) macros give that answer; the *_current views give it for today.

create table ops_file_ledger (
    file_sha256       varchar primary key,   -- content checksum: the same file dropped twice is one file
    source            varchar not null,      -- registers, hootsuite, ...
    entity            varchar,               -- accounts, leavers, sent_messages, ... (null when unrecognised)
    original_name     varchar not null,
    landing_path      varchar not null,      -- where the original is kept, verbatim
    received_at       timestamptz not null,
    effective_from    date,                  -- the date the file is in force from (registers)
    status            varchar not null check (status in ('loaded', 'rejected')),
    rows_loaded       integer not null default 0,
    rows_quarantined  integer not null default 0,
    message           varchar,
    run_id            varchar,
    loaded_at         timestamptz not null
);

create table ops_quarantine (
    file_sha256     varchar not null,
    line            integer not null,        -- 0 when the whole file was refused
    source          varchar not null,
    entity          varchar,
    original_name   varchar not null,
    landing_path    varchar not null,
    reason          varchar not null,
    raw             json,
    run_id          varchar,
    quarantined_at  timestamptz not null,
    primary key (file_sha256, line)
);

create table ops_watermarks (
    source      varchar not null,
    entity      varchar not null,
    scope       varchar not null,            -- account id, profile id, or '*' for the whole source
    value       varchar not null,
    run_id      varchar,
    updated_at  timestamptz not null,
    primary key (source, entity, scope)
);

create table register_accounts (
    platform                    varchar not null,
    handle                      varchar not null,
    handle_key                  varchar not null,  -- lower-cased handle: platforms ignore case
    url                         varchar,
    account_name                varchar not null,
    owning_service              varchar,
    moderators                  varchar[],
    approved_on                 date,
    go_live_on                  date,
    managed_in_hootsuite        boolean,
    private_locked              boolean,
    features_vulnerable_groups  boolean,
    education_establishment     varchar,
    nominated_manager           varchar,
    target_followers            integer,
    target_posts_per_week       decimal(9, 2),
    target_engagement_rate      decimal(9, 2),
    target_response_rate        decimal(9, 2),
    status                      varchar not null,
    last_password_change        date,
    file_sha256                 varchar not null,
    effective_from              date not null,
    source_line                 integer not null,
    run_id                      varchar,
    loaded_at                   timestamptz not null,
    primary key (file_sha256, platform, handle_key)
);

create table register_leavers (
    name                varchar not null,
    email               varchar not null,
    leaving_date        date not null,
    service             varchar,
    line_manager_email  varchar,
    file_sha256         varchar not null,
    effective_from      date not null,
    source_line         integer not null,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (file_sha256, email)
);

create table register_training (
    name            varchar,
    email           varchar not null,
    course          varchar not null,
    completed_on    date not null,
    file_sha256     varchar not null,
    effective_from  date not null,
    source_line     integer not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (file_sha256, email, course, completed_on)
);

create table register_election_periods (
    election            varchar not null,
    starts_on           date not null,
    ends_on             date not null,
    political_terms     varchar[],
    councillor_handles  varchar[],
    file_sha256         varchar not null,
    effective_from      date not null,
    source_line         integer not null,
    run_id              varchar,
    loaded_at           timestamptz not null,
    primary key (file_sha256, election)
);

create table register_brand_patterns (
    pattern         varchar not null,
    use             varchar not null,
    note            varchar,
    file_sha256     varchar not null,
    effective_from  date not null,
    source_line     integer not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (file_sha256, pattern, use)
);

create table register_report_recipients (
    report          varchar not null,
    email           varchar not null,
    name            varchar,
    copy            varchar not null,
    file_sha256     varchar not null,
    effective_from  date not null,
    source_line     integer not null,
    run_id          varchar,
    loaded_at       timestamptz not null,
    primary key (file_sha256, report, email)
);

-- Snapshot registers: each file is the whole register, so the answer for date d is the newest
-- loaded file in force on d.
create macro register_file_as_of(register_entity, d) as (
    select file_sha256
    from ops_file_ledger
    where source = 'registers' and entity = register_entity and status = 'loaded'
      and effective_from <= d
    order by effective_from desc, received_at desc
    limit 1
);

create macro register_accounts_as_of(d) as table
    select * from register_accounts where file_sha256 = register_file_as_of('accounts', d);

create macro register_election_periods_as_of(d) as table
    select * from register_election_periods where file_sha256 = register_file_as_of('elections', d);

create macro register_brand_patterns_as_of(d) as table
    select * from register_brand_patterns where file_sha256 = register_file_as_of('brand', d);

create macro register_report_recipients_as_of(d) as table
    select * from register_report_recipients where file_sha256 = register_file_as_of('recipients', d);

-- Cumulative registers: every file adds to what was known, so the answer for date d is the newest
-- version of each record among the files in force on d.
create macro register_leavers_as_of(d) as table
    select * exclude (version_rank) from (
        select *, row_number() over (
            partition by email order by effective_from desc, loaded_at desc) as version_rank
        from register_leavers where effective_from <= d
    ) where version_rank = 1;

create macro register_training_as_of(d) as table
    select * exclude (version_rank) from (
        select *, row_number() over (
            partition by email, course, completed_on order by effective_from desc, loaded_at desc) as version_rank
        from register_training where effective_from <= d
    ) where version_rank = 1;

create view register_accounts_current as select * from register_accounts_as_of(current_date);
create view register_leavers_current as select * from register_leavers_as_of(current_date);
create view register_training_current as select * from register_training_as_of(current_date);
create view register_election_periods_current as select * from register_election_periods_as_of(current_date);
create view register_brand_patterns_current as select * from register_brand_patterns_as_of(current_date);
create view register_report_recipients_current as select * from register_report_recipients_as_of(current_date);
