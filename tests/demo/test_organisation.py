"""The demo council: the published accounts, the planted quirks, and the same council every time."""

from __future__ import annotations

import csv
import inspect
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from council_social.demo.organisation import (
    API_PLATFORMS,
    DEMO_AS_OF,
    EMAIL_DOMAIN,
    GOLD_REFRESHER,
    build_organisation,
    load_appendix1,
    organisation_scale,
)
from council_social.registers.profiles import profile_from_url
from council_social.registers.schema import REPORT_RECIPIENTS

ROOT = Path(__file__).resolve().parents[2]
SEED_FILE = ROOT.parent / "shared" / "seeds" / "004_2f123478797b144f.txt"
RULES = {"A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12",
         "U01", "U02", "U03", "N01", "L01", "L02", "L03"}


@pytest.fixture(scope="module")
def org():
    return build_organisation()


def appendix1_from_policy() -> list[tuple[str, str]]:
    """Appendix 1 read straight from the Manchester code of practice: three tab-separated tables."""
    lines = SEED_FILE.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### Appendix 1"))
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#### Appendix 2"):
            break
        if "\t" in line and not line.startswith("Social media account\t"):
            name, url = line.split("\t")
            rows.append((name, url))
    return rows


def test_the_same_arguments_give_an_equal_council(org):
    again = build_organisation(DEMO_AS_OF, 2026)
    assert again == org
    assert build_organisation(seed=7) != org
    account = org.account("x:mancitycouncil")
    assert list(org.posts(account)) == list(again.posts(again.account("x:mancitycouncil")))
    assert list(org.mentions(account)) == list(again.mentions(again.account("x:mancitycouncil")))


def test_appendix1_is_kept_verbatim_with_all_57_accounts():
    rows = load_appendix1()
    assert len(rows) == 57
    assert ("MCC Foursquare", "foursquare.com/p/manchester- markets/81933763/home") in rows
    assert ("Ask Little Bill Facebook",
            "facebook.com/pages/ask-little-bill-greater-manchester-energy-advice/817346941623178fref=ts") in rows


@pytest.mark.skipif(not SEED_FILE.exists(), reason="the policy seeds are not next to this checkout")
def test_appendix1_matches_the_published_code_of_practice(org):
    published = appendix1_from_policy()
    assert len(published) == 57
    assert load_appendix1() == published
    in_org = {(a.account_name, a.url) for a in org.accounts if a.in_appendix1}
    assert in_org == set(published)


def test_every_appendix1_account_is_registered_with_platform_and_handle_from_its_url(org):
    for name, url in load_appendix1():
        account = next(a for a in org.accounts if a.url == url)
        platform, handle = profile_from_url(url)
        assert (account.account_name, account.platform, account.handle) == (name, platform, handle)
        assert account.in_register and account.in_appendix1
    assert org.account("x:mancitycouncil").platform == "x"
    assert len({a.key for a in org.accounts}) == len(org.accounts)


def test_every_platform_the_pipelines_fetch_is_present(org):
    registered = [a for a in org.registered_accounts if a.status == "active"]
    by_platform = Counter(a.platform for a in registered if a.api_served)
    assert set(by_platform) == set(API_PLATFORMS)
    assert by_platform["instagram"] >= 2
    about_three_months = [a for a in registered if a.go_live_on and 85 <= (org.as_of - a.go_live_on).days <= 100]
    assert {a.platform for a in about_three_months} >= {"x", "facebook"}
    assert all(a.target_followers and a.target_posts_per_week for a in about_three_months)


def test_planted_account_quirks(org):
    establishments = defaultdict(list)
    for account in org.registered_accounts:
        if account.education_establishment:
            establishments[account.education_establishment].append(account.platform)
    assert any(count > 1 for platforms in establishments.values() for count in Counter(platforms).values())
    assert any(a.education_establishment and not a.nominated_manager for a in org.registered_accounts)
    assert any(a.features_vulnerable_groups and not a.private_locked for a in org.registered_accounts)
    assert any(not a.moderators for a in org.registered_accounts if a.status == "active")
    assert {a.status for a in org.registered_accounts} == {"active", "archived"}
    unregistered = {a.account_name: a for a in org.accounts if not a.in_register}
    assert unregistered["MCC Parks"].in_hootsuite and unregistered["MCC Parks"].api_served
    assert not unregistered["MCC Council Tax Help"].in_hootsuite
    assert any(a.hootsuite_reauth_required for a in org.accounts)


def test_people_members_leavers_and_training(org):
    assert 35 <= len(org.people) <= 45
    assert all(p.email.endswith("@" + EMAIL_DOMAIN) for p in org.people)
    assert len({p.email for p in org.people}) == len(org.people)
    assert {m.role for m in org.members} == {"Admin", "Reviewer", "Editor"}
    members = {m.email: m for m in org.members}
    leavers_with_access = [x for x in org.leavers if x.email in members and members[x.email].is_active]
    assert len(leavers_with_access) >= 2
    assert any(members[x.email].deactivated_on < x.leaving_date
               for x in org.leavers if x.email in members and not members[x.email].is_active)
    trained = defaultdict(list)
    for record in org.training:
        trained[record.email].append(record.completed_on)
    assert [m for m in org.members if m.email not in trained], "some members have no training record"
    overdue = [m for m in org.members if m.email in trained and (org.as_of - max(trained[m.email])).days > 365]
    assert overdue, "some members' GOLD refresher is overdue"
    assert {r.course for r in org.training} == {"GOLD", GOLD_REFRESHER}


def test_registers_content(org):
    (election,) = org.elections
    assert (election.starts_on, election.ends_on) == (date(2026, 3, 23), date(2026, 5, 7))
    assert election.political_terms and election.councillor_handles
    uses = defaultdict(set)
    for pattern in org.brand_patterns:
        uses[pattern.use].add(pattern.pattern)
    assert uses["branding"] == {"Manchester City Council", "MCC", "Manchester"}
    assert uses["naming"] == {"MCC", "Manchester City Council"}
    assert uses["listening"] == {"Manchester City Council", "@ManCityCouncil"}
    assert {"Salford City Council", "Trafford Council"} <= uses["comparison"]
    assert {r.report for r in org.report_recipients} == set(REPORT_RECIPIENTS.column("report").choices)


def test_activity_is_generated_lazily_and_stays_inside_the_history(org):
    account = org.account("x:mancitycouncil")
    assert inspect.isgenerator(org.posts(account))
    assert inspect.isgenerator(org.mentions())
    posts = list(org.posts(account))
    assert posts == sorted(posts, key=lambda p: p.created_at)
    assert org.history_start <= posts[0].created_at.date() and posts[-1].created_at < org.cutoff
    originals = [p for p in posts if not p.is_reply]
    assert sum(p.via_hootsuite for p in originals) / len(originals) > 0.9
    assert all(p.message_id and p.history for p in originals if p.via_hootsuite)
    assert any(not p.via_hootsuite for p in originals), "a direct post"
    days = list(org.follower_counts(account))
    assert days[0][0] == org.history_start and days[-1][0] == org.as_of - timedelta(days=1)


def test_a_later_as_of_moves_everything_with_it():
    later = build_organisation(date(2027, 3, 31))
    account = later.account("x:mancitycouncil")
    last = list(later.posts(account))[-1]
    assert last.created_at < later.cutoff and last.created_at.date() > DEMO_AS_OF
    assert later.elections[0].ends_on == date(2026, 5, 7), "the most recent polling day"


def test_dormant_accounts_are_quiet_for_over_90_days(org):
    for key in ("x:mcrleadersforum", "x:mcrsanta", "x:mcccharlestown"):
        posts = list(org.posts(org.account(key), replies=False))
        assert posts and (org.cutoff - posts[-1].created_at).days > 90


def test_the_same_text_three_times_in_a_week(org):
    times = defaultdict(list)
    for post in org.posts(org.account("x:mccgritters1"), replies=False):
        times[post.text].append(post.created_at)
    assert any(len(ts) >= 3 and max(ts) - min(ts) <= timedelta(days=7) for ts in times.values())


def test_an_election_period_post_names_a_party_or_councillor(org):
    (election,) = org.elections
    words = (*election.political_terms, *(f"@{h}" for h in election.councillor_handles))
    hits = [p for a in org.accounts for p in org.posts(a, replies=False)
            if election.starts_on <= p.created_at.date() <= election.ends_on and any(w in p.text for w in words)]
    assert len(hits) >= 2


def test_mentions_carry_hostile_text_and_reply_times(org):
    account = org.account("x:mancitycouncil")
    mentions = list(org.mentions(account))
    assert any("<script>" in m.text for m in mentions)
    assert any(m.text.startswith("=") for m in mentions)
    answered = [m for m in mentions if m.replied_at]
    assert answered and all(m.replied_at > m.created_at and m.reply_id for m in answered)
    assert any(m.needs_reply and not m.replied_at for m in mentions)
    assert any(m.in_reply_to_post_id for m in mentions) and any(not m.in_reply_to_post_id for m in mentions)
    replies = {p.in_reply_to_id for p in org.posts(account) if p.is_reply}
    assert {m.id for m in answered} == replies
    assert all(m.author.id and m.author.handle and m.author.name for m in mentions[:50])
    brand = [m for m in org.mentions() if m.account_key is None]
    assert any("Salford City Council" in m.text for m in brand)


def test_comments_on_facebook_posts(org):
    page = org.account("facebook:mancitycouncil")
    posts = list(org.posts(page))
    commented = [p for p in posts if p.replies]
    comments = [c for p in commented[:40] for c in org.comments(p)]
    assert comments and all(c.post_id in {p.id for p in commented} for c in comments)
    flagged = [c for p in posts if p.pinned_comments for c in org.comments(p)]
    assert any("idiots" in c.text for c in flagged) and any("Vote" in c.text for c in flagged)
    assert len(list(org.comments(commented[0]))) == commented[0].replies


def test_hootsuite_messages_match_the_posts_and_their_approvals(org):
    roles = {m.id: m.role for m in org.members}
    page = org.account("facebook:manchesterlibraries")
    messages = list(org.hootsuite_messages(page))
    sent = {m.post_id: m for m in messages if m.state == "SENT"}
    posts = [p for p in org.posts(page, replies=False) if p.via_hootsuite]
    assert set(sent) == {p.id for p in posts}
    assert {"SENT", "REJECTED"} <= {m.state for m in messages}
    unapproved = [m for m in sent.values() if roles[m.created_by] == "Editor"
                  and not any(a.action == "APPROVE" for a in m.history)]
    assert len(unapproved) == 1, "exactly the one planted editor's post without approval"
    safer = org.account("x:safermanchester")
    assert any(a.action == "APPROVE" and a.actor_id == m.created_by
               for m in org.hootsuite_messages(safer) for a in m.history), "a self-approved post"


def test_leavers_stop_acting_and_one_member_has_been_idle_for_months(org):
    last = {}
    for message in org.hootsuite_messages():
        for action in message.history:
            if action.actor_id:
                last[action.actor_id] = max(last.get(action.actor_id, action.at), action.at)
    members = {m.email: m for m in org.members}
    for leaver in org.leavers:
        member = members.get(leaver.email)
        if member and member.id in last:
            assert last[member.id].date() < leaver.leaving_date
    idle = [m for m in org.members if m.is_active and m.id in last and (org.cutoff - last[m.id]).days > 90]
    assert idle


def test_scenarios_cover_every_policy_rule(org):
    assert {s.rule for s in org.scenarios} == RULES


def test_a_larger_council_for_benchmarks():
    big = organisation_scale(accounts=150, members=90, seed=11, history_days=90)
    assert len(big.accounts) >= 150 and len(big.members) >= 90
    assert big == organisation_scale(accounts=150, members=90, seed=11, history_days=90)
    extra = big.accounts[-1]
    assert extra.in_register and extra.platform in API_PLATFORMS
    posts = list(big.posts(extra, replies=False))
    assert posts and posts[0].created_at.date() >= big.as_of - timedelta(days=90)


def test_the_account_csv_has_just_name_and_url():
    with (ROOT / "plugins" / "council_social" / "demo" / "appendix1_accounts.csv").open(encoding="utf-8") as f:
        assert csv.reader(f).__next__() == ["account_name", "url"]
