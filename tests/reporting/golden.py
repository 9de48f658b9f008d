"""A small golden council, written straight into a migrated warehouse, and what each rule must find.

``Council`` inserts register versions (with the ledger rows the ``*_as_of`` macros need), platform
accounts and posts, mentions and comments, Hootsuite profiles, members, messages and approval
trails, with defaults for everything a test does not care about. ``golden_council`` builds one
organisation in which every audit rule (A01-A12, U01-U03) has something to find and, beside each,
the near misses it must not flag, and returns the finding keys each rule must return, exactly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

AS_OF = date(2026, 10, 31)
PERIOD_START = date(2026, 5, 1)
LOADED = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
DOMAIN = "council.gov.uk"


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def days_ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def email(name: str) -> str:
    return f"{name}@{DOMAIN}"


class Council:
    """Rows for one warehouse; every ``add_*`` writes at once through the open connection."""

    def __init__(self, con):
        self.con = con
        self._ids = 0

    def _id(self) -> str:
        self._ids += 1
        return str(1_000_000 + self._ids)

    # -- registers ------------------------------------------------------------------------------

    def register_file(self, entity: str, effective_from: date) -> str:
        sha = hashlib.sha256(f"{entity}/{effective_from}/{self._id()}".encode()).hexdigest()
        self.con.execute(
            "insert into ops_file_ledger (file_sha256, source, entity, original_name, landing_path, received_at,"
            " effective_from, status, rows_loaded, loaded_at) values (?, 'registers', ?, ?, ?, ?, ?, 'loaded', 0, ?)",
            [sha, entity, f"{entity}_{effective_from}.csv", f"/landing/{sha}", LOADED, effective_from, LOADED])
        return sha

    def accounts(self, effective_from: date, rows: list[dict]) -> str:
        sha = self.register_file("accounts", effective_from)
        for line, row in enumerate(rows, 2):
            values = {"status": "active", "managed_in_hootsuite": True, "private_locked": False,
                      "features_vulnerable_groups": False, "owning_service": "Neighbourhoods",
                      "approved_on": date(2020, 1, 1), "go_live_on": date(2020, 2, 1),
                      "last_password_change": days_ago(30), **row}
            values["account_name"] = values.get("account_name") or values["handle"]
            values["handle_key"] = values["handle"].lower()
            columns = list(values)
            self.con.execute(
                f"insert into register_accounts ({', '.join(columns)}, file_sha256, effective_from, source_line,"
                f" loaded_at) values ({', '.join('?' * len(columns))}, ?, ?, ?, ?)",
                [*values.values(), sha, effective_from, line, LOADED])
        return sha

    def leavers(self, effective_from: date, rows: list[tuple[str, str, date]]) -> None:
        sha = self.register_file("leavers", effective_from)
        for line, (name, address, leaving) in enumerate(rows, 2):
            self.con.execute(
                "insert into register_leavers (name, email, leaving_date, service, file_sha256, effective_from,"
                " source_line, loaded_at) values (?, ?, ?, 'Neighbourhoods', ?, ?, ?, ?)",
                [name, address, leaving, sha, effective_from, line, LOADED])

    def training(self, effective_from: date, rows: list[tuple[str, str, date]]) -> None:
        sha = self.register_file("training", effective_from)
        for line, (address, course, completed) in enumerate(rows, 2):
            self.con.execute(
                "insert into register_training (email, course, completed_on, file_sha256, effective_from,"
                " source_line, loaded_at) values (?, ?, ?, ?, ?, ?, ?)",
                [address, course, completed, sha, effective_from, line, LOADED])

    def elections(self, effective_from: date, rows: list[tuple[str, date, date, list[str], list[str]]]) -> None:
        sha = self.register_file("elections", effective_from)
        for line, (name, starts, ends, terms, handles) in enumerate(rows, 2):
            self.con.execute(
                "insert into register_election_periods (election, starts_on, ends_on, political_terms,"
                " councillor_handles, file_sha256, effective_from, source_line, loaded_at)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [name, starts, ends, terms, handles, sha, effective_from, line,
                                                       LOADED])

    def brand(self, effective_from: date, rows: list[tuple[str, str]]) -> None:
        sha = self.register_file("brand", effective_from)
        for line, (pattern, use) in enumerate(rows, 2):
            self.con.execute(
                "insert into register_brand_patterns (pattern, use, file_sha256, effective_from, source_line,"
                " loaded_at) values (?, ?, ?, ?, ?, ?)", [pattern, use, sha, effective_from, line, LOADED])

    # -- platforms ------------------------------------------------------------------------------

    def platform_account(self, platform: str, handle: str, *, name: str | None = None, bio: str = "",
                         protected: bool | None = False, followers: int = 1000) -> str:
        account_id = self._id()
        self.con.execute(
            "insert into platform_accounts (platform, account_id, handle, handle_key, name, description, protected,"
            " landing_path, loaded_at) values (?, ?, ?, ?, ?, ?, ?, 'golden', ?)",
            [platform, account_id, handle, handle.lower(), name or handle, bio, protected, LOADED])
        self.con.execute(
            "insert into platform_account_daily (platform, account_id, snapshot_date, followers, landing_path,"
            " loaded_at) values (?, ?, ?, ?, 'golden', ?)", [platform, account_id, AS_OF, followers, LOADED])
        return account_id

    def post(self, platform: str, account_id: str, when: datetime, text: str = "An update from the council.", *,
             reply_to: str | None = None, likes: int = 20, impressions: int | None = 1000) -> str:
        post_id = self._id()
        self.con.execute(
            "insert into platform_posts (platform, post_id, account_id, created_at, text, in_reply_to_id, likes,"
            " replies, reposts, quotes, impressions, landing_path, loaded_at)"
            " values (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, 'golden', ?)",
            [platform, post_id, account_id, when, text, reply_to, likes, impressions, LOADED])
        return post_id

    def mention(self, when: datetime, author_handle: str, author_name: str, text: str, *, platform: str = "x",
                kind: str = "mention") -> str:
        mention_id = self._id()
        self.con.execute(
            "insert into platform_mentions (platform, mention_id, kind, author_id, author_handle, author_name, text,"
            " created_at, landing_path, loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'golden', ?)",
            [platform, mention_id, kind, self._id(), author_handle, author_name, text, when, LOADED])
        return mention_id

    def comment(self, when: datetime, post_id: str, account_id: str, author_name: str, text: str, *,
                platform: str = "facebook", author_id: str | None = None) -> str:
        comment_id = self._id()
        self.con.execute(
            "insert into platform_comments (platform, comment_id, post_id, account_id, author_id, author_name,"
            " from_account, text, created_at, landing_path, loaded_at)"
            " values (?, ?, ?, ?, ?, ?, false, ?, ?, 'golden', ?)",
            [platform, comment_id, post_id, account_id, author_id or self._id(), author_name, text, when, LOADED])
        return comment_id

    # -- Hootsuite ------------------------------------------------------------------------------

    def profile(self, network: str, username: str | None, *, social_network_id: str | None = None,
                needs_reauth: bool = False) -> str:
        profile_id = self._id()
        self.con.execute(
            "insert into hootsuite_profiles (profile_id, network, username, social_network_id, needs_reauth, source,"
            " landing_path, loaded_at) values (?, ?, ?, ?, ?, 'api', 'golden', ?)",
            [profile_id, network, username, social_network_id, needs_reauth, LOADED])
        return profile_id

    def member(self, address: str, name: str, role: str = "Editor", *, active: bool = True,
               created: date = date(2022, 1, 10), teams: tuple[str, ...] = ()) -> str:
        member_id = self._id()
        self.con.execute(
            "insert into hootsuite_members (member_key, member_id, full_name, email, role, is_active, created_at,"
            " teams, source, landing_path, loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, 'api', 'golden', ?)",
            [member_id, member_id, name, address, role, active, at(created, 9), list(teams), LOADED])
        return member_id

    def message(self, profile_id: str, author: str, sent: datetime, *, post_id: str | None = None,
                approvers: tuple[str, ...] | None = (), text: str = "An update from the council.",
                source: str = "api", trail: bool = True) -> str:
        """A sent message; ``approvers`` (member ids) become APPROVE actions when ``trail``."""
        message_id = self._id()
        self.con.execute(
            "insert into hootsuite_messages (message_key, message_id, network_post_id, profile_id, text, state,"
            " created_at, scheduled_at, sent_at, created_by, approved_by, source, landing_path, loaded_at)"
            " values (?, ?, ?, ?, ?, 'SENT', ?, ?, ?, ?, ?, ?, 'golden', ?)",
            [message_id, message_id, post_id, profile_id, text, sent - timedelta(hours=2), sent, sent, author,
             list(approvers) if approvers is not None and (source == "export" or trail) else None, source, LOADED])
        if trail and source == "api":
            self.action(message_id, "CREATE", author, sent - timedelta(hours=2))
            for approver in approvers or ():
                self.action(message_id, "APPROVE", approver, sent - timedelta(hours=1))
            self.action(message_id, "SEND", "SYSTEM", sent)
        return message_id

    def action(self, message_id: str, action: str, actor: str, when: datetime) -> None:
        self.con.execute(
            "insert into hootsuite_message_actions (message_id, action, actor_id, actor_type, acted_at, source,"
            " landing_path, loaded_at) values (?, ?, ?, 'MEMBER', ?, 'api', 'golden', ?)",
            [message_id, action, actor, when, LOADED])

    def posted_through_hootsuite(self, profile_id: str, author: str, platform: str, account_id: str,
                                 when: datetime, text: str = "An update from the council.",
                                 approvers: tuple[str, ...] = ()) -> str:
        post_id = self.post(platform, account_id, when, text)
        self.message(profile_id, author, when, post_id=post_id, approvers=approvers, text=text)
        return post_id


def golden_council(con) -> dict[str, set[str]]:
    """Build the golden council in ``con``; returns the expected finding keys per rule."""
    c = Council(con)
    previous, current = date(2026, 4, 1), date(2026, 10, 1)

    # --- registers ---
    c.brand(date(2026, 1, 1), [("MCC", "naming"), ("Manchester City Council", "naming"),
                               ("MCC", "branding"), ("Manchester City Council", "branding"),
                               ("Manchester", "branding"), ("Manchester City Council", "listening")])
    c.elections(date(2026, 1, 1), [("Local elections 2026", date(2026, 6, 1), date(2026, 6, 30),
                                    ["Labour", "vote for"], ["CllrAmyHarper"])])
    c.leavers(current, [
        ("Lee Active", "Lee.Active@council.gov.uk", date(2026, 9, 1)),     # still in Hootsuite: U01
        ("Rae Removed", email("rae.removed"), date(2026, 8, 1)),           # access removed before leaving
        ("Fay Future", email("fay.future"), date(2026, 11, 30)),           # leaves after the audit date
        ("Nell Nomember", email("nell.nomember"), date(2026, 3, 1)),       # never had a seat
    ])
    good_mods = [email("ann.editor")]
    accounts_now = [
        dict(platform="x", handle="MCCGood", account_name="MCC Good", moderators=good_mods,
             last_password_change=days_ago(90)),                                         # boundary: not A07
        dict(platform="x", handle="MCCDirect", moderators=good_mods),
        dict(platform="x", handle="MCCUnmanaged", managed_in_hootsuite=False, moderators=good_mods),
        dict(platform="x", handle="MCCReauth", moderators=good_mods),
        dict(platform="wordpress", handle="councilblog", managed_in_hootsuite=False, moderators=None),
        dict(platform="facebook", handle="CouncilGroup", url="facebook.com/groups/CouncilGroup",
             managed_in_hootsuite=False, moderators=good_mods),
        dict(platform="x", handle="MCCDormant", moderators=good_mods),
        dict(platform="x", handle="MCCQuiet", moderators=good_mods),
        dict(platform="x", handle="MCCNewish", moderators=good_mods, approved_on=days_ago(60),
             go_live_on=days_ago(45)),
        dict(platform="x", handle="MCCAllLeft", moderators=["lee.active@council.gov.uk"],
             last_password_change=days_ago(20)),
        dict(platform="x", handle="GrowTogether", moderators=good_mods),
        dict(platform="x", handle="GrowBio", moderators=good_mods),
        dict(platform="x", handle="MccarthyGardens", moderators=good_mods),
        dict(platform="x", handle="MCCOldPassword", moderators=good_mods, last_password_change=days_ago(183)),
        dict(platform="x", handle="MCCLeaverPassword", moderators=good_mods,
             last_password_change=date(2026, 8, 20)),
        dict(platform="x", handle="MCCChangedAfter", moderators=good_mods, last_password_change=date(2026, 8, 5)),
        dict(platform="x", handle="HillsidePri", moderators=good_mods, education_establishment="Hillside Primary",
             nominated_manager=email("ann.editor"), features_vulnerable_groups=True, private_locked=True),
        dict(platform="x", handle="HillsidePE", moderators=good_mods, education_establishment="Hillside Primary",
             nominated_manager=email("ann.editor"), features_vulnerable_groups=True, private_locked=False),
        dict(platform="facebook", handle="OakAcademy", moderators=good_mods, education_establishment="Oak Academy"),
        dict(platform="x", handle="ElmSchool", moderators=good_mods, education_establishment="Elm School",
             nominated_manager=email("ann.editor")),
        dict(platform="facebook", handle="ElmSchool", moderators=good_mods, education_establishment="Elm School",
             nominated_manager=email("ann.editor")),
        dict(platform="x", handle="MCCYouth", moderators=good_mods, features_vulnerable_groups=True,
             private_locked=True),
        dict(platform="x", handle="MCCSpammy", moderators=good_mods),
        dict(platform="x", handle="MCCWard", moderators=good_mods),
        dict(platform="facebook", handle="MCCFamilies", moderators=good_mods),
        dict(platform="x", handle="MCCArchived", status="archived", managed_in_hootsuite=False, moderators=None,
             last_password_change=None),
    ]
    c.accounts(current, accounts_now)
    # Six months earlier: the leaver moderated two accounts that have since named someone else.
    earlier = [dict(a) for a in accounts_now]
    for row in earlier:
        if row["handle"] in ("MCCLeaverPassword", "MCCChangedAfter"):
            row["moderators"] = [*good_mods, email("rae.removed") if row["handle"] == "MCCChangedAfter"
                                 else "lee.active@council.gov.uk"]
    c.accounts(previous, earlier)

    # --- Hootsuite members and training ---
    ann = c.member(email("ann.editor"), "Ann Editor", "Editor", teams=("Neighbourhoods",))
    rev = c.member(email("rob.reviewer"), "Rob Reviewer", "Reviewer")
    adm = c.member(email("ada.admin"), "Ada Admin", "Admin")
    lee = c.member("lee.active@council.gov.uk", "Lee Active", "Editor", teams=("Neighbourhoods",))
    c.member(email("rae.removed"), "Rae Removed", "Editor", active=False)
    fay = c.member(email("fay.future"), "Fay Future", "Editor")
    c.member(email("ian.inactive"), "Ian Inactive", "Editor", created=date(2025, 1, 6))
    c.member(email("nia.new"), "Nia New", "Editor", created=date(2026, 9, 1))
    c.training(current, [
        (email("ann.editor"), "GOLD", date(2026, 3, 1)),
        (email("rob.reviewer"), "GOLD refresher", date(2025, 10, 31)),  # due exactly on the audit date: not late
        (email("ada.admin"), "GOLD", date(2026, 2, 1)),
        ("LEE.ACTIVE@council.gov.uk", "GOLD", date(2026, 1, 5)),
        (email("fay.future"), "GOLD", date(2025, 1, 10)),               # refresher overdue: U03
        (email("ian.inactive"), "GOLD", date(2026, 1, 5)),
        (email("rae.removed"), "First aid", date(2026, 1, 5)),          # not GOLD, and no longer a member
        # nia.new has none: U03
    ])

    # --- platforms and Hootsuite profiles ---
    ids: dict[str, str] = {}
    profiles: dict[str, str] = {}
    branded = "News from Manchester City Council."
    names = {"GrowTogether": "Grow Together", "GrowBio": "Grow", "MccarthyGardens": "Mccarthy Gardens"}
    bios = {"GrowTogether": "Community gardens.", "GrowBio": "Growing food, from Manchester City Council.",
            "MccarthyGardens": "Gardening tips."}
    for row in accounts_now:
        handle, platform = row["handle"], row["platform"]
        key = f"{platform}:{handle.lower()}"
        if platform == "wordpress" or row.get("status") == "archived" or "/groups/" in row.get("url", ""):
            continue  # blogs and Facebook groups are not read through an API
        protected = {"HillsidePri": True, "MCCYouth": False}.get(handle, False if platform == "x" else None)
        ids[key] = c.platform_account(platform, handle, bio=bios.get(handle, branded), protected=protected,
                                      name=names.get(handle, f"MCC {handle[3:]}" if handle.startswith("MCC")
                                                     else handle))
        if handle != "MCCUnmanaged":
            # Hootsuite's API names X profiles by the platform's id only: MCCGood is matched that way.
            profiles[key] = c.profile(platform, None if handle == "MCCGood" else handle,
                                      social_network_id=ids[key], needs_reauth=handle == "MCCReauth")
    c.profile("x", "MCCUnregistered")

    def through(key: str, when: datetime, text: str = "An update from the council.", author: str = ann,
                approvers: tuple[str, ...] = (rev,)) -> str:
        return c.posted_through_hootsuite(profiles[key], author, key.split(":")[0], ids[key], when, text, approvers)

    # Hootsuite's record starts on 1 May 2026, the first day of the period.
    for key in profiles:
        if key != "x:mccdormant":
            through(key, at(date(2026, 5, 1), 8))
        if key not in ("x:mccdormant", "x:mccquiet"):
            through(key, at(days_ago(10), 10))
    # A02: posts made straight on X; one from before the period does not count.
    c.post("x", ids["x:mccdirect"], at(days_ago(40)), "Posted from the phone at the event")
    c.post("x", ids["x:mccdirect"], at(days_ago(3)), "Another one straight on X")
    c.post("x", ids["x:mccdirect"], at(date(2026, 4, 20)), "Before the period")
    c.post("x", ids["x:mccunmanaged"], at(days_ago(6)), "Posted outside Hootsuite, as everything here is")
    # Not A02: MCCGood posts only through Hootsuite; its replies to the public are not new content,
    # and a post from before Hootsuite's record cannot be judged.
    question = c.mention(at(days_ago(5), 9), "resident1", "A Resident", "@MCCGood when is the bin day?")
    c.post("x", ids["x:mccgood"], at(days_ago(5), 11), "@resident1 Thursdays, thanks for asking", reply_to=question)
    c.post("x", ids["x:mccgood"], at(date(2026, 4, 10)), "Spring newsletter")
    for day in (days_ago(20), days_ago(12), days_ago(2)):  # never twice within a week: not spamming
        through("x:mccgood", at(day, 15), "Bin collections change next week: check your day online")
    # A03: dormant since June with almost no engagement (a redundant candidate); MCCQuiet last posted 77
    # days ago (not dormant); MCCNewish went live 45 days ago (too new to be dormant).
    for n in range(5):
        when = at(date(2026, 6, 1) - timedelta(days=7 * n))
        quiet_post = c.post("x", ids["x:mccdormant"], when, likes=1, impressions=1000)
        c.message(profiles["x:mccdormant"], ann, when, post_id=quiet_post, approvers=(rev,))
    through("x:mccquiet", at(days_ago(77)))
    # A05: people and accounts seen in the period.
    c.mention(at(days_ago(8)), "MCCFakeHelp", "MCC Council Tax Help", "Refunds for all Manchester residents, DM us")
    c.mention(at(days_ago(8)), "jmccarthy", "Jo Mccarthy", "@MCCGood thanks for fixing the light")
    c.mention(at(days_ago(7)), "ManchesterFoodie", "Manchester Foodie", "Lovely market @MCCGood")
    c.mention(at(days_ago(6)), "kev99", "Kev", "@MCCGood is @MCCScam one of yours? and @mccgood too?")
    c.mention(at(days_ago(6)), "kev99", "Kev", "@MCCFamilies is that your Facebook page?")  # the council's, elsewhere
    c.mention(at(date(2026, 3, 1)), "MCCOldNews", "MCC Old News", "seen before the period only")
    oak_post = through("facebook:oakacademy", at(days_ago(4), 9))
    c.comment(at(days_ago(4)), oak_post, ids["facebook:oakacademy"], "Manchester City Council Refunds",
              "Claim your refund here", author_id="9990001")
    c.comment(at(days_ago(4)), oak_post, ids["facebook:oakacademy"], "Manchester Mum", "Lovely",
              author_id="9990002")
    # A10: the same text three times in five days (the links and times differ).
    for n, day in enumerate((days_ago(9), days_ago(7), days_ago(5))):
        through("x:mccspammy", at(day, 16), f"Gritters out from {6 + n}pm tonight! https://t.co/{n}abc")
    # A11: the election period is June 2026.
    promoting = through("x:mccward", at(date(2026, 6, 10)), "Thanks to @CllrAmyHarper for opening the play area!")
    through("x:mccward", at(date(2026, 6, 12)), "Local labourers have finished the new path.")  # not "Labour"
    c.post("x", ids["x:mccward"], at(date(2026, 6, 14)), "@CllrAmyHarper Hi, thanks for getting in touch.",
           reply_to=c.mention(at(date(2026, 6, 14), 9), "CllrAmyHarper", "Cllr Amy Harper", "@MCCWard hello"))
    through("x:mccward", at(date(2026, 7, 10)), "Labour market statistics are out.")  # after the period
    # A12: an editor's post with no approval; one approved only by its author (once by id, once by the
    # email and name an export uses); posts that are fine.
    unapproved = c.message(profiles["x:mccward"], ann, at(days_ago(15)), approvers=())
    self_approved = c.message(profiles["x:mccward"], ann, at(days_ago(14)), approvers=(ann,))
    self_approved_export = c.message(profiles["x:mccward"], email("ann.editor"), at(days_ago(17)),
                                     approvers=("Ann Editor",), source="export")
    c.message(profiles["x:mccward"], adm, at(days_ago(13)), approvers=())            # admins need no approval
    c.message(profiles["x:mccward"], adm, at(days_ago(12)), approvers=(adm,))        # so this is no breach
    c.message(profiles["x:mccward"], ann, at(days_ago(11)), approvers=(ann, rev))    # a reviewer approved too
    c.message(profiles["x:mccward"], ann, at(days_ago(16)), approvers=None, trail=False)  # trail never read
    # U02: Ian has done nothing since June; the others have been busy (Lee even after leaving).
    c.message(profiles["x:mccward"], email("ian.inactive"), at(date(2026, 6, 20)), approvers=(rev,))
    c.message(profiles["x:mccward"], lee, at(days_ago(20)), approvers=(rev,))
    c.message(profiles["x:mccward"], fay, at(days_ago(21)), approvers=(rev,))

    text_key = "grittersoutfrompmtonight"  # the letters before the first link
    return {
        "A01": {"A01:x:mccunmanaged:not_in_hootsuite", "A01:x:mccreauth:reauthorise"},
        "A02": {"A02:x:mccdirect", "A02:x:mccunmanaged"},
        "A03": {"A03:x:mccdormant"},
        "A04": {"A04:wordpress:councilblog:none_named", "A04:x:mccallleft:all_left"},
        "A05": {"A05:x:mccunregistered", "A05:x:mccfakehelp", "A05:x:mccscam", "A05:facebook:id:9990001"},
        "A06": {"A06:x:growtogether", "A06:x:mccarthygardens"},
        "A07": {"A07:x:mccoldpassword:age", "A07:x:mccleaverpassword:leaver"},
        "A08": {"A08:hillside primary:platform:x", "A08:oak academy:no_manager"},
        "A09": {"A09:x:hillsidepe:not_locked", "A09:x:mccyouth:public_on_platform"},
        "A10": {f"A10:x:mccspammy:{hashlib.md5(text_key.encode()).hexdigest()[:12]}"},
        "A11": {f"A11:x:{promoting}"},
        "A12": {f"A12:message:{unapproved}:no_approval", f"A12:message:{self_approved}:self_approved",
                f"A12:message:{self_approved_export}:self_approved"},
        "U01": {"U01:lee.active@council.gov.uk"},
        "U02": {f"U02:{email('ian.inactive')}"},
        "U03": {f"U03:{email('fay.future')}", f"U03:{email('nia.new')}"},
    }
