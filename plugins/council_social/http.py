"""Send a platform's HTTP requests to another address: the local fake API server, or a proxy.

SDKs hard-code their API host (tweepy always calls ``https://api.twitter.com``). Rather than patch
a library, the connectors mount an adapter on its ``requests.Session`` that rewrites the scheme,
host and port (and prefixes any path) of every request for the platforms' hosts::

    client = tweepy.Client(bearer_token=token)
    rebase_session(client.session, connection.host)   # e.g. "http://127.0.0.1:8099"

With no ``base_url`` the session is left untouched, so connector code can call this unconditionally
with the connection's optional host and talk to the real API in production.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

#: Hosts of the APIs the pipelines call; requests to them are rewritten, anything else is left alone.
PLATFORM_HOSTS = (
    "api.twitter.com",
    "api.x.com",
    "graph.facebook.com",
    "graph.instagram.com",
    "platform.hootsuite.com",
)


class RebaseAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` that sends each request to ``base_url`` instead of the host in its URL."""

    def __init__(self, base_url: str, **kwargs):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"'{base_url}' is not an http(s) base URL such as http://127.0.0.1:8099")
        self.scheme, self.netloc, self.prefix = parts.scheme, parts.netloc, parts.path.rstrip("/")
        super().__init__(**kwargs)

    def rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        return urlunsplit((self.scheme, self.netloc, self.prefix + parts.path, parts.query, parts.fragment))

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:
        request.url = self.rewrite(request.url)
        # Proxy settings were chosen for the original host; choose again for the one we now call.
        kwargs["proxies"] = get_environ_proxies(request.url)
        return super().send(request, **kwargs)


def rebase_session(session: requests.Session, base_url: str | None,
                   hosts: tuple[str, ...] = PLATFORM_HOSTS) -> requests.Session:
    """Make ``session`` send requests for ``hosts`` to ``base_url``; a no-op when ``base_url`` is empty."""
    if not base_url:
        return session
    adapter = RebaseAdapter(base_url)
    for host in hosts:
        for scheme in ("https", "http"):
            session.mount(f"{scheme}://{host}/", adapter)
    return session
