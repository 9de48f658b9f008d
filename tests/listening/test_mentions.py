"""The mentions fact: every source in one table, answered only by council accounts, refreshed incrementally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import query

from council_social.listening.mentions import refresh
from council_social.warehouse import connect

T = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NOW = T + timedelta(days=2)


def run(now=NOW, **kwargs) -> dict:
    with connect() as con:
        return refresh(con, run_id="test", now=now, **kwargs)


def fact(mention_id: str, *columns: str) -> tuple:
    rows = query(f"select {', '.join(columns)} from listening_mentions where mention_id = ?", mention_id)
    assert rows, f"mention {mention_id} is not in the fact"
    return rows[0]


@pytest.fixture
def standard(council):
    return council.standard()


def test_a_reply_from_the_council_account_answers_a_mention(standard):
    standard.mention("1", T, "@ManCityCouncil when will my bin be collected?")
    standard.post("900", T + timedelta(hours=3), in_reply_to="1", conversation="1")
    run()
    assert fact("1", "needs_reply", "reply_id", "reply_minutes") == (True, "900", 180)


def test_a_reply_from_anyone_else_does_not(standard):
    standard.mention("1", T, "@ManCityCouncil when will my bin be collected?")
    # Another resident answers in the thread, mentioning the council: that is a mention, not an answer.
    standard.mention("2", T + timedelta(hours=1), "@ManCityCouncil @resident1 same here, nobody came",
                     author="resident2", in_reply_to="1", conversation="1")
    # An account that is not the council's (an impostor) replies too.
    standard.account("x", "666", "MCCCouncilTaxHelp")
    standard.sql("insert into platform_posts (platform, post_id, account_id, created_at, text, in_reply_to_id,"
                 " conversation_id, landing_path, loaded_at) values ('x', '901', '666', ?, 'DM us', '1', '1', 'l', ?)",
                 T + timedelta(hours=2), standard.tick())
    run()
    assert fact("1", "needs_reply", "replied_at") == (True, None)


def test_a_reply_from_another_registered_council_account_answers_it(council):
    council.registers(accounts=(("x", "ManCityCouncil"), ("x", "MCCLibraries")))
    council.account("x", "100", "ManCityCouncil")
    council.account("x", "101", "MCCLibraries")
    council.mention("1", T, "@ManCityCouncil is Central Library open on Sunday?")
    council.post("902", T + timedelta(minutes=30), account_id="101", in_reply_to="1", conversation="1")
    run()
    assert fact("1", "reply_id", "reply_minutes") == ("902", 30)


def test_a_council_post_later_in_the_thread_a_mention_started_answers_it(standard):
    standard.mention("1", T, "@ManCityCouncil streetlight out on Hyde Road for a week now")
    standard.post("903", T + timedelta(hours=5), in_reply_to="777", conversation="1")
    run()
    assert fact("1", "reply_id") == ("903",)


def test_facebook_comments_are_answered_by_the_page_not_by_other_people(standard):
    standard.post("800", T - timedelta(hours=1), platform="facebook", account_id="200", text="Recycling centre opens")
    standard.comment("c1", "800", T, "What time does it open?")
    standard.comment("c2", "800", T, "Is there parking?", author="Sam Resident", author_id="fb-sam")
    standard.comment("c3", "800", T + timedelta(hours=1), "9am!", parent="c1", author_id="200", from_account=True)
    standard.comment("c4", "800", T + timedelta(hours=1), "Yes, loads", parent="c2", author_id="fb-pat")
    run()
    assert fact("c1", "source_kind", "council_account", "on_council_post", "reply_minutes") == (
        "comment", "facebook:mancitycouncil", True, 60)
    assert fact("c2", "needs_reply", "replied_at") == (True, None)
    assert fact("c4", "needs_reply") == (False,)  # "Yes, loads" asks nothing
    assert not query("select 1 from listening_mentions where mention_id = 'c3'")  # the page's own reply


def test_a_reply_loaded_later_answers_the_mention_at_the_next_refresh(standard):
    standard.mention("1", T, "@ManCityCouncil any news on the consultation?")
    first = run()
    assert first["mentions"] == 1 and fact("1", "replied_at") == (None,)
    assert query("select needing_reply, answered from listening_daily") == [(1, 0)]
    standard.post("904", T + timedelta(hours=30), in_reply_to="1", conversation="1")
    second = run()
    assert second["mentions"] == 0 and second["answered_later"] == 1
    assert fact("1", "reply_id", "reply_minutes") == ("904", 1800)
    assert query("select needing_reply, answered, answered_in_time from listening_daily") == [(1, 1, 0)]


def test_a_refresh_with_nothing_new_changes_nothing(standard):
    standard.mention("1", T, "@ManCityCouncil is the tip open?")
    run()
    before = query("select * from listening_mentions")
    again = run(now=NOW + timedelta(hours=1))
    assert again == {"mentions": 0, "by_source": {}, "answered_later": 0, "days_refreshed": [],
                     "queued_for_moderation": 0}
    assert query("select * from listening_mentions") == before


def test_a_changed_source_row_is_scored_again(standard):
    standard.mention("1", T, "Lovely day at the park @ManCityCouncil")
    run()
    assert fact("1", "sentiment_label") == ("positive",)
    standard.mention("1", T, "Disgusting state of the park @ManCityCouncil, useless")
    assert run()["mentions"] == 1
    assert fact("1", "sentiment_label", "abusive") == ("negative", True)


def test_mentions_of_a_comparison_council_only_count_for_share_of_voice(standard):
    standard.mention("1", T, "Salford City Council sorted our bins in a day", kind="brand_search")
    standard.mention("2", T, "Manchester City Council have finally fixed the lights", kind="brand_search")
    standard.mention("3", T, "@ManCityCouncil thanks for the help", kind="brand_search")
    run()
    assert fact("1", "about_council", "terms") == (False, ["Salford City Council"])
    assert fact("2", "about_council", "council_account", "needs_reply") == (True, None, False)
    # A search result naming a council handle is addressed to that account.
    assert fact("3", "council_account") == ("x:mancitycouncil",)
    assert query("select sum(mentions) from listening_daily") == [(2,)]
    assert dict(query("select term, mentions from listening_daily_terms")) == {
        "Salford City Council": 1, "Manchester City Council": 1, "@ManCityCouncil": 1}


def test_posts_by_council_accounts_are_not_the_public(standard):
    standard.mention("1", T, "@ManCityCouncil can you share our event?", author="ManCityCouncil", author_id="100")
    run()
    assert fact("1", "author_is_council", "needs_reply") == (True, False)
    assert query("select count(*) from listening_daily") == [(0,)]


def test_abusive_and_party_political_comments_on_council_posts_are_queued_once(standard):
    standard.post("800", T - timedelta(hours=1), platform="facebook", account_id="200", text="New recycling centre")
    standard.comment("c1", "800", T, "Absolute idiots running this council")
    standard.comment("c2", "800", T, "Vote Labour out in May and this would never happen")
    standard.comment("c3", "800", T, "Looks great")
    standard.mention("m1", T, "@ManCityCouncil you are all idiots")  # not on a council post: not L03
    assert run()["queued_for_moderation"] == 2
    assert query("select mention_id, reason, matched_terms, status from listening_moderation_queue order by 1") == [
        ("c1", "abusive", ["idiots"], "queued"), ("c2", "party-political", ["vote labour"], "queued")]
    standard.sql("update listening_moderation_queue set status = 'reviewed', reviewed_by = 'moderator@example.gov.uk'"
                 " where mention_id = 'c1'")
    standard.comment("c1", "800", T, "Absolute idiots running this council!!")  # edited: refreshed again
    assert run()["queued_for_moderation"] == 0
    assert query("select status from listening_moderation_queue where mention_id = 'c1'") == [("reviewed",)]


def test_election_period_terms_count_as_party_political(council):
    council.registers(elections=(("Local elections", T.date() - timedelta(days=30), T.date() + timedelta(days=3),
                                  ["Cllr Harper"]),))
    council.account("facebook", "200", "mancitycouncil")
    council.post("800", T - timedelta(hours=1), platform="facebook", account_id="200")
    council.comment("c1", "800", T, "Cllr Harper should be ashamed")
    run()
    assert fact("c1", "political", "flagged_terms") == (True, ["cllr harper"])


def test_hootsuite_stream_mentions_join_the_fact_and_api_rows_win(standard):
    standard.mention("1", T, "@ManCityCouncil is the tip open today?")
    for key, mention_id, text in (("x:1", "1", "stale copy"), ("x:2", "2", "@ManCityCouncil where do I get a permit?")):
        standard.sql("insert into hootsuite_mentions (mention_key, platform, mention_id, stream, author_handle, text,"
                     " created_at, source, landing_path, loaded_at) values (?, 'x', ?, 'Mentions', '@resident9', ?, ?,"
                     " 'export', 'landing/hs.csv', ?)", key, mention_id, text, T, standard.tick())
    run()
    assert fact("1", "source_kind", "text") == ("mention", "@ManCityCouncil is the tip open today?")
    assert fact("2", "source_kind", "author_handle", "council_account", "needs_reply") == (
        "hootsuite_stream", "resident9", "x:mancitycouncil", True)


def test_days_older_than_retention_are_aggregated_once_and_not_again(standard):
    old = NOW - timedelta(days=200)
    older = NOW - timedelta(days=300)
    standard.sql("insert into listening_daily values (?, 'x', 'x:mancitycouncil', 'mention', 50, 0, 0, 0, 0, 0, 50,"
                 " 0, 0, 0, 0, ?)", old.date(), NOW)
    standard.mention("1", old, "@ManCityCouncil late arrival from long ago")  # its day was counted: left alone
    standard.mention("2", older, "@ManCityCouncil history loaded for the first time")
    run()
    assert query("select mentions from listening_daily where day = ?", old.date()) == [(50,)]
    assert query("select mentions from listening_daily where day = ?", older.date()) == [(1,)]


def test_rescore_reads_every_source_row_again(standard):
    standard.mention("1", T, "@ManCityCouncil thanks!")
    run()
    assert run()["mentions"] == 0
    assert run(rescore=True)["mentions"] == 1
