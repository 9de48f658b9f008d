-- Validation gates: every batch checked by a Great Expectations suite before reports may read it.
--
-- One row per expectation per batch, so the data team can see a suite's history and the volume
-- checks can compare a batch with recent ones. A batch is what one load wrote: one file, one API
-- run for one account, one register file.

create table ops_validation_results (
    run_id          varchar not null,        -- the Airflow run that loaded the batch
    batch_id        varchar not null,        -- file checksum, or source:entity:scope for an API batch
    suite           varchar not null,        -- expectations/<suite>.json
    expectation     varchar not null,        -- expectation type and column, e.g. expect_column_values_to_not_be_null(email)
    level           varchar not null check (level in ('error', 'warning')),
    success         boolean not null,
    rows_checked    bigint not null,
    unexpected      bigint,
    examples        varchar[],               -- a few unexpected values, as text
    validated_at    timestamptz not null,
    primary key (run_id, batch_id, suite, expectation)
);

-- One row per batch: its size (for the volume checks) and whether reports may read it.
create table ops_batches (
    run_id          varchar not null,
    batch_id        varchar not null,
    source          varchar not null,
    entity          varchar not null,
    rows            bigint not null,
    status          varchar not null check (status in ('passed', 'warned', 'failed')),
    message         varchar,
    validated_at    timestamptz not null,
    primary key (run_id, batch_id)
);
