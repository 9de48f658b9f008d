-- UK GDPR: what retention removed and which erasure requests were carried out.
--
-- Neither log re-stores a person: an erasure request is kept as a keyed SHA-256 of the normalised
-- identifier (lower case, no leading @), so the data protection officer can answer "was this
-- person erased, and when?" by hashing the identifier again, and nobody can read it back out.
-- The key is the Airflow connection `privacy_erasure_key` (password), else `ops_keys` row
-- 'privacy_erasure_key', made on first use. Counts are per table / per landing folder, never rows.

create table privacy_erasure_log (
    request_id          varchar primary key,   -- <airflow run id>#<try number>, or a generated id
    requested_at        timestamptz not null,
    requested_by        varchar not null,      -- the Airflow user who triggered it, and the run id
    identifier_hash     varchar not null,      -- hex HMAC-SHA256 of the normalised identifier
    platform            varchar,               -- x | facebook | instagram, or null for every platform
    dry_run             boolean not null,
    identities_found    integer not null,      -- distinct author ids/handles/names it resolved to
    rows_removed        json,                  -- {table: rows deleted}
    rows_redacted       json,                  -- {table: rows whose text had the person replaced by [erased]}
    landing_files_rewritten integer not null default 0,
    landing_files_removed   integer not null default 0,
    landing_files       json,                  -- [{path, action, records}] for every landing file touched
    copies_outside      json,                  -- sent emails and report archives that still name the person
    status              varchar not null check (status in ('erased', 'nothing_found', 'dry_run', 'incomplete')),
    message             varchar,
    finished_at         timestamptz not null
);

create table privacy_retention_log (
    run_id              varchar,
    run_date            date not null,         -- the Europe/London day the retention ran for
    cutoff              date not null,         -- rows and landing partitions before this day went
    retention_days      integer not null,
    dry_run             boolean not null,
    rows_removed        json,                  -- {table: rows deleted}
    rows_cleared        json,                  -- {table: rows whose personal columns were emptied}
    rows_held           json,                  -- {table: rows past the cutoff kept until aggregates cover their day}
    landing_partitions_removed integer not null default 0,
    landing_files_removed   integer not null default 0,
    finished_at         timestamptz not null  -- append-only: a retry adds a row (its counts are then 0)
);

