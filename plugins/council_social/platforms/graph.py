"""Facebook Pages and Instagram Business accounts through Meta's Graph API, over plain HTTP.

Why ``requests`` and not an SDK: ``facebook-sdk`` 3.1.0 refuses every Graph version after v3.1 in
its constructor, and ``facebook-business`` retries and raises on its own terms, hiding the usage
headers and the per-metric #100 errors the pipeline must act on. A small client keeps those
decisions here:

* **Version pinned** (connection extra ``api_version``, v24.0 or later): insight metrics are
  retired with every version, so the allow-list in ``config/graph_metrics.yaml`` is per version.
* **Throttling owned by the pipeline**: error codes 4, 17, 32, 613 (and the 80000-range business
  use case codes), ``X-App-Usage`` and ``X-Business-Use-Case-Usage``. From 80% usage requests
  pause; ``estimated_time_to_regain_access`` is honoured up to a cap, beyond which the account's
  task fails with a message and Airflow retries it later. 5xx and ``is_transient`` errors are
  retried with capped backoff.
* **Token hygiene**: the token travels as the ``access_token`` parameter, which ``paging.next``
  links repeat. Every token is registered with Airflow's secrets masker, stripped from links
  before they are followed again, redacted from error messages, urllib3's debug lines and the
  landed pages.
* **One account at a time**: ``fetch_account`` never raises for an API answer; it returns the
  account's outcome (``ok`` / ``failed`` / ``skipped``) so one revoked Page or missing permission
  never stops the others. Every answer page lands verbatim (secrets redacted) before any parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowFailException

from council_social.config import FACEBOOK_CONN_ID, settings
from council_social.ratelimit import Backoff, RateLimitWaitTooLong, wait

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v24.0"
#: The oldest Graph version the pipelines accept (page_follows and page_media_view arrived with it).
OLDEST_MAJOR_VERSION = 24
PLATFORMS = ("facebook", "instagram")

#: Throttling: app (4), user (17), page (32), API-specific (613), business use case (80000-80014).
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
#: Unknown/temporary errors Meta asks clients to retry.
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODE = 190
#: Permissions (10, 200-299) and capability (3): the token cannot see this account.
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
#: #100 with subcode 33: the object does not exist, or the token lacks permission to load it.
MISSING_OBJECT_SUBCODE = 33

PAGE_FIELDS = "id,name,username,about,category,fan_count,followers_count,link,website"
IG_USER_FIELDS = "id,username,name,biography,followers_count,follows_count,media_count,website"
PAGE_POST_FIELDS = ("id,created_time,message,permalink_url,status_type,shares,"
                    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)")
IG_MEDIA_FIELDS = ("id,caption,timestamp,media_type,media_product_type,permalink,like_count,comments_count,"
                   "username")
PAGE_COMMENT_FIELDS = "id,created_time,from,message,parent{id},like_count,comment_count,permalink_url"
IG_COMMENT_FIELDS = ("id,text,timestamp,username,from,like_count,"
                     "replies{id,text,timestamp,username,from,like_count}")
PAGE_TAGGED_FIELDS = "id,created_time,message,from,permalink_url"
IG_TAG_FIELDS = "id,caption,timestamp,username,permalink,like_count,comments_count"
MANAGED_PAGE_FIELDS = "id,name,username,access_token,instagram_business_account{id,username}"

#: Query parameters that carry secrets; stripped from links and redacted from anything written.
SECRET_PARAMS = ("access_token", "appsecret_proof", "client_secret", "fb_exchange_token")
_SECRET_PARAM_RE = re.compile("((?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s\"']+")
REDACTED = "***"
#: Longest insights window one request may cover (Graph refuses more than 93 days).
INSIGHTS_WINDOW_DAYS = 90


# --- errors ----------------------------------------------------------------------------------------

class GraphApiError(RuntimeError):
    """The Graph API refused a request (after any retries it was allowed)."""

    def __init__(self, message: str, *, code: int | None = None, subcode: int | None = None,
                 status: int | None = None, transient: bool = False, api_message: str = ""):
        super().__init__(message)
        self.code, self.subcode, self.status = code, subcode, status
        self.transient, self.api_message = transient, api_message

    @property
    def throttled(self) -> bool:
        return self.code in THROTTLE_CODES

    @property
    def retryable(self) -> bool:
        """Whether a later attempt can succeed (Airflow's retry, not this client's)."""
        return self.throttled or self.transient or (self.status or 0) >= 500


class GraphAccessError(GraphApiError, AirflowFailException):
    """The token cannot read this account (deleted Page, missing permission): retrying will not help."""


class GraphTokenExpired(GraphAccessError):
    """Error 190: the access token expired or was revoked."""


class GraphVersionError(AirflowFailException, ValueError):
    """The connection pins a Graph API version the pipelines do not support."""


# --- versions, usage and secrets -------------------------------------------------------------------

def parse_api_version(value: object, conn_id: str = FACEBOOK_CONN_ID) -> str:
    """``v24.0`` (also ``24``, ``v24``, ``24.0``) as ``vNN.N``; refuse anything older than v24."""
    text = str(value or DEFAULT_API_VERSION).strip()
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?", text)
    if not match:
        raise GraphVersionError(f"the connection '{conn_id}' has api_version '{text}', which is not a Graph "
                                f"API version such as {DEFAULT_API_VERSION}")
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if major < OLDEST_MAJOR_VERSION:
        raise GraphVersionError(
            f"the connection '{conn_id}' pins Graph API v{major}.{minor}, but the pipelines need "
            f"v{OLDEST_MAJOR_VERSION}.0 or later: older versions lack the insight metrics that replaced "
            "page_fans and page_impressions, and Meta retires each version about two years after release. "
            f"Set the connection's extra 'api_version' to {DEFAULT_API_VERSION} or later "
            "(see docs/graph-api.md).")
    return f"v{major}.{minor}"


@dataclass(frozen=True)
class Usage:
    """The highest usage percentage the last answer reported, and how long Meta says to stay away."""

    percent: float = 0.0
    regain_seconds: float = 0.0
    source: str = ""


def read_usage(headers) -> Usage:
    """Parse ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` (malformed headers count as no usage)."""
    percent, regain, source = 0.0, 0.0, ""

    def consider(values: object, name: str) -> None:
        nonlocal percent, regain, source
        if not isinstance(values, dict):
            return
        for key in ("call_count", "total_cputime", "total_time"):
            number = values.get(key)
            if isinstance(number, int | float) and number > percent:
                percent, source = float(number), f"{name} {key}"
        minutes = values.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float) and minutes * 60 > regain:
            regain = float(minutes) * 60

    for name in ("X-App-Usage", "X-Business-Use-Case-Usage"):
        raw = headers.get(name)
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            log.debug("ignoring a malformed %s header", name)
            continue
        if name == "X-App-Usage":
            consider(data, name)
        elif isinstance(data, dict):
            for entries in data.values():
                for entry in entries if isinstance(entries, list) else [entries]:
                    consider(entry, name)
    return Usage(percent, regain, source)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with secret query parameters and the given secrets replaced by ``***``."""
    text = _SECRET_PARAM_RE.sub(r"\1" + REDACTED, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def strip_secret_params(url: str) -> str:
    """A link without its secret parameters (``paging.next`` carries the token)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def redact_body(value: object) -> object:
    """An answer as received, minus secrets: ``access_token`` fields dropped, links' secrets masked."""
    if isinstance(value, dict):
        return {k: redact_body(v) for k, v in value.items() if k not in SECRET_PARAMS}
    if isinstance(value, list):
        return [redact_body(v) for v in value]
    if isinstance(value, str) and "=" in value and _SECRET_PARAM_RE.search(value):
        return redact(value)
    return value


def mask(*secrets: str | None) -> None:
    """Register secrets with Airflow's masker so no task log line can show them."""
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)


class _RedactQueryFilter(logging.Filter):
    """urllib3 logs each request line with its query string at DEBUG: take the secrets out first."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return True
        if _SECRET_PARAM_RE.search(message):
            record.msg, record.args = redact(message), ()
        return True


def _guard_http_debug_logs() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactQueryFilter) for f in logger.filters):
        logger.addFilter(_RedactQueryFilter())


# --- the client ------------------------------------------------------------------------------------

class GraphClient:
    """GET requests to one pinned Graph API version, with the pipeline's own waits and retries.

    ``base_url`` (the connection's host) redirects every request for graph.facebook.com, e.g. to
    the demo's fake server; ``sleep`` is the only clock the client waits on.
    """

    def __init__(self, access_token: str, *, api_version: str = DEFAULT_API_VERSION,
                 base_url: str | None = None, app_secret: str | None = None, usage_threshold: float = 80.0,
                 usage_pause_seconds: float = 60.0, max_wait_seconds: float = 900.0,
                 backoff: Backoff | None = None, timeout: float = 60.0, max_pages: int = 2000,
                 sleep: Callable[[float], None] = time.sleep, conn_id: str = FACEBOOK_CONN_ID):
        import requests

        from council_social.http import rebase_session

        if not access_token:
            raise GraphAccessError(f"the connection '{conn_id}' has no access token (its password field)")
        self.token, self.app_secret, self.conn_id = access_token, app_secret, conn_id
        self.api_version = parse_api_version(api_version, conn_id)
        self.usage_threshold, self.usage_pause_seconds = usage_threshold, usage_pause_seconds
        self.max_wait_seconds, self.timeout, self.max_pages = max_wait_seconds, timeout, max_pages
        self.backoff = backoff or Backoff(base_seconds=2.0, cap_seconds=60.0, max_attempts=6)
        self.sleep = sleep
        self.usage = Usage()
        self.stats: Counter = Counter()
        self._secrets: list[str] = []
        self.add_secret(access_token, app_secret)
        _guard_http_debug_logs()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "council-social-pipelines"
        rebase_session(self.session, base_url)

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def add_secret(self, *secrets: str | None) -> None:
        """Remember (and mask) a secret so nothing this client writes or raises can show it."""
        for secret in secrets:
            if secret and secret not in self._secrets:
                self._secrets.append(secret)
                mask(secret)

    def redact(self, text: str) -> str:
        return redact(text, tuple(self._secrets))

    def url(self, path: str) -> str:
        return f"{DEFAULT_BASE_URL}/{self.api_version}/{path.lstrip('/')}"

    def _auth(self, token: str | None) -> dict[str, str]:
        token = token or self.token
        params = {"access_token": token}
        if self.app_secret:
            proof = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256)
            params["appsecret_proof"] = proof.hexdigest()
        return params

    @staticmethod
    def describe(url: str) -> str:
        """A request for messages and logs: its path only (queries may carry secrets)."""
        return urlsplit(url).path or url

    def _wait(self, seconds: float, what: str, *, capped: bool = False) -> None:
        """Wait ``seconds``; beyond the cap raise ``RateLimitWaitTooLong`` (``capped``: wait the cap)."""
        if capped:
            seconds = min(seconds, self.max_wait_seconds)
        waited = wait(seconds, cap_seconds=self.max_wait_seconds, what=what, sleep=self.sleep)
        self.stats["waited_seconds"] += waited

    def _pace(self, what: str) -> None:
        """Before a request: stay away while Meta says so, and slow down from the usage threshold."""
        usage = self.usage
        if usage.regain_seconds > 0:
            log.warning("Graph API usage %.0f%% (%s): Meta asks to wait %.0f s before %s", usage.percent,
                        usage.source or "business use case", usage.regain_seconds, what)
            self.stats["usage_waits"] += 1
            self._wait(usage.regain_seconds, f"Graph API {what} (estimated_time_to_regain_access)")
        elif usage.percent >= self.usage_threshold:
            pause = self.usage_pause_seconds * (2 if usage.percent >= 95 else 1)
            log.warning("Graph API usage at %.0f%% (%s), at or above %.0f%%: pausing %.0f s before %s",
                        usage.percent, usage.source, self.usage_threshold, pause, what)
            self.stats["usage_waits"] += 1
            self._wait(pause, f"Graph API {what} (usage {usage.percent:.0f}%)", capped=True)
        else:
            return
        self.usage = Usage()

    def get(self, path: str, params: dict | None = None, *, token: str | None = None) -> dict:
        """One GET (a path under the pinned version, or a ``paging.next`` link); the answer's JSON body."""
        import requests

        url = strip_secret_params(path) if "://" in path else self.url(path)
        query = {**(params or {}), **self._auth(token)}
        what = f"GET {self.describe(url)}"
        attempt = 0
        while True:
            attempt += 1
            self._pace(what)
            self.stats["requests"] += 1
            try:
                response = self.session.get(url, params=query, timeout=self.timeout)
                body = response.json() if response.content else {}
            except (requests.RequestException, ValueError) as exc:
                # The exception text can hold the full URL, token included: keep only a redacted copy.
                error = GraphApiError(f"Graph API {what}: {type(exc).__name__}: {self.redact(str(exc))}",
                                      transient=True)
                self._retry_or_raise(error, attempt, what)
                continue
            self.usage = read_usage(response.headers)
            if response.status_code < 400 and not (isinstance(body, dict) and "error" in body):
                return body if isinstance(body, dict) else {"data": body}
            error = self.error_from(response.status_code, body, what)
            if isinstance(error, GraphAccessError) or not error.retryable:
                raise error
            self._retry_or_raise(error, attempt, what)

    def _retry_or_raise(self, error: GraphApiError, attempt: int, what: str) -> None:
        if attempt >= self.backoff.max_attempts:
            raise GraphApiError(f"{error} (gave up after {attempt} attempts; Airflow retries the task later)",
                                code=error.code, subcode=error.subcode, status=error.status,
                                transient=True, api_message=error.api_message) from None
        delay = self.backoff.delay(attempt)
        if error.throttled:
            self.stats["throttled"] += 1
            regain = self.usage.regain_seconds
            self.usage = Usage()
            estimate = f", Meta estimates {regain / 60:.0f} min to regain access" if regain else ""
            log.warning("Graph API throttled %s (code %s)%s; waiting %.0f s (attempt %d of %d)", what,
                        error.code, estimate, max(delay, regain), attempt, self.backoff.max_attempts)
            self._wait(max(delay, regain), f"Graph API {what} (throttled, code {error.code})")
        else:
            self.stats["retries"] += 1
            log.warning("Graph API %s failed (%s); retrying in %.1f s (attempt %d of %d)", what, error, delay,
                        attempt, self.backoff.max_attempts)
            self._wait(delay, f"Graph API {what} (retry)", capped=True)

    def error_from(self, status: int, body: object, what: str) -> GraphApiError:
        """The exception for an error answer, by Graph's error code."""
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return GraphApiError(f"Graph API {what} answered HTTP {status}", status=status,
                                 transient=status >= 500)
        code, subcode = error.get("code"), error.get("error_subcode")
        api_message = self.redact(str(error.get("message") or ""))
        text = f"Graph API {what}: {api_message} (code {code}{f', subcode {subcode}' if subcode else ''})"
        options = dict(code=code, subcode=subcode, status=status, api_message=api_message,
                       transient=bool(error.get("is_transient")) or code in TRANSIENT_CODES or status >= 500)
        if code == TOKEN_CODE:
            return GraphTokenExpired(
                f"{text}. The access token of the connection '{self.conn_id}' has expired or was revoked: "
                "renew it (a long-lived Page token or a system-user token with pages_read_engagement, "
                "pages_read_user_content, read_insights and instagram_basic), put it in the connection's "
                "password field, and rerun.",
                **options)
        if code in PERMISSION_CODES or (code == 100 and subcode == MISSING_OBJECT_SUBCODE):
            return GraphAccessError(text, **options)
        if code in THROTTLE_CODES:
            options["transient"] = True
        return GraphApiError(text, **options)

    def pages(self, path: str, params: dict | None = None, *, token: str | None = None) -> Iterator[dict]:
        """Every answer page of a list, following ``paging.next`` (never storing cursors)."""
        body = self.get(path, params, token=token)
        seen: set[str] = set()
        for _ in range(self.max_pages):
            yield body
            link = (body.get("paging") or {}).get("next") if isinstance(body.get("paging"), dict) else None
            data = body.get("data")
            if not link or not data:
                return
            stripped = strip_secret_params(link)
            if stripped in seen:
                log.warning("Graph API %s: the next link repeats an earlier one; stopping there",
                            self.describe(stripped))
                return
            seen.add(stripped)
            body = self.get(stripped, token=token)
        log.warning("Graph API %s: stopped after %d pages", path, self.max_pages)


# --- the Airflow connection --------------------------------------------------------------------------

class GraphHook(BaseHook):
    """The ``facebook_graph`` connection: password = access token, host = base URL, extra ``api_version``.

    Optional extras: ``app_secret`` (adds ``appsecret_proof``), ``usage_threshold`` (percent, default
    80), ``usage_pause_seconds`` (60), ``max_wait_seconds`` (900: the longest single wait before the
    task fails and Airflow retries it later).
    """

    conn_name_attr = "facebook_conn_id"
    default_conn_name = FACEBOOK_CONN_ID
    conn_type = "facebook_graph"
    hook_name = "Facebook Graph API"

    def __init__(self, facebook_conn_id: str = default_conn_name, **kwargs) -> None:
        super().__init__(**kwargs)
        self.facebook_conn_id = facebook_conn_id
        self._connection = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port", "login"],
            "relabeling": {"host": "Base URL", "password": "Access token"},
            "placeholders": {
                "host": DEFAULT_BASE_URL,
                "password": "long-lived Page token or system-user token",
                "extra": json.dumps({"api_version": DEFAULT_API_VERSION}),
            },
        }

    @property
    def connection(self):
        if self._connection is None:
            self._connection = self.get_connection(self.facebook_conn_id)
            extra = self._connection.extra_dejson
            mask(self._connection.password, extra.get("app_secret"))
        return self._connection

    @property
    def api_version(self) -> str:
        return parse_api_version(self.connection.extra_dejson.get("api_version"), self.facebook_conn_id)

    @property
    def base_url(self) -> str | None:
        host = (self.connection.host or "").strip().rstrip("/")
        if not host:
            return None
        return host if "://" in host else f"https://{host}"

    def get_conn(self) -> GraphClient:
        return self.get_client()

    def get_client(self, **options) -> GraphClient:
        """A client for this connection; ``options`` override the extras (tests pass ``sleep``)."""
        extra = self.connection.extra_dejson
        for name in ("usage_threshold", "usage_pause_seconds", "max_wait_seconds"):
            if extra.get(name) is not None:
                options.setdefault(name, float(extra[name]))
        return GraphClient(self.connection.password or "", api_version=self.api_version,
                           base_url=self.base_url, app_secret=extra.get("app_secret") or None,
                           conn_id=self.facebook_conn_id, **options)


# --- the insight metrics allow-list ------------------------------------------------------------------

def metrics_file() -> Path:
    return settings().root / "config" / "graph_metrics.yaml"


def allowed_metrics(api_version: str, kind: str = "page", path: Path | None = None) -> list[str]:
    """The metrics to ask for at ``api_version``: its own list, else the newest listed version below it."""
    import yaml

    document = yaml.safe_load((path or metrics_file()).read_text(encoding="utf-8")) or {}
    versions = document.get("versions") or {}
    wanted = _version_key(api_version)
    usable = sorted((v for v in versions if _version_key(v) <= wanted), key=_version_key)
    if not usable:
        raise GraphVersionError(f"{path or metrics_file()} lists no insight metrics for Graph API "
                                f"{api_version} or any earlier version")
    chosen = usable[-1]
    if _version_key(chosen) != wanted:
        log.info("no insight metrics listed for %s; using the list for %s", api_version, chosen)
    return [str(m) for m in (versions[chosen] or {}).get(kind) or []]


def retired_metrics(path: Path | None = None) -> dict[str, dict]:
    import yaml

    document = yaml.safe_load((path or metrics_file()).read_text(encoding="utf-8")) or {}
    return {str(k): dict(v or {}) for k, v in (document.get("retired") or {}).items()}


def _version_key(version: str) -> tuple[int, int]:
    match = re.fullmatch(r"v?(\d+)(?:\.(\d+))?", str(version).strip())
    return (int(match.group(1)), int(match.group(2) or 0)) if match else (0, 0)


# --- what to fetch for one account -------------------------------------------------------------------

@dataclass
class AccountPlan:
    """One account from the register, with what the warehouse already holds for it (built for XCom)."""

    platform: str
    handle: str
    handle_key: str
    url: str | None = None
    account_id: str | None = None
    watermarks: dict[str, str] = field(default_factory=dict)
    recent_post_ids: list[str] = field(default_factory=list)
    skip_reason: str | None = None

    @property
    def account_key(self) -> str:
        return f"{self.platform}:{self.handle_key}"

    @classmethod
    def from_xcom(cls, data: dict) -> AccountPlan:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class Window:
    """What one run asks for: posts and mentions since, insights days, and whether watermarks may move."""

    now: datetime
    posts_since: datetime
    mentions_since: datetime
    insights_from: date
    insights_to: date
    until: datetime | None
    backfill: bool


def plan_window(plan: AccountPlan, *, now: datetime, start: datetime | None = None,
                end: datetime | None = None, history_days: int = 90,
                insights_overlap_days: int = 2) -> Window:
    """From the watermarks (or ``history_days`` on a first run), or the backfill range ``start``-``end``."""
    first = now - timedelta(days=history_days)

    def since(entity: str) -> datetime:
        if start is not None:
            return start
        mark = plan.watermarks.get(entity)
        return _parse_time(mark) + timedelta(seconds=1) if mark else first

    insights_to = (end or now).astimezone(UTC).date()
    mark = plan.watermarks.get("insights")
    if start is not None:
        insights_from = start.astimezone(UTC).date()
    elif mark:
        insights_from = date.fromisoformat(mark[:10]) + timedelta(days=1 - insights_overlap_days)
    else:
        insights_from = first.date()
    return Window(now=now, posts_since=since("posts"), mentions_since=since("mentions"),
                  insights_from=min(insights_from, insights_to), insights_to=insights_to, until=end,
                  backfill=start is not None)


def advance_rules(plan: AccountPlan, window: Window) -> dict[str, bool]:
    """Whether each watermark may move after the load: yes, unless a backfill leaves a gap behind it."""
    if not window.backfill:
        return {"posts": True, "mentions": True, "insights": True}
    marks = plan.watermarks

    def joins(entity: str, since: datetime) -> bool:
        return not marks.get(entity) or since <= _parse_time(marks[entity]) + timedelta(seconds=1)

    insights_mark = marks.get("insights")
    return {"posts": joins("posts", window.posts_since), "mentions": joins("mentions", window.mentions_since),
            "insights": not insights_mark
            or window.insights_from <= date.fromisoformat(insights_mark[:10]) + timedelta(days=1)}


def _parse_time(value: str) -> datetime:
    """Graph times (``2026-10-30T16:27:59+0000``) and ISO times, as UTC."""
    text = str(value).strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), UTC)
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text.replace("Z", "+00:00"))
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


parse_graph_time = _parse_time


@dataclass
class Resolved:
    account_id: str
    token: str | None
    username: str | None = None


# --- landing -----------------------------------------------------------------------------------------

class Lander:
    """Lands each answer page as one JSON line: the request (secrets removed) and the body as received."""

    def __init__(self, client: GraphClient, plan: AccountPlan, day: date):
        self.client, self.plan, self.day = client, plan, day
        self.files: list[str] = []
        self.records = 0

    def land(self, entity: str, body: dict, *, node: str, edge: str, params: dict | None = None,
             page: int = 1, account_id: str | None = None, label: str = "") -> str:
        from council_social.landing import land_json_lines

        envelope = {
            "platform": self.plan.platform, "account_key": self.plan.account_key, "account_id": account_id,
            "handle": self.plan.handle, "api_version": self.client.api_version,
            "snapshot_date": self.day.isoformat(),
            "node": node, "edge": edge, "page": page,
            "params": {k: v for k, v in (params or {}).items() if k not in SECRET_PARAMS},
            "body": redact_body(body),
        }
        text = json.dumps(envelope, ensure_ascii=False)
        redacted = self.client.redact(text)
        if redacted != text:  # a token echoed back in a field we did not expect
            envelope = json.loads(redacted)
        parts = (account_id or self.plan.handle_key, edge, label, f"p{page:03d}")
        name = "_".join(part for part in parts if part)
        url = land_json_lines([envelope], source=self.plan.platform, entity=entity, day=self.day, name=name)
        self.files.append(url)
        data = body.get("data")
        self.records += len(data) if isinstance(data, list) else 1
        return url


# --- fetching one account ----------------------------------------------------------------------------

def managed_pages(client: GraphClient) -> list[dict]:
    """The Pages the token manages (``/me/accounts``), with their Page tokens (masked) and Instagram accounts.

    A Page token has no ``accounts`` edge (#100): then there is nothing to list, and each account is
    looked up directly with the connection's token.
    """
    cached = getattr(client, "_managed_pages", None)
    if cached is not None:
        return cached
    pages: list[dict] = []
    try:
        for body in client.pages("me/accounts", {"fields": MANAGED_PAGE_FIELDS, "limit": 100}):
            pages.extend(item for item in body.get("data") or [] if isinstance(item, dict))
    except GraphAccessError:
        raise
    except GraphApiError as exc:
        if exc.code != 100:
            raise
        log.info("the token lists no managed Pages (%s); looking accounts up directly", exc.api_message)
    for page in pages:
        client.add_secret(page.get("access_token"))
    client._managed_pages = pages
    return pages


def resolve(client: GraphClient, plan: AccountPlan) -> Resolved:
    """The platform id (and the token to use) for a register handle."""
    key = plan.handle_key.lower()
    pages = managed_pages(client)
    if plan.platform == "facebook":
        for page in pages:
            if key in {str(page.get("id", "")).lower(), str(page.get("username") or "").lower()}:
                return Resolved(str(page["id"]), page.get("access_token"), page.get("username"))
        try:
            node = client.get(plan.handle, {"fields": "id,username"})
        except GraphAccessError as exc:
            raise GraphAccessError(
                f"Facebook Page '{plan.handle}' was not found, or the token cannot see it "
                f"({exc.api_message}). Check the handle in the account register and that the token has a "
                "role on the Page.",
                code=exc.code, subcode=exc.subcode, status=exc.status, api_message=exc.api_message) from None
        if not node.get("id"):
            raise GraphAccessError(f"Graph API answered no id for Facebook Page '{plan.handle}'")
        return Resolved(str(node["id"]), None, node.get("username"))
    for page in pages:
        linked = page.get("instagram_business_account")
        if isinstance(linked, dict) and key in {str(linked.get("id", "")).lower(),
                                                str(linked.get("username") or "").lower()}:
            return Resolved(str(linked["id"]), page.get("access_token"), linked.get("username"))
    if plan.account_id or plan.handle.isdigit():
        return Resolved(plan.account_id or plan.handle, None, None)
    raise GraphAccessError(
        f"Instagram account @{plan.handle} is not linked to any Facebook Page the token manages, so the "
        "Graph API cannot read it. Link it to the council's Page (Meta Business Suite > Settings > "
        "Instagram) and give the token's system user access to that Page.")


def _newer_than(items: list, since: datetime, time_field: str) -> tuple[list, bool]:
    """Items at or after ``since`` and whether the (newest-first) list went past it."""
    kept, older = [], False
    for item in items:
        stamp = item.get(time_field) if isinstance(item, dict) else None
        try:
            moment = _parse_time(stamp) if stamp else None
        except ValueError:
            moment = None
        if moment is not None and moment < since:
            older = True
            continue
        kept.append(item)
    return kept, older


def _fetch_list(client: GraphClient, lander: Lander, resolved: Resolved, *, entity: str, edge: str, node: str,
                params: dict, since: datetime | None = None, time_field: str = "created_time",
                label: str = "") -> list[dict]:
    """Land every page of a newest-first list; stop once items are older than ``since``."""
    items: list[dict] = []
    for number, body in enumerate(client.pages(f"{node}/{edge}", params, token=resolved.token), 1):
        lander.land(entity, body, node=node, edge=edge, params=params, page=number,
                    account_id=resolved.account_id, label=label)
        data = [i for i in body.get("data") or [] if isinstance(i, dict)]
        if since is not None:
            data, older = _newer_than(data, since, time_field)
            items.extend(data)
            if older:
                break
        else:
            items.extend(data)
    return items


def fetch_insights(client: GraphClient, lander: Lander, resolved: Resolved, metrics: list[str],
                   window: Window, warnings: list[str]) -> list[str]:
    """Daily Page insights in windows of at most 90 days; a rejected metric is dropped, the rest kept."""
    metrics = list(dict.fromkeys(metrics))
    day = window.insights_from
    while metrics and day < window.insights_to:
        until = min(window.insights_to, day + timedelta(days=INSIGHTS_WINDOW_DAYS))
        params = {"period": "day", "since": _epoch(day), "until": _epoch(until)}
        metrics = _insights_degrading(client, lander, resolved, metrics, params, warnings,
                                      label=f"{day:%Y%m%d}_{until:%Y%m%d}")
        day = until
    return metrics


def _insights_degrading(client: GraphClient, lander: Lander, resolved: Resolved, metrics: list[str],
                        params: dict, warnings: list[str], label: str) -> list[str]:
    """Ask for ``metrics``; on #100 find the rejected ones (named in the error, else by halving), drop them.

    Returns the metrics that were accepted, so later windows do not ask for a rejected one again.
    """
    node = resolved.account_id
    try:
        body = client.get(f"{node}/insights", {**params, "metric": ",".join(metrics)}, token=resolved.token)
    except GraphApiError as exc:
        if exc.code != 100 or isinstance(exc, GraphAccessError):
            raise
        named = [m for m in metrics if re.search(rf"\b{re.escape(m)}\b", exc.api_message)]
        if len(metrics) == 1 or named:
            for metric in named or metrics:
                _warn_dropped(metric, exc.api_message, warnings)
            rest = [m for m in metrics if m not in (named or metrics)]
            if not rest:
                return []
            return _insights_degrading(client, lander, resolved, rest, params, warnings, label)
        half = len(metrics) // 2
        kept = _insights_degrading(client, lander, resolved, metrics[:half], params, warnings, label)
        return kept + _insights_degrading(client, lander, resolved, metrics[half:], params, warnings, label)
    lander.land("insights", body, node=node, edge="insights", params={**params, "metric": ",".join(metrics)},
                account_id=node, label=f"{label}_{hashlib.sha1(','.join(metrics).encode()).hexdigest()[:6]}")
    return metrics


def _warn_dropped(metric: str, api_message: str, warnings: list[str]) -> None:
    replacement = (retired_metrics().get(metric) or {}).get("replaced_by")
    hint = f" (retired; use {replacement})" if replacement else ""
    message = f"insight metric {metric} rejected by the Graph API{hint}: dropped ({api_message})"
    log.warning(message)
    warnings.append(message)


def _epoch(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


def new_outcome(plan: AccountPlan, day: date, *, api_version: str = DEFAULT_API_VERSION,
                backfill: bool = False) -> dict[str, Any]:
    """An account's outcome before fetching: 'ok' until something fails, or 'skipped' with the reason."""
    outcome: dict[str, Any] = {
        "account_key": plan.account_key, "platform": plan.platform, "handle": plan.handle,
        "account_id": plan.account_id, "status": "ok", "message": "", "retry": False, "items": 0, "files": [],
        "day": day.isoformat(), "api_version": api_version, "backfill": backfill, "warnings": [],
        "counts": {},
    }
    if plan.platform not in PLATFORMS:
        outcome.update(status="skipped", message=f"{plan.platform} is not read through the Graph API")
    elif plan.skip_reason:
        outcome.update(status="skipped", message=plan.skip_reason)
    return outcome


def fetch_account(client: GraphClient, account: dict | AccountPlan, *, day: date, now: datetime,
                  metrics: list[str] | None = None, start: datetime | None = None,
                  end: datetime | None = None,
                  history_days: int = 90, comment_days: int = 14) -> dict:
    """Fetch one account into the landing zone; the outcome (for XCom) says what landed, or why not.

    Never raises for what the API answers: a failed account is an outcome with ``status`` 'failed',
    its message, and ``retry`` (whether a later attempt can succeed).
    """
    plan = account if isinstance(account, AccountPlan) else AccountPlan.from_xcom(account)
    outcome = new_outcome(plan, day, api_version=client.api_version, backfill=start is not None)
    if outcome["status"] == "skipped":
        return outcome
    lander = Lander(client, plan, day)
    started = dict(client.stats)
    try:
        _fetch(client, plan, lander, outcome, day=day, now=now, metrics=metrics, start=start, end=end,
               history_days=history_days, comment_days=comment_days)
    except (GraphApiError, RateLimitWaitTooLong) as exc:
        retry = isinstance(exc, RateLimitWaitTooLong) or (
            exc.retryable and not isinstance(exc, GraphAccessError))
        outcome.update(status="failed", message=client.redact(str(exc)), retry=retry)
        log.error("%s: %s", plan.account_key, outcome["message"])
    outcome["files"], outcome["items"] = lander.files, lander.records
    outcome["requests"] = client.stats["requests"] - started.get("requests", 0)
    log.info("%s: %s; %d page(s) landed, %d request(s)", plan.account_key, outcome["status"],
             len(lander.files), outcome["requests"])
    return outcome


def _fetch(client: GraphClient, plan: AccountPlan, lander: Lander, outcome: dict, *, day: date, now: datetime,
           metrics: list[str] | None, start: datetime | None, end: datetime | None, history_days: int,
           comment_days: int) -> None:
    facebook = plan.platform == "facebook"
    resolved = resolve(client, plan)
    outcome["account_id"] = resolved.account_id
    window = plan_window(plan, now=now, start=start, end=end, history_days=history_days)
    outcome["advance"] = advance_rules(plan, window)
    counts = outcome["counts"]
    warnings: list[str] = outcome["warnings"]

    node = client.get(resolved.account_id, {"fields": PAGE_FIELDS if facebook else IG_USER_FIELDS},
                      token=resolved.token)
    lander.land("accounts", node, node=resolved.account_id, edge="account", account_id=resolved.account_id)

    window_params: dict[str, Any] = {"since": int(window.posts_since.timestamp())}
    if window.until is not None:
        window_params["until"] = int(window.until.timestamp())
    posts = _fetch_list(client, lander, resolved, entity="posts",
                        edge="published_posts" if facebook else "media",
                        node=resolved.account_id,
                        params={"fields": PAGE_POST_FIELDS if facebook else IG_MEDIA_FIELDS, "limit": 100,
                                **window_params},
                        since=window.posts_since, time_field="created_time" if facebook else "timestamp")
    counts["posts"] = len(posts)

    wanted = [str(p["id"]) for p in posts if p.get("id")]
    recent = [p for p in plan.recent_post_ids if p not in wanted] if comment_days > 0 else []
    comment_params: dict[str, Any] = {"fields": IG_COMMENT_FIELDS, "limit": 100}
    if facebook:  # filter=stream: the Page's replies come too, each with its parent
        comment_params = {"fields": PAGE_COMMENT_FIELDS, "filter": "stream", "order": "chronological",
                          "limit": 100}
    comments = 0
    for post_id in wanted + recent:
        try:
            comments += len(_fetch_list(client, lander, resolved, entity="comments", edge="comments",
                                        node=post_id, params=comment_params, label=post_id.replace("_", "-")))
        except GraphAccessError as exc:
            if isinstance(exc, GraphTokenExpired):
                raise
            log.warning("%s: comments of post %s not readable (deleted since?): %s", plan.account_key,
                        post_id, exc.api_message)
    counts["comments"] = comments

    mention_params: dict[str, Any] = {"fields": PAGE_TAGGED_FIELDS if facebook else IG_TAG_FIELDS,
                                      "limit": 100}
    if facebook:
        mention_params.update(window_params | {"since": int(window.mentions_since.timestamp())})
    try:
        counts["mentions"] = len(_fetch_list(
            client, lander, resolved, entity="mentions", edge="tagged" if facebook else "tags",
            node=resolved.account_id, params=mention_params, since=window.mentions_since,
            time_field="created_time" if facebook else "timestamp"))
    except GraphAccessError as exc:
        if isinstance(exc, GraphTokenExpired):
            raise
        warnings.append(f"mentions not readable: {exc.api_message}")
        log.warning("%s: posts tagging the account not readable (%s); carrying on", plan.account_key,
                    exc.api_message)

    kind = "page" if facebook else "instagram"
    chosen = allowed_metrics(client.api_version, kind) if metrics is None else list(metrics)
    if chosen and facebook:
        try:
            kept = fetch_insights(client, lander, resolved, chosen, window, warnings)
            counts["metrics"] = len(kept)
        except GraphAccessError as exc:
            if isinstance(exc, GraphTokenExpired):
                raise
            warnings.append(f"insights not readable: {exc.api_message}")
            log.warning("%s: insights not readable (%s); carrying on", plan.account_key, exc.api_message)
    if warnings:
        outcome["message"] = "; ".join(warnings)
    log.info("%s (%s): %d post(s), %d comment(s), %s mention(s) since %s", plan.account_key,
             resolved.account_id, counts["posts"], counts["comments"], counts.get("mentions", "no"),
             window.posts_since.isoformat())


# --- the Airflow task around it ----------------------------------------------------------------------

class GraphFetchFailed(RuntimeError):
    """An account's fetch failed in a way a later attempt may fix (throttling, outages): retried later."""


def run_fetch_task(account: dict, *, now: datetime, params: dict | None = None, ti=None,
                   conn_id: str = FACEBOOK_CONN_ID, **client_options) -> dict:
    """The mapped ``fetch_account`` task: fetch, push the outcome (key ``outcome``), fail if it failed.

    The outcome is pushed before failing so the run's summary can name the account and the reason.
    """
    params = params or {}
    day = now.astimezone(_london()).date()
    start, end = _param_time(params.get("start")), _param_time(params.get("end"))
    plan = AccountPlan.from_xcom(account)
    outcome = new_outcome(plan, day, backfill=start is not None)
    if outcome["status"] != "skipped":
        try:
            client = GraphHook(conn_id).get_client(**client_options)
        except Exception as exc:  # a missing connection or a refused version: this account cannot start
            outcome.update(status="failed", message=f"the connection '{conn_id}' cannot be used: {exc}")
        else:
            with client:
                outcome = fetch_account(client, plan, day=day, now=now, start=start, end=end,
                                        history_days=int(params.get("history_days", 90)),
                                        comment_days=int(params.get("comment_days", 14)))
    if ti is not None:
        ti.xcom_push(key="outcome", value=outcome)
    if outcome["status"] == "failed":
        message = f"{plan.account_key}: {outcome['message']}"
        if outcome.get("retry"):
            raise GraphFetchFailed(message)
        raise AirflowFailException(message)
    return outcome


def run_moment(dag_run) -> datetime:
    """The moment a run is about: its logical date (so a rerun or ``dags test <date>`` reads the same
    window), else when it was triggered."""
    moment = getattr(dag_run, "logical_date", None) or dag_run.run_after
    return moment.astimezone(UTC)


def _london():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def _param_time(value: object) -> datetime | None:
    """A trigger-form date or date-time (UTC unless it says otherwise)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    return _parse_time(text.replace(" ", "T"))
