"""The versioned alias file that maps Hootsuite's export headers onto the warehouse's columns.

Hootsuite publishes no export schema and renames columns between releases ("Post ID" became
"Network Post ID", "Date (GMT)" became "Sent Time (GMT)"), so the spellings live in a file the
data team extends (``config/hootsuite_aliases.yaml``, or ``COUNCIL_SOCIAL_HOOTSUITE_ALIASES``)
rather than in code. The file also says which zone times without one are in, and how Hootsuite
names the networks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from council_social.config import settings
from council_social.inbox.tables import UnreadableFile, normalise_header

ALIASES_ENV = "COUNCIL_SOCIAL_HOOTSUITE_ALIASES"
#: Entities in the order their files are best loaded: messages name profiles and members.
ENTITY_ORDER = ("profiles", "members", "messages", "metrics", "mentions")
#: The warehouse columns each entity may fill, so a typo in the alias file is caught when it is read.
KNOWN_COLUMNS = {
    "messages": ("message_id", "network_post_id", "profile_id", "profile_name", "network", "text", "state",
                 "created_at", "scheduled_at", "sent_at", "created_by", "approved_by", "approved_at", "sent_by"),
    "members": ("member_id", "full_name", "email", "role", "is_active", "created_at", "teams"),
    "profiles": ("profile_id", "network", "username", "social_network_id", "owner", "needs_reauth"),
    "metrics": ("network_post_id", "network", "profile_name", "reported_on", "impressions", "engagements",
                "reactions", "comments", "shares", "clicks"),
    "mentions": ("mention_id", "network", "url", "text", "author_handle", "author_name", "author_reach", "created_at",
                 "lang", "stream", "in_reply_to_id"),
}
#: Header words that say a time column is in UTC whatever the reporting zone.
UTC_WORDS = frozenset({"gmt", "utc"})


class AliasFileError(ValueError):
    """The alias file itself is wrong; the message says where."""


class RefusedExport(UnreadableFile):
    """A file whose headers do not make a complete export of ``entity`` (None: not an export we know)."""

    def __init__(self, message: str, entity: str | None = None):
        super().__init__(message)
        self.entity = entity


def alias_file() -> Path:
    value = os.environ.get(ALIASES_ENV)
    return Path(value).expanduser() if value else settings().root / "config" / "hootsuite_aliases.yaml"


@dataclass(frozen=True)
class Entity:
    name: str
    title: str
    #: canonical column -> header spellings, as written in the alias file
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()

    @property
    def lookup(self) -> dict[str, str]:
        """Normalised header -> canonical column."""
        return {normalise_header(h): column for column, headers in self.columns.items() for h in headers}


@dataclass
class HeaderMatch:
    """How one file's headers meet one entity's aliases."""

    entity: Entity
    #: canonical column -> index of the file column that fills it (the first one, if several do)
    columns: dict[str, int] = field(default_factory=dict)
    #: headers no alias of this entity names
    unknown: list[str] = field(default_factory=list)
    #: headers that name a column an earlier header already fills
    repeated: list[str] = field(default_factory=list)

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def missing(self) -> list[str]:
        """Required columns (and one-of groups, written 'a or b') the file does not have."""
        gaps = [c for c in self.entity.required if c not in self.columns]
        gaps += [" or ".join(group) for group in self.entity.one_of if not any(c in self.columns for c in group)]
        return gaps


@dataclass(frozen=True)
class Aliases:
    version: int
    path: Path
    entities: dict[str, Entity]
    default_zone: str
    network_zones: dict[str, str]
    day_first: bool
    list_separators: tuple[str, ...]
    #: lower-cased Hootsuite spelling -> network name
    networks: dict[str, str]
    true_words: tuple[str, ...]
    false_words: tuple[str, ...]

    def zone_for(self, network: str | None) -> str:
        return self.network_zones.get(network or "", self.default_zone)

    def match(self, headers: list[str], entity: str) -> HeaderMatch:
        spec = self.entities[entity]
        lookup = spec.lookup
        found = HeaderMatch(spec)
        for index, header in enumerate(headers):
            column = lookup.get(normalise_header(header))
            if column is None:
                if header.strip():
                    found.unknown.append(header)
            elif column in found.columns:
                found.repeated.append(header)
            else:
                found.columns[column] = index
        return found

    def recognise(self, headers: list[str]) -> HeaderMatch | None:
        """The entity whose aliases best explain ``headers``: complete matches first, then the most columns.

        None when no entity matches two columns: the file is not a Hootsuite export we know.
        """
        matches = [self.match(headers, name) for name in self.entities]
        best = max(matches, key=lambda m: (not m.missing, m.score))
        return best if best.score >= 2 else None

    def header_score(self, cells: list[str]) -> int:
        """How much a row of normalised cells looks like an export's header (to find it below a summary).

        Any row with text scores a little, so a file with no known header at all is still read (and
        then refused naming its headers) rather than refused as having none.
        """
        lookups = [e.lookup for e in self.entities.values()]
        known = max(sum(1 for c in cells if c in lookup) for lookup in lookups)
        return 2 * known + (1 if any(cells) else 0)

    @staticmethod
    def is_utc_header(header: str) -> bool:
        return bool(UTC_WORDS & set(normalise_header(header).split()))


def _strings(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise AliasFileError(f"{where} must be a list of header texts")
    return tuple(str(v) for v in value)


def _entity(name: str, body, path: Path) -> Entity:
    where = f"{path}: entities.{name}"
    if not isinstance(body, dict) or not isinstance(body.get("columns"), dict):
        raise AliasFileError(f"{where} needs a 'columns' section")
    known = KNOWN_COLUMNS[name]
    columns = {}
    for column, headers in body["columns"].items():
        if column not in known:
            raise AliasFileError(f"{where}.columns: unknown column '{column}' (known: {', '.join(known)})")
        columns[column] = _strings(headers, f"{where}.columns.{column}")
    required = _strings(body.get("required", []), f"{where}.required")
    one_of = tuple(_strings(group, f"{where}.one_of") for group in body.get("one_of", []) or [])
    for column in (*required, *(c for group in one_of for c in group)):
        if column not in columns:
            raise AliasFileError(f"{where}: required column '{column}' has no header spellings")
    seen: dict[str, str] = {}
    for column, headers in columns.items():
        for header in headers:
            other = seen.setdefault(normalise_header(header), column)
            if other != column:
                raise AliasFileError(f"{where}: header '{header}' is listed under both '{other}' and '{column}'")
    return Entity(name, str(body.get("title") or name), columns, required, one_of)


def load_aliases(path: Path | None = None) -> Aliases:
    """Read and check the alias file (inside tasks only: it is I/O)."""
    import yaml

    path = Path(path or alias_file())
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AliasFileError(f"Hootsuite alias file {path} not found (set {ALIASES_ENV} or restore it)") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), int):
        raise AliasFileError(f"{path}: needs a whole-number 'version' and an 'entities' section")
    entities_raw = raw.get("entities") or {}
    unknown = set(entities_raw) - set(KNOWN_COLUMNS)
    if unknown or not entities_raw:
        raise AliasFileError(f"{path}: entities must be some of {', '.join(KNOWN_COLUMNS)}"
                             + (f"; unknown: {', '.join(sorted(unknown))}" if unknown else ""))
    entities = {name: _entity(name, entities_raw[name], path) for name in ENTITY_ORDER if name in entities_raw}
    zones = raw.get("time_zones") or {}
    networks = {}
    for network, spellings in (raw.get("networks") or {}).items():
        networks[str(network).lower()] = str(network)
        for spelling in _strings(spellings, f"{path}: networks.{network}"):
            networks[spelling.strip().lower()] = str(network)
    booleans = {str(k).lower(): v for k, v in (raw.get("booleans") or {}).items()}
    default_zone = str(zones.get("default") or "Europe/London")
    network_zones = {str(k): str(v) for k, v in (zones.get("networks") or {}).items()}
    for zone in (default_zone, *network_zones.values()):
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise AliasFileError(f"{path}: time_zones: '{zone}' is not a time zone name (e.g. Europe/London)") from exc
    return Aliases(
        version=raw["version"], path=path, entities=entities,
        default_zone=default_zone, network_zones=network_zones,
        day_first=bool(raw.get("day_first", True)),
        list_separators=_strings(raw.get("list_separators", [";"]), f"{path}: list_separators"),
        networks=networks,
        true_words=tuple(w.lower() for w in _strings(booleans.get("true", ["yes", "true", "1"]), "booleans")),
        false_words=tuple(w.lower() for w in _strings(booleans.get("false", ["no", "false", "0"]), "booleans")),
    )
