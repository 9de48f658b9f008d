"""Private individuals in listening reports: a stable pseudonym instead of their handle (UK GDPR).

A report names the council's own accounts, organisations (media, partners, public bodies listed in
``config/listening.yaml``) and verified accounts with a public following (``listening.
public_figure_min_reach``); every other author is "Resident 4F2A9C": a keyed hash of the platform and
handle, the same in every report, so the comms team can see that one person wrote five times without
seeing who. Handles named inside mention text are replaced the same way, and links to a private
person's post drop their handle. ``listening.pseudonymise_private_individuals: false`` shows
everyone by name.

The key is per deployment and never in code: the password of the Airflow connection
``listening_pseudonym_key`` when it exists, else a random key generated once and kept in the
warehouse (``ops_keys``). Without the key a pseudonym cannot be traced back to a handle by hashing
guessed handles.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from council_social.listening.lexicon import HANDLE

log = logging.getLogger(__name__)

CONN_ID = "listening_pseudonym_key"
KEY_NAME = "listening_pseudonym_key"
PREFIX = "Resident"
#: Platforms whose post links carry the author's handle, and the handle-free form of the link.
ANONYMOUS_LINKS = {"x": "https://x.com/i/web/status/{id}"}


def connection_key() -> bytes | None:
    """The key from the Airflow connection ``listening_pseudonym_key`` (its password), if there is one."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = BaseHook.get_connection(CONN_ID)
    except AirflowNotFoundException:
        return None
    return connection.password.encode("utf-8") if connection.password else None


def stored_key(con) -> bytes:
    """The warehouse's own key, generated on first use (a read-only connection cannot create it)."""
    import duckdb

    row = con.execute("select value from ops_keys where name = ?", [KEY_NAME]).fetchone()
    if row is not None:
        return row[0].encode("utf-8")
    value = secrets.token_hex(32)
    try:
        con.execute("insert into ops_keys (name, value, created_at) values (?, ?, ?) on conflict do nothing",
                    [KEY_NAME, value, datetime.now(UTC)])
    except duckdb.Error as exc:
        from council_social.warehouse import WarehouseError

        raise WarehouseError(
            "no listening pseudonym key yet and the warehouse is open read-only: run the listening DAG once "
            f"(it creates the key), or set the Airflow connection '{CONN_ID}' ({exc})") from exc
    log.info("generated the listening pseudonym key (kept in ops_keys)")
    return con.execute("select value from ops_keys where name = ?", [KEY_NAME]).fetchone()[0].encode("utf-8")


def pseudonym_key(con) -> bytes:
    return connection_key() or stored_key(con)


@dataclass
class Pseudonymiser:
    """Shows authors and handles as a report may: by name when public, else as a stable pseudonym."""

    key: bytes
    enabled: bool = True
    #: (platform, lower-case handle) of registered council accounts
    council: set[tuple[str, str]] = field(default_factory=set)
    #: lower-case handles of organisations (any platform)
    organisations: frozenset[str] = frozenset()
    #: (platform, lower-case handle) of verified authors with a public following
    public: set[tuple[str, str]] = field(default_factory=set)
    min_reach: int = 10000
    #: authors named in text are looked up among mentions from this day on (the period a report covers)
    recent_from: date | None = None

    def is_public(self, platform: str, handle: str | None = None, *, verified: bool | None = None,
                  reach: int | None = None, is_council: bool = False) -> bool:
        if not self.enabled or is_council:
            return True
        key = (handle or "").lstrip("@").lower()
        if key and ((platform, key) in self.council or key in self.organisations or (platform, key) in self.public):
            return True
        return bool(verified) and (reach or 0) >= self.min_reach

    def learn(self, con, texts: Iterable[tuple[str, str | None]]) -> None:
        """Look up, in one query, which handles named in these (platform, text) pairs are verified authors
        with a public following, so ``text`` names them."""
        if not self.enabled:
            return
        wanted = sorted({pair for platform, text in texts for pair in handles_in(platform, [text])
                         if pair not in self.council and pair[1] not in self.organisations and pair not in self.public})
        if not wanted:
            return
        self.public |= {(p, h) for p, h in con.execute(
            "select distinct m.platform, lower(m.author_handle)"
            " from (select platform, author_handle from listening_mentions"
            "       where author_verified and author_reach >= ? and day >= ?) as m"
            " join (select unnest(?::varchar[]) as platform, unnest(?::varchar[]) as handle) as w"
            "   on w.platform = m.platform and w.handle = lower(m.author_handle)",
            [self.min_reach, self.recent_from or date.min, [p for p, _ in wanted], [h for _, h in wanted]]
        ).fetchall()}

    def pseudonym(self, platform: str, *, handle: str | None = None, author_id: str | None = None,
                  name: str | None = None) -> str:
        if handle:
            identity = f"{platform}:{handle.lstrip('@').lower()}"
        elif author_id:
            identity = f"{platform}:id:{author_id}"
        elif name:
            identity = f"{platform}:name:{name.strip().lower()}"
        else:
            return "Unknown author"
        digest = hmac.new(self.key, identity.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{PREFIX} {digest[:6].upper()}"

    def author(self, platform: str, *, handle: str | None = None, author_id: str | None = None,
               name: str | None = None, verified: bool | None = None, reach: int | None = None,
               is_council: bool = False) -> str:
        """How a report names an author: ``@handle`` (or the name) when public, else the pseudonym."""
        if self.is_public(platform, handle, verified=verified, reach=reach, is_council=is_council):
            if handle:
                return f"@{handle.lstrip('@')}"
            return name or author_id or "Unknown author"
        return self.pseudonym(platform, handle=handle, author_id=author_id, name=name)

    def text(self, platform: str, text: str | None) -> str:
        """Mention text with the @handles of private individuals replaced by their pseudonyms."""
        if not text or not self.enabled:
            return text or ""

        def swap(match: re.Match) -> str:
            handle = match.group(1)
            if self.is_public(platform, handle):
                return match.group(0)
            return self.pseudonym(platform, handle=handle)

        return HANDLE.sub(swap, text)

    def url(self, platform: str, mention_id: str, url: str | None, *, public: bool) -> str | None:
        """A link that does not spell out a private person's handle (X links work without it)."""
        if public or not self.enabled or platform not in ANONYMOUS_LINKS:
            return url
        return ANONYMOUS_LINKS[platform].format(id=mention_id)


def pseudonymiser(con, *, policy=None, lexicon=None, recent_from: date | None = None) -> Pseudonymiser:
    """The deployment's pseudonymiser: key, council handles and organisations (``learn`` adds public authors
    who wrote from ``recent_from`` on)."""
    from council_social.listening.lexicon import load_lexicon
    from council_social.policy import load_policy

    policy = policy or load_policy()
    listening = policy["listening"]
    if not listening["pseudonymise_private_individuals"]:
        return Pseudonymiser(key=b"", enabled=False)
    lexicon = lexicon or load_lexicon()
    council = {(p, h) for p, h in con.execute(
        "select distinct platform, handle_key from register_accounts where handle_key is not null").fetchall()}
    return Pseudonymiser(key=pseudonym_key(con), enabled=True, council=council, organisations=lexicon.organisations,
                         min_reach=int(listening["public_figure_min_reach"]), recent_from=recent_from)


def handles_in(platform: str, texts: Iterable[str | None]) -> set[tuple[str, str]]:
    """(platform, handle) pairs named in texts: what a report needs the pseudonymiser to know about."""
    return {(platform, h.lower()) for text in texts for h in HANDLE.findall(text or "")}
