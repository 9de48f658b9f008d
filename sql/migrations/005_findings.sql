-- Governance findings and the reports built from them.
--
-- A finding is identified by finding_key (rule:subject[:detail]) across reports, so each audit can
-- say what is new, still open, or resolved since the last one. Evaluating the rules as of a date
-- updates last_seen of what is still found and resolves what is not; rerunning the same date
-- changes nothing.

create table report_findings (
    finding_key     varchar primary key,
    rule            varchar not null,
    clause          varchar not null,
    severity        varchar not null check (severity in ('critical', 'high', 'medium', 'low')),
    subject_kind    varchar not null,
    subject_key     varchar not null,
    subject_name    varchar,
    summary         varchar not null,
    action          varchar not null,
    evidence        json,
    accounts        varchar[],
    first_seen      date not null,           -- the first evaluation date it was found on
    last_seen       date not null,           -- the latest evaluation date it was found on
    status          varchar not null check (status in ('open', 'resolved')),
    resolved_on     date,                    -- the first evaluation date it was no longer found on
    run_id          varchar,
    updated_at      timestamptz not null
);

-- One row per rule evaluation: which rules ran as of which date, so "resolved" is only said of a
-- rule that was evaluated again.
create table report_rule_runs (
    rule            varchar not null,
    as_of           date not null,
    findings        integer not null,
    run_id          varchar,
    evaluated_at    timestamptz not null,
    primary key (rule, as_of)
);

-- One row per report produced: where its files are and what it counted. A rerun for the same
-- period replaces the row.
create table report_runs (
    report          varchar not null,        -- audit | new_account_benefit | inactive_users | listening | review_board_pack
    period          varchar not null,
    as_of           date not null,
    period_start    date,
    period_end      date,
    subject         varchar,                 -- the account, for the new-account benefit report
    output_dir      varchar not null,
    findings_total  integer not null default 0,
    findings_new    integer not null default 0,
    findings_open   integer not null default 0,
    findings_resolved integer not null default 0,
    run_id          varchar,
    generated_at    timestamptz not null,
    primary key (report, period)
);
