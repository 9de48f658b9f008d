"""What each register the comms team keeps must contain.

A register is a spreadsheet (CSV or XLSX) dropped into the register inbox. Each definition
names its columns, the header spellings we accept for them, their type, and whether the
register is a *snapshot* (every file is the whole register: rows missing from a newer file
have been removed) or *cumulative* (every file adds to what was already known, e.g. monthly
HR leaver lists).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Platforms the council's accounts live on, keyed by the spellings seen in registers.
PLATFORMS = {
    "x": "x",
    "twitter": "x",
    "x (twitter)": "x",
    "twitter/x": "x",
    "facebook": "facebook",
    "instagram": "instagram",
    "youtube": "youtube",
    "linkedin": "linkedin",
    "flickr": "flickr",
    "vimeo": "vimeo",
    "foursquare": "foursquare",
    "wordpress": "wordpress",
    "blogger": "blogger",
    "blogspot": "blogger",
    "tiktok": "tiktok",
    "threads": "threads",
    "bluesky": "bluesky",
    "nextdoor": "nextdoor",
    "pinterest": "pinterest",
    "snapchat": "snapchat",
    "whatsapp": "whatsapp",
}

#: Types a column can have; the validator turns cell text into these.
TEXT, DATE, BOOL, INT, DECIMAL, PLATFORM, EMAIL, EMAILS, LIST, URL, CHOICE = (
    "text", "date", "bool", "int", "decimal", "platform", "email", "emails", "list", "url", "choice",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Register:
    kind: str
    title: str
    table: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    snapshot: bool
    #: Words in a file name that say which register it is.
    filename_words: tuple[str, ...] = field(default=())
    description: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


ACCOUNT_REGISTER = Register(
    kind="accounts",
    title="Account register",
    table="register_accounts",
    key=("platform", "handle_key"),
    snapshot=True,
    filename_words=("account",),
    description="Every social media account the Digital Comms Review Board has approved.",
    columns=(
        Column("platform", PLATFORM, aliases=("network", "social network", "site"),
               description="x, facebook, instagram, youtube, linkedin, flickr, vimeo, ... "
                           "(may be left blank when the URL says it)"),
        Column("handle", TEXT, aliases=("username", "account handle", "user name", "page"),
               description="the account's handle or page name; worked out from the URL when blank"),
        Column("url", URL, aliases=("profile url", "link", "address", "account url"),
               description="profile link, e.g. twitter.com/ManCityCouncil"),
        Column("account_name", TEXT, required=True,
               aliases=("name", "account", "social media account", "account title", "display name"),
               description="the account's name as the council knows it"),
        Column("owning_service", TEXT, aliases=("service", "service area", "owner service", "department"),
               description="service area that owns the account"),
        Column("moderators", EMAILS, aliases=("moderator", "moderator emails", "account moderators", "owners"),
               description="emails of the named account moderators, separated by ';'"),
        Column("approved_on", DATE, aliases=("approval date", "review board approval", "approved"),
               description="date the Review Board approved the account"),
        Column("go_live_on", DATE, aliases=("go live date", "go-live date", "live date", "launched"),
               description="date the account went live (starts the three-month benefit review)"),
        Column("managed_in_hootsuite", BOOL, aliases=("hootsuite", "in hootsuite", "managed through hootsuite"),
               description="yes/no"),
        Column("private_locked", BOOL, aliases=("private", "locked", "private/locked", "protected"),
               description="yes/no: the account is private or locked"),
        Column("features_vulnerable_groups", BOOL,
               aliases=("vulnerable groups", "features children", "features vulnerable people"),
               description="yes/no: content features children or vulnerable groups (must then be locked)"),
        Column("education_establishment", TEXT, aliases=("establishment", "school", "education establishment name"),
               description="school or establishment the account belongs to, if any"),
        Column("nominated_manager", EMAIL, aliases=("establishment manager", "nominated manager email", "manager"),
               description="email of the nominated manager for an education establishment account"),
        Column("target_followers", INT, aliases=("followers target", "business case followers"),
               description="business-case target: followers three months after go-live"),
        Column("target_posts_per_week", DECIMAL, aliases=("posts per week target", "business case posts per week"),
               description="business-case target: posts a week"),
        Column("target_engagement_rate", DECIMAL, aliases=("engagement rate target", "business case engagement rate"),
               description="business-case target: engagement rate, percent"),
        Column("target_response_rate", DECIMAL, aliases=("response rate target", "business case response rate"),
               description="business-case target: share of comments and mentions answered, percent"),
        Column("status", CHOICE, choices=("active", "archived"), aliases=("account status", "state"),
               description="active or archived (blank means active)"),
        Column("last_password_change", DATE,
               aliases=("password changed", "password last changed", "last password reset"),
               description="date the account password was last changed"),
    ),
)

LEAVERS = Register(
    kind="leavers",
    title="HR leavers",
    table="register_leavers",
    key=("email",),
    snapshot=False,
    filename_words=("leaver",),
    description="Staff who have left (or are leaving) the council, from HR.",
    columns=(
        Column("name", TEXT, required=True, aliases=("full name", "employee", "employee name", "staff name")),
        Column("email", EMAIL, required=True, aliases=("email address", "work email", "e-mail")),
        Column("leaving_date", DATE, required=True, aliases=("leaving date", "date left", "last day", "leave date")),
        Column("service", TEXT, aliases=("service area", "department")),
        Column("line_manager_email", EMAIL, aliases=("line manager", "manager email")),
    ),
)

TRAINING = Register(
    kind="training",
    title="Training records",
    table="register_training",
    key=("email", "course", "completed_on"),
    snapshot=False,
    filename_words=("training", "gold"),
    description="GOLD social media training and refreshers completed.",
    columns=(
        Column("name", TEXT, aliases=("full name", "attendee", "delegate")),
        Column("email", EMAIL, required=True, aliases=("email address", "work email", "e-mail")),
        Column("course", TEXT, required=True, aliases=("training", "course name", "module")),
        Column("completed_on", DATE, required=True,
               aliases=("training date", "date completed", "completed", "date", "completion date")),
    ),
)

ELECTION_PERIODS = Register(
    kind="elections",
    title="Election periods",
    table="register_election_periods",
    key=("election",),
    snapshot=True,
    filename_words=("election", "purdah", "pre-election"),
    description="Pre-election (restricted publicity) periods, with terms and councillor accounts to watch.",
    columns=(
        Column("election", TEXT, required=True, aliases=("name", "election name", "period")),
        Column("starts_on", DATE, required=True, aliases=("start", "start date", "from")),
        Column("ends_on", DATE, required=True, aliases=("end", "end date", "to", "polling day")),
        Column("political_terms", LIST, aliases=("terms", "political words", "keywords")),
        Column("councillor_handles", LIST, aliases=("councillor accounts", "councillors", "councillor handles")),
    ),
)

BRAND_PATTERNS = Register(
    kind="brand",
    title="Brand patterns",
    table="register_brand_patterns",
    key=("pattern", "use"),
    snapshot=True,
    filename_words=("brand",),
    description="Words that show an account belongs to the council, and how the public names the council.",
    columns=(
        Column("pattern", TEXT, required=True, aliases=("term", "brand term", "text")),
        Column("use", CHOICE, required=True, choices=("branding", "naming", "listening", "comparison"),
               aliases=("purpose", "kind", "type"),
               description="branding: must appear in name/bio (A06); naming: how council accounts are named "
                           "(A05 impostors); listening: brand search terms; comparison: share-of-voice terms"),
        Column("note", TEXT, aliases=("notes", "comment")),
    ),
)

REPORT_RECIPIENTS = Register(
    kind="recipients",
    title="Report recipients",
    table="register_report_recipients",
    key=("report", "email"),
    snapshot=True,
    filename_words=("recipient", "distribution"),
    description="Who receives each report by email.",
    columns=(
        Column("report", CHOICE, required=True,
               choices=("audit", "new_account_benefit", "inactive_users", "listening", "listening_digest",
                        "register_import", "data_quality", "review_board_pack"),
               aliases=("report name",)),
        Column("email", EMAIL, required=True, aliases=("email address", "recipient", "e-mail")),
        Column("name", TEXT, aliases=("recipient name", "full name")),
        Column("copy", CHOICE, choices=("to", "cc"), aliases=("to/cc", "send as")),
    ),
)

REGISTERS: tuple[Register, ...] = (
    ACCOUNT_REGISTER, LEAVERS, TRAINING, ELECTION_PERIODS, BRAND_PATTERNS, REPORT_RECIPIENTS,
)
BY_KIND = {r.kind: r for r in REGISTERS}
