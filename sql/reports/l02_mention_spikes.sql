-- L02 (M 9.1 monitoring): days from $first to $last whose mentions about the council are above the
-- mean + $sigmas sigma of the $baseline_days days before them, council-wide ('all') and per council
-- account. Days without mentions count as zero from the scope's first day with any; a day needs
-- $min_history days of baseline and at least $min_mentions mentions; sigma is never taken below one
-- mention (a flat baseline). From the daily aggregates, so spikes stay visible after mention text is
-- gone. listening/spikes.py holds the same rule in Python, for one series.
-- Rows, not findings: listening/findings.py turns them into findings (private individuals
-- pseudonymised) and keeps them with reporting.findings.store.
with daily as (
    select case when grouping(council_account) = 1 then 'all' else council_account end as scope, day,
        sum(mentions)::bigint as mentions
    from listening_daily
    where day between $first::date - $baseline_days and $last::date
    group by grouping sets ((council_account, day), (day))
),
starts as (
    select council_account as scope, min(day) as first_day
    from listening_daily where council_account <> '' group by council_account
    union all
    select 'all', min(day) from listening_daily
),
candidates as (
    select d.scope, d.day, d.mentions, greatest(d.day - $baseline_days, s.first_day) as since
    from daily as d join starts as s using (scope)
    where d.scope <> '' and d.day between $first::date and $last::date and d.mentions >= $min_mentions
),
history as (
    select c.scope, c.day, c.mentions, datediff('day', c.since, c.day) as days,
        coalesce(sum(b.mentions), 0)::double as total, coalesce(sum(b.mentions * b.mentions), 0)::double as squares
    from candidates as c
    left join daily as b on b.scope = c.scope and b.day >= c.since and b.day < c.day
    group by c.scope, c.day, c.mentions, c.since
),
measured as (
    select scope, day, mentions, days, total / days as mean,
        round(sqrt(greatest(squares / days - (total / days) * (total / days), 0)), 6) as sigma
    from history
    where days >= greatest($min_history, 1)
)
select scope, day, mentions, round(mean, 3) as mean, round(sigma, 3) as sigma,
    round(mean + $sigmas * greatest(sigma, 1.0), 3) as threshold, days
from measured
where mentions > mean + $sigmas * greatest(sigma, 1.0)
order by scope <> 'all', scope, day
