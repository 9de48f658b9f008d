-- N01 (G Requests for new Social Media Accounts): accounts whose three-month benefit review falls due.
--
-- "Following the creation of new social media presence, formal three month monitoring should be
-- performed to assess the extent to which expected benefits have been achieved."
--
-- The review date is go-live plus $review_after_months calendar months (31 July + 3 months = 31 October;
-- 30 November + 3 months = 28 February). An account is due once its review date has come
-- (review_on <= $as_of); reached_on_as_of marks the accounts that reach it on $as_of itself (the daily
-- check). Reviews that fell due more than $review_after_months months before $as_of are not listed:
-- by then the review is no longer a three-month one, and such an account is reviewed on demand.
-- An account whose review was already produced (a report_runs row for it as of its review date or
-- later) is not due again; an earlier, interim report on demand does not count. So each review is
-- produced once, and a day the check did not run is caught up the next day.
--
-- Parameters: $as_of (date), $review_after_months (integer).

with registered as (
    select
        platform,
        handle,
        handle_key,
        platform || ':' || handle_key as account_key,
        account_name,
        go_live_on,
        cast(go_live_on + to_months(cast($review_after_months as integer)) as date) as review_on
    from register_accounts_as_of(cast($as_of as date))
    where go_live_on is not null
      and status = 'active'
)

select
    account_key,
    platform,
    handle,
    handle_key,
    account_name,
    go_live_on,
    review_on,
    review_on = cast($as_of as date) as reached_on_as_of
from registered
where review_on <= cast($as_of as date)
  and review_on > cast(cast($as_of as date) - to_months(cast($review_after_months as integer)) as date)
  and not exists (
      select 1
      from report_runs as reviewed
      where reviewed.report = 'new_account_benefit'
        and reviewed.subject = registered.account_key
        and reviewed.as_of >= registered.review_on
  )
order by review_on, account_key
