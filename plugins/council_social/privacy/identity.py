"""Who an erasure request is about, how to recognise them in a record, and how to remove their name
from other people's text.

A person is known by author ids, handles and display names, across tables and platforms; a request
names one of them and ``Identity`` grows to all of them (a changed handle, the same id on another
page). A record is theirs when its author id or handle is one of theirs, or, for a record that has
neither, when its author name is. Display names are not unique, so a name alone never claims a
record that carries someone else's id.

Text redaction replaces each of their handles, ids and full names, as whole words in any case, by
``[erased]`` (``@sam_j`` becomes ``@[erased]``). A one-word display name ("Dave") is not redacted in
other people's text: it is as likely to be someone else, and their own records are removed anyway.
Nor is a handle that could be an ordinary word ("bins") without its @.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from council_social.privacy.catalogue import AuthorPaths

ERASED = "[erased]"
#: The Airflow connection whose password keys the identifier hashes (kept out of the warehouse).
KEY_CONN_ID = "privacy_erasure_key"
#: Where the key is kept when that connection does not exist (made once, on first use).
KEY_NAME = "privacy_erasure_key"
#: Identifiers shorter than this are refused: they would match half the warehouse.
MIN_LENGTH = 3


class IdentifierError(ValueError):
    pass


def normalise(value: object) -> str:
    """How identifiers compare: trimmed, no leading @, lower case (as SQL lower()), inner spaces collapsed."""
    return re.sub(r"\s+", " ", str(value).strip().lstrip("@").strip()).lower()


def check_identifier(identifier: object) -> str:
    """The normalised identifier of a request, or an error saying what is wrong with it."""
    if not isinstance(identifier, str):
        raise IdentifierError("the author must be given as text: a handle (@name), an author id or a display name")
    value = normalise(identifier)
    if len(value) < MIN_LENGTH:
        raise IdentifierError(f"the author must be at least {MIN_LENGTH} characters (a handle, id or display name)")
    if len(value) > 200 or "\n" in identifier:
        raise IdentifierError("the author must be one handle, id or display name on one line")
    return value


def keyed_hash(identifier: str, key: bytes) -> str:
    """HMAC-SHA256 of the normalised identifier: the log can be checked against a name, never read back."""
    return hmac.new(key, normalise(identifier).encode("utf-8"), hashlib.sha256).hexdigest()


def hash_key(con) -> bytes:
    """The key for identifier hashes: the Airflow connection ``privacy_erasure_key`` (password) when it
    exists, otherwise one generated once and kept in ``ops_keys``."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        connection = BaseHook.get_connection(KEY_CONN_ID)
    except AirflowNotFoundException:
        connection = None
    if connection is not None and connection.password:
        return connection.password.encode("utf-8")
    row = con.execute("select value from ops_keys where name = ?", [KEY_NAME]).fetchone()
    if row is None:
        value = secrets.token_hex(32)
        con.execute("insert into ops_keys (name, value, created_at) values (?, ?, ?) on conflict do nothing",
                    [KEY_NAME, value, datetime.now(UTC)])
        row = con.execute("select value from ops_keys where name = ?", [KEY_NAME]).fetchone()
    return row[0].encode("utf-8")


def values_at(record: object, path: str) -> list[object]:
    """The values at a dotted path (``from.id``); lists on the way are walked."""
    found: list[object] = [record]
    for key in path.split("."):
        step: list[object] = []
        for value in found:
            if isinstance(value, dict) and key in value:
                step.append(value[key])
            elif isinstance(value, list):
                step.extend(item[key] for item in value if isinstance(item, dict) and key in item)
        found = step
    return [v for v in found if v not in (None, "") and not isinstance(v, dict | list)]


@dataclass
class Identity:
    """Everything a person is known by. ``seed`` is the request's identifier as normalised."""

    seed: str
    ids: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    #: Platforms the person is known on by an id or handle (a name links them only elsewhere).
    keyed_on: set[str | None] = field(default_factory=set)
    #: Platforms where their full name is used by several authors, so none was claimed by name.
    ambiguous: set[str] = field(default_factory=set)
    #: The request named a display name, not a handle or id.
    by_name: bool = False

    @classmethod
    def from_request(cls, identifier: str) -> Identity:
        seed = check_identifier(identifier)
        person = cls(seed)
        person.add(handle=seed if " " not in seed else None, name=seed if " " in seed else None,
                   id=seed if seed.isdigit() else None)
        return person

    def add(self, *, id: object = None, handle: object = None, name: object = None,
            platform: str | None = None) -> bool:
        """Add what one record says about the person; True if anything was new."""
        before = self.size
        if platform is not None and (id not in (None, "") or handle not in (None, "")):
            self.keyed_on.add(platform)
        if id not in (None, ""):
            self.ids.add(normalise(id))
        if handle not in (None, ""):
            self.handles.add(normalise(handle))
        if name not in (None, ""):
            self.names.add(normalise(name))
        self._pattern = None
        return self.size != before

    @property
    def size(self) -> int:
        return len(self.ids) + len(self.handles) + len(self.names)

    def owns(self, ids: Iterable[object] = (), handles: Iterable[object] = (), names: Iterable[object] = ()) -> bool:
        """Is a record with these author values theirs? A name counts only when there is no id or handle."""
        ids = {normalise(v) for v in ids if v not in (None, "")}
        handles = {normalise(v) for v in handles if v not in (None, "")}
        if ids or handles:
            return bool(ids & self.ids or handles & self.handles)
        return bool({normalise(v) for v in names if v not in (None, "")} & self.names)

    def owns_record(self, record: object, author: AuthorPaths) -> bool:
        if not isinstance(record, dict):
            return False
        return self.owns([v for p in author.id for v in values_at(record, p)],
                         [v for p in author.handle for v in values_at(record, p)],
                         [v for p in author.name for v in values_at(record, p)])

    # --- text --------------------------------------------------------------------------------------

    def tokens(self) -> list[str]:
        """What is redacted in text: handles, ids and full names (two words or more), longest first."""
        names = {n for n in self.names if " " in n}
        found = {t for t in self.handles | self.ids | names if len(t) >= MIN_LENGTH}
        return sorted(found, key=lambda t: (-len(t), t))

    def bare(self, token: str) -> bool:
        """Is ``token`` redacted without an @ in front? Ids, full names and handles that could not be an
        ordinary word (a digit, _ or ., or 8 characters and more); ``@bins`` is redacted, "bins" is not."""
        if token not in self.handles or token in self.ids or " " in token:
            return True
        return len(token) >= 8 or any(ch.isdigit() or ch in "_." for ch in token)

    @property
    def pattern(self) -> re.Pattern | None:
        cached = getattr(self, "_pattern", None)
        if cached is None:
            tokens = self.tokens()
            if not tokens:
                return None

            def alternatives(chosen: list[str]) -> str:
                return "|".join(r"\s+".join(re.escape(word) for word in t.split(" ")) for t in chosen)

            bare = [t for t in tokens if self.bare(t)]
            branches = [f"@(?:{alternatives(tokens)})"] + ([f"(?:{alternatives(bare)})"] if bare else [])
            cached = re.compile(rf"(?<![\w@])(?:{'|'.join(branches)})(?![\w])", re.IGNORECASE)
            self._pattern = cached
        return cached

    def redact(self, text: str) -> tuple[str, int]:
        """``text`` with the person replaced by [erased] (a leading @ kept), and how many times."""
        pattern = self.pattern
        if pattern is None or not isinstance(text, str):
            return text, 0
        return pattern.subn(lambda m: ("@" if m.group(0).startswith("@") else "") + ERASED, text)

    def named_in(self, text: str) -> bool:
        pattern = self.pattern
        return bool(pattern and isinstance(text, str) and pattern.search(text))

    def redact_value(self, value: object) -> tuple[object, int]:
        """Redact every string inside a JSON-like value (dict keys are structure and stay)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            total, out = 0, []
            for item in value:
                new, count = self.redact_value(item)
                out.append(new)
                total += count
            return out, total
        if isinstance(value, dict):
            total, result = 0, {}
            for key, item in value.items():
                new, count = self.redact_value(item)
                result[key] = new
                total += count
            return result, total
        if isinstance(value, int | float) and not isinstance(value, bool) and normalise(value) in self.ids:
            return ERASED, 1
        return value, 0

    def redact_json_text(self, text: str) -> tuple[str, int]:
        """A JSON document with the person redacted in every string value (not a blind text replace,
        which could break the document)."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            return self.redact(text)
        new, count = self.redact_value(value)
        return (json.dumps(new, ensure_ascii=False) if count else text), count

    def prefilter(self) -> list[str]:
        """Lower-case substrings a value must contain to possibly name the person (for SQL prefilters)."""
        words = set()
        for token in self.tokens():
            words.add(max(token.split(" "), key=len))
        return sorted(words)
