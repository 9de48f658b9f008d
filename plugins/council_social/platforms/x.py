"""The X API v2 through tweepy's ``Client``: the connection, the pipeline's own waits, and fetching.

What the audit, the benefit report and listening need from X: each council account's profile and
daily counts (one user lookup a run for every account, 100 a call), its posts since the last run
(``since_id``), the posts that mention it, and the brand search of the last seven days. Every page
lands verbatim in the landing zone before anything parses it (``x_load`` parses and loads).

Why the waits live here and not in tweepy: ``wait_on_rate_limit`` retries *every* 429 forever,
including X's monthly usage cap (a 429 that only the next billing month lifts), and retries at once
when the reset header is missing. So the client is created with ``wait_on_rate_limit=False`` and
``return_type=requests.Response`` (the headers stay readable), and ``XClient.call`` decides:

* ``x-rate-limit-remaining: 0`` -> the next request to that endpoint waits for ``x-rate-limit-reset``;
* 429 with a reset header -> wait until the reset; without one -> capped exponential backoff;
  any wait beyond the cap fails the task (Airflow retries it later) instead of blocking a worker;
* 5xx and lost connections -> capped backoff, a bounded number of times;
* monthly cap, access tier (403 client-not-enrolled) and a revoked token (401) -> hard errors that
  name what to do; Airflow does not retry them;
* a protected, suspended or deleted account -> that account fails, nobody else.

The bearer token is registered with Airflow's secrets masker, and tweepy's debug lines (which print
request headers) have the ``Authorization`` value redacted, so no log shows it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowFailException

from council_social.config import X_CONN_ID
from council_social.landing import land_json_lines
from council_social.ratelimit import Backoff, RateLimitWaitTooLong, seconds_until, wait

log = logging.getLogger(__name__)

SOURCE = "x"
LONDON = ZoneInfo("Europe/London")
#: X answers at most 100 users a lookup and 100 posts a page.
LOOKUP_BATCH = 100
PAGE_SIZE = 100
#: What X lets anyone reach: a timeline's newest 3,200 posts, the newest 800 mentions, 7 days of search.
TIMELINE_REACH = 3200
MENTIONS_REACH = 800
SEARCH_DAYS = 7
#: Posts younger than this are read again each run, so their likes, replies and reposts settle.
REFRESH_DAYS = 3
SNOWFLAKE_EPOCH_MS = 1288834974657
SNOWFLAKES_FROM = datetime(2010, 11, 5, tzinfo=UTC)  # older, sequential ids decode to the epoch itself
QUERY_LIMIT = 512
#: The longest single wait for a rate-limit window: one full X window (15 minutes).
DEFAULT_MAX_WAIT_SECONDS = 900.0

USER_FIELDS = ["created_at", "description", "protected", "public_metrics", "verified"]
POST_FIELDS = ["created_at", "public_metrics", "referenced_tweets", "in_reply_to_user_id", "conversation_id",
               "author_id", "lang"]
AUTHOR_FIELDS = ["name", "username", "public_metrics", "verified"]
#: X usernames: letters, digits and underscores, at most 15 characters.
USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")

#: What each kind of request is called in ``x-rate-limit`` bookkeeping and in the fake's statistics.
USERS_LOOKUP, USER_TWEETS, USER_MENTIONS, SEARCH_RECENT = (
    "x.users_lookup", "x.user_tweets", "x.user_mentions", "x.search_recent")


# --- errors ----------------------------------------------------------------------------------------

class XAppRefused(AirflowFailException):
    """X refused the app itself (revoked token, monthly cap, access tier): every account fails, no retry."""


class XAccountUnavailable(AirflowFailException):
    """One account cannot be read (protected, suspended, deleted): only that account fails, no retry."""


class XRequestRefused(AirflowFailException):
    """X refused a request as invalid (400 and other 4xx): retrying the same request cannot help."""


class XTemporaryFailure(RuntimeError):
    """5xx answers, lost connections or 429s went on past the allowed attempts: Airflow retries later."""


TOKEN_REFUSED = (
    "X refused the bearer token of the Airflow connection '{conn_id}' ({status}): it was revoked or "
    "regenerated. Generate a new bearer token for the app in the X developer portal, put it in the "
    "connection's password, then clear the failed tasks. Every account read with this connection fails "
    "until then."
)
USAGE_CAPPED = (
    "X's monthly usage cap for this app is used up (429 {title}: {detail}). Retrying cannot help before the "
    "cap resets at the start of the app's next monthly usage period: upgrade the app's access tier in the "
    "X developer portal, or wait for the monthly reset, then clear the failed tasks."
)
ACCESS_TIER = (
    "X refused the app ({status} {title}, {reason}): {detail} The app's access does not include this "
    "endpoint: in the X developer portal, attach the app to a Project with the required access "
    "({enrollment}) or upgrade the access tier, then clear the failed tasks."
)


def _problem(response) -> dict:
    """The JSON problem document of an error response (empty when it is not JSON)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _is_usage_cap(problem: dict) -> bool:
    text = " ".join(str(problem.get(k, "")) for k in ("title", "type", "detail"))
    return "UsageCapExceeded" in text or "usage-capped" in text


def _is_access_tier(problem: dict) -> bool:
    text = " ".join(str(problem.get(k, "")) for k in ("reason", "type", "title"))
    return any(mark in text for mark in ("client-not-enrolled", "client-forbidden", "Client Forbidden"))


# --- the connection --------------------------------------------------------------------------------

def base_url_of(host: str | None) -> str | None:
    """The connection's host as a base URL (a bare host name means HTTPS); empty means the real API."""
    if not host or not host.strip():
        return None
    host = host.strip().rstrip("/")
    return host if "://" in host else f"https://{host}"


class XHook(BaseHook):
    """The ``x`` connection: password = the app's bearer token; host = base URL (empty: the real API).

    Extra (optional): ``{"max_wait_seconds": 900}``, the longest single wait for a rate-limit window.
    Create the hook and its client inside a task, never at import.
    """

    conn_name_attr = "x_conn_id"
    default_conn_name = X_CONN_ID
    conn_type = "x"
    hook_name = "X (Twitter) API v2"

    def __init__(self, x_conn_id: str = default_conn_name, **kwargs) -> None:
        super().__init__(**kwargs)
        self.x_conn_id = x_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "login", "port"],
            "relabeling": {"host": "Base URL", "password": "Bearer token"},
            "placeholders": {"host": "empty for https://api.twitter.com", "extra": '{"max_wait_seconds": 900}'},
        }

    def get_conn(self, *, max_wait_seconds: float | None = None) -> XClient:
        connection = self.get_connection(self.x_conn_id)
        token = connection.password
        if not token:
            raise XAppRefused(f"the Airflow connection '{self.x_conn_id}' has no bearer token: put the X app's "
                              "bearer token in its password")
        from airflow.sdk.log import mask_secret

        mask_secret(token)
        extra = connection.extra_dejson
        cap = max_wait_seconds or float(extra.get("max_wait_seconds") or DEFAULT_MAX_WAIT_SECONDS)
        return XClient(token, base_url_of(connection.host), conn_id=self.x_conn_id,
                       policy=WaitPolicy(max_wait_seconds=cap))


# --- the client ------------------------------------------------------------------------------------

class _RedactBearer(logging.Filter):
    """tweepy logs request headers at debug level; keep the bearer token out of every handler."""

    pattern = re.compile(r"(Bearer\s+)[^'\"\s,}]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Bearer" in message:
            record.msg, record.args = self.pattern.sub(r"\1***", message), None
        return True


def _redact_tweepy_logs() -> None:
    logger = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _RedactBearer) for f in logger.filters):
        logger.addFilter(_RedactBearer())


@dataclass(frozen=True)
class WaitPolicy:
    """How long the pipeline is willing to wait for X, and how it retries temporary failures."""

    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS
    backoff: Backoff = field(default_factory=lambda: Backoff(base_seconds=1.0, cap_seconds=60.0, max_attempts=6))
    #: Added to X's reset time: resets are whole seconds, and clocks differ a little.
    reset_margin: float = 0.25
    timeout_seconds: float = 60.0


@dataclass
class EndpointStats:
    requests: int = 0
    answered: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    first_at: float | None = None
    last_at: float | None = None


class XClient:
    """``tweepy.Client`` with the pipeline's waits; ``call`` returns each page's JSON body.

    ``base_url`` sends every request to another address (the fake API server) through the session;
    ``sleep`` and ``clock`` are there so waits can be observed.
    """

    def __init__(self, bearer_token: str, base_url: str | None = None, *, conn_id: str = X_CONN_ID,
                 policy: WaitPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time):
        import requests
        import tweepy

        from council_social.http import rebase_session

        _redact_tweepy_logs()
        self.conn_id, self.policy, self.sleep, self.clock = conn_id, policy or WaitPolicy(), sleep, clock
        self.client = tweepy.Client(bearer_token=bearer_token, wait_on_rate_limit=False,
                                    return_type=requests.Response)
        session = self.client.session
        rebase_session(session, base_url)
        send, timeout = session.request, self.policy.timeout_seconds

        def request_with_timeout(method, url, **kwargs):
            kwargs.setdefault("timeout", timeout)  # tweepy sets none: a stalled connection would hang the task
            return send(method, url, **kwargs)

        session.request = request_with_timeout
        self.stats: dict[str, EndpointStats] = {}
        self._limits: dict[str, tuple[int, float]] = {}

    def close(self) -> None:
        self.client.session.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------------

    def call(self, endpoint: str, method: str, *args, what: str, **params) -> dict:
        """Call ``tweepy.Client.<method>`` and return the JSON body, waiting and retrying as the policy says.

        ``endpoint`` names the rate-limit bucket (``x.user_tweets`` ...); ``what`` says in messages what
        was being read (``posts of @ManCityCouncil``).
        """
        import requests
        import tweepy

        stats = self.stats.setdefault(endpoint, EndpointStats())
        attempt = 0
        while True:
            self._pace(endpoint, what, stats)
            stats.requests += 1
            now = self.clock()
            stats.first_at = now if stats.first_at is None else stats.first_at
            try:
                response = getattr(self.client, method)(*args, **params)
            except tweepy.TooManyRequests as exc:
                stats.last_at = self.clock()
                stats.rate_limited += 1
                self._note_limits(endpoint, exc.response)
                problem = _problem(exc.response)
                if _is_usage_cap(problem):
                    raise XAppRefused(USAGE_CAPPED.format(title=problem.get("title", "UsageCapExceeded"),
                                                          detail=problem.get("detail", "usage cap exceeded"))) from None
                attempt += 1
                self._after_rate_limit(exc.reset_time, attempt, what, stats)
                continue
            except tweepy.TwitterServerError as exc:
                stats.last_at = self.clock()
                stats.server_errors += 1
                attempt += 1
                self._retry(attempt, what, f"X answered {exc.response.status_code} {exc.response.reason}", stats)
                continue
            except (requests.ConnectionError, requests.Timeout) as exc:
                stats.last_at = self.clock()
                attempt += 1
                self._retry(attempt, what, f"no answer from X ({type(exc).__name__})", stats)
                continue
            except tweepy.Unauthorized as exc:
                raise XAppRefused(TOKEN_REFUSED.format(conn_id=self.conn_id,
                                                       status=_status(exc.response))) from None
            except tweepy.Forbidden as exc:
                problem = _problem(exc.response)
                if _is_access_tier(problem):
                    raise XAppRefused(ACCESS_TIER.format(
                        status=exc.response.status_code, title=problem.get("title", "Forbidden"),
                        reason=problem.get("reason", "client-forbidden"),
                        detail=str(problem.get("detail", "")).strip(),
                        enrollment=problem.get("required_enrollment", "Appropriate Level of API Access"),
                    )) from None
                raise XAccountUnavailable(f"{what}: X refused access ({_status(exc.response)}: "
                                          f"{_detail(problem)})") from None
            except tweepy.NotFound as exc:
                raise XAccountUnavailable(f"{what}: X has no such resource ({_status(exc.response)}: "
                                          f"{_detail(_problem(exc.response))})") from None
            except tweepy.HTTPException as exc:
                raise XRequestRefused(f"{what}: X refused the request ({_status(exc.response)}: "
                                      f"{_detail(_problem(exc.response))})") from None
            stats.last_at = self.clock()
            self._note_limits(endpoint, response)
            try:
                body = response.json()
            except ValueError:
                attempt += 1
                self._retry(attempt, what, f"X answered {response.status_code} with a body that is not JSON", stats)
                continue
            stats.answered += 1
            return body if isinstance(body, dict) else {"data": body}

    def _note_limits(self, endpoint: str, response) -> None:
        headers = getattr(response, "headers", None) or {}
        try:
            remaining = int(headers["x-rate-limit-remaining"])
            reset = float(headers["x-rate-limit-reset"])
        except (KeyError, TypeError, ValueError):
            return
        self._limits[endpoint] = (remaining, reset)

    def _pace(self, endpoint: str, what: str, stats: EndpointStats) -> None:
        """Before a request: when the last answer said the window is used up, wait for its reset."""
        remaining, reset = self._limits.get(endpoint, (1, 0.0))
        if remaining > 0:
            return
        delay = seconds_until(reset, now=self.clock(), margin=self.policy.reset_margin)
        self._limits.pop(endpoint, None)
        if delay > 0:
            log.info("%s: X's rate-limit window for %s is used up; waiting %.1f s for it to reset",
                     what, endpoint, delay)
            self._wait(delay, what, stats)

    def _after_rate_limit(self, reset: int | None, attempt: int, what: str, stats: EndpointStats) -> None:
        if attempt > self.policy.backoff.max_attempts:
            raise XTemporaryFailure(f"{what}: X still answered 429 (rate limit) after {attempt - 1} waits; the task "
                                    "fails now and Airflow retries it later")
        delay = seconds_until(reset, now=self.clock(), margin=self.policy.reset_margin) if reset else 0.0
        if delay <= self.policy.reset_margin:
            # No reset header, or one already past by this clock: back off rather than ask again at once.
            delay = self.policy.backoff.delay(attempt)
            log.warning("%s: rate limited (429) %s; backing off %.1f s (attempt %d of %d)", what,
                        "with no reset time" if not reset else "although the window should have reset",
                        delay, attempt, self.policy.backoff.max_attempts)
        else:
            log.warning("%s: rate limited (429); waiting %.1f s for the window to reset", what, delay)
        self._wait(delay, what, stats)

    def _retry(self, attempt: int, what: str, reason: str, stats: EndpointStats) -> None:
        if attempt > self.policy.backoff.max_attempts:
            raise XTemporaryFailure(f"{what}: {reason}, {attempt} times in a row; the task fails now and Airflow "
                                    "retries it later")
        delay = self.policy.backoff.delay(attempt)
        log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", what, reason, delay, attempt,
                    self.policy.backoff.max_attempts)
        self._wait(delay, what, stats)

    def _wait(self, seconds: float, what: str, stats: EndpointStats) -> None:
        wait(seconds, cap_seconds=self.policy.max_wait_seconds, what=what, sleep=self.sleep)
        stats.waits += 1
        stats.waited_seconds += seconds

    # -- paging --------------------------------------------------------------------------------------

    def pages(self, endpoint: str, method: str, *args, what: str, token_param: str = "pagination_token",
              **params) -> Iterator[tuple[dict, dict]]:
        """Each page of a paged endpoint as ``(params sent, body)``, following ``meta.next_token``."""
        token = None
        while True:
            sent = dict(params, **({token_param: token} if token else {}))
            body = self.call(endpoint, method, *args, what=what, **sent)
            yield sent, body
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return


def _status(response) -> str:
    return f"{response.status_code} {response.reason}".strip()


def _detail(problem: dict) -> str:
    for key in ("detail", "title"):
        if problem.get(key):
            return str(problem[key])
    errors = problem.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or errors[0])
    return "no detail given"


# --- what one task records -------------------------------------------------------------------------

def describe(exc: BaseException) -> str:
    """A failure as the per-account summary shows it."""
    if isinstance(exc, XAppRefused | XAccountUnavailable | XRequestRefused | XTemporaryFailure | RateLimitWaitTooLong):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def recording(outcome: dict, push: Callable[[dict], None]) -> Iterator[dict]:
    """Run a fetch and always hand its outcome on (``push``), failed or not, then let a failure propagate.

    The summary task reads the outcomes: a failed account still shows why, and the pages it landed
    before failing are still loaded.
    """
    outcome.setdefault("status", "ok")
    outcome.setdefault("message", "")
    outcome.setdefault("items", 0)
    outcome.setdefault("pages", [])
    try:
        yield outcome
    except BaseException as exc:
        outcome["status"], outcome["message"] = "failed", describe(exc)
        raise
    finally:
        push(outcome)


def _land(body: dict, *, entity: str, day: date, name: str, endpoint: str, params: dict, **context) -> str:
    """Keep one page as received, with the request that produced it (nothing secret: the token is a header)."""
    request = {k: (",".join(map(str, v)) if isinstance(v, list) else v.isoformat() if isinstance(v, datetime) else v)
               for k, v in params.items()}
    record = {"endpoint": endpoint, **context, "params": request, "body": body}
    return land_json_lines([record], source=SOURCE, entity=entity, day=day, name=name)


def _has_content(body: dict) -> bool:
    """An answer with nothing in it (``result_count: 0``, the usual reply to ``since_id``) is not kept: it
    holds nothing to reprocess, and keeping it would add a file on every rerun."""
    return any(body.get(key) for key in ("data", "includes", "errors"))


def _newest(current: str | None, *candidates: object) -> str | None:
    """The greatest post id (ids grow with time); ids compared as numbers."""
    values = [int(v) for v in (current, *candidates) if isinstance(v, str | int) and str(v).isdigit()]
    return str(max(values)) if values else None


# --- account lookup (once a run, 100 accounts a call) ----------------------------------------------

def read_day(moment: datetime | None = None) -> str:
    """The Europe/London day counts are read on (``platform_account_daily.snapshot_date``)."""
    return (moment or datetime.now(UTC)).astimezone(LONDON).date().isoformat()


def look_up_accounts(client: XClient, plan: dict, *, day: date, outcome: dict | None = None) -> list[dict]:
    """Look every active X account of the register up (profile and counts) and return one item per account.

    Each item is what a mapped fetch task needs: handle, X id, whether X says it is protected, its
    watermarks, or the reason it cannot be read (not on X, not a valid username).
    """
    outcome = outcome if outcome is not None else {}
    outcome.setdefault("pages", [])
    accounts = plan["accounts"]
    watermarks = plan.get("watermarks", {})
    items: list[dict] = []
    valid = [a for a in accounts if USERNAME.match(a["handle"] or "")]
    for account in accounts:
        if not USERNAME.match(account["handle"] or ""):
            items.append({**account, "account_id": None, "protected": None, "watermarks": {},
                          "error": f"the account register's handle '{account['handle']}' for "
                                   f"{account['account_key']} is not an X username (letters, digits and _, "
                                   "at most 15): correct it in the register"})
    read_on = read_day()
    for start in range(0, len(valid), LOOKUP_BATCH):
        batch = valid[start:start + LOOKUP_BATCH]
        params = {"usernames": [a["handle"] for a in batch], "user_fields": USER_FIELDS}
        body = client.call(USERS_LOOKUP, "get_users", what=f"lookup of {len(batch)} X account(s)", **params)
        outcome["pages"].append(_land(body, entity="users", day=day, name=f"users_{start // LOOKUP_BATCH + 1:03d}",
                                      endpoint="/2/users/by", params=params, read_on=read_on))
        found = {str(u.get("username", "")).lower(): u for u in body.get("data") or [] if isinstance(u, dict)}
        errors = {str(e.get("value", "")).lower(): e for e in body.get("errors") or [] if isinstance(e, dict)}
        for account in batch:
            user = found.get(account["handle_key"])
            if user is None or not user.get("id"):
                items.append({**account, "account_id": None, "protected": None, "watermarks": {},
                              "error": _missing_account(account, errors.get(account["handle_key"]))})
                continue
            account_id = str(user["id"])
            items.append({**account, "account_id": account_id, "protected": bool(user.get("protected")),
                          "error": None,
                          "watermarks": {entity: scopes[account_id] for entity, scopes in watermarks.items()
                                         if account_id in scopes}})
    outcome["items"] = sum(1 for i in items if not i["error"])
    log.info("looked up %d X account(s) in %d request(s): %d found, %d not readable", len(accounts),
             len(outcome["pages"]), outcome["items"], len(items) - outcome["items"])
    order = {a["account_key"]: n for n, a in enumerate(accounts)}
    return sorted(items, key=lambda i: order[i["account_key"]])


def _missing_account(account: dict, error: dict | None) -> str:
    detail = _detail(error) if error else "not in X's answer"
    if "suspend" in detail.lower():
        return f"X has suspended @{account['handle']} ({detail}): its activity cannot be read"
    return (f"X has no account @{account['handle']} ({detail}): it was deleted, renamed or suspended. Check the "
            f"handle of {account['account_key']} in the account register")


# --- one account's posts and mentions --------------------------------------------------------------

def _account_error(body: dict, account_id: str) -> dict | None:
    """An error in a 200 answer that is about the account itself (protected, suspended, gone), if any."""
    if body.get("data"):
        return None
    for error in body.get("errors") or []:
        if isinstance(error, dict) and (str(error.get("resource_id")) == account_id
                                        or error.get("parameter") == "id"):
            return error
    return None


def fetch_account(client: XClient | None, item: dict, *, day: date, backfill: dict | None = None,
                  page_size: int = PAGE_SIZE, outcome: dict | None = None, refresh_from: str | None = None) -> dict:
    """Fetch one account's posts and mentions into the landing zone; returns its outcome (paths, watermarks).

    Incremental runs ask for posts newer than the account's watermarks (``since_id``); the first run
    takes what X allows (the newest 3,200 posts, 800 mentions). With ``refresh_from`` (UTC ISO time)
    the timeline is read from then instead when the watermark is newer, so posts of the last few days
    are read again and their public counts settle (the loader writes only what changed). A backfill
    asks for ``start``..``end`` instead and leaves the watermarks alone. A protected account the
    register marks private/locked is skipped (its counts still come from the lookup); any other
    unreadable account fails, alone.
    """
    outcome = outcome if outcome is not None else {}
    outcome.setdefault("pages", [])
    outcome.setdefault("items", 0)
    outcome.update(kind="account", account_key=item["account_key"], handle=item["handle"],
                   account_id=item.get("account_id"), watermarks={})
    handle = item["handle"]
    if item.get("error"):
        raise XAccountUnavailable(item["error"])
    if item.get("protected") and item.get("private_locked"):
        outcome.update(status="skipped", message=(
            f"@{handle} is protected on X, as the account register says (private/locked): its posts and "
            "mentions cannot be read with the app's bearer token; its profile and counts were read"))
        log.warning("%s", outcome["message"])
        return outcome
    account_id = item["account_id"]
    counts = {}
    for entity, endpoint, method, reach in (("tweets", USER_TWEETS, "get_users_tweets", TIMELINE_REACH),
                                           ("mentions", USER_MENTIONS, "get_users_mentions", MENTIONS_REACH)):
        what = f"{'posts' if entity == 'tweets' else 'mentions'} of @{handle}"
        since = None if backfill else (item.get("watermarks") or {}).get(entity)
        params: dict[str, object] = {"max_results": page_size, "tweet_fields": POST_FIELDS}
        if entity == "mentions":
            params.update(expansions=["author_id"], user_fields=AUTHOR_FIELDS)
        settling = since and entity == "tweets" and refresh_from and _settling(since, refresh_from)
        if settling:
            # Likes, replies and reposts keep coming for days: recent posts are read again to settle them.
            params["start_time"] = datetime.fromisoformat(refresh_from)
            log.info("%s: newer than %s, so the recent posts' counts settle (watermark %s)", what, refresh_from,
                     since)
        elif since:
            params["since_id"] = since
        elif backfill:
            params.update(start_time=datetime.fromisoformat(backfill["start"]),
                          end_time=datetime.fromisoformat(backfill["end"]))
            log.info("%s: backfill %s to %s; X reaches only the newest %s, older ones cannot be fetched", what,
                     backfill["start"], backfill["end"], f"{reach:,}")
        else:
            log.info("%s: first run (no watermark): fetching the history X allows, the newest %s", what,
                     f"{reach:,}")
        newest, count, oldest = since, 0, None
        for number, (sent, body) in enumerate(client.pages(endpoint, method, account_id, what=what, **params), 1):
            problem = _account_error(body, account_id)
            if problem is not None:
                raise XAccountUnavailable(_unreadable(item, problem))
            if _has_content(body):
                outcome["pages"].append(_land(
                    body, entity=entity, day=day,
                    name=f"{account_id}_{entity}_{'from_' + refresh_from[:10] if settling else since or 'all'}_"
                         f"{number:03d}",
                    endpoint=f"/2/users/:id/{entity}", params=sent, account_id=account_id, handle=handle))
            data = body.get("data") or []
            count += len(data)
            meta = body.get("meta") or {}
            newest = _newest(newest, meta.get("newest_id"), *(p.get("id") for p in data if isinstance(p, dict)))
            oldest = meta.get("oldest_id") or oldest
        counts[entity] = count
        outcome["items"] += count
        if not backfill:
            outcome["watermarks"][entity] = newest
        if not since and count >= reach - page_size:
            log.warning("%s: %d fetched; X's reach ends at the newest %s, so anything older than id %s is out of "
                        "reach", what, count, f"{reach:,}", oldest)
    outcome["message"] = f"{counts['tweets']} post(s), {counts['mentions']} mention(s)"
    log.info("@%s: %s", handle, outcome["message"])
    return outcome


def posted_at(post_id: str) -> datetime | None:
    """When a post was made, read from its id: X ids are Snowflakes (milliseconds since X's epoch << 22)."""
    if not str(post_id).isdigit():
        return None
    moment = datetime.fromtimestamp(((int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)
    return moment if moment >= SNOWFLAKES_FROM else None


def _settling(since: str, refresh_from: str) -> bool:
    """Whether the watermark post is newer than ``refresh_from`` (else ``since_id`` already reaches back further)."""
    moment = posted_at(since)
    return moment is not None and moment > datetime.fromisoformat(refresh_from)


def _unreadable(item: dict, error: dict) -> str:
    handle, detail = item["handle"], _detail(error)
    kind = str(error.get("type", ""))
    if "not-authorized" in kind or "not authorized" in detail.lower():
        return (f"@{handle} is protected on X: its posts and mentions cannot be read with the app's bearer token "
                f"({detail}). If the council locked it on purpose, mark it private/locked in the account register "
                "and it is skipped from then on; otherwise ask its moderators why it is locked")
    if "suspend" in detail.lower():
        return f"X has suspended @{handle} ({detail}): its activity cannot be read"
    return (f"X has no account with the id of @{handle} any more ({detail}): it was deleted or suspended. "
            f"Check {item['account_key']} in the account register")


# --- brand search ----------------------------------------------------------------------------------

def search_brand(client: XClient | None, search: dict | None, *, day: date, backfill: dict | None = None,
                 page_size: int = PAGE_SIZE, outcome: dict | None = None, now: datetime | None = None) -> dict:
    """Recent search for the brand query (listening and comparison patterns) into the landing zone.

    X's recent search covers the last seven days: the first run takes those, later runs ask for posts
    newer than the watermark, and a backfill further back than seven days says what it cannot reach.
    """
    outcome = outcome if outcome is not None else {}
    outcome.setdefault("pages", [])
    outcome.setdefault("items", 0)
    outcome.update(kind="search", watermarks={})
    if not search or not search.get("query"):
        outcome.update(status="skipped",
                       message="no listening or comparison patterns in the brand register: no brand search")
        log.warning("%s", outcome["message"])
        return outcome
    query, scope = search["query"], search["scope"]
    outcome.update(query=query, scope=scope)
    what = "brand search"
    since = None if backfill else search.get("since_id")
    params: dict[str, object] = {"max_results": page_size, "tweet_fields": POST_FIELDS, "expansions": ["author_id"],
                                 "user_fields": AUTHOR_FIELDS}
    if since:
        params["since_id"] = since
    elif backfill:
        now = now or datetime.now(UTC)
        earliest = now - timedelta(days=SEARCH_DAYS) + timedelta(minutes=5)
        start, end = datetime.fromisoformat(backfill["start"]), datetime.fromisoformat(backfill["end"])
        if end <= earliest:
            outcome.update(status="skipped", message=(
                f"X's recent search covers only the last {SEARCH_DAYS} days: the backfill {backfill['start']} to "
                f"{backfill['end']} is out of its reach"))
            log.warning("%s", outcome["message"])
            return outcome
        if start < earliest:
            log.warning("%s: X's recent search covers only the last %d days; posts before %s cannot be fetched",
                        what, SEARCH_DAYS, earliest.isoformat())
            start = earliest
        params.update(start_time=start, end_time=min(end, now - timedelta(seconds=30)))
    else:
        log.info("%s: first run for this query (no watermark): fetching the last %d days X allows", what,
                 SEARCH_DAYS)
    newest, count = since, 0
    for number, (sent, body) in enumerate(client.pages(SEARCH_RECENT, "search_recent_tweets", query, what=what,
                                                       token_param="next_token", **params), 1):
        if _has_content(body):
            outcome["pages"].append(_land(body, entity="search", day=day, name=f"search_{scope}_{since or 'all'}_"
                                          f"{number:03d}", endpoint="/2/tweets/search/recent", params=sent,
                                          query=query))
        data = body.get("data") or []
        count += len(data)
        newest = _newest(newest, (body.get("meta") or {}).get("newest_id"),
                         *(p.get("id") for p in data if isinstance(p, dict)))
    outcome["items"] = count
    if not backfill:
        outcome["watermarks"]["search"] = newest
    outcome["message"] = f"{count} post(s) matching the brand query"
    log.info("%s: %s", what, outcome["message"])
    return outcome


def brand_query(patterns: list[str], limit: int = QUERY_LIMIT) -> tuple[str | None, list[str]]:
    """The recent-search query for the listening and comparison patterns, kept under X's length limit.

    ``@handles`` and ``#tags`` stay as they are; anything else is searched as an exact phrase.
    Patterns that would take the query past ``limit`` characters are left out and returned, so the
    caller can say which.
    """
    suffix = " -is:retweet"
    terms, dropped = [], []
    for pattern in dict.fromkeys(p.strip() for p in patterns if p and p.strip()):
        cleaned = pattern.replace('"', "").strip()
        if not cleaned:
            continue
        term = cleaned if re.fullmatch(r"[@#]\w+", cleaned) else f'"{cleaned}"'
        candidate = terms + [term]
        if len("(" + " OR ".join(candidate) + ")" + suffix) > limit:
            dropped.append(pattern)
            continue
        terms = candidate
    if not terms:
        return None, dropped
    return "(" + " OR ".join(terms) + ")" + suffix, dropped
