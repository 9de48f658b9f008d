"""Typing and checking the rows of a Hootsuite export in one set-wise SQL pass.

Every cell arrives as text (``c0``, ``c1``, ... in the file's column order). One ``create temp
table hs_batch as select ...`` per file types the cells the alias file maps (times through a list
of Hootsuite's date formats, in the zone the export was written in), resolves names to ids
through small lookup tables, and gives each row a ``_problem``: null for a good row, else every
reason it cannot be loaded, with ``_raw`` (the row as received, keyed by the file's headers) for
the quarantine. Nothing loops over rows in Python, so a million-row export types in seconds.

Lookup tables the statement reads (built per file by the loader): ``hs_networks`` (Hootsuite's
network spellings), ``hs_people`` (member id, email and unique full name -> member id) and the
warehouse's ``hootsuite_profiles``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from council_social.hootsuite.aliases import Aliases, HeaderMatch

#: Cells Hootsuite writes where a metric is not available: empty, not an error.
NOT_AVAILABLE = ("-", "--", "—", "n/a", "na", "none", "null")
PLAIN_LIST = "[]::varchar[]"


def lit(text: object) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def time_formats(day_first: bool) -> list[str]:
    """The layouts Hootsuite has written times in, most specific first (DuckDB ``strptime`` codes)."""
    dm = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    return [
        "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S.%f",
        "%Y-%m-%dT%H:%M:%S.%f", f"{dm} %H:%M:%S", f"{dm} %H:%M", f"{dm} %I:%M:%S %p", f"{dm} %I:%M %p",
        "%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p", "%b %d, %Y %H:%M", "%b %d %Y %I:%M %p",
        "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %B %Y %H:%M", "%a %b %d %Y %H:%M:%S", "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M", "%Y-%m-%d", dm, "%b %d, %Y", "%B %d, %Y", "%d %b %Y",
    ]


def first_format(values: list[str], formats: list[str]) -> str | None:
    """The one layout every sampled value is written in, if there is one (the fast path for the column)."""
    values = [v.strip() for v in values if v and v.strip()][:100]
    if not values:
        return None
    for layout in formats:
        try:
            for value in values:
                datetime.strptime(value, layout)
        except ValueError:
            continue
        return layout
    return None


@dataclass
class Shape:
    """The statement that stages one file in ``hs_batch``, and what the loader must know about it."""

    entity: str
    sql: str
    #: warehouse columns the file fills (a column the file lacks keeps what the warehouse had)
    present: set[str]
    notes: list[str] = field(default_factory=list)
    #: metric columns carried by a sent-messages export
    metrics: list[str] = field(default_factory=list)


class Shaper:
    """Builds the typing-and-checking statement for one file whose headers matched an entity."""

    def __init__(self, aliases: Aliases, match: HeaderMatch, headers: list[str], sample: list[list[str]], *,
                 source: str, has_line: bool, received_on: date, metrics: HeaderMatch | None = None,
                 people: bool = True):
        self.aliases = aliases
        self.match = match
        self.headers = headers
        self.sample = sample
        self.source = source
        self.has_line = has_line
        self.received_on = received_on
        self.metrics_match = metrics
        #: whether any member is known, so names can be resolved to member ids
        self.people = people
        self.formats = time_formats(aliases.day_first)
        self.notes: list[str] = []
        self.local_columns: list[str] = []
        #: file columns read through ``cell``: each is trimmed once, as ``t<i>``, before anything uses it
        self.trimmed: dict[int, None] = {}

    # -- cells ----------------------------------------------------------------------------------

    def index(self, column: str, match: HeaderMatch | None = None) -> int | None:
        return (match or self.match).columns.get(column)

    def header(self, column: str, match: HeaderMatch | None = None) -> str:
        return self.headers[self.index(column, match)]

    def cell(self, column: str, match: HeaderMatch | None = None) -> str:
        """The trimmed text of a column, null when empty or when the file has no such column."""
        i = self.index(column, match)
        if i is None:
            return "null::varchar"
        self.trimmed[i] = None
        return f"t{i}"

    @staticmethod
    def trim(cell: str) -> str:
        """``nullif(trim(cell), '')``, calling ``trim`` only for a cell that may need it.

        DuckDB's ``trim`` removes Unicode spaces (U+0020, U+00A0, U+2009, ...) and looks up every
        character's class to find them, which costs a million-row export most of a second. Every
        such space but U+0020 is outside ASCII, so an ASCII cell (as many bytes as characters) that
        neither starts nor ends with a space is already trimmed.
        """
        return (f"case when {cell} = '' then null when strlen({cell}) = length({cell}) "
                f"and not starts_with({cell}, ' ') and not ends_with({cell}, ' ') then {cell} "
                f"else nullif(trim({cell}), '') end")

    def verbatim(self, column: str) -> str:
        """Text kept exactly as written (message text: HTML and formulas are data, not markup)."""
        i = self.index(column)
        return f"nullif(c{i}, '')" if i is not None else "null::varchar"

    def network(self, column: str = "network") -> str:
        return f"coalesce(nw.network, lower({self.cell(column)}))"

    def flag(self, column: str) -> str:
        value = f"lower({self.cell(column)})"
        yes = ", ".join(lit(w) for w in self.aliases.true_words)
        no = ", ".join(lit(w) for w in self.aliases.false_words)
        return f"(case when {value} in ({yes}) then true when {value} in ({no}) then false end)"

    def names(self, column: str) -> str:
        """A cell holding several names as a list (null when empty)."""
        i = self.index(column)
        if i is None:
            return "null::varchar[]"
        pattern = "[" + "".join(re.escape(s) if s != "\n" else "\\n" for s in self.aliases.list_separators) + "]"
        items = (f"list_filter(list_transform(string_split_regex(c{i}, {lit(pattern)}), lambda x: trim(x)), "
                 "lambda x: x <> '')")
        # Most cells hold one name or none: only those with a separator are split.
        return (f"(case when {self.cell(column)} is null then null "
                f"when not regexp_matches(c{i}, {lit(pattern)}) then [{self.cell(column)}] "
                f"else nullif({items}, {PLAIN_LIST}) end)")

    def number(self, column: str, match: HeaderMatch | None = None) -> str:
        value = f"replace(replace({self.cell(column, match)}, ',', ''), ' ', '')"
        return f"coalesce(try_cast({value} as bigint), try_cast(try_cast({value} as double) as bigint))"

    def time(self, column: str, zone: str, match: HeaderMatch | None = None) -> str:
        """A time as UTC: GMT/UTC headers are UTC, a written offset is obeyed, anything else is in ``zone``."""
        i = self.index(column, match)
        if i is None:
            return "null::timestamptz"
        value = self.cell(column, match)
        if self.aliases.is_utc_header(self.headers[i]):
            zone = "'UTC'"
        else:
            self.local_columns.append(self.headers[i])
        layouts = "[" + ", ".join(lit(f) for f in self.formats) + "]"
        parts = []
        usual = first_format([row[i] if i < len(row) else "" for row in self.sample], self.formats)
        if usual:
            parts.append(f"timezone({zone}, try_strptime({value}, {lit(usual)}))")
        parts.append(f"timezone({zone}, try_strptime({value}, {layouts}))")
        parts.append(f"(case when regexp_matches({value}, '(Z|[+-][0-9][0-9]:?[0-9][0-9])$') "
                     f"then try_cast({value} as timestamptz) end)")
        return f"coalesce({', '.join(parts)})"

    def day(self, column: str, match: HeaderMatch | None = None) -> str:
        i = self.index(column, match)
        if i is None:
            return "null::date"
        layouts = "[" + ", ".join(lit(f) for f in self.formats) + "]"
        return f"cast(try_strptime({self.cell(column, match)}, {layouts}) as date)"

    # -- reasons --------------------------------------------------------------------------------

    def quoted(self, column: str, match: HeaderMatch | None = None) -> str:
        """SQL for the text "'<header>': '<cell>'" used at the start of a reason."""
        return f"{lit(repr_header(self.header(column, match)) + ': ' + chr(39))} || {self.cell(column, match)} || ''''"

    def bad_time(self, column: str, typed: str, match: HeaderMatch | None = None) -> str | None:
        if self.index(column, match) is None:
            return None
        return (f"case when {self.cell(column, match)} is not null and {typed} is null then "
                f"{self.quoted(column, match)} || ' is not a date and time (written like 2026-10-01 14:05)' end")

    def bad_flag(self, column: str, typed: str) -> str | None:
        if self.index(column) is None:
            return None
        return (f"case when {self.cell(column)} is not null and {typed} is null then "
                f"{self.quoted(column)} || ' is not yes or no' end")

    def bad_number(self, column: str, typed: str, match: HeaderMatch | None = None) -> str | None:
        if self.index(column, match) is None:
            return None
        placeholders = ", ".join(lit(p) for p in NOT_AVAILABLE)
        return (f"case when {self.cell(column, match)} is not null and lower({self.cell(column, match)}) not in "
                f"({placeholders}) and {typed} is null then {self.quoted(column, match)} || "
                "' is not a whole number' end")

    def raw_json(self) -> str:
        """The row as received, keyed by the file's headers (a blank or repeated header gets its position)."""
        seen: set[str] = set()
        pairs = []
        for i, header in enumerate(self.headers):
            key = header.strip() or f"column {i + 1}"
            if key in seen:
                key = f"{key} (column {i + 1})"
            seen.add(key)
            pairs.append(f"{lit(key)}, c{i}")
        return f"json_object({', '.join(pairs)})"

    def zone(self, network: str) -> str:
        """SQL for the zone a network's times without a zone are in."""
        default = lit(self.aliases.default_zone)
        if not self.aliases.network_zones:
            return default
        cases = " ".join(f"when {lit(n)} then {lit(z)}" for n, z in self.aliases.network_zones.items())
        return f"(case {network} {cases} else {default} end)"

    def _statement(self, typed: list[str], joins: list[str], reasons: list[str | None], output: list[str],
                   base: list[str] | None = None, base_joins: list[str] | None = None,
                   widen: list[str] | None = None, widen_joins: list[str] | None = None) -> str:
        line = ", _line" if self.has_line else ""
        checks = ", ".join(r for r in reasons if r) or "null"
        base_sql = ", ".join(["cells.*", *(base or [])])
        widened = ", ".join(["typed.*", *(widen or [])])
        cells = ", ".join(["src.*", *(f"{self.trim(f'c{i}')} as t{i}" for i in sorted(self.trimmed))])
        return f"""
create or replace temp table hs_batch as
with src as (
    select row_number() over () as _pos, * from {self.source}
),
cells as (
    select {cells} from src
),
base as (
    select {base_sql} from cells {' '.join(base_joins or [])}
),
typed as (
    select base.*, {', '.join(typed)} from base {' '.join(joins)}
),
widened as (
    select {widened} from typed {' '.join(widen_joins or [])}
),
checked as (
    select widened.*, nullif(concat_ws('; ', {checks}), '') as _problem from widened
)
select {', '.join(output)}, _problem, case when _problem is not null then {self.raw_json()} end as _raw,
    _pos{line}
from checked
"""

    def zone_note(self) -> None:
        if not self.local_columns:
            return
        zones = self.aliases.default_zone
        if self.aliases.network_zones:
            zones += " (" + ", ".join(f"{n}: {z}" for n, z in self.aliases.network_zones.items()) + ")"
        columns = ", ".join(f"'{c}'" for c in dict.fromkeys(self.local_columns))
        self.notes.append(f"times in {columns} carry no zone and were taken as {zones} time (the reporting time "
                          "zone in the alias file); columns headed GMT or UTC are UTC")

    # -- entities -------------------------------------------------------------------------------

    def shape(self) -> Shape:
        build = {"messages": self.messages, "members": self.members, "profiles": self.profiles,
                 "metrics": self.metrics, "mentions": self.mentions}[self.match.entity.name]
        shape = build()
        self.zone_note()
        shape.notes = self.notes + shape.notes
        return shape

    def _metric_parts(self, match: HeaderMatch) -> tuple[list[str], list[str | None], list[str]]:
        metrics = [c for c in ("impressions", "engagements", "reactions", "comments", "shares", "clicks")
                   if c in match.columns]
        typed = [f"{self.number(c, match)} as {c}" for c in metrics]
        reasons = [self.bad_number(c, c, match) for c in metrics]
        return typed, reasons, metrics

    def messages(self) -> Shape:
        zone = self.zone("coalesce(network_, profile_network_)")
        base = [f"{self.network()} as network_", f"{self.cell('profile_id')} as profile_id_"]
        base_joins = [f"left join hs_networks as nw on nw.spelling = lower({self.cell('network')})"]
        if self.index("profile_id") is not None:
            # The profile says which network a message went to when the export does not.
            base.append("hp.network as profile_network_")
            base_joins.append(f"left join hootsuite_profiles as hp on hp.profile_id = {self.cell('profile_id')}")
        else:
            base.append("null::varchar as profile_network_")
        times = {c: self.time(c, zone) for c in ("created_at", "scheduled_at", "sent_at", "approved_at")}
        typed = [
            f"{self.cell('message_id')} as message_id",
            f"{self.cell('network_post_id')} as network_post_id",
            "profile_id_ as profile_id",
            f"{self.cell('profile_name')} as profile_name",
            "coalesce(network_, profile_network_) as network",
            f"{self.verbatim('text')} as text",
            f"upper(replace({self.cell('state')}, ' ', '_')) as state_",
            *(f"{sql} as {c}" for c, sql in times.items()),
            f"{self.names('approved_by')} as approved_names",
        ]
        joins = []
        for column, alias in (("created_by", "pc"), ("sent_by", "ps")):
            if self.index(column) is None or not self.people:
                typed.append(f"{self.cell(column)} as {column}")
            else:
                typed.append(f"coalesce({alias}.member_id, {self.cell(column)}) as {column}")
                joins.append(f"left join hs_people as {alias} on {alias}.alias = lower({self.cell(column)})")
        reasons: list[str | None] = [
            "case when message_id is null and (network_post_id is null or network is null) then "
            "'no Message ID, and no Post ID with its network, to tell which message this is' end",
            *(self.bad_time(c, c) for c in times),
            f"case when contains(upper(network_post_id), 'E+') and regexp_matches(network_post_id, "
            "'^[0-9.,]+[eE][+][0-9]+$') then "
            f"{self.quoted('network_post_id')} || ' was rounded by a spreadsheet: export it again and drop the "
            "file without opening and saving it in Excel' end" if self.index("network_post_id") is not None else None,
        ]
        output = ["coalesce(message_id, network || ':' || network_post_id) as message_key", "message_id",
                  "network_post_id", "profile_id", "profile_name", "network", "text",
                  "coalesce(state_, case when sent_at is not null or network_post_id is not null then 'SENT' end) "
                  "as state", "created_at", "scheduled_at", "sent_at", "created_by", "approved_by", "approved_at",
                  "sent_by"]
        widen, widen_joins = ["approved_names as approved_by"], []
        if self.people and self.index("approved_by") is not None:
            # Approvers as member ids: a join for the usual single approver, a lookup for several.
            widen = ["case when len(approved_names) = 1 then [coalesce(pa.member_id, approved_names[1])] "
                     "else list_transform(approved_names, lambda x: coalesce(pm.people[lower(x)], x)) "
                     "end as approved_by"]
            widen_joins = ["left join hs_people as pa on pa.alias = lower(approved_names[1])",
                           "cross join (select map_from_entries(list(struct_pack(key := alias, value := member_id))) "
                           "as people from hs_people) as pm"]
        metric_names: list[str] = []
        if self.metrics_match is not None:
            metric_typed, metric_reasons, metric_names = self._metric_parts(self.metrics_match)
            typed += metric_typed
            reasons += metric_reasons
            output += metric_names
        present = {"message_id", "network_post_id", "text"} | {
            c for c in ("profile_id", "profile_name", "created_at", "scheduled_at", "sent_at", "created_by",
                        "approved_by") if c in self.match.columns}
        present |= {"network"} if "network" in self.match.columns or "profile_id" in self.match.columns else set()
        present |= {"message_key", "state"} | ({"sent_by"} if "sent_by" in self.match.columns else set())
        notes = []
        if "approved_by" in self.match.columns and "approved_at" not in self.match.columns:
            notes.append("the export has no approval times: each approval is dated by the message's send (or "
                         "scheduled) time")
        statement = self._statement(typed, joins, reasons, output, base, base_joins, widen, widen_joins)
        return Shape("messages", statement, present, notes, metric_names)

    def members(self) -> Shape:
        zone = lit(self.aliases.default_zone)
        found = f"regexp_extract_all(coalesce(lower({self.cell('email')}), ''), '[^\\s;,<>()\"]+@[^\\s;,<>()\"]+')"
        typed = [
            f"{self.cell('member_id')} as member_id",
            f"{self.cell('full_name')} as full_name",
            f"lower({self.cell('email')}) as email_cell",
            f"{found} as email_found",
            f"{self.cell('role')} as role",
            f"{self.flag('is_active')} as is_active",
            f"{self.time('created_at', zone)} as created_at",
            f"{self.names('teams')} as teams",
        ]
        base_output = "case when len(email_found) = 1 then email_found[1] end"
        reasons: list[str | None] = [
            "case when member_id is null and email_cell is null then "
            "'no Member ID and no email address, to tell who this is' end",
            "case when len(email_found) > 1 then 'the email cell holds two addresses: ' || "
            "array_to_string(email_found, ' and ') end",
            f"case when email_cell is not null and len(email_found) = 0 then {self.quoted('email')} || "
            "' is not an email address' end",
            self.bad_flag("is_active", "is_active"),
            self.bad_time("created_at", "created_at"),
        ]
        # A member listed twice with different addresses: which one is theirs is for a person to decide.
        statement = self._statement(typed, [], reasons + [
            "case when len(list_filter(member_emails, lambda e: e is not null)) > 1 then 'member ' || member_id || "
            "' is listed with two emails: ' || array_to_string(list_sort(list_filter(member_emails, "
            "lambda e: e is not null)), ' and ') end"
        ], [
            f"coalesce(member_id, 'email:' || ({base_output})) as member_key", "member_id", "full_name",
            f"{base_output} as email", "role", "is_active", "created_at", "teams",
        ], widen=[f"case when member_id is not null then list(distinct {base_output}) over (partition by member_id) "
                  "end as member_emails"])
        present = {"member_key", "member_id", "email"} | {
            c for c in ("full_name", "role", "is_active", "created_at", "teams") if c in self.match.columns}
        return Shape("members", statement, present)

    def profiles(self) -> Shape:
        typed = [
            f"{self.cell('profile_id')} as profile_id",
            f"{self.network()} as network",
            f"ltrim({self.cell('username')}, '@') as username",
            f"{self.cell('social_network_id')} as social_network_id",
            f"{self.cell('owner')} as owner",
            f"{self.flag('needs_reauth')} as needs_reauth",
        ]
        joins = [f"left join hs_networks as nw on nw.spelling = lower({self.cell('network')})"]
        reasons = ["case when profile_id is null then 'no social profile id' end",
                   self.bad_flag("needs_reauth", "needs_reauth")]
        output = ["profile_id", "network", "username", "social_network_id", "owner", "needs_reauth"]
        present = {"profile_id"} | {c for c in output if c in self.match.columns}
        return Shape("profiles", self._statement(typed, joins, reasons, output), present)

    def metrics(self) -> Shape:
        metric_typed, metric_reasons, names = self._metric_parts(self.match)
        reported = (f"coalesce({self.day('reported_on')}, date '{self.received_on.isoformat()}')"
                    if "reported_on" in self.match.columns else f"date '{self.received_on.isoformat()}'")
        typed = [
            f"{self.cell('network_post_id')} as network_post_id",
            f"{self.network()} as network",
            f"{self.cell('profile_name')} as profile_name",
            f"{reported} as reported_on",
            *metric_typed,
        ]
        joins = [f"left join hs_networks as nw on nw.spelling = lower({self.cell('network')})"]
        reasons: list[str | None] = [
            "case when network_post_id is null or network is null then "
            "'no Post ID with its network, to tell which post these figures are for' end",
            *metric_reasons,
        ]
        if "reported_on" in self.match.columns:
            reasons.append(f"case when {self.cell('reported_on')} is not null and {self.day('reported_on')} is null "
                           f"then {self.quoted('reported_on')} || ' is not a date' end")
        else:
            self.notes.append(f"the figures are dated {self.received_on.isoformat()}, the day the export arrived")
        output = ["network", "network_post_id", "profile_name", "reported_on", *names]
        present = {"network", "network_post_id", "reported_on", "profile_name", *names}
        return Shape("metrics", self._statement(typed, joins, reasons, output), present, metrics=names)

    def mentions(self) -> Shape:
        """Stream and listening exports: posts by the public naming the council (the listening fact reads them).

        A row without a post id takes the one in its X link, else a hash of its link; a row without a
        network takes it from its link."""
        url = self.cell("url")
        base = [f"{self.network()} as network_"]
        base_joins = [f"left join hs_networks as nw on nw.spelling = lower({self.cell('network')})"]
        from_link = (f"case when regexp_matches(lower({url}), '//([a-z]+\\.)?(twitter|x)\\.com/') then 'x' "
                     f"when regexp_matches(lower({url}), '//([a-z]+\\.)?facebook\\.com/') then 'facebook' "
                     f"when regexp_matches(lower({url}), '//([a-z]+\\.)?instagram\\.com/') then 'instagram' end")
        typed = [
            f"coalesce(network_, {from_link}) as network",
            f"coalesce({self.cell('mention_id')}, nullif(regexp_extract({url}, '/status(es)?/([0-9]+)', 2), ''), "
            f"'url:' || md5({url})) as mention_id",
            f"{self.cell('stream')} as stream",
            f"ltrim({self.cell('author_handle')}, '@') as author_handle",
            f"{self.cell('author_name')} as author_name",
            f"{self.number('author_reach')} as author_reach",
            f"{self.verbatim('text')} as text",
            f"lower({self.cell('lang')}) as lang",
            f"{url} as url",
            f"{self.time('created_at', self.zone('network_'))} as created_at",
            f"{self.cell('in_reply_to_id')} as in_reply_to_id",
        ]
        reasons: list[str | None] = [
            "case when mention_id is null then 'no post id and no link, to tell which post this is' end",
            "case when network is null then 'no network, and a link that does not say which' end",
            f"case when {self.cell('created_at')} is null then 'no date' end",
            self.bad_time("created_at", "created_at"),
            self.bad_number("author_reach", "author_reach"),
        ]
        output = ["network || ':' || mention_id as mention_key", "network as platform", "mention_id", "stream",
                  "author_handle", "author_name", "author_reach", "text", "lang", "url", "created_at",
                  "in_reply_to_id"]
        present = {"mention_key", "platform", "mention_id", "text", "created_at", "url"} | {
            c for c in ("stream", "author_handle", "author_name", "author_reach", "lang", "in_reply_to_id")
            if c in self.match.columns}
        return Shape("mentions", self._statement(typed, [], reasons, output, base, base_joins), present)


def repr_header(header: str) -> str:
    return "'" + header.replace("'", "’") + "'"
