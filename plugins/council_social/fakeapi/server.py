"""One loopback HTTP server that answers as X, the Graph API and Hootsuite for the demo council.

Everything it serves comes from ``build_organisation(as_of, seed)``, in the shapes the real APIs
use, so the connectors written against it work unchanged against the real platforms:

* **X API v2** (what ``tweepy.Client`` calls): ``GET /2/users/by``, ``/2/users``,
  ``/2/users/by/username/:username``, ``/2/users/:id``, ``/2/users/:id/tweets``,
  ``/2/users/:id/mentions``. Bearer token in ``Authorization``. Every response after the token
  check carries ``x-rate-limit-limit``/``-remaining``/``-reset``.
* **Graph API** under any ``/vNN.N/`` (the demo pins ``v24.0``): ``/me/accounts``, ``/{node}``,
  ``/{page}/published_posts`` (and ``/posts``), ``/{ig-user}/media``, ``/{post}/comments``,
  ``/{comment}/comments``, ``/{page}/insights``, ``/{page}/tagged``,
  ``/{ig-user}/tags``. ``access_token`` query parameter (or a bearer
  header). Cursor paging with absolute ``paging.next`` links back to this server; ``X-App-Usage``
  on every response.
* **Hootsuite REST**: ``/v1/me``, ``/v1/me/organizations``, ``/v1/socialProfiles[/{id}]``,
  ``/v1/organizations/{org}/members``, ``/v1/organizations/{org}/teams``,
  ``/v1/organizations/{org}/members/{id}/teams``,
  ``/v1/organizations/{org}/members/{id}/permissions`` (and per social profile),
  ``/v1/members/{id}``, ``/v1/messages`` (windows of at most 4 weeks), ``/v1/messages/{id}``,
  ``/v1/messages/{id}/history``, and ``POST /oauth2/token`` (refresh tokens are single-use).
* ``GET /healthz``; ``GET|POST /_control/switches``, ``POST /_control/reset``, ``GET /_control/stats``.

Credentials: any non-empty token is accepted, except the literal ``expired`` (which fails the way
an expired token does: X 401, Graph 190/463, Hootsuite 1001). The demo uses ``demo-x-bearer``,
``demo-graph-token`` and ``demo-hootsuite-token``. The platforms' data stops at ``as_of``; only the
rate-limit windows run on the real clock.

Adding an endpoint: write a handler ``(api, request) -> Reply`` and decorate it with ``@route``;
the pipeline (5xx bursts, token check, rate limit, headers, statistics) comes with the API name.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from council_social.demo.organisation import (
    DEMO_AS_OF,
    DEMO_SEED,
    HOOTSUITE_PROFILE_TYPES,
    Account,
    Comment,
    HootsuiteMessage,
    Mention,
    Organisation,
    Post,
    PublicAuthor,
    build_organisation,
    stable_int,
)

GRAPH_VERSION = "v24.0"
EXPIRED_TOKEN = "expired"
DEMO_X_BEARER = "demo-x-bearer"
DEMO_GRAPH_TOKEN = "demo-graph-token"
DEMO_HOOTSUITE_TOKEN = "demo-hootsuite-token"

#: Requests allowed per window (seconds), by endpoint name or by whole API. X limits are per
#: 15-minute window for an app's bearer token; Graph's app limit is hourly; Hootsuite allows 20 a second.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, float]] = {
    "x.users_lookup": (300, 900),
    "x.user_tweets": (1500, 900),
    "x.user_mentions": (450, 900),
    "x.search_recent": (450, 900),
    "graph": (4800, 3600),
    "hootsuite": (20, 1),
}


# --- switches ---------------------------------------------------------------------------------------

@dataclass
class RateLimit:
    limit: int
    window: float


@dataclass
class Switches:
    """Ways to make the fake misbehave, set at start (``--switches``) or by ``POST /_control/switches``.

    JSON form, every key optional::

        {"rate_limits": {"x.user_tweets": {"limit": 5, "window": 2}, "graph": {"limit": 10, "window": 60}},
         "fail_next": {"x": 2, "graph.published_posts": 1},
         "expired_tokens": ["graph"],
         "retired_metrics": ["page_media_view"],
         "graph_throttle_code": 17,
         "x_usage_capped": false,
         "x_client_forbidden": false,
         "x_schema_drift": false,
         "graph_schema_drift": false}

    ``rate_limits`` and ``fail_next`` are keyed by endpoint name (``x.user_tweets``,
    ``graph.published_posts``, ``hootsuite.messages``: see ``GET /_control/stats``) or by API
    (``x``, ``graph``, ``hootsuite``); a ``null`` limit removes an override. ``fail_next`` answers
    the next N matching requests with a 5xx. ``expired_tokens`` makes every token of those APIs
    count as expired. ``retired_metrics`` adds Graph insight metrics that fail with #100.
    ``graph_schema_drift`` serves Graph lists (posts, media, comments, tagged posts) the way a
    changing API might: on every page the first item has no ``created_time``/``timestamp``, the
    second no ``id``, the third none of its optional fields, and every item carries an unknown field.
    ``x_schema_drift`` serves X posts the way a changing API might: on every page of posts the first
    lacks its optional fields and carries an unknown one, the second has no ``created_at`` and the
    third no ``id``.
    """

    rate_limits: dict[str, RateLimit] = field(default_factory=dict)
    fail_next: dict[str, int] = field(default_factory=dict)
    expired_tokens: set[str] = field(default_factory=set)
    retired_metrics: set[str] = field(default_factory=set)
    graph_throttle_code: int = 4
    x_usage_capped: bool = False
    x_client_forbidden: bool = False
    x_schema_drift: bool = False
    graph_schema_drift: bool = False

    def update(self, changes: dict) -> None:
        """Merge a JSON document of changes (unknown keys are refused, so typos do not pass silently)."""
        unknown = set(changes) - {"rate_limits", "fail_next", "expired_tokens", "retired_metrics",
                                  "graph_throttle_code", "x_usage_capped", "x_client_forbidden",
                                  "x_schema_drift", "graph_schema_drift"}
        if unknown:
            raise ValueError(f"unknown switch(es): {', '.join(sorted(unknown))}")
        for key, value in (changes.get("rate_limits") or {}).items():
            if value is None:
                self.rate_limits.pop(key, None)
            else:
                self.rate_limits[key] = RateLimit(int(value["limit"]), float(value["window"]))
        for key, value in (changes.get("fail_next") or {}).items():
            self.fail_next[key] = int(value or 0)
        if "expired_tokens" in changes:
            self.expired_tokens = set(changes["expired_tokens"] or ())
        if "retired_metrics" in changes:
            self.retired_metrics = set(changes["retired_metrics"] or ())
        for flag in ("graph_throttle_code",):
            if flag in changes:
                setattr(self, flag, int(changes[flag]))
        for flag in ("x_usage_capped", "x_client_forbidden", "x_schema_drift", "graph_schema_drift"):
            if flag in changes:
                setattr(self, flag, bool(changes[flag]))

    def to_json(self) -> dict:
        return {
            "rate_limits": {k: {"limit": v.limit, "window": v.window} for k, v in sorted(self.rate_limits.items())},
            "fail_next": dict(sorted(self.fail_next.items())),
            "expired_tokens": sorted(self.expired_tokens),
            "retired_metrics": sorted(self.retired_metrics),
            "graph_throttle_code": self.graph_throttle_code,
            "x_usage_capped": self.x_usage_capped,
            "x_client_forbidden": self.x_client_forbidden,
            "x_schema_drift": self.x_schema_drift,
            "graph_schema_drift": self.graph_schema_drift,
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Switches:
        switches = cls()
        switches.update(data or {})
        return switches


# --- requests, replies and routes ---------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """A repeated or comma-separated parameter, as a list."""
        return [part for value in self.query.get(name, []) for part in value.split(",") if part]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def bearer(self) -> str | None:
        value = self.header("authorization") or ""
        match = re.match(r"(?i)^(bearer|oauth)\s+(.+)$", value.strip())
        return match.group(2).strip() if match else None


@dataclass
class Reply:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    api: str
    name: str
    handler: Callable[[FakePlatforms, Request], Reply]


ROUTES: list[Route] = []
_GRAPH = r"/(?P<version>v\d+\.\d+)"


def route(method: str, path: str, api: str, name: str):
    """Register a handler; ``path`` is a regular expression matched against the whole path."""
    def register(handler):
        ROUTES.append(Route(method, re.compile(path), api, name, handler))
        return handler
    return register


class ApiError(Exception):
    """Raised by a handler to answer with an error in its API's own shape."""

    def __init__(self, reply: Reply):
        super().__init__(reply.status)
        self.reply = reply


# --- each API's own error bodies ---------------------------------------------------------------------

def x_problem(status: int, title: str, detail: str | None = None) -> Reply:
    return Reply(status, {"title": title, "detail": detail or title, "type": "about:blank", "status": status})


def x_invalid(parameter: str, value: str, message: str) -> Reply:
    return Reply(400, {
        "errors": [{"parameters": {parameter: [value]}, "message": message}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    })


def x_not_found(value: str, parameter: str, what: str) -> dict:
    return {"value": value, "detail": f"Could not find user with {what}: [{value}].", "title": "Not Found Error",
            "resource_type": "user", "parameter": parameter, "resource_id": value,
            "type": "https://api.twitter.com/2/problems/resource-not-found"}


def graph_error(message: str, code: int, *, status: int = 400, kind: str = "OAuthException",
                subcode: int | None = None, transient: bool = False) -> Reply:
    error: dict[str, object] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    error["fbtrace_id"] = base64.b64encode(secrets.token_bytes(8)).decode().rstrip("=")
    return Reply(status, {"error": error})


def hootsuite_error(status: int, code: int, message: str) -> Reply:
    return Reply(status, {"errors": [{"code": code, "message": message, "id": secrets.token_hex(16)}]})


def oauth_error(status: int, error: str, description: str, hint: str | None = None) -> Reply:
    body: dict[str, object] = {"error": error, "error_description": description, "status_code": status}
    if hint:
        body["error_hint"] = hint
    return Reply(status, body)


GRAPH_THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
}


# --- time and cursor formats -------------------------------------------------------------------------

def x_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def hootsuite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """ISO-8601 (``Z`` or offset, or a bare date) or a Unix timestamp, as UTC."""
    text = text.strip()
    if re.fullmatch(r"\d{9,11}", text):
        return datetime.fromtimestamp(int(text), UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def encode_cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(":".join(str(p) for p in parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    padded = cursor + "=" * (-len(cursor) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode().split(":")


# --- the platforms' data, indexed --------------------------------------------------------------------

@dataclass(frozen=True)
class Tweet:
    """A post on X as the v2 API describes it: a council post, a council reply or a public mention."""

    id: int
    text: str
    created_at: datetime
    author_id: str
    conversation_id: str
    in_reply_to_user_id: str | None
    replied_to: str | None
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int

    @property
    def is_reply(self) -> bool:
        return self.replied_to is not None


class FakePlatforms:
    """The demo council's data as the three platforms see it, plus rate-limit and token state."""

    def __init__(self, org: Organisation, switches: Switches | None = None):
        self.org = org
        self.switches = switches or Switches()
        self._initial_switches = self.switches.to_json()
        self._lock = threading.RLock()
        self._windows: dict[str, tuple[float, int]] = {}
        self._stats: dict[str, Counter] = defaultdict(Counter)
        self._used_refresh_tokens: set[str] = set()
        self._cache: dict[object, object] = {}
        served = [a for a in org.accounts if a.api_served]
        self.x_accounts = {a.platform_id: a for a in served if a.platform == "x"}
        self.x_accounts_by_name = {a.handle.lower(): a for a in self.x_accounts.values()}
        self.authors = {a.id: a for a in org.public_authors}
        self.authors_by_name = {a.handle.lower(): a for a in org.public_authors}
        self.pages = {a.platform_id: a for a in served if a.platform == "facebook"}
        self.pages_by_name = {a.handle.lower(): a for a in self.pages.values()}
        self.ig_users = {a.platform_id: a for a in served if a.platform == "instagram"}
        self.profiles = {a.hootsuite_profile_id: a for a in org.accounts if a.in_hootsuite}
        self.members = {m.id: m for m in org.members}

    # -- caches (generated on first use, then kept: the demo council is small) ------------------

    def cached(self, key: object, make: Callable[[], object]):
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def posts(self, account: Account) -> list[Post]:
        """Original posts and replies, newest first."""
        return self.cached(("posts", account.key), lambda: list(self.org.posts(account))[::-1])

    def mentions(self, account: Account) -> list[Mention]:
        return self.cached(("mentions", account.key), lambda: list(self.org.mentions(account))[::-1])

    def mention(self, account: Account, mention_id: str) -> Mention | None:
        index = self.cached(("mention-index", account.key), lambda: {m.id: m for m in self.mentions(account)})
        return index.get(mention_id)

    def timeline(self, account: Account) -> list[Tweet]:
        return self.cached(("timeline", account.key),
                           lambda: [self.tweet_from_post(account, p) for p in self.posts(account)])

    def mention_timeline(self, account: Account) -> list[Tweet]:
        return self.cached(("mention-timeline", account.key),
                           lambda: [self.tweet_from_mention(account, m) for m in self.mentions(account)])

    def tweet_from_post(self, account: Account, post: Post) -> Tweet:
        conversation = post.id
        if post.in_reply_to_id:
            mention = self.mention(account, post.in_reply_to_id)
            conversation = (mention.in_reply_to_post_id or mention.id) if mention else post.in_reply_to_id
        return Tweet(int(post.id), post.text, post.created_at, account.platform_id, conversation,
                     post.in_reply_to_user_id, post.in_reply_to_id, post.likes, post.shares, post.replies,
                     post.quotes, post.impressions)

    def tweet_from_mention(self, account: Account, mention: Mention) -> Tweet:
        spread = stable_int(mention.id)
        replying = mention.in_reply_to_post_id
        return Tweet(int(mention.id), mention.text, mention.created_at, mention.author.id,
                     replying or mention.id, account.platform_id if replying else None, replying,
                     spread % 7, spread // 7 % 3, int(mention.reply_id is not None), 0,
                     max(1, mention.author.followers // 10 + spread % 50))

    def page_posts(self, account: Account) -> list[Post]:
        return self.cached(("page-posts", account.key), lambda: [p for p in self.posts(account) if not p.is_reply])

    def graph_objects(self) -> dict[str, tuple[Account, Post]]:
        """Facebook and Instagram posts by id, and Facebook posts by their object id (the part after '_')."""
        def build():
            index: dict[str, tuple[Account, Post]] = {}
            for account in (*self.pages.values(), *self.ig_users.values()):
                for post in self.page_posts(account):
                    index[post.id] = (account, post)
                    if "_" in post.id:
                        index["object:" + post.id.split("_", 1)[1]] = (account, post)
            return index
        return self.cached("graph-objects", build)

    def comments(self, post: Post) -> list[Comment]:
        return self.cached(("comments", post.id), lambda: list(self.org.comments(post)))

    def messages(self) -> tuple[list[HootsuiteMessage], list[tuple[datetime, str]]]:
        def build():
            messages = list(self.org.hootsuite_messages())
            return messages, [(m.scheduled_send_time, m.id) for m in messages]
        return self.cached("messages", build)

    def message(self, message_id: str) -> HootsuiteMessage | None:
        index = self.cached("message-index", lambda: {m.id: m for m in self.messages()[0]})
        return index.get(message_id)

    # -- rate limits, bursts, statistics ---------------------------------------------------------

    def _limit_for(self, name: str, api: str) -> tuple[str, RateLimit | None]:
        for key in (name, api):
            if key in self.switches.rate_limits:
                return key, self.switches.rate_limits[key]
        for key in (name, api):
            if key in DEFAULT_RATE_LIMITS:
                return key, RateLimit(*DEFAULT_RATE_LIMITS[key])
        return name, None

    def take(self, name: str, api: str) -> tuple[RateLimit | None, int, int, bool]:
        """Count one request: (limit, remaining, reset epoch seconds, allowed)."""
        key, limit = self._limit_for(name, api)
        if limit is None:
            return None, 0, 0, True
        now = time.time()
        with self._lock:
            start, count = self._windows.get(key, (now, 0))
            if now >= start + limit.window:
                start, count = now, 0
            allowed = count < limit.limit
            count += allowed
            self._windows[key] = (start, count)
        return limit, max(0, limit.limit - count), math.ceil(start + limit.window), allowed

    def burst(self, name: str, api: str) -> bool:
        """Whether a 5xx burst switch claims this request."""
        with self._lock:
            for key in (name, api):
                if self.switches.fail_next.get(key, 0) > 0:
                    self.switches.fail_next[key] -= 1
                    return True
        return False

    def record(self, name: str, status: int) -> None:
        with self._lock:
            self._stats[name][str(status)] += 1

    def stats(self) -> dict:
        with self._lock:
            return {name: dict(counts) for name, counts in sorted(self._stats.items())}

    def reset(self) -> None:
        with self._lock:
            self.switches = Switches.from_json(self._initial_switches)
            self._windows.clear()
            self._stats.clear()
            self._used_refresh_tokens.clear()

    def update_switches(self, changes: dict) -> None:
        """Apply switch changes; a changed rate limit starts a fresh window."""
        with self._lock:
            self.switches.update(changes)
            for key in changes.get("rate_limits") or {}:
                self._windows.pop(key, None)

    def spend_refresh_token(self, token: str) -> bool:
        """Use a refresh token up; False when it was used before (refresh tokens are single-use)."""
        with self._lock:
            if token in self._used_refresh_tokens:
                return False
            self._used_refresh_tokens.add(token)
            return True

    def token_expired(self, api: str, token: str) -> bool:
        return token == EXPIRED_TOKEN or api in self.switches.expired_tokens

    # -- the pipeline every request goes through --------------------------------------------------

    def handle(self, request: Request) -> Reply:
        found = self._match(request)
        if found is None:
            return self._not_found(request)
        target, params = found
        request.params = params
        try:
            reply = self._dispatch(target, request)
        except ApiError as error:
            reply = error.reply
        self.record(target.name, reply.status)
        return reply

    def _match(self, request: Request) -> tuple[Route, dict[str, str]] | None:
        for candidate in ROUTES:
            match = candidate.pattern.fullmatch(request.path)
            if match and candidate.method == request.method:
                return candidate, match.groupdict()
        return None

    def _not_found(self, request: Request) -> Reply:
        path = request.path
        if path.startswith("/2/"):
            return x_problem(404, "Not Found Error", f"The requested resource '{path}' was not found")
        if re.match(r"^/v\d+\.\d+/", path):
            return graph_error("Unknown path components: " + path, 2500)
        if path.startswith("/v1/"):
            return hootsuite_error(404, 4001, "Resource not found")
        return Reply(404, {"error": "not found", "path": path})

    def _dispatch(self, target: Route, request: Request) -> Reply:
        api, name = target.api, target.name
        if api in ("x", "graph", "hootsuite") and self.burst(name, api):
            return self._server_error(api)
        if api == "x":
            return self._x(target, request)
        if api == "graph":
            return self._graph(target, request)
        if api == "hootsuite":
            return self._hootsuite(target, request)
        return target.handler(self, request)

    def _server_error(self, api: str) -> Reply:
        if api == "x":
            return x_problem(503, "Service Unavailable")
        if api == "graph":
            return graph_error("An unexpected error has occurred. Please retry your request later.", 2,
                               status=500, transient=True)
        return hootsuite_error(500, 9000, "An internal error occurred")

    def _x(self, target: Route, request: Request) -> Reply:
        token = request.bearer()
        if not token or self.token_expired("x", token):
            return x_problem(401, "Unauthorized")
        if self.switches.x_client_forbidden:
            return Reply(403, {
                "client_id": "29837102", "title": "Client Forbidden", "reason": "client-not-enrolled",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
                          "tokens from a Twitter developer App that is attached to a Project. You can create a "
                          "project via the developer portal.",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "required_enrollment": "Appropriate Level of API Access",
                "type": "https://api.twitter.com/2/problems/client-forbidden",
            })
        if self.switches.x_usage_capped:
            # The monthly cap: a 429 with no reset header (tweepy would retry it at once, forever).
            return Reply(429, {
                "account_id": 1480251958201380865, "product_name": "standard-basic", "title": "UsageCapExceeded",
                "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
                "type": "https://api.twitter.com/2/problems/usage-capped",
            })
        limit, remaining, reset, allowed = self.take(target.name, "x")
        reply = target.handler(self, request) if allowed else x_problem(429, "Too Many Requests")
        if limit is not None:
            reply.headers.update({"x-rate-limit-limit": str(limit.limit), "x-rate-limit-remaining": str(remaining),
                                  "x-rate-limit-reset": str(reset)})
        return reply

    def _graph(self, target: Route, request: Request) -> Reply:
        token = request.arg("access_token") or request.bearer()
        if not token:
            return graph_error("An access token is required to request this resource.", 104)
        if self.token_expired("graph", token):
            reply = graph_error(
                "Error validating access token: Session has expired on Friday, 30-Oct-26 10:00:00 PDT. "
                f"The current time is {self.org.as_of:%A, %d-%b-%y} 10:00:00 PDT.", 190, subcode=463)
            reply.headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "Session has expired"'
            return reply
        limit, remaining, _, allowed = self.take(target.name, "graph")
        if allowed:
            reply = target.handler(self, request)
            if self.switches.graph_schema_drift and target.name in GRAPH_DRIFTING:
                _graph_drift(reply)
        else:
            code = self.switches.graph_throttle_code
            reply = graph_error(GRAPH_THROTTLE_MESSAGES.get(code, f"(#{code}) Rate limit reached"), code,
                                transient=True)
        if limit is not None:
            used = min(100, round(100 * (limit.limit - remaining) / max(1, limit.limit)))
            usage = {"call_count": used, "total_cputime": max(0, used // 4), "total_time": max(0, used // 3)}
            reply.headers["X-App-Usage"] = json.dumps(usage, separators=(",", ":"))
            page = request.params.get("node")
            if page in self.pages:
                regain = 0 if allowed else 5
                reply.headers["X-Business-Use-Case-Usage"] = json.dumps(
                    {page: [{"type": "pages", **usage, "estimated_time_to_regain_access": regain}]},
                    separators=(",", ":"))
        return reply

    def _hootsuite(self, target: Route, request: Request) -> Reply:
        token = request.bearer()
        if not token:
            return hootsuite_error(401, 1000, "Missing or duplicate access token")
        if self.token_expired("hootsuite", token):
            return hootsuite_error(401, 1001, "Invalid access token")
        limit, remaining, _, allowed = self.take(target.name, "hootsuite")
        reply = target.handler(self, request) if allowed else hootsuite_error(429, 1043, "Too many requests")
        if limit is not None:
            reply.headers.update({
                "X-Account-Rate-Limit-Requests-Remaining": str(remaining),
                "X-Account-Quota": "100000 per day",
            })
        return reply


# --- X API v2 ----------------------------------------------------------------------------------------

X_USER_FIELDS = (
    "affiliation", "connection_status", "created_at", "description", "entities", "id", "is_identity_verified",
    "location", "most_recent_tweet_id", "name", "parody", "pinned_tweet_id", "profile_banner_url",
    "profile_image_url", "protected", "public_metrics", "receives_your_dm", "subscription",
    "subscription_type", "url", "username", "verified", "verified_followers_count", "verified_type", "withheld",
)
X_TWEET_FIELDS = (
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations", "conversation_id",
    "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes",
    "source", "text", "withheld",
)
X_EXPANSIONS = ("author_id", "referenced_tweets.id", "in_reply_to_user_id", "pinned_tweet_id",
                "entities.mentions.username", "attachments.media_keys", "referenced_tweets.id.author_id")


def _x_fields(request: Request, parameter: str, allowed: tuple[str, ...]) -> set[str]:
    fields = request.args(parameter)
    for value in fields:
        if value not in allowed:
            raise ApiError(x_invalid(parameter, value, f"The `{parameter}` query parameter value [{value}] is "
                                                       f"not one of [{','.join(allowed)}]"))
    return set(fields)


def _x_user(api: FakePlatforms, who: Account | PublicAuthor, fields: set[str]) -> dict:
    org = api.org
    if isinstance(who, Account):
        user = {"id": who.platform_id, "name": who.display_name, "username": who.handle}
        followers = org.followers_on(who, org.as_of)
        weeks = (org.as_of - who.created_on).days / 7
        metrics = {"followers_count": followers, "following_count": 150 + stable_int(who.key) % 900,
                   "tweet_count": round(who.activity.posts_per_week * weeks * 1.3) + stable_int(who.key) % 500,
                   "listed_count": followers // 120, "like_count": stable_int(who.key, "likes") % 3000,
                   "media_count": stable_int(who.key, "media") % 900}
        extra = {"created_at": x_time(datetime.combine(who.created_on, datetime.min.time(), UTC)),
                 "description": who.bio, "protected": who.private_locked, "location": "Manchester, England",
                 "url": "https://www.manchester.gov.uk", "verified": False, "verified_type": "government"}
    else:
        user = {"id": who.id, "name": who.name, "username": who.handle}
        metrics = {"followers_count": who.followers, "following_count": 80 + stable_int(who.id) % 1200,
                   "tweet_count": 200 + stable_int(who.id, "tweets") % 20000, "listed_count": who.followers // 300,
                   "like_count": stable_int(who.id, "likes") % 9000, "media_count": stable_int(who.id) % 400}
        extra = {"created_at": x_time(datetime.combine(who.created_on, datetime.min.time(), UTC)),
                 "description": who.description, "protected": False, "location": "Manchester",
                 "url": "", "verified": False, "verified_type": "none"}
    extra["public_metrics"] = metrics
    extra["profile_image_url"] = f"https://pbs.twimg.com/profile_images/{user['id']}/avatar_normal.jpg"
    user.update({k: v for k, v in extra.items() if k in fields})
    return user


def _x_tweet(tweet: Tweet, fields: set[str]) -> dict:
    item: dict[str, object] = {"id": str(tweet.id), "text": tweet.text, "edit_history_tweet_ids": [str(tweet.id)]}
    values: dict[str, object] = {
        "created_at": x_time(tweet.created_at), "author_id": tweet.author_id,
        "conversation_id": tweet.conversation_id, "lang": "en", "possibly_sensitive": False,
        "reply_settings": "everyone",
        "public_metrics": {"retweet_count": tweet.reposts, "reply_count": tweet.replies, "like_count": tweet.likes,
                           "quote_count": tweet.quotes, "bookmark_count": tweet.likes // 10,
                           "impression_count": tweet.impressions},
    }
    if tweet.in_reply_to_user_id:
        values["in_reply_to_user_id"] = tweet.in_reply_to_user_id
    if tweet.replied_to:
        values["referenced_tweets"] = [{"type": "replied_to", "id": tweet.replied_to}]
    if "entities" in fields:
        mentions = [{"start": m.start(), "end": m.end(), "username": m.group(1)}
                    for m in re.finditer(r"@(\w{1,15})", tweet.text)]
        if mentions:
            values["entities"] = {"mentions": mentions}
    item.update({k: v for k, v in values.items() if k in fields})
    return item


def _x_users_reply(api: FakePlatforms, request: Request, found: list, errors: list[dict]) -> Reply:
    fields = _x_fields(request, "user.fields", X_USER_FIELDS)
    body: dict[str, object] = {}
    if found:
        body["data"] = [_x_user(api, who, fields) for who in found]
    if errors:
        body["errors"] = errors
    return Reply(200, body)


def _x_lookup(api: FakePlatforms, values: list[str], parameter: str) -> tuple[list, list[dict]]:
    if not values:
        raise ApiError(x_invalid(parameter, "", f"The `{parameter}` query parameter can not be empty"))
    if len(values) > 100:
        message = (f"The number of values in the `{parameter}` query parameter list [{len(values)}] "
                   "is not between 1 and 100")
        raise ApiError(x_invalid(parameter, ",".join(values), message))
    found, errors = [], []
    for value in values:
        if parameter == "usernames":
            who = api.x_accounts_by_name.get(value.lower()) or api.authors_by_name.get(value.lower())
        else:
            who = api.x_accounts.get(value) or api.authors.get(value)
        if who is None:
            errors.append(x_not_found(value, parameter, parameter))
        else:
            found.append(who)
    return found, errors


@route("GET", r"/2/users/by", "x", "x.users_lookup")
def x_users_by(api: FakePlatforms, request: Request) -> Reply:
    found, errors = _x_lookup(api, request.args("usernames"), "usernames")
    return _x_users_reply(api, request, found, errors)


@route("GET", r"/2/users", "x", "x.users_lookup")
def x_users(api: FakePlatforms, request: Request) -> Reply:
    found, errors = _x_lookup(api, request.args("ids"), "ids")
    return _x_users_reply(api, request, found, errors)


@route("GET", r"/2/users/by/username/(?P<username>\w{1,15})", "x", "x.users_lookup")
def x_user_by_username(api: FakePlatforms, request: Request) -> Reply:
    found, errors = _x_lookup(api, [request.params["username"]], "username")
    reply = _x_users_reply(api, request, found, errors)
    if found:
        reply.body["data"] = reply.body["data"][0]
    return reply


@route("GET", r"/2/users/(?P<id>\d+)", "x", "x.users_lookup")
def x_user(api: FakePlatforms, request: Request) -> Reply:
    found, errors = _x_lookup(api, [request.params["id"]], "id")
    reply = _x_users_reply(api, request, found, errors)
    if found:
        reply.body["data"] = reply.body["data"][0]
    return reply


def _x_page(api: FakePlatforms, request: Request, tweets: list[Tweet], reachable: int) -> Reply:
    """One page of a newest-first tweet list with X's filters, tokens and ``meta``."""
    text = request.arg("max_results", "10")
    if not text.isdigit() or not 5 <= int(text) <= 100:
        raise ApiError(x_invalid("max_results", text,
                                 f"The `max_results` query parameter value [{text}] is not between 5 and 100"))
    size = int(text)
    fields = _x_fields(request, "tweet.fields", X_TWEET_FIELDS)
    expansions = set(request.args("expansions"))
    for value in expansions:
        if value not in X_EXPANSIONS:
            raise ApiError(x_invalid("expansions", value, f"The `expansions` query parameter value [{value}] is "
                                                          f"not one of [{','.join(X_EXPANSIONS)}]"))
    excluded = set(request.args("exclude"))
    if "replies" in excluded:
        tweets, reachable = [t for t in tweets if not t.is_reply], min(reachable, 800)
    tweets = tweets[:reachable]
    try:
        since_id, until_id = int(request.arg("since_id", "0")), int(request.arg("until_id", "0"))
        start = parse_time(request.arg("start_time")) if request.arg("start_time") else None
        end = parse_time(request.arg("end_time")) if request.arg("end_time") else None
    except ValueError as exc:
        raise ApiError(x_invalid("since_id", request.arg("since_id", ""), f"Invalid parameter: {exc}")) from exc
    chosen = [t for t in tweets if (not since_id or t.id > since_id) and (not until_id or t.id < until_id)
              and (start is None or t.created_at >= start) and (end is None or t.created_at <= end)]
    token = request.arg("pagination_token")
    direction = None
    if token:
        try:
            direction, anchor = decode_cursor(token)
            anchor_id = int(anchor)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(x_invalid("pagination_token", token, f"The `pagination_token` query parameter value "
                                                                f"[{token}] is not valid")) from exc
        if direction == "next":
            chosen = [t for t in chosen if t.id < anchor_id]
        else:
            chosen = [t for t in chosen if t.id > anchor_id][-size:]
    page, more = chosen[:size], len(chosen) > size
    if direction == "previous":
        page, more = chosen, True
    meta: dict[str, object] = {"result_count": len(page)}
    if not page:
        return Reply(200, {"meta": meta})
    meta.update(newest_id=str(page[0].id), oldest_id=str(page[-1].id))
    if more:
        meta["next_token"] = encode_cursor("next", page[-1].id)
    if token:
        meta["previous_token"] = encode_cursor("previous", page[0].id)
    body: dict[str, object] = {"data": [_x_tweet(t, fields) for t in page], "meta": meta}
    if api.switches.x_schema_drift:
        _x_drift(body)
    if "author_id" in expansions:
        user_fields = _x_fields(request, "user.fields", X_USER_FIELDS)
        authors = []
        for author_id in dict.fromkeys(t.author_id for t in page):
            who = api.x_accounts.get(author_id) or api.authors.get(author_id)
            if who is not None:
                authors.append(_x_user(api, who, user_fields))
        body["includes"] = {"users": authors}
    return Reply(200, body)


def _x_account(api: FakePlatforms, request: Request) -> Account | PublicAuthor | Reply:
    user_id = request.params["id"]
    account = api.x_accounts.get(user_id)
    if account is None:
        if user_id in api.authors:
            return api.authors[user_id]
        return Reply(200, {"errors": [x_not_found(user_id, "id", "id")]})
    if account.private_locked:
        return Reply(200, {"errors": [{
            "value": user_id, "detail": f"Sorry, you are not authorized to see the user with id: [{user_id}].",
            "title": "Authorization Error", "resource_type": "user", "parameter": "id", "resource_id": user_id,
            "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"}]})
    return account


@route("GET", r"/2/users/(?P<id>\d+)/tweets", "x", "x.user_tweets")
def x_user_tweets(api: FakePlatforms, request: Request) -> Reply:
    """A user's timeline, newest first; only the newest 3,200 posts are reachable (800 without replies)."""
    account = _x_account(api, request)
    if isinstance(account, Reply):
        return account
    tweets = api.timeline(account) if isinstance(account, Account) else []
    return _x_page(api, request, tweets, 3200)


@route("GET", r"/2/users/(?P<id>\d+)/mentions", "x", "x.user_mentions")
def x_user_mentions(api: FakePlatforms, request: Request) -> Reply:
    """Posts mentioning a user, newest first; only the newest 800 are reachable."""
    account = _x_account(api, request)
    if isinstance(account, Reply):
        return account
    tweets = api.mention_timeline(account) if isinstance(account, Account) else []
    return _x_page(api, request, tweets, 800)


def _x_drift(body: dict) -> None:
    """Schema drift on one page of posts (switch ``x_schema_drift``): see ``Switches``."""
    posts = body["data"]
    if posts:
        for optional in ("public_metrics", "conversation_id", "referenced_tweets", "in_reply_to_user_id", "lang"):
            posts[0].pop(optional, None)
        posts[0]["community_note_v3"] = {"state": "unrated"}
    if len(posts) > 1:
        posts[1].pop("created_at", None)
    if len(posts) > 2:
        posts[2].pop("id", None)
    body["matching_experiments"] = ["timeline-v3"]


# --- X recent search ---------------------------------------------------------------------------------

#: Recent search reaches back seven days; a query is at most 512 characters (Basic and Pro access).
X_SEARCH_DAYS = 7
X_QUERY_LIMIT = 512


def x_query_terms(query: str) -> list[list[str]]:
    """The fake's reading of an X search query: OR-groups of terms that must all appear.

    Quoted phrases, bare words and ``@handle`` are terms; operators (``-is:retweet``, ``lang:en``)
    and negated words are ignored, which is enough for the brand searches the pipelines build.
    """
    groups: list[list[str]] = [[]]
    for token in re.findall(r'-?"[^"]*"|[()]|[^\s()]+', query):
        if token == "OR":
            groups.append([])
        elif token in "()" or token.startswith("-") or ":" in token.strip('"'):
            continue
        else:
            groups[-1].append(token.strip('"').lower())
    return [group for group in groups if group]


def _x_matches(text: str, groups: list[list[str]]) -> bool:
    lowered = text.lower()
    return any(all(term in lowered for term in group) for group in groups)


def _x_search_corpus(api: FakePlatforms, query: str) -> list[Tweet]:
    """Public posts of the last seven days before ``as_of`` that match ``query``, newest first.

    The corpus is the brand mentions plus the mentions of the council accounts the query names
    with ``@handle``: what a brand search built from the listening patterns can find.
    """
    def build() -> list[Tweet]:
        groups = x_query_terms(query)
        since = api.org.cutoff - timedelta(days=X_SEARCH_DAYS)
        candidates = [api.tweet_from_mention(None, m) for m in api.org.brand_mentions() if m.created_at >= since]
        for handle in {term[1:] for group in groups for term in group if term.startswith("@")}:
            account = api.x_accounts_by_name.get(handle)
            if account is not None:
                candidates += [t for t in api.mention_timeline(account) if t.created_at >= since]
        unique = {t.id: t for t in candidates if _x_matches(t.text, groups)}
        return sorted(unique.values(), key=lambda t: t.id, reverse=True)
    return api.cached(("search", query), build)


@route("GET", r"/2/tweets/search/recent", "x", "x.search_recent")
def x_search_recent(api: FakePlatforms, request: Request) -> Reply:
    """Recent search: posts of the last seven days matching ``query``, newest first, ``next_token`` paging."""
    query = request.arg("query") or ""
    if not query.strip():
        raise ApiError(x_invalid("query", "", "The `query` query parameter can not be empty"))
    if len(query) > X_QUERY_LIMIT:
        raise ApiError(x_invalid("query", query, f"There were errors processing your request: Rules must be "
                                                 f"{X_QUERY_LIMIT} characters or less (query is {len(query)})"))
    size = request.arg("max_results", "10")
    if not size.isdigit() or not 10 <= int(size) <= 100:
        raise ApiError(x_invalid("max_results", size,
                                 f"The `max_results` query parameter value [{size}] is not between 10 and 100"))
    request.query = {**request.query, "pagination_token": request.query.get("next_token", [])}
    reply = _x_page(api, request, _x_search_corpus(api, query), 10**9)
    if isinstance(reply.body, dict) and isinstance(reply.body.get("meta"), dict):
        reply.body["meta"].pop("previous_token", None)
    return reply


# --- Graph API ---------------------------------------------------------------------------------------

#: Insight metrics each Graph version still accepts; anything else fails the whole request with #100.
GRAPH_METRICS = {"page_follows", "page_daily_follows", "page_daily_follows_unique", "page_daily_unfollows_unique",
                 "page_media_view", "page_post_engagements", "page_views_total", "page_total_actions"}
#: Retired by v24 (page_fans became page_follows on 2025-11-15; page_impressions became page_media_view).
GRAPH_RETIRED_METRICS = {"page_fans", "page_fan_adds", "page_fan_removes", "page_impressions",
                         "page_impressions_unique", "page_engaged_users", "page_fans_online"}


@dataclass
class GraphField:
    name: str
    modifiers: dict[str, str]
    children: list[GraphField] | None


def parse_fields(text: str) -> list[GraphField]:
    """``id,reactions.summary(total_count).limit(0),instagram_business_account{id,username}`` as a tree."""
    position = 0

    def parse_list(end: str | None) -> list[GraphField]:
        nonlocal position
        items: list[GraphField] = []
        while position < len(text):
            if end and text[position] == end:
                position += 1
                return items
            if text[position] in ", ":
                position += 1
                continue
            name = re.match(r"[\w]+", text[position:])
            if not name:
                raise ValueError(f"cannot read fields at '{text[position:]}'")
            position += name.end()
            current = GraphField(name.group(0), {}, None)
            while position < len(text) and text[position] in ".{":
                if text[position] == "{":
                    position += 1
                    current.children = parse_list("}")
                    continue
                modifier = re.match(r"\.(\w+)\(([^)]*)\)", text[position:])
                if not modifier:
                    raise ValueError(f"cannot read field modifier at '{text[position:]}'")
                current.modifiers[modifier.group(1)] = modifier.group(2)
                position += modifier.end()
            items.append(current)
        if end:
            raise ValueError("unbalanced braces in fields")
        return items

    return parse_list(None)


def _graph_fields(request: Request, default: str) -> list[GraphField]:
    try:
        return parse_fields(request.arg("fields") or default)
    except ValueError as exc:
        raise ApiError(graph_error(f"(#100) {exc}", 100)) from exc


def _graph_select(values: dict[str, Callable[[GraphField], object]], fields: list[GraphField],
                  node_type: str) -> dict:
    item: dict[str, object] = {}
    for wanted in fields:
        make = values.get(wanted.name)
        if make is None:
            raise ApiError(graph_error(f"(#100) Tried accessing nonexisting field ({wanted.name}) on node type "
                                       f"({node_type})", 100))
        value = make(wanted)
        if value is not None:
            item[wanted.name] = value
    return item


def _edge_summary(total: int, order: str = "ranked") -> Callable[[GraphField], dict]:
    def make(wanted: GraphField) -> dict:
        body: dict[str, object] = {"data": []}
        if "summary" in wanted.modifiers:
            body["summary"] = {"total_count": total, "can_comment": True, "order": order}
        return body
    return make


def _page_values(api: FakePlatforms, page: Account) -> dict[str, Callable[[GraphField], object]]:
    followers = api.org.followers_on(page, api.org.as_of)
    linked = api.org.account(page.linked_instagram) if page.linked_instagram else None
    return {
        "id": lambda f: page.platform_id,
        "name": lambda f: page.display_name,
        "username": lambda f: None if page.handle.isdigit() else page.handle,
        "about": lambda f: page.bio,
        "category": lambda f: "Government organisation",
        "fan_count": lambda f: round(followers * 0.93),
        "followers_count": lambda f: followers,
        "link": lambda f: f"https://www.facebook.com/{page.handle}",
        "verification_status": lambda f: "not_verified",
        "website": lambda f: "https://www.manchester.gov.uk",
        "is_published": lambda f: True,
        "access_token": lambda f: f"demo-page-token-{page.platform_id}",
        "tasks": lambda f: ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"],
        "instagram_business_account": lambda f: (
            _graph_select(_ig_user_values(api, linked), f.children or parse_fields("id"), "IGUser")
            if linked else None),
    }


def _ig_user_values(api: FakePlatforms, user: Account) -> dict[str, Callable[[GraphField], object]]:
    followers = api.org.followers_on(user, api.org.as_of)
    return {
        "id": lambda f: user.platform_id,
        "username": lambda f: user.handle,
        "name": lambda f: user.display_name,
        "biography": lambda f: user.bio,
        "followers_count": lambda f: followers,
        "follows_count": lambda f: 120 + stable_int(user.key) % 400,
        "media_count": lambda f: len(api.page_posts(user)),
        "profile_picture_url": lambda f: f"https://scontent.cdninstagram.com/{user.platform_id}.jpg",
        "website": lambda f: "https://www.manchester.gov.uk",
    }


def _post_values(api: FakePlatforms, account: Account, post: Post) -> dict[str, Callable[[GraphField], object]]:
    object_id = post.id.split("_")[-1]
    return {
        "id": lambda f: post.id,
        "message": lambda f: post.text,
        "created_time": lambda f: graph_time(post.created_at),
        "updated_time": lambda f: graph_time(post.created_at),
        "permalink_url": lambda f: f"https://www.facebook.com/{account.platform_id}/posts/{object_id}",
        "status_type": lambda f: "mobile_status_update",
        "is_published": lambda f: True,
        "from": lambda f: {"name": account.display_name, "id": account.platform_id},
        "shares": lambda f: {"count": post.shares} if post.shares else None,
        "reactions": _edge_summary(post.likes),
        "likes": _edge_summary(post.likes),
        "comments": _edge_summary(post.replies),
    }


def _media_values(api: FakePlatforms, account: Account, post: Post) -> dict[str, Callable[[GraphField], object]]:
    kinds = ("IMAGE", "IMAGE", "CAROUSEL_ALBUM", "VIDEO")
    code = base64.urlsafe_b64encode(stable_int(post.id).to_bytes(8, "big")).decode()[:11]
    return {
        "id": lambda f: post.id,
        "caption": lambda f: post.text,
        "timestamp": lambda f: graph_time(post.created_at),
        "media_type": lambda f: kinds[stable_int(post.id) % 4],
        "media_product_type": lambda f: "FEED",
        "permalink": lambda f: f"https://www.instagram.com/p/{code}/",
        "like_count": lambda f: post.likes,
        "comments_count": lambda f: post.replies,
        "username": lambda f: account.handle,
        "owner": lambda f: {"id": account.platform_id},
        "comments": _edge_summary(post.replies),
    }


def _comment_values(api: FakePlatforms, account: Account, comment: Comment,
                    reply: bool = False) -> dict[str, Callable[[GraphField], object]]:
    if reply:
        ident, text, when = comment.reply_id, comment.reply_text, comment.replied_at
        author = {"name": account.display_name, "id": account.platform_id}
        ig_author = {"id": account.platform_id, "username": account.handle}
    else:
        ident, text, when = comment.id, comment.text, comment.created_at
        author = {"name": comment.author.name, "id": comment.author.id}
        ig_author = {"id": comment.author.id, "username": comment.author.handle}
    values: dict[str, Callable[[GraphField], object]] = {
        "id": lambda f: ident,
        "created_time": lambda f: graph_time(when),
        "timestamp": lambda f: graph_time(when),
        "like_count": lambda f: stable_int(ident) % 6,
    }
    if account.platform == "facebook":
        values.update({
            "message": lambda f: text,
            "from": lambda f: author,
            "comment_count": lambda f: 0 if reply else int(comment.reply_id is not None),
            "parent": lambda f: {"id": comment.id, "created_time": graph_time(comment.created_at),
                                 "from": {"name": comment.author.name, "id": comment.author.id},
                                 "message": comment.text} if reply else None,
            "permalink_url": lambda f: f"https://www.facebook.com/{comment.post_id}?comment_id={ident}",
        })
    else:
        values.update({
            "text": lambda f: text,
            "username": lambda f: ig_author["username"],
            "from": lambda f: ig_author,
            "replies": lambda f: {"data": [_graph_select(_comment_values(api, account, comment, True),
                                                         f.children or parse_fields("id,text,timestamp"),
                                                         "IGComment")]}
            if comment.reply_id and not reply else None,
        })
    return values


def _graph_paging(request: Request, items: list, key: Callable[[object], str], limit: int,
                  render: Callable[[object], dict]) -> Reply:
    """Cursor paging over a newest-first list: ``after``/``before`` cursors and absolute next/previous links."""
    try:
        if request.arg("after"):
            anchor = decode_cursor(request.arg("after"))[0]
            position = next((i + 1 for i, item in enumerate(items) if key(item) == anchor), len(items))
            page_items = items[position:position + limit]
            start = position
        elif request.arg("before"):
            anchor = decode_cursor(request.arg("before"))[0]
            position = next((i for i, item in enumerate(items) if key(item) == anchor), 0)
            start = max(0, position - limit)
            page_items = items[start:position]
        else:
            start, page_items = 0, items[:limit]
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(graph_error("(#100) Invalid cursor", 100)) from exc
    body: dict[str, object] = {"data": [render(item) for item in page_items]}
    if not page_items:
        return Reply(200, body)
    query = {k: v[0] for k, v in request.query.items() if k not in ("after", "before")}
    query["limit"] = str(limit)
    paging: dict[str, object] = {"cursors": {"before": encode_cursor(key(page_items[0])),
                                             "after": encode_cursor(key(page_items[-1]))}}
    base = f"{request.base_url}{request.path}?"
    if start + len(page_items) < len(items):
        paging["next"] = base + urlencode({**query, "after": paging["cursors"]["after"]})
    if start > 0:
        paging["previous"] = base + urlencode({**query, "before": paging["cursors"]["before"]})
    body["paging"] = paging
    return Reply(200, body)


def _graph_limit(request: Request, default: int = 25) -> int:
    text = request.arg("limit", str(default))
    if not text.isdigit() or int(text) < 1:
        raise ApiError(graph_error("(#100) The parameter limit must be a positive number", 100))
    return min(int(text), 100)


def _graph_window(request: Request) -> tuple[datetime | None, datetime | None]:
    try:
        since = parse_time(request.arg("since")) if request.arg("since") else None
        until = parse_time(request.arg("until")) if request.arg("until") else None
    except ValueError as exc:
        raise ApiError(graph_error(f"(#100) Invalid time: {exc}", 100)) from exc
    return since, until


def _graph_node(api: FakePlatforms, node: str) -> tuple[str, Account, object]:
    """What a Graph id names: ("page"|"ig_user"|"post"|"media"|"comment"|"reply", account, thing)."""
    if node in api.pages or node.lower() in api.pages_by_name:
        page = api.pages.get(node) or api.pages_by_name[node.lower()]
        return "page", page, page
    if node in api.ig_users:
        return "ig_user", api.ig_users[node], api.ig_users[node]
    objects = api.graph_objects()
    if node in objects:
        account, post = objects[node]
        return ("post" if account.platform == "facebook" else "media"), account, post
    if "_" in node and ("object:" + node.split("_")[0]) in objects:
        account, post = objects["object:" + node.split("_")[0]]
        for comment in api.comments(post):
            if comment.id == node:
                return "comment", account, comment
            if comment.reply_id == node:
                return "reply", account, comment
    if node.isdigit() and len(node) > 2 and node[:-2] in objects:
        account, post = objects[node[:-2]]
        for comment in api.comments(post):
            if comment.id == node:
                return "comment", account, comment
            if comment.reply_id == node:
                return "reply", account, comment
    raise ApiError(graph_error(
        f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api", 100, kind="GraphMethodException", subcode=33))


@route("GET", _GRAPH + r"/me/accounts", "graph", "graph.me_accounts")
def graph_me_accounts(api: FakePlatforms, request: Request) -> Reply:
    """The Facebook pages the token's user manages, with their linked Instagram accounts."""
    fields = _graph_fields(request, "access_token,category,name,id,tasks")
    pages = [p for p in api.pages.values() if p.status == "active"]
    return _graph_paging(request, pages, lambda p: p.platform_id, _graph_limit(request),
                         lambda p: _graph_select(_page_values(api, p), fields, "Page"))


@route("GET", _GRAPH + r"/(?P<node>[\w.]+)", "graph", "graph.node")
def graph_node(api: FakePlatforms, request: Request) -> Reply:
    kind, account, thing = _graph_node(api, request.params["node"])
    if kind == "page":
        return Reply(200, _graph_select(_page_values(api, account), _graph_fields(request, "id,name"), "Page"))
    if kind == "ig_user":
        return Reply(200, _graph_select(_ig_user_values(api, account), _graph_fields(request, "id"), "IGUser"))
    if kind == "post":
        values = _post_values(api, account, thing)
        return Reply(200, _graph_select(values, _graph_fields(request, "created_time,message,id"), "PagePost"))
    if kind == "media":
        return Reply(200, _graph_select(_media_values(api, account, thing), _graph_fields(request, "id"),
                                        "IGMedia"))
    values = _comment_values(api, account, thing, reply=kind == "reply")
    default = "created_time,from,message,id" if account.platform == "facebook" else "id,text,timestamp"
    return Reply(200, _graph_select(values, _graph_fields(request, default), "Comment"))


@route("GET", _GRAPH + r"/(?P<node>[\w.]+)/(?P<edge>published_posts|posts|feed)", "graph",
       "graph.published_posts")
def graph_published_posts(api: FakePlatforms, request: Request) -> Reply:
    """A page's own posts, newest first, with ``since``/``until`` and cursor paging."""
    kind, page, _ = _graph_node(api, request.params["node"])
    if kind != "page":
        raise ApiError(graph_error(f"(#100) Tried accessing nonexisting field ({request.params['edge']}) on node "
                                   f"type ({'IGUser' if kind == 'ig_user' else 'PagePost'})", 100))
    fields = _graph_fields(request, "created_time,message,id")
    since, until = _graph_window(request)
    posts = [p for p in api.page_posts(page) if (since is None or p.created_at >= since)
             and (until is None or p.created_at < until)]
    return _graph_paging(request, posts, lambda p: p.id, _graph_limit(request),
                         lambda p: _graph_select(_post_values(api, page, p), fields, "PagePost"))


@route("GET", _GRAPH + r"/(?P<node>\d+)/media", "graph", "graph.media")
def graph_media(api: FakePlatforms, request: Request) -> Reply:
    """An Instagram business account's media, newest first."""
    kind, user, _ = _graph_node(api, request.params["node"])
    if kind != "ig_user":
        raise ApiError(graph_error(f"(#100) Tried accessing nonexisting field (media) on node type ({kind})", 100))
    fields = _graph_fields(request, "id")
    since, until = _graph_window(request)
    posts = [p for p in api.page_posts(user) if (since is None or p.created_at >= since)
             and (until is None or p.created_at < until)]
    return _graph_paging(request, posts, lambda p: p.id, _graph_limit(request),
                         lambda p: _graph_select(_media_values(api, user, p), fields, "IGMedia"))


@route("GET", _GRAPH + r"/(?P<node>[\w]+)/(?P<edge>comments|replies)", "graph", "graph.comments")
def graph_comments(api: FakePlatforms, request: Request) -> Reply:
    """Comments on a post (``filter=stream`` adds the page's replies), or the replies to a comment."""
    kind, account, thing = _graph_node(api, request.params["node"])
    limit = _graph_limit(request)
    if kind in ("post", "media"):
        fields = _graph_fields(request, "created_time,from,message,id" if kind == "post" else "id,text,timestamp")
        items: list[tuple[Comment, bool]] = [(c, False) for c in api.comments(thing)]
        if kind == "post" and request.arg("filter") == "stream":
            items += [(c, True) for c in api.comments(thing) if c.reply_id]
            items.sort(key=lambda pair: pair[0].replied_at if pair[1] else pair[0].created_at)
    elif kind == "comment":
        fields = _graph_fields(request, "created_time,from,message,id" if account.platform == "facebook"
                               else "id,text,timestamp")
        items = [(thing, True)] if thing.reply_id else []
    else:
        items, fields = [], _graph_fields(request, "id")
    if request.arg("order") == "reverse_chronological":
        items = items[::-1]
    reply = _graph_paging(request, items, lambda pair: pair[0].reply_id if pair[1] else pair[0].id, limit,
                          lambda pair: _graph_select(_comment_values(api, account, pair[0], pair[1]), fields,
                                                     "Comment"))
    if request.arg("summary") in ("true", "1"):
        reply.body["summary"] = {"order": request.arg("order", "chronological"), "total_count": len(items),
                                 "can_comment": True}
    return reply


@route("GET", _GRAPH + r"/(?P<node>\d+)/insights", "graph", "graph.insights")
def graph_insights(api: FakePlatforms, request: Request) -> Reply:
    """Daily page insights; one retired or unknown metric fails the whole request (#100)."""
    kind, page, _ = _graph_node(api, request.params["node"])
    if kind != "page":
        raise ApiError(graph_error("(#100) Tried accessing nonexisting field (insights)", 100))
    metrics = request.args("metric")
    if not metrics:
        raise ApiError(graph_error("(#100) The parameter metric is required", 100))
    retired = GRAPH_RETIRED_METRICS | api.switches.retired_metrics
    for metric in metrics:
        if metric in retired or metric not in GRAPH_METRICS:
            raise ApiError(graph_error("(#100) The value must be a valid insights metric", 100))
    since, until = _graph_window(request)
    last = min(api.org.as_of, (until or api.org.cutoff).date())
    first = (since.date() if since else last - timedelta(days=2))
    if (last - first).days > 93:
        raise ApiError(graph_error("(#100) There cannot be more than 93 days (8035200 s) between since and until",
                                   100))
    posts_by_day: dict[date, list[Post]] = defaultdict(list)
    for post in api.page_posts(page):
        posts_by_day[post.created_at.date()].append(post)
    org = api.org

    def value(metric: str, day: date) -> int:
        follows = org.followers_on(page, day)
        gained = max(0, follows - org.followers_on(page, day - timedelta(days=1)))
        posts = posts_by_day.get(day, [])
        return {
            "page_follows": follows,
            "page_daily_follows": gained,
            "page_daily_follows_unique": gained,
            "page_daily_unfollows_unique": stable_int(page.key, day.isoformat()) % 4,
            "page_media_view": sum(p.impressions for p in posts) + follows // 50,
            "page_post_engagements": sum(p.likes + p.shares + p.replies for p in posts),
            "page_views_total": follows // 80 + stable_int(page.key, "views", day.isoformat()) % 40,
            "page_total_actions": stable_int(page.key, "actions", day.isoformat()) % 12,
        }[metric]

    days = [first + timedelta(days=n) for n in range((last - first).days)]
    data = [{
        "name": metric, "period": "day",
        "values": [{"value": value(metric, day), "end_time": graph_time(datetime.combine(
            day + timedelta(days=1), datetime.min.time(), UTC) + timedelta(hours=7))} for day in days],
        "title": metric.replace("_", " ").capitalize(), "description": f"Daily: {metric}",
        "id": f"{page.platform_id}/insights/{metric}/day",
    } for metric in metrics]
    return Reply(200, {"data": data})


# --- Graph API: posts that tag a council account, and schema drift ------------------------------------

#: What members of the public write when they tag a council Page or Instagram account.
_TAGGED_TEXT = (
    "Great afternoon at {place} today, thanks {name}",
    "Thanks {name} for sorting the bins on {street} so quickly",
    "Is {place} open this {day}? Asking {name}",
    "The potholes on {street} are getting worse. When will they be fixed, {name}?",
    "Loved the event at {place}, well done {name}",
    "Still waiting for a reply about the missed collection on {street}, {name}",
)
_TAGGED_FILL = {
    "place": ("Central Library", "Heaton Park", "Wythenshawe Park", "Platt Fields", "Arndale Market"),
    "street": ("Oldham Road", "Wilmslow Road", "Hyde Road", "Barlow Moor Road", "Rochdale Road"),
    "day": ("Monday", "Wednesday", "Friday", "Saturday"),
}
#: Graph routes whose lists the ``graph_schema_drift`` switch changes.
GRAPH_DRIFTING = {"graph.published_posts", "graph.media", "graph.comments", "graph.tagged", "graph.tags"}


@dataclass(frozen=True)
class TaggedPost:
    """A public post that tags a council account (``/{page}/tagged``, ``/{ig-user}/tags``)."""

    id: str
    author: PublicAuthor
    text: str
    created_at: datetime


def tagged_posts(api: FakePlatforms, account: Account) -> list[TaggedPost]:
    """About one post in three days tags a Page (one in four an Instagram account), newest first."""
    def build() -> list[TaggedPost]:
        org, posts = api.org, []
        first = max(org.history_start, account.go_live_on or account.created_on)
        every = 3 if account.platform == "facebook" else 4
        for offset in range((org.as_of - first).days):
            day = first + timedelta(days=offset)
            draw = stable_int(org.seed, "tagged", account.key, day.isoformat())
            if draw % every:
                continue
            author = org.public_authors[draw // 7 % len(org.public_authors)]
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                hours=7 + draw // 11 % 15, minutes=draw // 13 % 60, seconds=draw // 17 % 60)
            values = {key: options[draw // 19 % len(options)] for key, options in _TAGGED_FILL.items()}
            text = _TAGGED_TEXT[draw // 23 % len(_TAGGED_TEXT)].format(name=account.display_name, **values)
            if account.platform == "facebook":
                ident = f"{10**14 + draw % (9 * 10**14)}_{10**15 + draw // 29 % 10**15}"
            else:
                ident = str(17_950_000_000_000_000 + draw % 10**15)
            posts.append(TaggedPost(ident, author, text, moment))
        return posts[::-1]
    return api.cached(("tagged", account.key), build)


def _tagged_values(account: Account, post: TaggedPost) -> dict[str, Callable[[GraphField], object]]:
    if account.platform == "facebook":
        return {
            "id": lambda f: post.id,
            "created_time": lambda f: graph_time(post.created_at),
            "updated_time": lambda f: graph_time(post.created_at),
            "message": lambda f: post.text,
            "from": lambda f: {"name": post.author.name, "id": post.author.id},
            "permalink_url": lambda f: f"https://www.facebook.com/{post.id.replace('_', '/posts/')}",
            "status_type": lambda f: "mobile_status_update",
        }
    return {
        "id": lambda f: post.id,
        "caption": lambda f: post.text,
        "timestamp": lambda f: graph_time(post.created_at),
        "username": lambda f: post.author.handle,
        "media_type": lambda f: "IMAGE",
        "permalink": lambda f: f"https://www.instagram.com/p/{encode_cursor(post.id)[:11]}/",
        "like_count": lambda f: stable_int(post.id) % 40,
        "comments_count": lambda f: stable_int(post.id, "comments") % 5,
    }


def _tagged_reply(api: FakePlatforms, request: Request, account: Account, default_fields: str) -> Reply:
    fields = _graph_fields(request, default_fields)
    since, until = _graph_window(request)
    posts = [p for p in tagged_posts(api, account) if (since is None or p.created_at >= since)
             and (until is None or p.created_at < until)]
    return _graph_paging(request, posts, lambda p: p.id, _graph_limit(request),
                         lambda p: _graph_select(_tagged_values(account, p), fields, "Post"))


@route("GET", _GRAPH + r"/(?P<node>[\w.]+)/tagged", "graph", "graph.tagged")
def graph_tagged(api: FakePlatforms, request: Request) -> Reply:
    """Public posts that tag a Page, newest first, with ``since``/``until`` and cursor paging."""
    kind, page, _ = _graph_node(api, request.params["node"])
    if kind != "page":
        raise ApiError(graph_error(f"(#100) Tried accessing nonexisting field (tagged) on node type ({kind})",
                                   100))
    return _tagged_reply(api, request, page, "id,created_time,message")


@route("GET", _GRAPH + r"/(?P<node>\d+)/tags", "graph", "graph.tags")
def graph_tags(api: FakePlatforms, request: Request) -> Reply:
    """Media an Instagram business account is tagged in, newest first (the real edge has no ``since``)."""
    kind, user, _ = _graph_node(api, request.params["node"])
    if kind != "ig_user":
        raise ApiError(graph_error(f"(#100) Tried accessing nonexisting field (tags) on node type ({kind})",
                                   100))
    request.query = {k: v for k, v in request.query.items() if k not in ("since", "until")}
    return _tagged_reply(api, request, user, "id")


def _graph_drift(reply: Reply) -> None:
    """Schema drift on one Graph list page (switch ``graph_schema_drift``): see ``Switches``."""
    items = reply.body.get("data") if reply.status == 200 and isinstance(reply.body, dict) else None
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        item["attribution_v99"] = {"source": "unknown"}
        if index == 0:
            item.pop("created_time", None)
            item.pop("timestamp", None)
        elif index == 1:
            item.pop("id", None)
        elif index == 2:
            for optional in ("message", "caption", "text", "from", "username", "permalink_url", "permalink",
                             "parent", "replies", "like_count", "comments_count", "reactions", "comments",
                             "shares"):
                item.pop(optional, None)


# --- Hootsuite ---------------------------------------------------------------------------------------

HOOTSUITE_STATES = ("PENDING_APPROVAL", "REJECTED", "SENT", "SCHEDULED", "SEND_FAILED_PERMANENTLY")
ROLE_PERMISSIONS = {
    "Admin": ["BASIC_USAGE", "SEND_MESSAGES", "APPROVE_MESSAGES", "MANAGE_SOCIAL_PROFILE"],
    "Reviewer": ["BASIC_USAGE", "SEND_MESSAGES", "APPROVE_MESSAGES"],
    "Editor": ["BASIC_USAGE", "CREATE_MESSAGES_REQUIRING_APPROVAL"],
}


def _hs_member(api: FakePlatforms, member_id: str) -> dict:
    member = api.members.get(member_id)
    if member is None:
        raise ApiError(hootsuite_error(404, 4001, "Resource not found"))
    modified = member.created_at
    if member.deactivated_on:
        modified = datetime.combine(member.deactivated_on, datetime.min.time(), UTC) + timedelta(hours=10)
    return {"id": member.id, "email": member.email, "isActive": member.is_active,
            "createdDate": hootsuite_time(member.created_at), "modifiedDate": hootsuite_time(modified),
            "fullName": member.full_name, "companyName": api.org.name, "bio": None,
            "timezone": "Europe/London", "language": "en"}


def _hs_profile(api: FakePlatforms, account: Account) -> dict:
    kind = HOOTSUITE_PROFILE_TYPES[account.platform]
    twitter = kind == "TWITTER"
    return {
        "id": account.hootsuite_profile_id, "type": kind,
        "socialNetworkId": account.platform_id or str(stable_int(account.key) % 10**12),
        # Hootsuite leaves the username and avatar empty for X profiles: match them on socialNetworkId.
        "socialNetworkUsername": None if twitter else account.handle,
        "avatarUrl": None if twitter else f"https://hootsuite-avatars.example/{account.hootsuite_profile_id}.jpg",
        "owner": "ORGANIZATION", "ownerId": api.org.hootsuite_organisation_id,
        "isReauthRequired": int(account.hootsuite_reauth_required),
    }


def _hs_message(api: FakePlatforms, message: HootsuiteMessage) -> dict:
    account = api.org.account(message.account_key)
    approvals = sum(1 for a in message.history if a.action in ("APPROVE", "REJECT"))
    body: dict[str, object] = {
        "id": message.id, "state": message.state, "text": message.text,
        "socialProfile": {"id": message.social_profile_id},
        "scheduledSendTime": hootsuite_time(message.scheduled_send_time),
        "webhookUrls": [], "tags": [], "targeting": {}, "privacy": {}, "location": None,
        "emailNotification": False, "mediaUrls": [], "media": [],
        "createdByMember": {"id": message.created_by}, "lastUpdatedByMember": {"id": message.last_updated_by},
        "sequenceNumber": approvals or None,
        "reviewers": [{"id": m.id, "type": "MEMBER"} for m in api.org.members
                      if m.role == "Reviewer" and m.is_active][:2] if message.state == "PENDING_APPROVAL" else [],
    }
    if message.post_id:
        body["postId"] = message.post_id
        if account.platform == "facebook":
            body["postUrl"] = f"https://www.facebook.com/{account.platform_id}/posts/{message.post_id.split('_')[-1]}"
        elif account.platform == "linkedin":
            body["postUrl"] = f"https://www.linkedin.com/feed/update/{message.post_id}"
    return body


def _hs_organisation(api: FakePlatforms, request: Request) -> None:
    if request.params["org"] != api.org.hootsuite_organisation_id:
        raise ApiError(hootsuite_error(400, 3003, "Unable to find an organization with that ID"))


@route("GET", r"/v1/me", "hootsuite", "hootsuite.me")
def hootsuite_me(api: FakePlatforms, request: Request) -> Reply:
    admin = next(m for m in api.org.members if m.role == "Admin")
    return Reply(200, {"data": _hs_member(api, admin.id)})


@route("GET", r"/v1/me/organizations", "hootsuite", "hootsuite.me")
def hootsuite_me_organisations(api: FakePlatforms, request: Request) -> Reply:
    return Reply(200, {"data": [{"id": api.org.hootsuite_organisation_id, "name": api.org.name,
                                 "logoUrl": None}]})


@route("GET", r"/v1/socialProfiles", "hootsuite", "hootsuite.social_profiles")
def hootsuite_social_profiles(api: FakePlatforms, request: Request) -> Reply:
    return Reply(200, {"data": [_hs_profile(api, a) for a in api.profiles.values()]})


@route("GET", r"/v1/socialProfiles/(?P<id>\d+)", "hootsuite", "hootsuite.social_profiles")
def hootsuite_social_profile(api: FakePlatforms, request: Request) -> Reply:
    account = api.profiles.get(request.params["id"])
    if account is None:
        raise ApiError(hootsuite_error(404, 4001, "Resource not found"))
    return Reply(200, {"data": _hs_profile(api, account)})


@route("GET", r"/v1/organizations/(?P<org>[^/]+)/members", "hootsuite", "hootsuite.members")
def hootsuite_members(api: FakePlatforms, request: Request) -> Reply:
    _hs_organisation(api, request)
    return Reply(200, {"data": [{"id": m.id} for m in api.org.members]})


@route("GET", r"/v1/organizations/(?P<org>[^/]+)/teams", "hootsuite", "hootsuite.teams")
def hootsuite_teams(api: FakePlatforms, request: Request) -> Reply:
    _hs_organisation(api, request)
    return Reply(200, {"data": [{"id": t.id, "name": t.name, "logoUrl": None, "createdDate": hootsuite_time(
        t.created_at), "createdByMember": {"id": next(m.id for m in api.org.members if m.role == "Admin")}}
        for t in api.org.teams]})


@route("GET", r"/v1/organizations/(?P<org>[^/]+)/members/(?P<id>\d+)/teams", "hootsuite", "hootsuite.teams")
def hootsuite_member_teams(api: FakePlatforms, request: Request) -> Reply:
    _hs_organisation(api, request)
    _hs_member(api, request.params["id"])
    return Reply(200, {"data": [{"id": team} for team in api.members[request.params["id"]].teams]})


@route("GET", r"/v1/organizations/(?P<org>[^/]+)/members/(?P<id>\d+)/socialProfiles/(?P<profile>\d+)/permissions",
       "hootsuite", "hootsuite.permissions")
def hootsuite_member_profile_permissions(api: FakePlatforms, request: Request) -> Reply:
    """A member's permissions on a profile: the preset is their Review Board role (Admin, Reviewer, Editor)."""
    _hs_organisation(api, request)
    _hs_member(api, request.params["id"])
    if request.params["profile"] not in api.profiles:
        raise ApiError(hootsuite_error(404, 4001, "Resource not found"))
    member = api.members[request.params["id"]]
    return Reply(200, {"data": {"permissions": ROLE_PERMISSIONS[member.role],
                                "permissionPreset": member.permission_preset}})


@route("GET", r"/v1/organizations/(?P<org>[^/]+)/members/(?P<id>\d+)/permissions", "hootsuite",
       "hootsuite.permissions")
def hootsuite_member_permissions(api: FakePlatforms, request: Request) -> Reply:
    """A member's organisation permissions; the demo council's preset is the member's Review Board role."""
    _hs_organisation(api, request)
    _hs_member(api, request.params["id"])
    member = api.members[request.params["id"]]
    return Reply(200, {"data": {"permissions": ROLE_PERMISSIONS[member.role],
                                "permissionPreset": member.permission_preset}})


@route("GET", r"/v1/members/(?P<id>\d+)", "hootsuite", "hootsuite.member")
def hootsuite_member(api: FakePlatforms, request: Request) -> Reply:
    return Reply(200, {"data": _hs_member(api, request.params["id"])})


@route("GET", r"/v1/messages", "hootsuite", "hootsuite.messages")
def hootsuite_messages(api: FakePlatforms, request: Request) -> Reply:
    """Outbound messages by scheduled send time, in windows of at most four weeks, 50 (up to 100) a page."""
    try:
        start, end = parse_time(request.arg("startTime", "")), parse_time(request.arg("endTime", ""))
    except ValueError as exc:
        raise ApiError(hootsuite_error(400, 4000, "Schema validation failed: startTime and endTime must be "
                                                  "ISO-8601 date-times")) from exc
    if end < start:
        raise ApiError(hootsuite_error(400, 4000, "Schema validation failed: endTime is before startTime"))
    if end - start > timedelta(weeks=4):
        raise ApiError(hootsuite_error(400, 40020, "Specified date range is too large"))
    state = request.arg("state")
    if state and state not in HOOTSUITE_STATES:
        raise ApiError(hootsuite_error(400, 40019, "Message state filter not supported"))
    limit_text = request.arg("limit", "50")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
        raise ApiError(hootsuite_error(400, 4000, "Schema validation failed: limit must be between 1 and 100"))
    limit = int(limit_text)
    profiles = set(request.args("socialProfileIds"))
    messages, keys = api.messages()
    first = bisect_left(keys, (start, ""))
    cursor = request.arg("cursor")
    if cursor:
        match = re.fullmatch(r"(\d+):(\d+):0", cursor)
        if not match:
            raise ApiError(hootsuite_error(400, 3020, "Invalid cursor format"))
        moment = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
        first = max(first, bisect_left(keys, (moment, match.group(2))))
    page, position = [], first
    while position < len(messages) and messages[position].scheduled_send_time <= end:
        message = messages[position]
        position += 1
        if (state and message.state != state) or (profiles and message.social_profile_id not in profiles):
            continue
        if len(page) == limit:
            position -= 1
            break
        page.append(message)
    more = position < len(messages) and messages[position].scheduled_send_time <= end and len(page) == limit
    body: dict[str, object] = {"data": [_hs_message(api, m) for m in page]}
    if more or cursor:
        following = messages[position] if more else None
        body["metadata"] = {"cursor": {
            "next": f"{int(following.scheduled_send_time.timestamp() * 1000)}:{following.id}:0" if following
            else None,
            "previous": cursor,
        }}
    return Reply(200, body)


@route("GET", r"/v1/messages/(?P<id>\d+)", "hootsuite", "hootsuite.message")
def hootsuite_message(api: FakePlatforms, request: Request) -> Reply:
    message = api.message(request.params["id"])
    if message is None:
        raise ApiError(hootsuite_error(404, 4001, "Resource not found"))
    return Reply(200, {"data": _hs_message(api, message)})


@route("GET", r"/v1/messages/(?P<id>\d+)/history", "hootsuite", "hootsuite.message_history")
def hootsuite_message_history(api: FakePlatforms, request: Request) -> Reply:
    """The approvals trail: CREATE, APPROVE, REJECT, SCHEDULE, SEND with actor and time."""
    message = api.message(request.params["id"])
    if message is None:
        raise ApiError(hootsuite_error(404, 4001, "Resource not found"))
    return Reply(200, {"data": {"actions": [
        {"actorType": action.actor_type, "actorId": action.actor_id, "actionType": action.action,
         "timestamp": x_time(action.at)} for action in message.history]}})


@route("POST", r"/oauth2/token", "oauth", "hootsuite.token")
def hootsuite_token(api: FakePlatforms, request: Request) -> Reply:
    """Refresh-token grant; each refresh token works once (a second use is refused, as Hootsuite does)."""
    basic = request.header("authorization") or ""
    credentials = ""
    if basic.lower().startswith("basic "):
        try:
            credentials = base64.b64decode(basic[6:].strip()).decode()
        except ValueError:
            credentials = ""
    client_id, _, secret = credentials.partition(":")
    if not (client_id and secret):
        return oauth_error(401, "invalid_client", "Client authentication failed (e.g., unknown client, no client "
                           "authentication included, or unsupported authentication method).")
    form = request.form
    if form.get("grant_type") != "refresh_token":
        return oauth_error(400, "unsupported_grant_type", "The authorization grant type is not supported by the "
                           "authorization server.")
    token = form.get("refresh_token", "")
    reused = bool(token) and not api.spend_refresh_token(token)
    if not token or reused or token == EXPIRED_TOKEN or "hootsuite" in api.switches.expired_tokens:
        hint = "The refresh token has already been used." if reused else "The refresh token is not valid."
        return oauth_error(400, "invalid_grant", "The provided authorization grant (e.g., authorization code, "
                           "resource owner credentials) or refresh token is invalid, expired, revoked, does not "
                           "match the redirection URI used in the authorization request, or was issued to another "
                           "client.", hint)
    return Reply(200, {"access_token": "hs-access-" + secrets.token_urlsafe(24),
                       "refresh_token": "hs-refresh-" + secrets.token_urlsafe(24),
                       "token_type": "bearer", "expires_in": 2592000, "scope": "offline"})


# --- health and control ------------------------------------------------------------------------------

@route("GET", r"/healthz", "control", "healthz")
def healthz(api: FakePlatforms, request: Request) -> Reply:
    return Reply(200, {"status": "ok"})


@route("GET", r"/_control/switches", "control", "control.switches")
def control_switches(api: FakePlatforms, request: Request) -> Reply:
    return Reply(200, api.switches.to_json())


@route("POST", r"/_control/switches", "control", "control.switches")
def control_set_switches(api: FakePlatforms, request: Request) -> Reply:
    try:
        api.update_switches(json.loads(request.body or b"{}"))
    except (ValueError, TypeError, KeyError) as exc:
        return Reply(400, {"error": str(exc)})
    return Reply(200, api.switches.to_json())


@route("POST", r"/_control/reset", "control", "control.reset")
def control_reset(api: FakePlatforms, request: Request) -> Reply:
    api.reset()
    return Reply(200, api.switches.to_json())


@route("GET", r"/_control/stats", "control", "control.stats")
def control_stats(api: FakePlatforms, request: Request) -> Reply:
    """Requests answered so far, by endpoint name and status."""
    return Reply(200, api.stats())


# --- HTTP ------------------------------------------------------------------------------------------

_SECRET_PARAMS = re.compile(r"((?:access_token|refresh_token|client_secret)=)[^&\s]+")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "council-social-fakeapi"
    sys_version = ""
    # Headers and body go out in two writes; without TCP_NODELAY a keep-alive client waits for the
    # delayed ACK (about 40 ms) on every request.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command, path=parts.path.rstrip("/") or "/", query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()}, body=body,
            base_url="http://" + (self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])),
        )
        try:
            reply = self.server.platforms.handle(request)
        except Exception as exc:  # a bug in a handler must show, not hang the client
            reply = Reply(500, {"error": f"fake API failure: {type(exc).__name__}: {exc}"})
        payload = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:
        if self.server.verbose:
            sys.stderr.write("fakeapi: " + _SECRET_PARAMS.sub(r"\1[redacted]", format % args) + "\n")


class FakeApiHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], platforms: FakePlatforms, verbose: bool = False):
        super().__init__(address, _Handler)
        self.platforms = platforms
        self.verbose = verbose


def make_server(host: str = "127.0.0.1", port: int = 0, *, as_of: date | None = None, seed: int | None = None,
                switches: dict | None = None, verbose: bool = False) -> FakeApiHttpServer:
    """A bound (not yet serving) server for the demo council; port 0 picks a free port."""
    org = build_organisation(as_of or DEMO_AS_OF, DEMO_SEED if seed is None else seed)
    return FakeApiHttpServer((host, port), FakePlatforms(org, Switches.from_json(switches)), verbose)


def serve(host: str = "127.0.0.1", port: int = 8099, *, ready_file: str | None = None, as_of: date | None = None,
          seed: int | None = None, switches: dict | None = None, parent_pid: int | None = None,
          verbose: bool = False) -> None:
    """Serve until interrupted (or until ``parent_pid`` exits); write the port to ``ready_file`` once listening."""
    server = make_server(host, port, as_of=as_of, seed=seed, switches=switches, verbose=verbose)
    chosen = server.server_address[1]
    if parent_pid:
        def watch() -> None:
            while True:
                time.sleep(0.5)
                if os.getppid() != parent_pid:
                    os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    if ready_file:
        temporary = Path(f"{ready_file}.tmp")
        temporary.write_text(str(chosen), encoding="utf-8")
        os.replace(temporary, ready_file)
    org = server.platforms.org
    sys.stderr.write(f"Fake platform API for {org.name} (as of {org.as_of}, seed {org.seed}) "
                     f"on http://{host}:{chosen}\n")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


class FakeApiServer:
    """The fake API in a child process, for ``make demo`` and tests.

    ::

        with FakeApiServer() as fake:
            requests.get(f"{fake.base_url}/healthz")

    The child listens on a free port on 127.0.0.1 and is stopped (terminate, then kill after
    ``stop_timeout``) when the block ends, so no process is left behind.
    """

    def __init__(self, *, as_of: date = DEMO_AS_OF, seed: int = DEMO_SEED, switches: dict | None = None,
                 host: str = "127.0.0.1", start_timeout: float = 30.0, stop_timeout: float = 5.0,
                 verbose: bool = False):
        self.as_of, self.seed, self.switches, self.host = as_of, seed, switches, host
        self.start_timeout, self.stop_timeout, self.verbose = start_timeout, stop_timeout, verbose
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self._folder: tempfile.TemporaryDirectory | None = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the fake API server is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> FakeApiServer:
        self._folder = tempfile.TemporaryDirectory(prefix="fakeapi-")
        folder = Path(self._folder.name)
        ready, log = folder / "port", folder / "server.log"
        command = [sys.executable, "-m", "council_social.fakeapi", "--host", self.host, "--port", "0",
                   "--ready-file", str(ready), "--as-of", self.as_of.isoformat(), "--seed", str(self.seed),
                   "--parent-pid", str(os.getpid())]
        if self.switches:
            command += ["--switches", json.dumps(self.switches)]
        if self.verbose:
            command.append("--verbose")
        with log.open("wb") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.start_timeout
        try:
            while not ready.exists():
                if self.process.poll() is not None:
                    raise RuntimeError(f"the fake API server exited with {self.process.returncode}: "
                                       f"{log.read_text(errors='replace')[-2000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the fake API server did not start in {self.start_timeout:.0f} s")
                time.sleep(0.02)
            self.port = int(ready.read_text(encoding="utf-8"))
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self, deadline: float) -> None:
        while True:
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the fake API server did not answer /healthz")
            time.sleep(0.05)

    def set_switches(self, **changes) -> dict:
        """Change test switches in the running server (see ``Switches``); returns them all."""
        return self._control("/_control/switches", changes)

    def reset(self) -> dict:
        """Back to the starting switches, with rate-limit windows, statistics and used tokens cleared."""
        return self._control("/_control/reset", {})

    def stats(self) -> dict:
        with urllib.request.urlopen(f"{self.base_url}/_control/stats", timeout=10) as response:
            return json.loads(response.read())

    def _control(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(f"{self.base_url}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        elif process is not None:
            process.wait()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        self.port = None

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
