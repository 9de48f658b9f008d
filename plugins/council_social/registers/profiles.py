"""Turn profile links into (platform, handle).

Registers hold whatever people paste: ``twitter.com/ManCityCouncil``, ``https://x.com/...``,
``www.facebook.com/pages/<name>/<id>?fref=ts``, blog addresses. Every later check matches
accounts by platform and handle, so they are worked out once, here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Host (without www./m./mobile.) -> platform.
HOSTS = {
    "twitter.com": "x",
    "x.com": "x",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "instagram.com": "instagram",
    "youtube.com": "youtube",
    "linkedin.com": "linkedin",
    "flickr.com": "flickr",
    "vimeo.com": "vimeo",
    "foursquare.com": "foursquare",
    "tiktok.com": "tiktok",
    "threads.net": "threads",
    "bsky.app": "bluesky",
    "pinterest.com": "pinterest",
    "pinterest.co.uk": "pinterest",
}
#: Hosted blogs: the handle is the sub-domain.
BLOG_HOSTS = {"wordpress.com": "wordpress", "blogspot.com": "blogger", "blogspot.co.uk": "blogger"}

#: Path words that are not the account itself.
SKIP_SEGMENTS = {"pages", "pg", "p", "groups", "photos", "people", "company", "channel", "c", "user",
                 "in", "home", "profile.php", "about", "#!", "@"}


class NotAProfile(ValueError):
    """The text is not a link to an account we can name."""


def _host_platform(host: str) -> tuple[str | None, str | None]:
    host = re.sub(r"^(www|m|mobile|web|business)\.", "", host.lower())
    if host in HOSTS:
        return HOSTS[host], None
    for suffix, platform in BLOG_HOSTS.items():
        if host.endswith("." + suffix):
            return platform, host[: -len(suffix) - 1]
    return None, None


def profile_from_url(url: str) -> tuple[str, str]:
    """Platform and handle named by a profile link; raises ``NotAProfile`` when it names none."""
    text = re.sub(r"\s+", "", url.strip())
    if not text:
        raise NotAProfile("the link is empty")
    if not re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        text = "https://" + text
    parts = urlsplit(text)
    platform, handle = _host_platform(parts.hostname or "")
    if platform is None:
        raise NotAProfile(f"'{url}' is not a link to a platform we know")
    if handle:
        return platform, handle
    segments = [s for s in parts.path.split("/") if s]
    if platform == "facebook" and segments and segments[0] == "profile.php":
        ids = re.findall(r"id=(\d+)", parts.query)
        if ids:
            return platform, ids[0]
    if platform == "facebook" and segments[:1] in (["pages"], ["pg"]):
        # /pages/<name>/<numeric id>: the id is what the Graph API knows; tolerate a pasted '?fref=ts'
        # that lost its '?' (seen in published registers).
        for segment in reversed(segments[1:]):
            digits = re.match(r"^(\d{6,})", segment)
            if digits:
                return platform, digits.group(1)
    if platform == "foursquare":
        for segment in segments:
            if segment.isdigit() or re.fullmatch(r"[0-9a-f]{24}", segment):
                return platform, segment
    candidates = [s for s in segments if s.lower() not in SKIP_SEGMENTS]
    if not candidates:
        raise NotAProfile(f"'{url}' does not name an account (no handle in the link)")
    handle = candidates[0].lstrip("@")
    if not re.fullmatch(r"[\w.\-]+", handle):
        raise NotAProfile(f"'{url}' does not name an account ('{handle}' is not a handle)")
    return platform, handle
