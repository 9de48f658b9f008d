-- Validation gates: every batch checked by a Great Expectations suite before reports may read it.
--
-- A batch is what one load wrote: one file (rows carrying its file_sha256 and the run's run_id), or
-- one API load (rows carrying the run's run_id). One row per expectation per batch, so the data
-- team can see a suite's history; one row per batch, so the volume checks can compare a file with
-- the files before it. Results of a refused batch are written after its load rolled back.

create table ops_validation_results (
    run_id          varchar not null,        -- the Airflow run that loaded the batch
    batch_id        varchar not null,        -- file checksum, or source:entity:scope for an API batch
    suite           varchar not null,        -- expectations/<suite>.json
    expectation     varchar not null,        -- expectation type and column, e.g. expect_column_values_to_not_be_null(email)
    check_kind      varchar,                 -- key, timestamp, enumeration, reference, length, range, consistency, volume
    level           varchar not null check (level in ('error', 'warning')),
    success         boolean not null,
    rows_checked    bigint not null,
    unexpected      bigint,
    examples        varchar[],               -- up to five unexpected values, as text
    validated_at    timestamptz not null,
    primary key (run_id, batch_id, suite, expectation)
);

-- One row per batch: its size and whether reports may read it (a failed batch was rolled back).
create table ops_batches (
    run_id          varchar not null,
    batch_id        varchar not null,
    source          varchar not null,        -- registers, hootsuite, x, facebook, instagram
    entity          varchar not null,        -- accounts, messages, activity, ...
    suites          varchar[] not null,
    rows            bigint not null,         -- rows validated: what this load wrote (new or changed rows)
    received        bigint,                  -- rows the file held, what the volume check compares; null for API loads
    status          varchar not null check (status in ('passed', 'warned', 'failed')),
    message         varchar,
    name            varchar,                 -- the file's name, for a file batch
    landing_path    varchar,
    validated_at    timestamptz not null,
    primary key (run_id, batch_id)
);
