"""The Hootsuite REST API: who holds access, which profiles exist, what was posted and who approved it.

``HootsuiteClient`` talks to ``platform.hootsuite.com`` (or the demo's fake server) with plain
``requests``; ``fetch_to_landing`` walks the endpoints the audit needs and keeps every page in the
landing zone before anything parses it. Three things shape the code:

* **Refresh tokens are single-use.** Each refresh returns a new one and spends the old one, so the
  new token is saved (``TokenStore``) *before* the new access token is used: a crash at any later
  point leaves a valid token behind. Every token and the client secret are registered with
  Airflow's secrets masker as soon as they are known, and none is ever logged or returned.
* **20 requests a second per account.** Requests are paced by a token bucket shared by the worker
  threads; a 429 pauses every worker (``Retry-After`` or a reset header when given, Hootsuite
  sends neither, so one rate window and then doubling), each wait capped. 5xx answers and lost
  connections are retried with capped exponential backoff, a bounded number of times.
* **Messages come in windows of at most four weeks**, paged by cursor. The approval trail of a
  message (``/v1/messages/{id}/history``) costs one request each, so it is fetched only for
  messages that are new, changed, or still moving (pending approval, scheduled).
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

import requests
from airflow.sdk.exceptions import AirflowFailException

from council_social.landing import land_json_lines

log = logging.getLogger(__name__)

SOURCE = "hootsuite"
DEFAULT_BASE_URL = "https://platform.hootsuite.com"
#: Hootsuite refuses a messages query spanning more than four weeks.
MAX_WINDOW = timedelta(weeks=4)
#: Longest range one run may fetch (three years: the longest any report looks back).
MAX_RANGE = timedelta(days=1100)
#: Hootsuite allows 20 requests a second per account, counted in fixed one-second windows. Pacing one
#: below leaves room for network jitter, which would otherwise tip a window over now and then.
DEFAULT_REQUESTS_PER_SECOND = 19.0
#: Messages whose approval trail can still grow; their history is fetched on every run that sees them.
IN_FLIGHT_STATES = frozenset({"PENDING_APPROVAL", "SCHEDULED"})


# --- errors ----------------------------------------------------------------------------------------

class HootsuiteAuthError(AirflowFailException):
    """Hootsuite refused the app's credentials. Retrying cannot help, so Airflow does not retry."""


class HootsuiteApiError(RuntimeError):
    """A request failed for good (after the retries it was allowed), or Hootsuite refused it."""


class HootsuiteNotFound(HootsuiteApiError):
    """The resource is gone (a member removed, a message deleted between listing and reading it)."""


REFRESH_REFUSED = (
    "Hootsuite refused the refresh token ({hint}). Refresh tokens are single-use, so the stored one was spent "
    "or revoked. Issue a new refresh token for the app (Hootsuite's OAuth authorisation flow, 'offline' "
    "scope), then put it in the Airflow Variable '{variable}' (or delete that Variable and set the "
    "'refresh_token' extra of the connection '{conn_id}'), and rerun."
)


# --- token storage ---------------------------------------------------------------------------------

class TokenStore(Protocol):
    """Where the current refresh token lives between runs. ``save`` must be durable when it returns."""

    def load(self) -> str | None: ...

    def save(self, token: str) -> None: ...


def refresh_token_variable(conn_id: str) -> str:
    """The Airflow Variable holding a connection's rotated refresh token; 'token' in the key makes Airflow mask it."""
    return f"{conn_id}__refresh_token"


class VariableTokenStore:
    """The refresh token as an Airflow Variable: encrypted at rest (Fernet), masked in the UI and logs.

    Tasks cannot rewrite Connections in Airflow 3, but they can set Variables through the Task SDK;
    ``Variable.set`` returns only once the API server has stored the value.
    """

    description = ("Hootsuite refresh token, rotated by the hootsuite_api DAG on every run (tokens are "
                   "single-use). Replace it only with a newly issued token.")

    def __init__(self, key: str):
        self.key = key

    def load(self) -> str | None:
        from airflow.sdk import Variable

        return Variable.get(self.key, default=None) or None

    def save(self, token: str) -> None:
        from airflow.sdk import Variable

        Variable.set(self.key, token, description=self.description)
        if Variable.get(self.key, default=None) != token:
            raise HootsuiteAuthError(
                f"the rotated Hootsuite refresh token was stored in the Variable '{self.key}' but reading it back "
                "gives another value: a secrets backend (or an AIRFLOW_VAR_ environment variable) defines the same "
                "key and takes precedence. Remove it there so the metadata database copy is used.")


class FileTokenStore:
    """The refresh token in a file (mode 600), replaced atomically: for tests and runs outside Airflow."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def load(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def save(self, token: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, token.encode("utf-8"))
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class MemoryTokenStore:
    """The refresh token in memory, for tests."""

    def __init__(self, token: str | None = None):
        self.token = token
        self.saved: int = 0

    def load(self) -> str | None:
        return self.token

    def save(self, token: str) -> None:
        self.token = token
        self.saved += 1


def mask(*secrets: str | None) -> None:
    """Register secrets with Airflow's masker so no task log line can show them."""
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)


# --- pacing and retries ----------------------------------------------------------------------------

class TokenBucket:
    """Client-side pacing: at most ``rate`` requests a second, shared by threads.

    With ``burst=1`` requests are spaced evenly, which keeps any one-second window of the server's
    at or under ``rate`` (Hootsuite counts requests in fixed windows, so a full burst followed by
    steady refill would overrun one). ``pause`` holds everyone back after a 429.
    """

    def __init__(self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.burst = max(1, burst)
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0.0  # theoretical arrival time of the next request
        self._not_before = 0.0

    def acquire(self) -> float:
        """Wait for this request's turn; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            slot = max(now, self._next - (self.burst - 1) * self.interval, self._not_before)
            self._next = max(self._next, slot) + self.interval
        wait = slot - now
        if wait > 0:
            self.sleep(wait)
        return max(0.0, wait)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._not_before = max(self._not_before, self.clock() + seconds)


def retry_after_seconds(headers: dict[str, str] | requests.structures.CaseInsensitiveDict,
                        now: datetime | None = None) -> float | None:
    """How long the server asks us to wait: ``Retry-After`` (seconds or HTTP date) or a reset header."""
    headers = {k.lower(): v for k, v in headers.items()}
    now = now or datetime.now(UTC)
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
            except (TypeError, ValueError):
                pass
    for name in ("x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"):
        value = headers.get(name)
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            continue
        # An epoch time, or (RateLimit draft) a number of seconds.
        return max(0.0, number - now.timestamp()) if number > 10**9 else max(0.0, number)
    return None


@dataclass
class RequestStats:
    """What a client did; logged and shown in the run summary (never tokens)."""

    requests: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    connection_errors: int = 0
    refreshes: int = 0
    #: Seconds spent in backoff and 429 pauses (not the even pacing between requests).
    paused_seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["paused_seconds"] = round(self.paused_seconds, 1)
        return data


def _error_message(response: requests.Response) -> str:
    """Hootsuite's own error text (``errors[].message`` or OAuth ``error_description``), never headers."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or ""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(f"{e.get('code', '')} {e.get('message', '')}".strip()
                             for e in errors if isinstance(e, dict))
        if "error" in body:
            return f"{body.get('error')}: {body.get('error_hint') or body.get('error_description') or ''}".strip()
    return response.reason or ""


# --- the client ------------------------------------------------------------------------------------

class HootsuiteClient:
    """One Hootsuite app authorised for one organisation, refreshing its own access token.

    ``initial_refresh_token`` (the connection's extra) is used only while the store holds nothing,
    or when Hootsuite refuses the stored one (a newly issued token pasted into the connection).
    """

    def __init__(self, *, base_url: str | None, client_id: str, client_secret: str, token_store: TokenStore,
                 initial_refresh_token: str | None = None, access_token: str | None = None,
                 requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND, workers: int = 4, timeout: float = 30.0,
                 max_attempts: int = 5, max_rate_limited: int = 10, backoff_base: float = 1.0,
                 max_wait: float = 60.0, token_variable: str = "hootsuite_default__refresh_token",
                 conn_id: str = "hootsuite_default"):
        if not client_id or not client_secret:
            raise HootsuiteAuthError(f"the connection '{conn_id}' needs the app's client id (login) and client "
                                     "secret (password)")
        mask(client_secret, initial_refresh_token, access_token)
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.client_id, self._client_secret = client_id, client_secret
        self.token_store, self._initial_refresh_token = token_store, initial_refresh_token
        self._access_token, self._generation = access_token, 0
        self.bucket = TokenBucket(requests_per_second)
        self.workers, self.timeout = max(1, workers), timeout
        self.max_attempts, self.max_rate_limited = max(1, max_attempts), max(1, max_rate_limited)
        self.backoff_base, self.max_wait = max(0.01, backoff_base), max_wait
        self.token_variable, self.conn_id = token_variable, conn_id
        self.stats = RequestStats()
        self._stats_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._refused: HootsuiteAuthError | None = None
        self._local = threading.local()
        self._sessions: list[requests.Session] = []

    # -- plumbing ---------------------------------------------------------------------------------

    def __enter__(self) -> HootsuiteClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        for session in self._sessions:
            session.close()
        self._sessions.clear()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update({"Accept": "application/json", "User-Agent": "council-social-pipelines"})
            self._local.session = session
            self._sessions.append(session)
        return session

    def _count(self, **changes: float) -> None:
        with self._stats_lock:
            for name, value in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + value)

    def _backoff(self, attempt: int) -> float:
        return min(self.max_wait, self.backoff_base * 2 ** (attempt - 1) * random.uniform(1.0, 1.1))

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request, paced, retried on 429, 5xx and lost connections; other answers are returned."""
        failures = rate_limited = 0
        while True:
            self.bucket.acquire()
            self._count(requests=1)
            try:
                response = self._session().request(method, self.base_url + path, timeout=self.timeout, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failures += 1
                self._count(connection_errors=1)
                if failures >= self.max_attempts:
                    raise HootsuiteApiError(f"{method} {path}: no answer from Hootsuite after {failures} attempts "
                                            f"({type(exc).__name__})") from None
                wait = self._backoff(failures)
                log.warning("%s %s: %s, retrying in %.1f s", method, path, type(exc).__name__, wait)
                self._wait(wait)
                continue
            if response.status_code == 429:
                rate_limited += 1
                self._count(rate_limited=1)
                if rate_limited >= self.max_rate_limited:
                    raise HootsuiteApiError(f"{method} {path}: still rate limited after {rate_limited} waits; "
                                            "another client may be using the same Hootsuite account's allowance")
                asked = retry_after_seconds(response.headers)
                # Hootsuite counts requests in one-second windows and sends no Retry-After.
                wait = min(self.max_wait, asked if asked is not None else 2 ** (rate_limited - 1))
                log.info("%s %s: rate limited (429), all requests wait %.1f s", method, path, wait)
                self._count(paused_seconds=wait)
                self.bucket.pause(wait)
                continue
            if response.status_code >= 500:
                failures += 1
                self._count(server_errors=1)
                if failures >= self.max_attempts:
                    raise HootsuiteApiError(f"{method} {path}: Hootsuite answered {response.status_code} "
                                            f"{_error_message(response)} {failures} times; giving up")
                wait = self._backoff(failures)
                log.warning("%s %s: HTTP %s, retrying in %.1f s", method, path, response.status_code, wait)
                self._wait(wait)
                continue
            return response

    def _wait(self, seconds: float) -> None:
        self._count(paused_seconds=seconds)
        time.sleep(seconds)

    # -- tokens -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Trade the refresh token for a new pair; the new refresh token is stored before anything uses it."""
        stored = self.token_store.load()
        candidates = [t for t in dict.fromkeys((stored, self._initial_refresh_token)) if t]
        if not candidates:
            raise HootsuiteAuthError(
                f"no Hootsuite refresh token: set the 'refresh_token' extra of the connection '{self.conn_id}' "
                f"(or the Airflow Variable '{self.token_variable}') to a token issued for the app")
        hint = ""
        for token in candidates:
            mask(token)
            response = self._send("POST", "/oauth2/token", auth=(self.client_id, self._client_secret),
                                  data={"grant_type": "refresh_token", "refresh_token": token})
            if response.status_code == 200:
                self._accept(response)
                return
            if response.status_code == 401:
                raise HootsuiteAuthError(
                    f"Hootsuite refused the app's client id or secret ({_error_message(response)}): check the login "
                    f"and password of the connection '{self.conn_id}'")
            if response.status_code == 400 and _error_message(response).startswith("invalid_grant"):
                hint = _error_message(response).removeprefix("invalid_grant:").strip() or "invalid_grant"
                log.warning("Hootsuite refused a refresh token (%s)%s", hint,
                            "; trying the connection's token" if token != candidates[-1] else "")
                continue
            raise HootsuiteApiError(f"token refresh: HTTP {response.status_code} {_error_message(response)}")
        raise HootsuiteAuthError(REFRESH_REFUSED.format(hint=hint, variable=self.token_variable, conn_id=self.conn_id))

    def _accept(self, response: requests.Response) -> None:
        try:
            body = response.json()
            access, rotated = body["access_token"], body.get("refresh_token")
        except (ValueError, KeyError, TypeError):
            raise HootsuiteApiError("token refresh: Hootsuite's answer holds no access token") from None
        mask(access, rotated)
        if rotated:
            # Single-use tokens: the old one is spent now. Keep the new one before anything else can fail.
            self.token_store.save(rotated)
        self._access_token = access
        self._generation += 1
        self._count(refreshes=1)
        log.info("Hootsuite access token refreshed; the new refresh token is stored")

    def _refresh_if_unchanged(self, generation: int) -> None:
        """Refresh once even when several threads see the same expired token at the same time.

        After a refused refresh every other thread fails with the same error instead of asking again.
        """
        with self._refresh_lock:
            if self._refused is not None:
                raise HootsuiteAuthError(str(self._refused))
            if self._generation == generation:
                try:
                    self.refresh()
                except HootsuiteAuthError as refused:
                    self._refused = refused
                    raise

    # -- reading ----------------------------------------------------------------------------------

    def get(self, path: str, params: dict | None = None) -> dict:
        """GET a JSON document; a 401 (expired access token) refreshes once and tries again."""
        refreshed = False
        while True:
            generation = self._generation
            if self._access_token is None:
                self._refresh_if_unchanged(generation)
                refreshed = True
                continue
            response = self._send("GET", path, params=params,
                                  headers={"Authorization": f"Bearer {self._access_token}"})
            if response.status_code == 401:
                if refreshed:
                    raise HootsuiteAuthError(
                        f"GET {path}: Hootsuite refused a freshly issued access token ({_error_message(response)}); "
                        "check the app's scopes and that the authorising member still belongs to the organisation")
                log.info("GET %s: access token refused (%s), refreshing once", path, _error_message(response))
                self._refresh_if_unchanged(generation)
                refreshed = True
                continue
            if response.status_code == 404:
                raise HootsuiteNotFound(f"GET {path}: not found ({_error_message(response)})")
            if response.status_code == 403:
                raise HootsuiteAuthError(f"GET {path}: the app may not read this ({_error_message(response)}); "
                                         "the authorising member needs organisation admin permissions")
            if response.status_code != 200:
                raise HootsuiteApiError(f"GET {path}: HTTP {response.status_code} {_error_message(response)}")
            try:
                body = response.json()
            except ValueError:
                raise HootsuiteApiError(f"GET {path}: the answer is not JSON") from None
            if not isinstance(body, dict):
                raise HootsuiteApiError(f"GET {path}: the answer is not a JSON object")
            return body

    def get_or_none(self, path: str, params: dict | None = None) -> dict | None:
        try:
            return self.get(path, params)
        except HootsuiteNotFound as exc:
            log.warning("%s", exc)
            return None

    def map(self, function: Callable, items: Sequence) -> list:
        """``function`` over ``items`` on the worker threads (all paced by the one bucket), in order."""
        if self.workers == 1 or len(items) < 2:
            return [function(item) for item in items]
        executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="hootsuite")
        try:
            return list(executor.map(function, items))
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    # -- endpoints --------------------------------------------------------------------------------

    def social_profiles(self) -> list[dict]:
        return self.get("/v1/socialProfiles").get("data") or []

    def teams(self, organization_id: str) -> list[dict]:
        return self.get(f"/v1/organizations/{organization_id}/teams").get("data") or []

    def organization_members(self, organization_id: str) -> list[dict]:
        return self.get(f"/v1/organizations/{organization_id}/members").get("data") or []

    def member(self, member_id: str) -> dict | None:
        body = self.get_or_none(f"/v1/members/{member_id}")
        return None if body is None else body.get("data")

    def member_permissions(self, organization_id: str, member_id: str) -> object | None:
        body = self.get_or_none(f"/v1/organizations/{organization_id}/members/{member_id}/permissions")
        return None if body is None else body.get("data")

    def member_teams(self, organization_id: str, member_id: str) -> object | None:
        body = self.get_or_none(f"/v1/organizations/{organization_id}/members/{member_id}/teams")
        return None if body is None else body.get("data")

    def message_pages(self, start: datetime, end: datetime, *, limit: int = 100) -> Iterator[list[dict]]:
        """Every message scheduled in ``[start, end]`` (at most four weeks), page by page, following the cursor."""
        if end - start > MAX_WINDOW:
            raise ValueError(f"a messages window is at most four weeks, not {end - start}")
        params = {"startTime": api_time(start), "endTime": api_time(end), "limit": limit}
        cursors: set[str] = set()
        cursor = None
        while True:
            body = self.get("/v1/messages", {**params, "cursor": cursor} if cursor else params)
            yield body.get("data") or []
            following = ((body.get("metadata") or {}).get("cursor") or {}).get("next")
            if not following:
                return
            if following in cursors:
                raise HootsuiteApiError(f"GET /v1/messages: the cursor repeats ({following}); stopping")
            cursors.add(following)
            cursor = following

    def message_history(self, message_id: str) -> object | None:
        body = self.get_or_none(f"/v1/messages/{message_id}/history")
        return None if body is None else body.get("data")


# --- time windows ----------------------------------------------------------------------------------

def api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | datetime | date, what: str = "time") -> datetime:
    """A date or ISO-8601 date-time as UTC (a bare date is its midnight; no offset means UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what} '{value}' is not a date (2026-10-01) or date-time "
                             "(2026-10-01T06:00:00Z)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def split_windows(start: datetime, end: datetime, size: timedelta = MAX_WINDOW) -> list[tuple[datetime, datetime]]:
    """``[start, end]`` as consecutive windows of at most ``size`` (Hootsuite's limit is four weeks)."""
    windows, cursor = [], start
    while cursor < end:
        following = min(end, cursor + size)
        windows.append((cursor, following))
        cursor = following
    return windows


@dataclass
class FetchPlan:
    """What one run fetches, decided (with the warehouse open) before any request is made.

    ``known`` maps the ids of messages already loaded, with their approval trail, to their
    fingerprint; only messages missing from it, changed, or still in flight get their history read.
    ``advance_to`` is where the watermark moves once the load commits (None: it stays).
    """

    organization_id: str
    start: datetime
    end: datetime
    fetch_end: datetime
    previous: datetime | None = None
    advance_to: datetime | None = None
    known: dict[str, str] = field(default_factory=dict)

    @property
    def windows(self) -> list[tuple[datetime, datetime]]:
        return split_windows(self.start, self.fetch_end)

    def to_xcom(self) -> dict:
        iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
        return {"organization_id": self.organization_id, "start": iso(self.start), "end": iso(self.end),
                "fetch_end": iso(self.fetch_end), "previous": iso(self.previous), "advance_to": iso(self.advance_to),
                "known": self.known}

    @classmethod
    def from_xcom(cls, data: dict) -> FetchPlan:
        moment = lambda text: parse_time(text) if text else None  # noqa: E731
        return cls(organization_id=str(data["organization_id"]), start=moment(data["start"]), end=moment(data["end"]),
                   fetch_end=moment(data["fetch_end"]), previous=moment(data.get("previous")),
                   advance_to=moment(data.get("advance_to")), known=dict(data.get("known") or {}))


def plan_fetch(*, organization_id: str, watermark: datetime | None, now: datetime, start: str | datetime | None = None,
               end: str | datetime | None = None, history_days: int = 180, overlap_days: float = 1,
               lookahead_days: float = 28) -> FetchPlan:
    """Decide the messages range: from the watermark (less an overlap for late state changes) to now.

    The first run goes back ``history_days``. A backfill names ``start`` and/or ``end``; the
    watermark then moves only if the backfill joins up with what was fetched before. Runs that end
    now also look ``lookahead_days`` ahead, for messages scheduled or awaiting approval.
    """
    now = parse_time(now, "now")
    if not 1 <= int(history_days) <= MAX_RANGE.days:
        raise ValueError(f"history_days must be between 1 and {MAX_RANGE.days}, not {history_days}")
    if not 0 <= float(overlap_days) <= 28 or not 0 <= float(lookahead_days) <= 90:
        raise ValueError("overlap_days must be between 0 and 28 and lookahead_days between 0 and 90")
    explicit_end = parse_time(end, "end") if end else None
    if explicit_end and explicit_end > now + timedelta(minutes=5):
        raise ValueError(f"end {explicit_end:%Y-%m-%d %H:%M} UTC is in the future: a backfill ends at the latest now")
    until = explicit_end or now
    if start:
        since = parse_time(start, "start")
    elif watermark:
        since = watermark - timedelta(days=float(overlap_days))
    else:
        since = until - timedelta(days=int(history_days))
    if since >= until:
        raise ValueError(f"start {since:%Y-%m-%d %H:%M} must be before end {until:%Y-%m-%d %H:%M} (UTC)")
    if until - since > MAX_RANGE:
        raise ValueError(f"{since:%Y-%m-%d} to {until:%Y-%m-%d} is more than {MAX_RANGE.days} days: "
                         "backfill it in parts")
    joins_up = watermark is None or since <= watermark
    advance_to = until if joins_up and (watermark is None or until > watermark) else None
    lookahead = timedelta(days=0 if explicit_end else float(lookahead_days))
    return FetchPlan(organization_id=str(organization_id), start=since, end=until, fetch_end=until + lookahead,
                     previous=watermark, advance_to=advance_to)


def message_fingerprint(state: str | None, post_id: str | None) -> str:
    """What must change for a settled message's approval trail to need reading again."""
    return f"{state or ''}|{post_id or ''}"


def needs_history(record: dict, known: dict[str, str]) -> bool:
    state = record.get("state")
    if state in IN_FLIGHT_STATES:
        return True
    return known.get(str(record.get("id"))) != message_fingerprint(state, record.get("postId"))


# --- fetching into the landing zone ----------------------------------------------------------------

def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for index in range(0, len(items), size):
        yield items[index:index + size]


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fetch_to_landing(client: HootsuiteClient, plan: FetchPlan, *, day: date, page_size: int = 100,
                     history_batch: int = 200) -> list[str]:
    """Fetch what the plan says and land every page (gzip JSON lines); returns the landed files' URLs.

    Entities (landing folders): profiles, teams, organization_members, members, member_permissions,
    member_teams, messages (one file per page), message_history (one file per ``history_batch``).
    History and member lines are ``{"memberId"|"messageId": id, "data": <the answer's data>}``.
    """
    org = plan.organization_id
    landed: list[str] = []

    def land(entity: str, records: Iterable[object], name: str) -> None:
        landed.append(land_json_lines(records, source=SOURCE, entity=entity, day=day, name=name))

    profiles = client.social_profiles()
    land("profiles", profiles, "social_profiles")
    land("teams", client.teams(org), f"organization_{org}_teams")
    members = client.organization_members(org)
    land("organization_members", members, f"organization_{org}_members")
    ids = list(dict.fromkeys(str(m["id"]) for m in members if isinstance(m, dict) and m.get("id") is not None))
    details = client.map(client.member, ids)
    land("members", [d for d in details if d is not None], f"organization_{org}_member_details")
    for entity, read in (("member_permissions", client.member_permissions), ("member_teams", client.member_teams)):
        answers = client.map(lambda member_id, read=read: read(org, member_id), ids)
        land(entity, [{"memberId": i, "data": a} for i, a in zip(ids, answers, strict=True) if a is not None],
             f"organization_{org}_{entity}")
    log.info("Hootsuite organisation %s: %d profile(s), %d member(s)", org, len(profiles), len(ids))

    seen: set[str] = set()
    wanted: list[str] = []
    for window_start, window_end in plan.windows:
        pages = messages = 0
        for number, page in enumerate(client.message_pages(window_start, window_end, limit=page_size), 1):
            land("messages", page, f"messages_{_stamp(window_start)}_{_stamp(window_end)}_p{number:03d}")
            pages, messages = number, messages + len(page)
            for record in page:
                if not isinstance(record, dict) or record.get("id") is None or str(record["id"]) in seen:
                    continue
                seen.add(str(record["id"]))
                if needs_history(record, plan.known):
                    wanted.append(str(record["id"]))
        log.info("messages %s to %s: %d page(s), %d message(s)", api_time(window_start), api_time(window_end),
                 pages, messages)

    missing = 0
    for batch in _chunks(wanted, history_batch):
        answers = client.map(client.message_history, batch)
        missing += sum(a is None for a in answers)
        land("message_history", [{"messageId": i, "data": a} for i, a in zip(batch, answers, strict=True)
                                 if a is not None], f"message_history_{batch[0]}_{batch[-1]}")
    log.info("approval trails read for %d of %d message(s) (new, changed or in flight)%s; requests: %s",
             len(wanted) - missing, len(seen), f", {missing} gone" if missing else "", client.stats.as_dict())
    return landed
