"""A deterministic Manchester City Council to run the pipelines against.

The accounts are the ones the council itself published (Appendix 1 of its Social Media Code of
Practice, kept verbatim in ``appendix1_accounts.csv``) plus a few synthetic ones, so that every
platform the pipelines fetch is present and every policy rule has something to find. People,
Hootsuite members, training, leavers and all activity are synthetic and come from a seeded
``random.Random``: the same ``(as_of, seed)`` always gives the same council, whatever today's date.

Activity (posts, follower counts, mentions, comments, Hootsuite messages) is never stored on the
organisation. It is generated on demand, one account at a time, from a generator seeded by
``(seed, purpose, account)``, so asking twice gives the same answer and a council with thousands of
accounts fits in memory.

Things worth knowing when reading the generated data:

* Activity runs from ``as_of - history_days`` up to (not including) ``as_of`` 00:00 UTC.
* Council replies to the public are sent from Hootsuite's inbox, which is not its publisher, so they
  never appear among Hootsuite's outbound messages. Rule A02 (direct posting) must therefore look
  at original posts only; replies carry ``in_reply_to_id``.
* ``Organisation.scenarios`` lists what was planted on purpose and which rule should find it.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import math
import random
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

from council_social.registers.profiles import profile_from_url

DEMO_AS_OF = date(2026, 10, 31)
DEMO_SEED = 2026
COUNCIL_NAME = "Manchester City Council"
EMAIL_DOMAIN = "manchester.gov.uk"
#: About eighteen months of activity before ``as_of``.
HISTORY_DAYS = 548
APPENDIX1_CSV = Path(__file__).with_name("appendix1_accounts.csv")
HOOTSUITE_ORGANISATION_ID = "814302"

#: Platforms whose activity the pipelines fetch through an API (the fake API server serves these).
API_PLATFORMS = ("x", "facebook", "instagram")
#: Hootsuite's social profile type for each platform it can publish to.
HOOTSUITE_PROFILE_TYPES = {
    "x": "TWITTER",
    "facebook": "FACEBOOKPAGE",
    "instagram": "INSTAGRAMBUSINESS",
    "linkedin": "LINKEDINCOMPANY",
    "youtube": "YOUTUBECHANNEL",
}
#: Hootsuite roles the Digital Comms Review Board hands out. Editors' messages need a reviewer's approval.
ROLES = ("Admin", "Reviewer", "Editor")
GOLD, GOLD_REFRESHER = "GOLD", "GOLD refresher"

_TWITTER_EPOCH_MS = 1288834974657


# --- what an organisation is made of ---------------------------------------------------------------

@dataclass(frozen=True)
class ScriptedPost:
    """A post placed on purpose so that a rule has something to find (``note`` names the rule)."""

    at: datetime
    text: str
    via_hootsuite: bool = True
    #: "normal", "missing" (an editor's post sent without approval) or "self" (approved by its author)
    approval: str = "normal"
    comments: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ScriptedMention:
    """A mention placed on purpose (hostile text, a high-reach author left waiting, ...)."""

    at: datetime
    author_handle: str
    text: str
    needs_reply: bool = True
    reply_after_hours: float | None = None
    note: str = ""


@dataclass(frozen=True)
class Activity:
    """How an account behaves on its platform: the generator's knobs, not register facts."""

    voice: str = "general"
    posts_per_week: float = 0.0
    followers_start: int = 0
    followers_end: int = 0
    #: Mean interactions per impression, percent.
    engagement_rate: float = 1.5
    mentions_per_day: float = 0.0
    #: Share of mentions and comments needing an answer that get one within a day.
    reply_share: float = 0.85
    #: Share of original posts made straight on the platform instead of through Hootsuite.
    direct_share: float = 0.0
    #: Dormant after this day.
    last_post_on: date | None = None
    #: The Hootsuite profile stopped working on this day (re-authorisation needed): later posts are direct.
    hootsuite_until: date | None = None
    scripted: tuple[ScriptedPost, ...] = ()
    scripted_mentions: tuple[ScriptedMention, ...] = ()
    #: (day, extra mentions, what they are about): a spike for rule L02.
    mention_spikes: tuple[tuple[date, int, str], ...] = ()


@dataclass(frozen=True)
class Account:
    """One social media account. Fields named like the account register's columns hold its register values."""

    key: str
    account_name: str
    url: str
    platform: str
    handle: str
    #: The id the platform's API knows (X user id, Facebook page id, Instagram user id); None when no API
    #: serves it.
    platform_id: str | None
    display_name: str
    bio: str
    owning_service: str | None
    moderators: tuple[str, ...]
    approved_on: date | None
    go_live_on: date | None
    managed_in_hootsuite: bool
    private_locked: bool
    features_vulnerable_groups: bool
    education_establishment: str | None
    nominated_manager: str | None
    target_followers: int | None
    target_posts_per_week: float | None
    target_engagement_rate: float | None
    target_response_rate: float | None
    status: str
    last_password_change: date | None
    #: In the Review Board's register (False: an unapproved or impostor account).
    in_register: bool
    in_appendix1: bool
    created_on: date
    archived_on: date | None
    hootsuite_profile_id: str | None
    hootsuite_reauth_required: bool
    #: Facebook page -> the Instagram business account linked to it (the key), as Graph's /me/accounts shows.
    linked_instagram: str | None
    activity: Activity
    #: What the previous account register said about the moderators, when it said something else.
    previous_moderators: tuple[str, ...] | None = None

    @property
    def api_served(self) -> bool:
        return self.platform in API_PLATFORMS and self.platform_id is not None

    @property
    def in_hootsuite(self) -> bool:
        return self.hootsuite_profile_id is not None


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    service: str
    job_title: str
    line_manager_email: str | None = None
    leaving_date: date | None = None


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Member:
    """A Hootsuite member (a seat in the council's Hootsuite organisation)."""

    id: str
    email: str
    full_name: str
    role: str
    teams: tuple[str, ...]
    created_at: datetime
    is_active: bool
    #: The day access was removed (``is_active`` False since then).
    deactivated_on: date | None = None

    @property
    def permission_preset(self) -> str:
        return self.role.upper()


@dataclass(frozen=True)
class Leaver:
    name: str
    email: str
    leaving_date: date
    service: str
    line_manager_email: str | None


@dataclass(frozen=True)
class TrainingRecord:
    name: str
    email: str
    course: str
    completed_on: date


@dataclass(frozen=True)
class ElectionPeriod:
    election: str
    starts_on: date
    ends_on: date
    political_terms: tuple[str, ...]
    councillor_handles: tuple[str, ...]


@dataclass(frozen=True)
class BrandPattern:
    pattern: str
    use: str
    note: str = ""


@dataclass(frozen=True)
class ReportRecipient:
    report: str
    email: str
    name: str
    copy: str = "to"


@dataclass(frozen=True)
class PublicAuthor:
    """A member of the public (or a journalist, a councillor) who talks to or about the council."""

    id: str
    handle: str
    name: str
    followers: int
    created_on: date
    description: str = ""


@dataclass(frozen=True)
class Scenario:
    """Something planted on purpose: the rule that should find it and what it is about."""

    rule: str
    subject: str
    detail: str


@dataclass(frozen=True)
class ReviewAction:
    """One step of a Hootsuite message's approvals trail (``/v1/messages/{id}/history``)."""

    action: str
    actor_type: str
    actor_id: str | None
    at: datetime


@dataclass(frozen=True)
class Post:
    """A post on a platform: an original post, or (``in_reply_to_id`` set) a reply to a mention."""

    id: str
    account_key: str
    platform: str
    created_at: datetime
    text: str
    likes: int
    shares: int
    #: Replies on X; comments on Facebook and Instagram (as many as ``Organisation.comments`` gives).
    replies: int
    quotes: int
    impressions: int
    via_hootsuite: bool
    message_id: str | None = None
    created_by: str | None = None
    history: tuple[ReviewAction, ...] = ()
    in_reply_to_id: str | None = None
    in_reply_to_user_id: str | None = None
    pinned_comments: tuple[str, ...] = ()

    @property
    def is_reply(self) -> bool:
        return self.in_reply_to_id is not None


@dataclass(frozen=True)
class Mention:
    """A public post naming a council account (``account_key``), or with no key the council or a rival."""

    id: str
    account_key: str | None
    platform: str
    author: PublicAuthor
    text: str
    created_at: datetime
    #: The council post this mention replies to, if it is a reply.
    in_reply_to_post_id: str | None
    needs_reply: bool
    replied_at: datetime | None
    reply_id: str | None


@dataclass(frozen=True)
class Comment:
    id: str
    post_id: str
    account_key: str
    author: PublicAuthor
    text: str
    created_at: datetime
    needs_reply: bool
    replied_at: datetime | None
    reply_id: str | None
    reply_text: str | None


@dataclass(frozen=True)
class HootsuiteMessage:
    id: str
    account_key: str
    social_profile_id: str
    state: str
    text: str
    scheduled_send_time: datetime
    created_by: str
    last_updated_by: str
    post_id: str | None
    history: tuple[ReviewAction, ...]


@dataclass(frozen=True)
class Scale:
    """How much bigger than the demo council to make it (for benchmarks)."""

    extra_accounts: int = 0
    extra_members: int = 0
    history_days: int = HISTORY_DAYS
    #: Posting and mention rates of the extra accounts.
    posts_per_week: float = 4.0
    mentions_per_day: float = 1.0


# --- small deterministic helpers -------------------------------------------------------------------

def stable_int(*parts: object) -> int:
    """A 64-bit number from text, the same in every process (unlike ``hash``)."""
    digest = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _days(start: date, end: date) -> Iterator[date]:
    """Days from ``start`` up to, not including, ``end``."""
    for offset in range((end - start).days):
        yield start + timedelta(days=offset)


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), UTC)


def snowflake(moment: datetime, worker: int, sequence: int) -> str:
    """An X-style id: later posts have larger ids, which is what ``since_id`` relies on."""
    millis = int(moment.timestamp() * 1000)
    return str(((millis - _TWITTER_EPOCH_MS) << 22) | ((worker % 1024) << 12) | (sequence % 4096))


def _unique(candidate: int, taken: set[int]) -> int:
    while candidate in taken:
        candidate += 1
    taken.add(candidate)
    return candidate


def _email(name: str, taken: set[str]) -> str:
    local = ".".join("".join(ch for ch in part.lower() if ch.isalnum()) for part in name.split())
    email, n = f"{local}@{EMAIL_DOMAIN}", 2
    while email in taken:
        email, n = f"{local}{n}@{EMAIL_DOMAIN}", n + 1
    taken.add(email)
    return email


def load_appendix1() -> list[tuple[str, str]]:
    """(account name, URL) for every account in Appendix 1, exactly as the council printed them."""
    with APPENDIX1_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["account_name"], row["url"]) for row in csv.DictReader(handle)]


# --- the cast --------------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Aisha", "Ben", "Chloe", "Daniel", "Ella", "Farid", "Grace", "Harry", "Imran", "Jess", "Kieran", "Laura",
    "Mohammed", "Niamh", "Oliver", "Priya", "Qasim", "Rachel", "Sam", "Tariq", "Uma", "Victoria", "Will",
    "Yasmin", "Zoe", "Adam", "Bethany", "Connor", "Deborah", "Emeka", "Fiona", "Gareth", "Hannah", "Isaac",
    "Joanne", "Kwame", "Lucy", "Marcus", "Nadia", "Owen", "Paula", "Rebecca", "Simon", "Vikram", "Wendy",
)
_SURNAMES = (
    "Ahmed", "Bailey", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones", "Khan",
    "Lees", "Morris", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Shaw", "Taylor", "Walsh", "Wright",
    "Young", "Booth", "Cooper", "Dixon", "Egan", "Foster", "Gibson", "Hall", "Kaur", "Lomas", "Murphy",
    "Nolan", "Okafor", "Pearson", "Ryan", "Singh", "Turner", "Whittaker", "Brennan", "Chadwick",
)
_PUBLIC_FIRST = (
    "Alex", "Becky", "Carl", "Dani", "Ed", "Fran", "Gav", "Hayley", "Ian", "Jade", "Kev", "Lisa", "Mo", "Nat",
    "Phil", "Rosie", "Sean", "Tash", "Vince", "Yusuf", "Amira", "Bilal", "Ciara", "Dev", "Eve", "Jordan",
)
_PUBLIC_LAST = (
    "Armstrong", "Barker", "Cartwright", "Dawson", "Ellis", "Firth", "Gallagher", "Holt", "Jackson", "Kelly",
    "Lowe", "Mason", "Naylor", "Owens", "Parker", "Riley", "Stott", "Tomlinson", "Ward", "Yates", "Hussain",
)

#: (service, staff) in the order people are generated; the first person of each service manages it.
_SERVICES = (
    ("Central Communications", 4),
    ("Libraries, Galleries and Culture", 4),
    ("Neighbourhoods", 5),
    ("Community Safety", 2),
    ("Markets", 3),
    ("Highways", 3),
    ("Children's Services", 3),
    ("Youth Services", 2),
    ("Housing Services", 2),
    ("Adult Social Care", 2),
    ("Economy and Policy", 3),
    ("Education", 3),
    ("Climate Change", 2),
    ("Corporate Services", 2),
)
CENTRAL = "Central Communications"

_WARDS = {
    "MCCCrumpsall": "Crumpsall", "MCCHarpurhey": "Harpurhey", "MCCHBlackley": "Higher Blackley",
    "MCCCheetham": "Cheetham", "MCCChorlton": "Chorlton", "MCCDidsbury": "Didsbury",
    "MCCWythenshawe": "Wythenshawe", "MCCMossSide": "Moss Side", "MCCMoston": "Moston",
    "MCCRusholme": "Rusholme", "MCCHulme": "Hulme", "MPlattNtonHeath": "Miles Platting and Newton Heath",
    "MCCWithington": "Withington", "MCCWhalleyRange": "Whalley Range", "MCCCityCentre": "City Centre",
    "MCCLongsight": "Longsight", "MCCLevenshulme": "Levenshulme", "MCCBurnage": "Burnage",
    "MCCBradford": "Bradford", "MCCArdwick": "Ardwick", "MCCAncClay": "Ancoats and Clayton",
    "MCCFallowfield": "Fallowfield", "MCCCharlestown": "Charlestown", "MCCGorton": "Gorton",
}

#: Appendix 1 account name -> (owning service, voice, posts a week, followers at as_of, status).
_APPENDIX_PROFILE: dict[str, tuple[str, str, float, int, str]] = {
    "Manchester Council Facebook Profile": (CENTRAL, "central", 0, 2100, "archived"),
    "Manchester City Council Facebook": (CENTRAL, "central", 9, 64200, "active"),
    "Manchester City Council Twitter": (CENTRAL, "central", 12, 152300, "active"),
    "Manchester Libraries Facebook": ("Libraries, Galleries and Culture", "libraries", 4, 14500, "active"),
    "Manchester Libraries Twitter": ("Libraries, Galleries and Culture", "libraries", 5, 23800, "active"),
    "Manchester ASBAT": ("Community Safety", "safety", 1.5, 3900, "active"),
    "Safer Manchester": ("Community Safety", "safety", 2.5, 8700, "active"),
    "Manchester Markets Facebook": ("Markets", "markets", 3, 12100, "active"),
    "Manchester Markets Twitter": ("Markets", "markets", 2.5, 9800, "active"),
    "Clean Cities Facebook": ("Neighbourhoods", "neighbourhoods", 1.5, 2300, "active"),
    "Foster for Manchester": ("Children's Services", "children", 2, 5600, "active"),
    "Manchester Leader's Forum Twitter": ("Economy and Policy", "policy", 0.8, 1100, "active"),
    "Grow Twitter": ("Neighbourhoods", "grow", 1, 850, "active"),
    "MCC Foursquare": ("Markets", "markets", 0, 0, "archived"),
    "Ask Little Bill Twitter": ("Housing Services", "housing", 2, 1900, "active"),
    "Ask Little Bill Facebook": ("Housing Services", "housing", 1.5, 2600, "active"),
    "Manchester Archives Wordpress": ("Libraries, Galleries and Culture", "libraries", 0, 0, "active"),
    "Manchester Gritters Twitter": ("Highways", "gritters", 2, 17300, "active"),
    "Manchester International Women's Day": (CENTRAL, "general", 0.5, 3100, "active"),
    "Vimeo": (CENTRAL, "central", 0, 0, "active"),
    "YouTube": (CENTRAL, "central", 0.3, 5200, "active"),
    "Flickr": (CENTRAL, "central", 0, 0, "active"),
    "Adopt with Manchester": ("Children's Services", "children", 1.5, 4200, "active"),
    "Mcr Santa": ("Markets", "markets", 3, 2600, "active"),
    "Manchester City Council LinkedIn": ("Corporate Services", "corporate", 3, 41000, "active"),
    "M4 Print Design Studio Twitter": ("Corporate Services", "print", 0.7, 640, "active"),
    "Manchester Art Gallery": ("Libraries, Galleries and Culture", "culture", 6, 98000, "active"),
    "Manchester Archives+": ("Libraries, Galleries and Culture", "libraries", 3, 15800, "active"),
    "Library Theatre Co": ("Libraries, Galleries and Culture", "culture", 0, 7400, "archived"),
    "Physical Disabilities Partnership": ("Adult Social Care", "general", 0, 380, "active"),
    "Manchester Youth Council": ("Youth Services", "youth", 2, 1800, "active"),
    "Manchester Libraries Blog": ("Libraries, Galleries and Culture", "libraries", 0, 0, "archived"),
    "Archives+ Blog": ("Libraries, Galleries and Culture", "libraries", 0, 0, "active"),
}

# --- post and mention wording ----------------------------------------------------------------------

_FILL = {
    "street": ("Oldham Road", "Wilmslow Road", "Princess Parkway", "Stockport Road", "Rochdale Road",
               "Hyde Road", "Barlow Moor Road", "Moss Lane East", "Cheetham Hill Road", "Ashton Old Road"),
    "place": ("Central Library", "Heaton Park", "Wythenshawe Park", "Platt Fields", "Alexandra Park",
              "Manchester Art Gallery", "Arndale Market", "Levenshulme Market", "Boggart Hole Clough"),
    "topic": ("the local plan", "bus lanes on Oxford Road", "the housing strategy", "the parks strategy",
              "the budget", "school streets", "the Clean Air Zone", "library opening hours"),
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
    "time": ("10am", "11am", "1pm", "2pm", "6pm", "7pm"),
    "event": ("a storytime session", "a local history talk", "a coding club", "a craft workshop",
              "an author visit", "a family film afternoon"),
}

_VOICES: dict[str, tuple[str, ...]] = {
    "central": (
        "Bin collections are running as normal this week. Check your day at manchester.gov.uk/bins",
        "Have your say on {topic}: the consultation closes soon. manchester.gov.uk/consultations",
        "Roadworks on {street} start {day}. Expect delays and plan ahead.",
        "Our customer service centre opens at 8.30am on {day}. Most things can be done online anytime.",
        "Council tax: set up a Direct Debit in minutes and never miss a payment.",
        "Winter is coming: find out how to get help with energy bills this year.",
        "The Lord Mayor's charity appeal has raised over £{number} so far. Thank you Manchester!",
        "Free family activities at {place} this half term. Booking details online.",
        "Recycling tip: clean foil and tins go in your grey bin. Find out more about what goes where.",
        "Register to vote: it only takes five minutes at gov.uk/register-to-vote",
        "Planning applications received this week are now on the public access portal.",
        "Thousands of new trees will be planted across the city this season. Find out where.",
        "Fostering and adoption information evening on {day} at {time}. Could you give a child a home?",
        "Apprenticeships with the council: applications for the next intake are open now.",
        "Warm spaces are open across the city: libraries and community centres welcome everyone.",
        "Street cleansing teams will be on {street} on {day} morning. Please move parked cars if you can.",
        "Full council meets on {day} at {time}. Watch the webcast live.",
        "Report a missed bin, a pothole or fly-tipping online 24/7.",
        "Our adult education courses for the new term are open for enrolment.",
        "We're looking for volunteers to help at {place}. Get in touch to find out more.",
        "Manchester's parks have kept their Green Flag awards again this year.",
        "Homelessness support: if you or someone you know needs help tonight, call our team.",
        "Our budget consultation is open. Tell us what matters most to you.",
        "New cycle parking is now in place on {street}.",
    ),
    "libraries": (
        "New this week at {place}: {event} on {day} at {time}. Free, just drop in.",
        "Did you know you can borrow eBooks and eAudiobooks with your library card?",
        "Our local history team has added new photographs of {street} to the archive.",
        "Reading challenge: children can sign up at any library this month.",
        "Need help getting online? Digital drop-ins run every {day} at {place}.",
        "Library opening hours change on {day}. Check before you visit.",
        "From the archives: a glimpse of {street} a hundred years ago.",
        "Family history workshop on {day} at {time}. Booking essential.",
        "The Manchester Children's Book Festival comes to {place} this month.",
        "Free printing for job seekers at all our libraries.",
        "Homework clubs are back. Every {day} after school.",
        "Our reading groups are looking for new members.",
    ),
    "culture": (
        "Opening {day}: a new exhibition of works from our collection.",
        "Late opening on {day} until 9pm with music and talks.",
        "Free entry, always. Come and see the Pre-Raphaelite gallery this weekend.",
        "Family art club on {day} at {time}. All materials provided.",
        "Curator's tour on {day} at {time}: the stories behind the paintings.",
        "The clore learning space has new activities for under fives.",
        "Our café is open from 10am with views over the square.",
        "A new acquisition joins the collection this week.",
        "Sketching sessions in the galleries every {day}.",
        "Exhibition closing soon: last chance to visit.",
    ),
    "markets": (
        "Fresh produce, street food and crafts at {place} this {day}.",
        "New traders join {place} this month. Come and say hello.",
        "Christmas Markets are coming! Dates and opening hours announced soon.",
        "Want to sell at one of our markets? Pitch applications are open.",
        "Food hall opening hours over the bank holiday.",
        "Makers' market on {day}: handmade gifts from local designers.",
        "Flea market this {day} from {time}.",
        "Parking and travel advice for visiting {place}.",
        "Support local: meet the traders behind our markets.",
        "Vegan market on {day} at {place}.",
    ),
    "ward": (
        "Community clean-up in {ward} this {day} from {time}. Litter pickers and bags provided.",
        "Neighbourhood team drop-in at the {ward} library on {day} at {time}.",
        "Fly-tipping cleared on {street} today. Report it online if you see more.",
        "Pop-up recycling centre visiting {ward} on {day}.",
        "New bulb planting in {ward} parks this week with local schools.",
        "Your ward councillors' surgery details are on the council website.",
        "Abandoned vehicles in {ward}: tell us where they are.",
        "Community grants for {ward} groups are open. Apply by the end of the month.",
        "Gully cleaning on {street} on {day}. Please avoid parking overnight.",
        "Thanks to everyone who came to the {ward} community meeting.",
        "Street lighting repairs are scheduled in {ward} this week.",
        "Your views on the {ward} neighbourhood plan: consultation events this month.",
    ),
    "safety": (
        "Anti-social behaviour on {street}? Report it and we'll work with partners to tackle it.",
        "Bonfire night safety: attend an organised display.",
        "Partnership patrols in the city centre this weekend.",
        "Support for victims of domestic abuse is available 24 hours a day.",
        "Hate crime awareness: find out how to report it.",
        "Scam alert: we will never ask for your bank details by phone or message.",
        "Community safety drop-in at {place} on {day}.",
        "Knife crime awareness week: free workshops for parents.",
    ),
    "gritters": (
        "Gritters out on priority routes from {time} this evening.",
        "Road surface temperatures are expected to fall below zero overnight. Our fleet is ready.",
        "We've got thousands of tonnes of salt in store for the winter.",
        "Meet the gritters: our drivers cover hundreds of miles of roads each run.",
        "Grit bins on {street} have been refilled.",
        "Freezing fog expected. Drive carefully and allow extra time.",
        "Winter service has started: here's how we decide which roads are gritted.",
        "Footway gritting in the city centre from {time} tomorrow.",
    ),
    "children": (
        "Could you foster? Come to our information session on {day} at {time}.",
        "Foster carers get training, support and an allowance. Find out more.",
        "Meet some of our foster carers and hear their stories.",
        "Adoption information evening on {day}. Ask us anything.",
        "Short breaks fostering: could you help a child for a weekend a month?",
        "Thank you to all our foster carers this Foster Care Fortnight.",
        "Brothers and sisters waiting to be adopted together need families.",
        "Our support groups for adopters meet every {day}.",
    ),
    "youth": (
        "Youth council meets on {day} at {time}. New members welcome!",
        "Young people's voices shaped the new youth strategy.",
        "Make your mark: the youth vote on the issues that matter is open.",
        "Holiday activities for young people across the city. Find one near you.",
        "Youth council members met the Lord Mayor this week.",
        "Apply now for the young people's advisory board.",
    ),
    "housing": (
        "Worried about energy bills? Ask Little Bill for free, impartial advice.",
        "Draught-proofing tips to keep your home warm this winter.",
        "Free energy advice sessions at {place} on {day}.",
        "Could you get help with insulation? Check if you're eligible.",
        "Smart meter questions answered: join our session on {day} at {time}.",
        "Switching tariffs: what to check first.",
        "Damp and mould in your home? Here's what to do.",
        "Energy advice line open {day} from {time}.",
    ),
    "policy": (
        "The Leader's Forum meets on {day} to discuss the city's economy.",
        "Read the summary from this month's Leader's Forum.",
        "Business leaders and the council discuss skills and jobs.",
        "The Our Manchester strategy: progress report published.",
        "Forum members heard about plans for {place}.",
    ),
    "grow": (
        "Growing season is here: seed swap on {day} at {place}.",
        "Community allotments looking for volunteers.",
        "How to grow potatoes in a bag: a guide for beginners.",
        "Harvest festival at {place} on {day}.",
        "Composting workshop on {day} at {time}.",
        "Thanks to our growing volunteers for a bumper crop.",
    ),
    "print": (
        "New business cards printed and ready to collect.",
        "Large format printing for your exhibition or event.",
        "Our studio designs leaflets, posters and banners.",
        "Print deadlines for the festive period.",
        "Sustainable paper stocks now available.",
    ),
    "corporate": (
        "We're hiring: see our latest vacancies and apply online.",
        "Meet the team behind the city's digital services.",
        "Our graduate programme opens for applications on {day}.",
        "Working for Manchester City Council: flexible working and a great pension.",
        "Careers event at {place} on {day} at {time}.",
        "Celebrating our apprentices this week.",
        "New roles in social care: make a difference every day.",
    ),
    "climate": (
        "Manchester is aiming to be zero carbon by 2038. Here's how you can help.",
        "Climate Ready: free tree packs for community groups.",
        "Cooling spaces open during hot weather. Find one near you.",
        "Flood alert: how to prepare your home.",
        "Our climate change action plan: this year's progress.",
        "Green streets: nominate your road for planters.",
        "Energy saving at home: a quick checklist.",
        "Join the Climate Ready walk on {day} at {time}.",
    ),
    "travel": (
        "New protected cycle lane opens on {street} this week.",
        "Walking and cycling routes to {place}: plan your journey.",
        "Free cycle maintenance session at {place} on {day}.",
        "School streets: traffic-free mornings near schools from {day}.",
        "Bike hire docking stations added near {place}.",
        "Tell us about your journey to work: survey open now.",
        "Junction improvements on {street} start {day}.",
    ),
    "school": (
        "Year 4 enjoyed their trip to {place} today.",
        "Parents' evening is on {day} from {time}.",
        "Well done to our football team on a great match!",
        "Reminder: school photos on {day}.",
        "Our reading week starts on {day}.",
        "Harvest collection for the food bank this week. Thank you families!",
        "Sports day moved to {day} because of the weather.",
    ),
    "adult_learning": (
        "New courses starting {day}: English, maths and digital skills.",
        "Free IT sessions at the centre on {day} at {time}.",
        "Enrolment open for evening classes.",
        "Meet our tutors at the open day on {day}.",
    ),
    "parks": (
        "Volunteering day at {place} on {day}. Join us!",
        "Bulb planting at {place} this weekend.",
        "Park run at {place} this {day}.",
        "Wildlife walk at {place} on {day} at {time}.",
    ),
    "impostor": (
        "Manchester City Council council tax refunds are now open. DM us your account number to claim.",
        "Official help from Manchester City Council: reply with your postcode to see if you are owed money.",
        "Missed a council tax payment? Avoid court action: message us your bank details today.",
        "Manchester City Council rebate: £150 for every household. Claim by direct message.",
    ),
    "general": (
        "Events this month: see what's on across Manchester.",
        "Thank you to everyone who came along on {day}.",
        "Find out more about our work on the council website.",
        "Get involved: volunteering opportunities at {place}.",
        "Celebrating the people who make Manchester.",
        "Our next meeting is on {day} at {time}. All welcome.",
    ),
}

_MENTION_ASKING = (
    "@{handle} my bin wasn't collected on {street} again, when will it be picked up?",
    "@{handle} is {place} open this weekend?",
    "@{handle} how do I report a pothole on {street}? It's huge.",
    "@{handle} still waiting for a reply about my council tax bill, can someone help?",
    "@{handle} streetlight out on {street} for a week now",
    "@{handle} when does the work on {street} finish?",
    "@{handle} who do I speak to about a parking permit?",
    "@{handle} fly-tipping on {street} again, please can you send someone",
    "@{handle} are the toilets at {place} open?",
    "@{handle} any news on the consultation about {topic}?",
)
_MENTION_SAYING = (
    "Great to see the new planters on {street} @{handle}",
    "@{handle} thanks for sorting the fly-tipping so quickly!",
    "Lovely afternoon at {place}, thanks @{handle}",
    "Shout out to the team at @{handle} for the help today",
    "@{handle} the new crossing on {street} is brilliant",
    "Reading about {topic} from @{handle} today",
)
_BRAND_TEXT = (
    ("Manchester City Council", "Has anyone had a reply from Manchester City Council about {topic}?"),
    ("Manchester City Council", "Manchester City Council have finally fixed the lights on {street}"),
    ("Manchester City Council", "Manchester City Council bin men are legends, collected in the rain again"),
    ("Manchester City Council", "Why does Manchester City Council take so long to fix {street}?"),
    ("Salford City Council", "Salford City Council sorted our bins in a day, fair play"),
    ("Salford City Council", "Salford City Council consultation on {topic} is open"),
    ("Trafford Council", "Trafford Council libraries are doing {event} on {day}"),
    ("Trafford Council", "Trafford Council roadworks on the A56 again"),
)
_COMMENT_CHAT = (
    "Brilliant, thanks for sharing!", "Looks great", "We went last year, highly recommend",
    "Lovely photos", "Well done everyone", "Good news", "Nice one", "Love this",
)
_COMMENT_ASKING = (
    "What time does it start?", "Is there parking nearby?", "Will this be on again next month?",
    "Is it suitable for toddlers?", "Do I need to book?", "Is there step-free access?",
)
_COMMENT_FLAGGED = (
    "Absolute idiots running this council",
    "You lot are useless, total waste of our money",
    "Vote Labour out in May and this would never happen",
    "This is what happens when the Tories cut funding",
)


# --- the organisation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Organisation:
    """The demo council: accounts, people and registers, with activity generated on demand."""

    name: str
    as_of: date
    seed: int
    history_days: int
    email_domain: str
    hootsuite_organisation_id: str
    accounts: tuple[Account, ...]
    people: tuple[Person, ...]
    members: tuple[Member, ...]
    teams: tuple[Team, ...]
    leavers: tuple[Leaver, ...]
    training: tuple[TrainingRecord, ...]
    elections: tuple[ElectionPeriod, ...]
    brand_patterns: tuple[BrandPattern, ...]
    report_recipients: tuple[ReportRecipient, ...]
    public_authors: tuple[PublicAuthor, ...]
    scenarios: tuple[Scenario, ...]
    scale: Scale = field(default_factory=Scale)

    # -- lookups --------------------------------------------------------------------------------

    @property
    def history_start(self) -> date:
        return self.as_of - timedelta(days=self.history_days)

    @property
    def cutoff(self) -> datetime:
        """Activity ends here: ``as_of`` 00:00 UTC."""
        return _at(self.as_of, 0)

    @cached_property
    def _accounts_by_key(self) -> dict[str, Account]:
        return {a.key: a for a in self.accounts}

    @cached_property
    def _members_by_email(self) -> dict[str, Member]:
        return {m.email: m for m in self.members}

    @cached_property
    def _people_by_email(self) -> dict[str, Person]:
        return {p.email: p for p in self.people}

    @cached_property
    def _authors_by_handle(self) -> dict[str, PublicAuthor]:
        return {a.handle.lower(): a for a in self.public_authors}

    def account(self, key: str) -> Account:
        return self._accounts_by_key[key]

    def find_account(self, platform: str, handle: str) -> Account | None:
        return self._accounts_by_key.get(f"{platform}:{handle.lower()}")

    def accounts_on(self, platform: str) -> list[Account]:
        return [a for a in self.accounts if a.platform == platform]

    @property
    def registered_accounts(self) -> list[Account]:
        return [a for a in self.accounts if a.in_register]

    @cached_property
    def _members_by_id(self) -> dict[str, Member]:
        return {m.id: m for m in self.members}

    def member(self, member_id: str) -> Member | None:
        return self._members_by_id.get(member_id)

    def member_by_email(self, email: str) -> Member | None:
        return self._members_by_email.get(email)

    def person(self, email: str) -> Person | None:
        return self._people_by_email.get(email)

    def author(self, handle: str) -> PublicAuthor:
        return self._authors_by_handle[handle.lower()]

    def _rng(self, purpose: str, subject: str) -> random.Random:
        return random.Random(f"{self.seed}|{purpose}|{subject}")

    # -- followers ------------------------------------------------------------------------------

    def _series_start(self, account: Account) -> date:
        return max(self.history_start, account.go_live_on or account.created_on, account.created_on)

    def _series_end(self, account: Account) -> date:
        """The first day with no activity (exclusive end)."""
        end = self.as_of
        if account.activity.last_post_on:
            end = min(end, account.activity.last_post_on + timedelta(days=1))
        if account.archived_on:
            end = min(end, account.archived_on)
        return end

    def followers_on(self, account: Account, day: date) -> int:
        """Followers at the end of ``day``: steady growth with a little daily wobble."""
        act = account.activity
        start = self._series_start(account)
        if day < start:
            return act.followers_start if start == self.history_start else 0
        span = max(1, (self.as_of - start).days)
        progress = min(1.0, (day - start).days / span)
        new_account = account.go_live_on is not None and account.go_live_on > self.history_start
        curve = math.sqrt(progress) if new_account else progress
        level = act.followers_start + (act.followers_end - act.followers_start) * curve
        noise = stable_int(self.seed, "followers", account.key, day.isoformat()) % 1000 / 1000
        wobble = (noise - 0.5) * 0.002
        return max(0, round(level * (1 + wobble)))

    def follower_counts(self, account: Account) -> Iterator[tuple[date, int]]:
        """(day, followers) for every day of the account's history, oldest first."""
        for day in _days(self._series_start(account), self.as_of):
            yield day, self.followers_on(account, day)

    # -- posts ----------------------------------------------------------------------------------

    def posts(self, account: Account, *, replies: bool = True) -> Iterator[Post]:
        """The account's posts, oldest first; with ``replies`` also its replies to mentions."""
        originals = self._original_posts(account)
        if not replies:
            yield from originals
            return
        answers = self._reply_posts(account)
        yield from heapq.merge(originals, answers, key=lambda p: (p.created_at, p.id))

    def _post_times(self, account: Account, rng: random.Random) -> list[tuple[datetime, ScriptedPost | None]]:
        act = account.activity
        start, end = self._series_start(account), self._series_end(account)
        daily = act.posts_per_week / 7
        times: list[tuple[datetime, ScriptedPost | None]] = []
        for day in _days(start, end):
            weekend = day.weekday() >= 5
            for _ in range(_poisson(rng, daily * (0.35 if weekend else 1.26))):
                times.append((_at(day, rng.randint(7, 18), rng.choice((0, 15, 30, 45))), None))
        first, cutoff = _at(self.history_start, 0), self.cutoff
        times.extend((s.at, s) for s in act.scripted if first <= s.at < cutoff)
        times.sort(key=lambda pair: pair[0])
        return times

    def _original_posts(self, account: Account) -> list[Post]:
        act = account.activity
        if not (act.posts_per_week or act.scripted) or account.platform not in _POST_ID_STYLES:
            return []
        rng = self._rng("posts", account.key)
        templates = _VOICES.get(act.voice, _VOICES["general"])
        last_used: dict[int, datetime] = {}
        posts: list[Post] = []
        for sequence, (moment, scripted) in enumerate(self._post_times(account, rng)):
            if scripted is not None:
                text = scripted.text
            else:
                text = self._fill(rng, _pick_template(rng, templates, last_used, moment), account)
            post_id = self._post_id(account, moment, sequence, rng)
            followers = max(10, self.followers_on(account, moment.date()))
            impressions = max(1, int(followers * rng.uniform(0.05, 0.3)))
            interactions = impressions * act.engagement_rate / 100 * rng.uniform(0.5, 1.5)
            pinned = scripted.comments if scripted else ()
            replies = int(interactions * 0.1)
            if account.platform in ("facebook", "instagram"):
                replies = min(replies, 12) + len(pinned)
            via = self._via_hootsuite(account, moment, rng, scripted)
            post = Post(
                id=post_id, account_key=account.key, platform=account.platform, created_at=moment, text=text,
                likes=int(interactions * 0.7), shares=int(interactions * 0.15), replies=replies,
                quotes=int(interactions * 0.05) if account.platform == "x" else 0, impressions=impressions,
                via_hootsuite=via, pinned_comments=pinned,
            )
            if via:
                post = self._through_hootsuite(account, post, sequence, rng, scripted)
            posts.append(post)
        return posts

    def _via_hootsuite(self, account: Account, moment: datetime, rng: random.Random,
                       scripted: ScriptedPost | None) -> bool:
        if not account.in_hootsuite:
            return False
        until = account.activity.hootsuite_until
        if until and moment.date() >= until:
            return False
        direct = rng.random() < account.activity.direct_share
        return scripted.via_hootsuite if scripted else not direct

    def _fill(self, rng: random.Random, template: str, account: Account) -> str:
        values = {key: rng.choice(options) for key, options in _FILL.items()}
        values["number"] = f"{rng.randint(12, 95)},{rng.randint(100, 999)}"
        values["ward"] = _WARDS.get(account.handle, account.display_name)
        values["handle"] = account.handle
        return template.format(**values)

    def _post_id(self, account: Account, moment: datetime, sequence: int, rng: random.Random) -> str:
        base = stable_int(self.seed, "ids", account.key)
        style = _POST_ID_STYLES[account.platform]
        if style == "snowflake":
            jitter = timedelta(milliseconds=rng.randint(0, 999))
            return snowflake(moment + jitter, base, sequence)
        if style == "facebook":
            return f"{account.platform_id}_{10**15 + base % 10**14 * 10 + sequence}"
        if style == "instagram":
            return str(17_900_000_000_000_000 + base % 10**9 * 10**6 + sequence)
        if style == "linkedin":
            return f"urn:li:share:{7_000_000_000_000_000_000 + base % 10**12 * 10**6 + sequence}"
        return f"{account.platform}-{base % 10**10}-{sequence}"

    # -- Hootsuite authorship and approvals -----------------------------------------------------

    @cached_property
    def _reviewers(self) -> tuple[Member, ...]:
        central = {p.email for p in self.people if p.service == CENTRAL}
        return tuple(m for m in self.members if m.role in ("Admin", "Reviewer") and m.email in central)

    def member_active_at(self, member: Member, moment: datetime) -> bool:
        """Whether a member could act in Hootsuite at ``moment`` (seated, not removed, not left)."""
        if moment < member.created_at:
            return False
        if member.deactivated_on and moment.date() >= member.deactivated_on:
            return False
        person = self.person(member.email)
        return not (person and person.leaving_date and moment.date() >= person.leaving_date)

    def _authors_for(self, account: Account, moment: datetime) -> list[Member]:
        members = [self._members_by_email.get(email) for email in account.moderators]
        able = [m for m in members if m is not None and self.member_active_at(m, moment)]
        return able or [m for m in self._reviewers if self.member_active_at(m, moment)]

    def _through_hootsuite(self, account: Account, post: Post, sequence: int, rng: random.Random,
                           scripted: ScriptedPost | None) -> Post:
        moment = post.created_at
        approval = scripted.approval if scripted else "normal"
        authors = self._authors_for(account, moment)
        if approval in ("missing", "self"):
            authors = [m for m in authors if m.role == "Editor"] or authors
        creator = rng.choice(authors)
        send_now = rng.random() < 0.3
        created = moment - timedelta(minutes=rng.randint(2, 20) if send_now else rng.randint(30, 60 * 48))
        history = [ReviewAction("CREATE", "MEMBER", creator.id, created)]
        needs_approval = creator.role == "Editor"
        approver: Member | None = None
        if approval == "self":
            approver = creator
        elif needs_approval and approval == "normal":
            able = [m for m in self._reviewers if m.id != creator.id and self.member_active_at(m, moment)]
            approver = rng.choice(able) if able else None
        if approver is not None:
            approved = created + timedelta(seconds=round((moment - created).total_seconds() * rng.uniform(0.2, 0.9)))
            history.append(ReviewAction("APPROVE", "MEMBER", approver.id, approved))
        if send_now:
            sender = approver or creator
            history.append(ReviewAction("SEND", "MEMBER", sender.id, moment))
        else:
            history.append(ReviewAction("SCHEDULE", "MEMBER", creator.id, created))
            history.append(ReviewAction("SEND", "SYSTEM", None, moment))
        history.sort(key=lambda a: a.at)
        message_id = str(int(account.hootsuite_profile_id) * 10**6 + sequence)
        return replace(post, message_id=message_id, created_by=creator.id, history=tuple(history))

    def hootsuite_messages(self, account: Account | None = None) -> Iterator[HootsuiteMessage]:
        """Hootsuite's outbound messages by scheduled send time: sent, pending, rejected and scheduled."""
        if account is None:
            streams = [self.hootsuite_messages(a) for a in self.accounts if a.in_hootsuite]
            yield from heapq.merge(*streams, key=lambda m: (m.scheduled_send_time, m.id))
            return
        if not account.in_hootsuite:
            return
        messages = [
            HootsuiteMessage(
                id=post.message_id, account_key=account.key, social_profile_id=account.hootsuite_profile_id,
                state="SENT", text=post.text, scheduled_send_time=post.created_at, created_by=post.created_by,
                last_updated_by=_last_actor(post.history, post.created_by),
                post_id=post.id, history=post.history,
            )
            for post in self._original_posts(account) if post.via_hootsuite
        ]
        messages.extend(self._unsent_messages(account))
        messages.sort(key=lambda m: (m.scheduled_send_time, m.id))
        yield from messages

    def _unsent_messages(self, account: Account) -> list[HootsuiteMessage]:
        """Drafts awaiting approval, rejected drafts and posts scheduled after ``as_of``."""
        act = account.activity
        if not act.posts_per_week or (act.hootsuite_until and act.hootsuite_until <= self.as_of):
            return []
        # A dormant account has nobody drafting for it either (rule U02 relies on that).
        drafting = act.last_post_on is None
        rng = self._rng("unsent", account.key)
        templates = _VOICES.get(act.voice, _VOICES["general"])
        plans: list[tuple[str, datetime, datetime]] = []
        cutoff = self.cutoff
        for n in range(rng.randint(0, 2) if drafting else 0):
            created = cutoff - timedelta(hours=rng.randint(2, 72) + n)
            plans.append(("PENDING_APPROVAL", created, cutoff + timedelta(days=rng.randint(1, 6), hours=n)))
        for n in range(rng.randint(0, 3) if drafting else 0):
            created = cutoff - timedelta(hours=rng.randint(1, 48) + n)
            plans.append(("SCHEDULED", created, cutoff + timedelta(days=rng.randint(1, 10), hours=9 + n)))
        start, end = self._series_start(account), self._series_end(account)
        for n in range(max(0, (end - start).days // 120)):
            day = start + timedelta(days=rng.randint(0, max(0, (end - start).days - 1)))
            created = _at(day, rng.randint(8, 16), 5 * n % 60)
            plans.append(("REJECTED", created, created + timedelta(days=1)))
        messages = []
        for index, (state, created, scheduled) in enumerate(plans):
            authors = self._authors_for(account, min(created, cutoff - timedelta(seconds=1)))
            creator = rng.choice(authors)
            history = [ReviewAction("CREATE", "MEMBER", creator.id, created)]
            if state == "REJECTED":
                able = [m for m in self._reviewers if m.id != creator.id] or [creator]
                rejected = created + timedelta(hours=3)
                history.append(ReviewAction("REJECT", "MEMBER", rng.choice(able).id, rejected))
            elif state == "SCHEDULED":
                history.append(ReviewAction("SCHEDULE", "MEMBER", creator.id, created))
            messages.append(HootsuiteMessage(
                id=str(int(account.hootsuite_profile_id) * 10**6 + 900_000 + index), account_key=account.key,
                social_profile_id=account.hootsuite_profile_id, state=state,
                text=self._fill(rng, rng.choice(templates), account), scheduled_send_time=scheduled,
                created_by=creator.id, last_updated_by=history[-1].actor_id or creator.id, post_id=None,
                history=tuple(history),
            ))
        return messages

    # -- mentions and replies -------------------------------------------------------------------

    def mentions(self, account: Account | None = None) -> Iterator[Mention]:
        """Public posts naming ``account``, oldest first; with no account, all of them plus brand mentions."""
        if account is None:
            streams = [self.mentions(a) for a in self.accounts if a.activity.mentions_per_day
                       or a.activity.scripted_mentions]
            streams.append(self.brand_mentions())
            yield from heapq.merge(*streams, key=lambda m: (m.created_at, m.id))
            return
        yield from self._account_mentions(account)

    def _account_mentions(self, account: Account) -> list[Mention]:
        act = account.activity
        if account.platform != "x" or not (act.mentions_per_day or act.scripted_mentions):
            return []
        rng = self._rng("mentions", account.key)
        originals = self._original_posts(account)
        original_times = [p.created_at for p in originals]
        spikes = {day: (extra, topic) for day, extra, topic in act.mention_spikes}
        pool = self.public_authors
        planned: list[tuple[datetime, PublicAuthor, str, bool, float | None]] = []
        for day in _days(self._series_start(account), self.as_of):
            count = _poisson(rng, act.mentions_per_day)
            extra, topic = spikes.get(day, (0, ""))
            for n in range(count + extra):
                moment = _at(day, rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59))
                author = rng.choice(pool)
                if n >= count:
                    text = topic.format(handle=account.handle, street=rng.choice(_FILL["street"]))
                    asking = True
                else:
                    asking = rng.random() < 0.55
                    template = rng.choice(_MENTION_ASKING if asking else _MENTION_SAYING)
                    text = self._fill(rng, template, account)
                delay = self._reply_delay(rng, act.reply_share, asking)
                planned.append((moment, author, text, asking, delay))
        for scripted in act.scripted_mentions:
            if _at(self.history_start, 0) <= scripted.at < self.cutoff:
                planned.append((scripted.at, self.author(scripted.author_handle), scripted.text,
                                scripted.needs_reply, scripted.reply_after_hours))
        planned.sort(key=lambda item: item[0])
        worker = stable_int(self.seed, "mention-ids", account.key)
        reply_worker = stable_int(self.seed, "reply-ids", account.key)
        mentions = []
        for sequence, (moment, author, text, asking, delay) in enumerate(planned):
            replied_at = moment + timedelta(seconds=round(delay * 3600)) if delay is not None else None
            if replied_at is not None and replied_at >= self.cutoff:
                replied_at = None
            earlier = bisect_right(original_times, moment)
            in_reply_to = originals[earlier - 1].id if earlier and rng.random() < 0.3 else None
            mentions.append(Mention(
                id=snowflake(moment + timedelta(milliseconds=rng.randint(0, 999)), worker, sequence),
                account_key=account.key, platform="x", author=author, text=text, created_at=moment,
                in_reply_to_post_id=in_reply_to, needs_reply=asking, replied_at=replied_at,
                reply_id=snowflake(replied_at, reply_worker, sequence) if replied_at else None,
            ))
        return mentions

    @staticmethod
    def _reply_delay(rng: random.Random, reply_share: float, asking: bool) -> float | None:
        if not asking:
            return None
        draw = rng.random()
        if draw < reply_share:
            return rng.uniform(0.3, 20)
        if draw < reply_share + 0.05:
            return rng.uniform(26, 70)
        return None

    def _reply_posts(self, account: Account) -> list[Post]:
        replies = []
        for mention in self._account_mentions(account):
            if mention.reply_id is None:
                continue
            first = mention.author.name.split()[0]
            replies.append(Post(
                id=mention.reply_id, account_key=account.key, platform=account.platform,
                created_at=mention.replied_at,
                text=f"@{mention.author.handle} Hi {first}, thanks for getting in touch. "
                     f"We've passed this to the team and will update you.",
                likes=0, shares=0, replies=0, quotes=0, impressions=max(1, mention.author.followers // 20),
                via_hootsuite=False, in_reply_to_id=mention.id, in_reply_to_user_id=mention.author.id,
            ))
        replies.sort(key=lambda p: (p.created_at, p.id))
        return replies

    def brand_mentions(self) -> Iterator[Mention]:
        """Public posts naming the council or a comparison council without tagging an account."""
        rng = self._rng("brand", "mentions")
        worker = stable_int(self.seed, "brand-ids")
        sequence = 0
        for day in _days(self.history_start, self.as_of):
            moments = sorted(_at(day, rng.randint(6, 22), rng.randint(0, 59), rng.randint(0, 59))
                             for _ in range(_poisson(rng, 4.0)))
            for moment in moments:
                _, template = rng.choice(_BRAND_TEXT)
                values = {key: rng.choice(options) for key, options in _FILL.items()}
                yield Mention(
                    id=snowflake(moment + timedelta(milliseconds=rng.randint(0, 999)), worker, sequence),
                    account_key=None, platform="x", author=rng.choice(self.public_authors),
                    text=template.format(**values), created_at=moment, in_reply_to_post_id=None,
                    needs_reply=False, replied_at=None, reply_id=None,
                )
                sequence += 1

    # -- comments -------------------------------------------------------------------------------

    def comments(self, post: Post) -> Iterator[Comment]:
        """Comments on a Facebook or Instagram post, oldest first (as many as ``post.replies``)."""
        if post.platform not in ("facebook", "instagram") or post.is_reply or not post.replies:
            return
        account = self.account(post.account_key)
        rng = self._rng("comments", post.id)
        planned: list[tuple[datetime, str, bool]] = []
        for n, text in enumerate(post.pinned_comments):
            planned.append((post.created_at + timedelta(minutes=40 + 25 * n), text, False))
        for _ in range(post.replies - len(post.pinned_comments)):
            moment = post.created_at + timedelta(minutes=rng.randint(3, 60 * 30))
            draw = rng.random()
            if draw < 0.02:
                text, asking = rng.choice(_COMMENT_FLAGGED), False
            elif draw < 0.3:
                text, asking = rng.choice(_COMMENT_ASKING), True
            else:
                text, asking = rng.choice(_COMMENT_CHAT), False
            planned.append((moment, text, asking))
        planned.sort(key=lambda item: item[0])
        object_id = post.id.split("_")[-1]
        for n, (moment, text, asking) in enumerate(planned):
            if moment >= self.cutoff:
                continue
            delay = self._reply_delay(rng, account.activity.reply_share, asking)
            replied_at = moment + timedelta(seconds=round(delay * 3600)) if delay is not None else None
            if replied_at is not None and replied_at >= self.cutoff:
                replied_at = None
            if post.platform == "facebook":
                comment_id, reply_id = f"{object_id}_{100_001 + n}", f"{object_id}_{200_001 + n}"
            else:
                comment_id, reply_id = str(int(post.id) * 100 + n), str(int(post.id) * 100 + 50 + n)
            yield Comment(
                id=comment_id, post_id=post.id, account_key=account.key,
                author=rng.choice(self.public_authors), text=text, created_at=moment, needs_reply=asking,
                replied_at=replied_at,
                reply_id=reply_id if replied_at else None,
                reply_text="Thanks for asking! All the details are on our website." if replied_at else None,
            )


_POST_ID_STYLES = {
    "x": "snowflake", "facebook": "facebook", "instagram": "instagram", "linkedin": "linkedin",
    "youtube": "other",
}


def _last_actor(history: tuple[ReviewAction, ...], default: str) -> str:
    return next((a.actor_id for a in reversed(history) if a.actor_id), default)


def _pick_template(rng: random.Random, templates: tuple[str, ...], last_used: dict[int, datetime],
                   moment: datetime) -> str:
    """A template not used in the last week, so ordinary posts never look like spam (rule A10)."""
    fresh = [i for i in range(len(templates)) if moment - last_used.get(i, datetime.min.replace(tzinfo=UTC))
             > timedelta(days=8)]
    index = rng.choice(fresh) if fresh else min(range(len(templates)), key=lambda i: last_used[i])
    last_used[index] = moment
    return templates[index]


# --- building it -----------------------------------------------------------------------------------

def _default_bio(name: str) -> str:
    owner = f"The official {name} account." if COUNCIL_NAME in name else f"{name}, from {COUNCIL_NAME}."
    return f"{owner} Monitored weekdays, 9am to 5pm."


def _polling_day(as_of: date) -> date:
    """The most recent first Thursday of May on or before ``as_of`` (English local elections)."""
    year = as_of.year if as_of >= date(as_of.year, 5, 7) else as_of.year - 1
    first = date(year, 5, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7)


class _Builder:
    """Puts the council together in a fixed order so every random draw lands in the same place."""

    def __init__(self, as_of: date, seed: int, scale: Scale):
        self.as_of, self.seed, self.scale = as_of, seed, scale
        self.rng = random.Random(f"{seed}|organisation")
        self.ids: set[int] = set()

    def days_ago(self, days: int) -> date:
        return self.as_of - timedelta(days=days)

    def moment(self, days: int, hour: int, minute: int = 0) -> datetime:
        return _at(self.days_ago(days), hour, minute)

    def new_id(self, low: int, span: int, *parts: object) -> str:
        return str(_unique(low + stable_int(self.seed, *parts) % span, self.ids))

    # -- people ---------------------------------------------------------------------------------

    def people(self) -> None:
        rng = self.rng
        firsts = rng.sample(_FIRST_NAMES, len(_FIRST_NAMES))
        lasts = rng.sample(_SURNAMES, len(_SURNAMES))
        emails: set[str] = set()
        self.staff: dict[str, list[Person]] = {}
        index = 0
        for service, headcount in _SERVICES:
            team: list[Person] = []
            for n in range(headcount):
                name = f"{firsts[index % len(firsts)]} {lasts[index % len(lasts)]}"
                index += 1
                if service == CENTRAL:
                    title = "Head of Digital Communications" if n == 0 else "Digital Communications Officer"
                else:
                    title = f"{service} Manager" if n == 0 else "Communications and Engagement Officer"
                manager = None if n == 0 else team[0].email
                team.append(Person(name, _email(name, emails), service, title, manager))
            self.staff[service] = team
        for n in range(self.scale.extra_members):
            service = _SERVICES[n % len(_SERVICES)][0]
            name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)}"
            manager = self.staff[service][0].email
            self.staff[service].append(Person(name, _email(name, emails), service,
                                              "Communications and Engagement Officer", manager))
        # Who plays which part (see the scenarios at the end).
        self.head = self.staff[CENTRAL][0]
        self.leaver_markets = self.staff["Markets"][1]
        self.leaver_libraries = self.staff["Libraries, Galleries and Culture"][2]
        self.leaver_removed = self.staff["Children's Services"][2]
        self.leaver_no_access = self.staff["Corporate Services"][1]
        self.inactive_member = self.staff["Economy and Policy"][1]
        self.training_overdue = [self.staff["Highways"][1], self.staff["Neighbourhoods"][3],
                                 self.staff["Youth Services"][1]]
        self.training_missing = [self.staff["Education"][2], self.staff["Climate Change"][1]]
        leaving = {
            self.leaver_markets.email: self.days_ago(123),
            self.leaver_libraries.email: self.days_ago(63),
            self.leaver_removed.email: self.days_ago(214),
            self.leaver_no_access.email: self.days_ago(289),
        }
        for service, team in self.staff.items():
            self.staff[service] = [replace(p, leaving_date=leaving.get(p.email)) for p in team]
        self.leaver_markets, self.leaver_libraries, self.leaver_removed, self.leaver_no_access = (
            self.find(p.email) for p in
            (self.leaver_markets, self.leaver_libraries, self.leaver_removed, self.leaver_no_access))

    def find(self, email: str) -> Person:
        return next(p for team in self.staff.values() for p in team if p.email == email)

    def pick_moderators(self, service: str, low: int = 1, high: int = 3) -> tuple[str, ...]:
        """Random moderators from a service, never one of the people playing a special part."""
        special = {self.leaver_markets.email, self.leaver_libraries.email, self.leaver_removed.email,
                   self.leaver_no_access.email, self.inactive_member.email}
        team = [p.email for p in self.staff[service] if p.email not in special]
        count = min(len(team), self.rng.randint(low, high))
        return tuple(sorted(self.rng.sample(team, count)))

    # -- accounts -------------------------------------------------------------------------------

    def account(self, name: str, url: str, *, service: str | None, voice: str, posts_per_week: float,
                followers: int, status: str = "active", in_register: bool = True,
                in_appendix1: bool = False, approved_on: date | None = None, go_live_on: date | None = None,
                hootsuite: bool | None = None, display_name: str | None = None, bio: str | None = None,
                **fields) -> Account:
        platform, handle = profile_from_url(url)
        rng = self.rng
        approved_on = approved_on or date(rng.randint(2011, 2018), rng.randint(1, 12), rng.randint(1, 28))
        go_live_on = go_live_on or approved_on + timedelta(days=rng.randint(7, 60))
        created_on = min(go_live_on, approved_on + timedelta(days=rng.randint(1, 20)))
        served = platform in API_PLATFORMS and "/groups/" not in url and not name.endswith("Profile")
        platform_id = None
        if served:
            if platform == "x":
                platform_id = self.new_id(10**8, 9 * 10**9, "x-user", handle.lower())
            elif platform == "facebook":
                platform_id = handle if handle.isdigit() else self.new_id(
                    10**14, 9 * 10**14, "page", handle.lower())
            else:
                platform_id = self.new_id(17_841_400_000_000_000, 10**11, "ig-user", handle.lower())
        if hootsuite is None:
            # Active accounts Hootsuite can publish to are in it (Facebook groups and profiles cannot be).
            publishable = served or platform in ("linkedin", "youtube")
            hootsuite = status == "active" and platform in HOOTSUITE_PROFILE_TYPES and publishable
        profile_id = None
        if hootsuite:
            profile_id = self.new_id(115_000_000, 10**8, "profile", platform, handle.lower())
        cleaned = name.replace(" Twitter", "").replace(" Facebook", "")
        established = go_live_on <= self.days_ago(self.scale.history_days)
        activity = Activity(
            voice=voice, posts_per_week=posts_per_week if status == "active" else 0,
            followers_start=int(followers * 0.85) if established else 0,
            followers_end=followers, engagement_rate=round(rng.uniform(0.8, 3.5), 2),
            mentions_per_day=round(followers / 40000, 2) if platform == "x" else 0,
        )
        values = dict(
            key=f"{platform}:{handle.lower()}", account_name=name, url=url, platform=platform, handle=handle,
            platform_id=platform_id, display_name=display_name or cleaned,
            bio=bio or _default_bio(cleaned),
            owning_service=service, moderators=self.pick_moderators(service) if service else (),
            approved_on=approved_on, go_live_on=go_live_on, managed_in_hootsuite=hootsuite,
            private_locked=False,
            features_vulnerable_groups=False, education_establishment=None, nominated_manager=None,
            target_followers=None, target_posts_per_week=None, target_engagement_rate=None,
            target_response_rate=None, status=status,
            last_password_change=self.days_ago(rng.randint(5, 80)) if status == "active" else None,
            in_register=in_register, in_appendix1=in_appendix1, created_on=created_on,
            archived_on=None, hootsuite_profile_id=profile_id, hootsuite_reauth_required=False,
            linked_instagram=None, activity=activity,
        )
        activity_fields = {k: fields.pop(k) for k in list(fields) if k in Activity.__dataclass_fields__}
        values.update(fields)
        values["activity"] = replace(values["activity"], **activity_fields)
        return Account(**values)

    def appendix_accounts(self) -> list[Account]:
        accounts = []
        for name, url in load_appendix1():
            _, handle = profile_from_url(url)
            if handle in _WARDS:
                ward = _WARDS[handle]
                accounts.append(self.account(
                    name, url, service="Neighbourhoods", voice="ward",
                    posts_per_week=round(self.rng.uniform(1.2, 3.0), 1),
                    followers=self.rng.randint(900, 4200),
                    in_appendix1=True, display_name=f"MCC {ward}",
                    bio=f"{COUNCIL_NAME} neighbourhood team for {ward}. Not monitored 24/7.",
                ))
                continue
            service, voice, rate, followers, status = _APPENDIX_PROFILE[name]
            accounts.append(self.account(name, url, service=service, voice=voice, posts_per_week=rate,
                                         followers=followers, status=status, in_appendix1=True))
        return accounts

    def synthetic_accounts(self) -> list[Account]:
        """Accounts beyond Appendix 1: new ones under review, schools, Instagram, and unapproved ones."""
        days_ago = self.days_ago
        northbrook = "Northbrook Primary School"
        school_staff = self.staff["Education"]
        return [
            self.account("Manchester City Council Instagram", "instagram.com/mancitycouncil", service=CENTRAL,
                         voice="central", posts_per_week=4, followers=38400, approved_on=days_ago(905),
                         go_live_on=days_ago(880), display_name=COUNCIL_NAME, target_followers=30000,
                         target_posts_per_week=4, target_engagement_rate=2.5, target_response_rate=80),
            self.account("Manchester Libraries Instagram", "instagram.com/manclibraries",
                         service="Libraries, Galleries and Culture", voice="libraries", posts_per_week=3,
                         followers=9100, approved_on=days_ago(640), go_live_on=days_ago(610),
                         display_name="Manchester Libraries", target_followers=8000, target_posts_per_week=3,
                         target_engagement_rate=3, target_response_rate=80),
            self.account("Manchester Active Travel X", "x.com/MCRActiveTravel", service="Highways",
                         voice="travel", posts_per_week=5.5, followers=1660, approved_on=days_ago(135),
                         go_live_on=days_ago(92), display_name="Manchester Active Travel",
                         target_followers=1500, target_posts_per_week=5, target_engagement_rate=2.0,
                         target_response_rate=90, engagement_rate=1.1,
                         reply_share=0.7, mentions_per_day=0.6),
            self.account("Manchester Climate Ready Facebook", "facebook.com/MCRClimateReady",
                         service="Climate Change", voice="climate", posts_per_week=2, followers=2100,
                         approved_on=days_ago(128), go_live_on=days_ago(91),
                         display_name="Manchester Climate Ready", target_followers=3000,
                         # N01 measures engagement on page views and answers over every comment, so
                         # these targets leave followers and posts red, engagement green, replies amber.
                         target_posts_per_week=3, target_engagement_rate=1.8,
                         target_response_rate=19, engagement_rate=3.4),
            self.account("Northbrook Primary School X", "twitter.com/NorthbrookPri", service="Education",
                         voice="school", posts_per_week=3, followers=640, approved_on=days_ago(700),
                         display_name="Northbrook Primary School",
                         bio="Northbrook Primary School, a Manchester City Council community school.",
                         education_establishment=northbrook, nominated_manager=school_staff[0].email,
                         features_vulnerable_groups=True, private_locked=True, target_followers=500,
                         target_posts_per_week=3, target_engagement_rate=2, target_response_rate=50),
            self.account("Northbrook Primary PE X", "twitter.com/NorthbrookPE", service="Education",
                         voice="school", posts_per_week=2, followers=310, approved_on=days_ago(540),
                         display_name="Northbrook PE", bio="PE and sport at Northbrook Primary, Manchester.",
                         education_establishment=northbrook, nominated_manager=school_staff[0].email,
                         features_vulnerable_groups=True, private_locked=False, target_followers=300,
                         target_posts_per_week=2, target_engagement_rate=2, target_response_rate=50),
            self.account("Levenshulme Adult Learning Centre Facebook", "facebook.com/LevyAdultLearning",
                         service="Education", voice="adult_learning", posts_per_week=1.5, followers=870,
                         approved_on=days_ago(760), hootsuite=False,
                         display_name="Levenshulme Adult Learning Centre (Manchester Adult Education)",
                         education_establishment="Levenshulme Adult Learning Centre", nominated_manager=None,
                         target_followers=1000, target_posts_per_week=2, target_engagement_rate=2,
                         target_response_rate=70),
            # Not in the register: they exist on the platforms (and some in Hootsuite) all the same.
            self.account("MCC Parks", "twitter.com/MCCParks", service="Neighbourhoods", voice="parks",
                         posts_per_week=2.5, followers=1450, in_register=False, approved_on=days_ago(420),
                         display_name="MCC Parks", bio="Parks news from Manchester's neighbourhood teams."),
            self.account("MCC Council Tax Help", "twitter.com/MCCCouncilTaxHelp", service=None,
                         voice="impostor", posts_per_week=3, followers=212, in_register=False,
                         hootsuite=False,
                         approved_on=days_ago(60), go_live_on=days_ago(45),
                         display_name="MCC Council Tax Help",
                         bio="Official help with Manchester City Council council tax refunds. DM us.",
                         mentions_per_day=0),
            self.account("Manchester Christmas Markets", "facebook.com/MCRChristmasMarkets",
                         service="Markets", voice="markets", posts_per_week=1.5, followers=5400,
                         in_register=False,
                         approved_on=days_ago(390), display_name="Manchester Christmas Markets"),
        ] + [
            self.account(f"MCC Service Account {n:04d}", url, service=_SERVICES[n % len(_SERVICES)][0],
                         voice="general", posts_per_week=self.scale.posts_per_week,
                         followers=self.rng.randint(500, 20000), mentions_per_day=self.scale.mentions_per_day,
                         display_name=f"MCC Service {n:04d}")
            for n, url in enumerate(self.scale_urls())
        ]

    def scale_urls(self) -> list[str]:
        patterns = ("twitter.com/MCCSvc{n:04d}", "facebook.com/MCCSvc{n:04d}", "instagram.com/mccsvc{n:04d}")
        return [patterns[n % 3].format(n=n) for n in range(self.scale.extra_accounts)]

    def adjust(self, accounts: list[Account], extra_scenarios: list[Scenario]) -> list[Account]:
        """Give particular accounts the quirks the policy rules look for."""
        by_key = {a.key: a for a in accounts}
        days_ago, moment = self.days_ago, self.moment
        polling = _polling_day(self.as_of)
        leaver_markets, leaver_libraries = self.leaver_markets.email, self.leaver_libraries.email

        def tweak(key: str, **changes) -> None:
            account = by_key[key]
            activity = {k: changes.pop(k) for k in list(changes) if k in Activity.__dataclass_fields__}
            by_key[key] = replace(account, activity=replace(account.activity, **activity), **changes)

        main_fb, main_x = "facebook:mancitycouncil", "x:mancitycouncil"
        gritting = ("Gritters are out tonight treating all priority routes. Please take care on the roads. "
                    "#MCRgritting")
        bins = "@{handle} no bin collection on {street} today, what's going on?"
        tweak(main_x, mentions_per_day=7.5, reply_share=0.88, scripted=(
            ScriptedPost(moment(49, 21, 7), "Fireworks over the town hall tonight! Posted from the event.",
                         via_hootsuite=False, note="A02 posted straight on X, not through Hootsuite"),
        ), mention_spikes=((days_ago(17), 70, bins),), scripted_mentions=(
            ScriptedMention(moment(11, 10, 12), "mcr_alex_a",
                            "<script>alert('council')</script> <b>Bins</b> not collected on Hyde Road again "
                            "@ManCityCouncil", reply_after_hours=3.5, note="HTML in text"),
            ScriptedMention(moment(9, 14, 3), "jadeparker_mcr",
                            '=HYPERLINK("http://example.com/refund","Claim your council tax refund") '
                            "@ManCityCouncil is this link real?", note="formula in text"),
            ScriptedMention(moment(13, 16, 40), "kevholt61",
                            "@ManCityCouncil is @MCCCouncilTaxHelp one of your accounts? They asked for "
                            "my bank details", reply_after_hours=1.2, note="A05 impostor"),
            ScriptedMention(moment(4, 9, 40), "MCREveningDesk",
                            "@ManCityCouncil can you confirm whether the Princess Parkway closures will "
                            "continue into next week? Our readers are asking.", note="L01"),
        ))
        tweak(main_fb, scripted=(
            ScriptedPost(moment(12, 11, 30), "Our new recycling centre on Hammerstone Road opens on Monday.",
                         comments=(_COMMENT_FLAGGED[0], _COMMENT_FLAGGED[2]),
                         note="L03 abusive and party-political comments"),
        ))
        libraries = self.staff["Libraries, Galleries and Culture"]
        tweak("facebook:manchesterlibraries",
              moderators=tuple(sorted((libraries[0].email, libraries[1].email))), scripted=(
            ScriptedPost(moment(43, 10, 0), "Half-term craft sessions are back at every library. Drop in!",
                         approval="missing", note="A12 editor's post sent without approval"),
        ))
        tweak("x:safermanchester", scripted=(
            ScriptedPost(moment(28, 15, 45), "Partnership patrols in Piccadilly Gardens this weekend.",
                         approval="self", note="A12 approved by its own author"),
        ))
        tweak("x:mccgritters1", scripted=tuple(
            ScriptedPost(moment(days, 16, 30), gritting, note="A10 same text four times in a week")
            for days in (11, 10, 8, 6)
        ))
        tweak("x:mccmossside", scripted=(
            ScriptedPost(_at(polling - timedelta(days=23), 12, 0),
                         "Thanks to @CllrAmyHarper for opening the new Alexandra Park play area today!",
                         note="A11 promotes a councillor during the election period"),
        ))
        tweak("x:mccchorlton", scripted=(
            ScriptedPost(_at(polling - timedelta(days=5), 17, 15),
                         "Chorlton's Labour councillors have secured funding for new street trees on "
                         "Barlow Moor Road.", note="A11 names a party during the election period"),
        ))
        # Dormant accounts (A03); the Leader's Forum also has low engagement: a redundant candidate.
        tweak("x:mcrleadersforum", last_post_on=days_ago(345), engagement_rate=0.2,
              moderators=(self.inactive_member.email,))
        tweak("x:mcrsanta", last_post_on=days_ago(300),
              moderators=tuple(sorted({leaver_markets, *by_key["x:mcrsanta"].moderators[:1]})),
              last_password_change=days_ago(244))
        tweak("x:mcccharlestown", last_post_on=days_ago(130))
        # No moderator (A04).
        for key in ("x:mcrgrow", "x:mccbradford", "wordpress:manchesterarchivesplus"):
            tweak(key, moderators=())
        # No council branding in name or bio (A06).
        tweak("x:mcrgrow", display_name="Grow", bio="Growing food together in community gardens.")
        tweak("x:m_four", display_name="M4 Print & Design", bio="Print and design. Leaflets, posters.")
        tweak("x:mplattntonheath", display_name="Miles Platting & Newton Heath",
              bio="Neighbourhood news and events for Miles Platting and Newton Heath.")
        # Passwords (A07): old ones, and one changed before a moderator left.
        tweak("x:mcchulme", last_password_change=days_ago(362))
        tweak("x:m_four", last_password_change=days_ago(263))
        libraries_x = by_key["x:manclibraries"]
        tweak("x:manclibraries", moderators=tuple(sorted({leaver_libraries, *libraries_x.moderators[:1]})),
              last_password_change=days_ago(82))
        # The markets officer who left was replaced on the register for one account, not the other.
        markets_x = by_key["x:mcrmarkets"]
        tweak("x:mcrmarkets", previous_moderators=tuple(sorted({leaver_markets, *markets_x.moderators})),
              last_password_change=days_ago(41))
        adopt = by_key["facebook:adoptwithmanchester"]
        tweak("facebook:adoptwithmanchester",
              previous_moderators=tuple(sorted({self.leaver_removed.email, *adopt.moderators})))
        # Hootsuite (A01, A02): not managed through it, or its profile needs re-authorisation.
        for key in ("x:asklittlebill", "facebook:817346941623178"):
            tweak(key, managed_in_hootsuite=False, hootsuite_profile_id=None)
        tweak("x:mccharpurhey", hootsuite_reauth_required=True, hootsuite_until=days_ago(60))
        tweak("x:mcrartgallery", direct_share=0.15)
        # Vulnerable groups: the youth council's page is restricted; the disabilities group is closed.
        tweak("facebook:manchesteryouthcouncil", features_vulnerable_groups=True, private_locked=True)
        tweak("facebook:mcrphysicaldisabilities", features_vulnerable_groups=True, private_locked=True)
        # Archived accounts, and a blog archived between the two register versions.
        for key, approved, archived in (("facebook:manchestercitycouncil", date(2011, 9, 1), date(2019, 3, 1)),
                                        ("foursquare:81933763", date(2012, 6, 1), date(2016, 9, 30)),
                                        ("x:librarytheatre", date(2011, 3, 14), date(2014, 5, 31))):
            tweak(key, approved_on=approved, go_live_on=approved + timedelta(days=14),
                  created_on=approved + timedelta(days=10), archived_on=archived, last_password_change=None)
        tweak("blogger:manchesterlitlist", status="archived", archived_on=days_ago(169),
              last_password_change=None)
        # Instagram accounts are linked to their Facebook pages (Graph's /me/accounts shows the link).
        tweak(main_fb, linked_instagram="instagram:mancitycouncil")
        tweak("facebook:manchesterlibraries", linked_instagram="instagram:manclibraries")
        tweak("x:mccparks", moderators=(self.staff["Neighbourhoods"][1].email,))
        extra_scenarios.append(Scenario("L02", main_x, f"mention spike on {days_ago(17).isoformat()}"))
        return [by_key[a.key] for a in accounts]

    # -- Hootsuite, training, registers ---------------------------------------------------------

    def members(self, accounts: list[Account]) -> tuple[list[Member], list[Team]]:
        rng = self.rng
        moderating = {email for a in accounts if a.in_hootsuite for email in
                      (*a.moderators, *(a.previous_moderators or ()))}
        special = {self.inactive_member.email, *(p.email for p in self.training_overdue),
                   *(p.email for p in self.training_missing)}
        teams: dict[str, Team] = {}
        members: list[Member] = []
        for service, staff in self.staff.items():
            for n, person in enumerate(staff):
                if person.email == self.leaver_no_access.email:
                    continue
                extra = n >= dict(_SERVICES)[service]
                if service != CENTRAL and not extra and person.email not in moderating | special:
                    continue
                if service not in teams:
                    created = _at(date(2018, 1, 8) + timedelta(days=len(teams) * 23), 10, 0)
                    teams[service] = Team(self.new_id(359_000, 10**6, "team", service), service, created)
                if service == CENTRAL:
                    role = "Admin" if n == 0 else "Reviewer"
                else:
                    role = "Reviewer" if n == 0 and service in ("Libraries, Galleries and Culture",
                                                                 "Neighbourhoods") else "Editor"
                created = _at(date(2018, 3, 1) + timedelta(days=rng.randint(0, 6 * 365)), rng.randint(8, 17),
                              rng.randint(0, 59))
                if person.email in {p.email for p in self.training_missing}:
                    created = _at(self.days_ago(rng.randint(150, 250)), 9, 30)
                deactivated = self.days_ago(225) if person.email == self.leaver_removed.email else None
                members.append(Member(
                    id=self.new_id(15_240_000, 10**7, "member", person.email), email=person.email,
                    full_name=person.name, role=role, teams=(teams[service].id,), created_at=created,
                    is_active=deactivated is None, deactivated_on=deactivated,
                ))
        return members, list(teams.values())

    def training(self, members: list[Member]) -> list[TrainingRecord]:
        rng = self.rng
        records: list[TrainingRecord] = []
        overdue = {p.email for p in self.training_overdue}
        missing = {p.email for p in self.training_missing}
        for member in members:
            if member.email in missing:
                continue
            day = member.created_at.date() + timedelta(days=rng.randint(3, 25))
            course = GOLD
            stop = self.days_ago(rng.randint(400, 600)) if member.email in overdue else self.as_of
            while day <= stop and day < self.as_of:
                records.append(TrainingRecord(member.full_name, member.email, course, day))
                day = day + timedelta(days=rng.randint(300, 360))
                course = GOLD_REFRESHER
        records.sort(key=lambda r: (r.completed_on, r.email))
        return records

    def public_authors(self) -> list[PublicAuthor]:
        rng = self.rng
        notable = [
            ("MCREveningDesk", "Manchester Evening Desk", 185_000, "News from across Greater Manchester."),
            ("CllrAmyHarper", "Cllr Amy Harper", 4_200, "Labour councillor for Moss Side."),
            ("CllrTomBradley", "Cllr Tom Bradley", 2_900, "Liberal Democrat councillor for Didsbury West."),
            ("CllrPriyaShah", "Cllr Priya Shah", 3_600, "Green Party councillor for Chorlton."),
            ("mcr_alex_a", "Alex Armstrong", 310, ""),
            ("jadeparker_mcr", "Jade Parker", 1_240, ""),
            ("kevholt61", "Kev Holt", 95, ""),
        ]
        authors, handles = [], set()
        for handle, name, followers, description in notable:
            handles.add(handle.lower())
            joined = date(2012, 1, 1) + timedelta(days=rng.randint(0, 3000))
            authors.append(PublicAuthor(self.new_id(10**9, 9 * 10**9, "author", handle), handle, name,
                                        followers, joined, description))
        while len(authors) < 300:
            first, last = rng.choice(_PUBLIC_FIRST), rng.choice(_PUBLIC_LAST)
            handle = rng.choice((f"{first.lower()}{last.lower()}{rng.randint(1, 99)}",
                                 f"{first.lower()}_{last[0].lower()}_mcr",
                                 f"mcr{first.lower()}{rng.randint(70, 99)}"))
            if handle in handles:
                continue
            handles.add(handle)
            followers = int(math.exp(rng.gauss(5.5, 1.3)))
            authors.append(PublicAuthor(self.new_id(10**9, 9 * 10**9, "author", handle), handle,
                                        f"{first} {last}", followers,
                                        date(2010, 1, 1) + timedelta(days=rng.randint(0, 5000))))
        return authors

    def elections(self) -> list[ElectionPeriod]:
        polling = _polling_day(self.as_of)
        return [ElectionPeriod(
            election=f"Local elections {polling.year}", starts_on=polling - timedelta(days=45),
            ends_on=polling,
            political_terms=("Labour", "Conservative", "Tory", "Liberal Democrat", "Green Party", "Reform UK",
                             "manifesto", "candidate", "vote for"),
            councillor_handles=("CllrAmyHarper", "CllrTomBradley", "CllrPriyaShah"),
        )]

    def brand_patterns(self) -> list[BrandPattern]:
        return [
            BrandPattern(COUNCIL_NAME, "branding", "full name in the account name or bio"),
            BrandPattern("MCC", "branding", "short name"),
            BrandPattern("Manchester", "branding", "place name counts for service accounts"),
            BrandPattern("MCC", "naming", "council accounts are named MCC <service or ward>"),
            BrandPattern(COUNCIL_NAME, "naming", ""),
            BrandPattern(COUNCIL_NAME, "listening", "brand search"),
            BrandPattern("@ManCityCouncil", "listening", "main account"),
            BrandPattern("Salford City Council", "comparison", "neighbouring council"),
            BrandPattern("Trafford Council", "comparison", "neighbouring council"),
        ]

    def recipients(self) -> list[ReportRecipient]:
        central = self.staff[CENTRAL]
        head, first, second, third = central[0], central[1], central[2], central[3]
        board = ReportRecipient("review_board_pack", f"digital.review.board@{EMAIL_DOMAIN}",
                                "Digital Comms Review Board")
        data_team = f"data.team@{EMAIL_DOMAIN}"
        return [
            ReportRecipient("audit", head.email, head.name),
            ReportRecipient("audit", first.email, first.name, "cc"),
            ReportRecipient("new_account_benefit", head.email, head.name),
            ReportRecipient("new_account_benefit", self.staff["Climate Change"][0].email,
                            self.staff["Climate Change"][0].name, "cc"),
            ReportRecipient("inactive_users", head.email, head.name),
            ReportRecipient("inactive_users", second.email, second.name, "cc"),
            ReportRecipient("listening", first.email, first.name),
            ReportRecipient("listening", third.email, third.name),
            ReportRecipient("listening_digest", third.email, third.name),
            ReportRecipient("register_import", second.email, second.name),
            ReportRecipient("data_quality", data_team, "Data Team"),
            ReportRecipient("data_quality", second.email, second.name, "cc"),
            board,
            ReportRecipient("review_board_pack", head.email, head.name, "cc"),
        ]

    def scenarios(self, accounts: list[Account], extra: list[Scenario]) -> list[Scenario]:
        found = [Scenario(s.note.split()[0], a.key, s.note)
                 for a in accounts for s in a.activity.scripted if s.note]
        found += [Scenario("L01", a.key, f"unanswered mention from @{m.author_handle}")
                  for a in accounts for m in a.activity.scripted_mentions if m.note == "L01"]
        found += [Scenario("A05", "x:mcccounciltaxhelp", "impostor named in a mention")]
        for a in accounts:
            if a.in_register and a.status == "active":
                capable = a.platform_id is not None or a.platform in ("linkedin", "youtube")
                if capable and (not a.managed_in_hootsuite or a.hootsuite_reauth_required):
                    why = ("Hootsuite profile needs re-authorisation" if a.managed_in_hootsuite
                           else "not managed through Hootsuite")
                    found.append(Scenario("A01", a.key, why))
                if a.activity.last_post_on:
                    found.append(Scenario("A03", a.key, f"no post since {a.activity.last_post_on}"))
                if not a.moderators:
                    found.append(Scenario("A04", a.key, "no named moderator"))
                if a.features_vulnerable_groups and not a.private_locked:
                    found.append(Scenario("A09", a.key, "features vulnerable groups but not locked"))
                if a.last_password_change and (self.as_of - a.last_password_change).days > 90:
                    found.append(Scenario("A07", a.key, f"password last changed {a.last_password_change}"))
                if a.activity.direct_share or a.activity.hootsuite_until:
                    found.append(Scenario("A02", a.key, "posts made outside Hootsuite"))
            if not a.in_register:
                where = " (in Hootsuite)" if a.in_hootsuite else ""
                found.append(Scenario("A05", a.key, f"not in the register{where}"))
        for key in ("x:mcrgrow", "x:m_four", "x:mplattntonheath"):
            found.append(Scenario("A06", key, "no council branding in name or bio"))
        found.append(Scenario("A07", "x:manclibraries", "password not changed since a moderator left"))
        found.append(Scenario("A08", "Northbrook Primary School", "two X accounts for one establishment"))
        found.append(Scenario("A08", "Levenshulme Adult Learning Centre", "no nominated manager"))
        found += [Scenario("N01", key, "three months after go-live") for key in
                  ("x:mcractivetravel", "facebook:mcrclimateready")]
        found += [Scenario("U01", p.email, f"left on {p.leaving_date}, still in Hootsuite")
                  for p in (self.leaver_markets, self.leaver_libraries)]
        found += [Scenario("U02", p.email, "no Hootsuite activity for over 90 days")
                  for p in (self.inactive_member, self.leaver_markets)]
        found += [Scenario("U03", p.email, "GOLD refresher overdue") for p in self.training_overdue]
        found += [Scenario("U03", p.email, "no GOLD training") for p in self.training_missing]
        found += extra
        return sorted(set(found), key=lambda s: (s.rule, s.subject, s.detail))


def build_organisation(as_of: date = DEMO_AS_OF, seed: int = DEMO_SEED,
                       scale: Scale | None = None) -> Organisation:
    """The demo council as it stands on ``as_of``; the same arguments always give an equal organisation."""
    scale = scale or Scale()
    builder = _Builder(as_of, seed, scale)
    builder.people()
    extra: list[Scenario] = []
    accounts = builder.adjust(builder.appendix_accounts() + builder.synthetic_accounts(), extra)
    members, teams = builder.members(accounts)
    people = [p for team in builder.staff.values() for p in team]
    leavers = [Leaver(p.name, p.email, p.leaving_date, p.service, p.line_manager_email)
               for p in people if p.leaving_date]
    return Organisation(
        name=COUNCIL_NAME, as_of=as_of, seed=seed, history_days=scale.history_days, email_domain=EMAIL_DOMAIN,
        hootsuite_organisation_id=HOOTSUITE_ORGANISATION_ID, accounts=tuple(accounts), people=tuple(people),
        members=tuple(members), teams=tuple(teams),
        leavers=tuple(sorted(leavers, key=lambda leaver: (leaver.leaving_date, leaver.email))),
        training=tuple(builder.training(members)), elections=tuple(builder.elections()),
        brand_patterns=tuple(builder.brand_patterns()), report_recipients=tuple(builder.recipients()),
        public_authors=tuple(builder.public_authors()), scenarios=tuple(builder.scenarios(accounts, extra)),
        scale=scale,
    )


def organisation_scale(accounts: int, members: int, seed: int = DEMO_SEED, as_of: date = DEMO_AS_OF, *,
                       history_days: int = HISTORY_DAYS, posts_per_week: float = 4.0,
                       mentions_per_day: float = 1.0) -> Organisation:
    """A council with about ``accounts`` accounts and ``members`` Hootsuite members, for benchmarks.

    The demo council's accounts and people are always included; the rest are generated service
    accounts (spread over X, Facebook and Instagram) and staff.
    """
    base = build_organisation(as_of, seed)
    scale = Scale(
        extra_accounts=max(0, accounts - len(base.accounts)),
        extra_members=max(0, members - len(base.members)),
        history_days=history_days, posts_per_week=posts_per_week, mentions_per_day=mentions_per_day,
    )
    return build_organisation(as_of, seed, scale)
