"""The listening lexicons: whole-word matching, requests, L03 words, keywords and topics."""

from __future__ import annotations

import pytest

from council_social.listening import topics
from council_social.listening.lexicon import LexiconError, load_lexicon, parse, term_pattern


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def test_terms_match_whole_words_ignoring_case_and_stars_match_endings():
    pattern = term_pattern(["bin", "idiot*", "council tax"])
    assert pattern.search("My BIN was missed")
    assert not pattern.search("the cabinet met")
    assert pattern.search("absolute idiots")
    assert pattern.search("my Council  Tax bill")
    assert not pattern.search("#bin")  # a hashtag is a topic tag, not the word itself


def test_what_asks_for_a_reply(lexicon):
    assert lexicon.asks("@ManCityCouncil is Heaton Park open this weekend?")
    assert lexicon.asks("fly-tipping on Oldham Road again, please can you send someone")
    assert lexicon.asks("streetlight out on Hyde Road for a week now")
    assert not lexicon.asks("Great to see the new planters on Oldham Road")
    assert not lexicon.asks("@ManCityCouncil thanks again for the help today")
    assert lexicon.asks("thanks, but when does the work finish?")  # a question is a question
    assert not lexicon.asks("see https://example.org/page?id=4")  # a link's ? is not a question


def test_abusive_and_party_political_words(lexicon):
    assert lexicon.abusive_terms("Absolute idiots running this council") == ["idiots"]
    assert lexicon.abusive_terms("You lot are useless, total waste of our money") == ["useless", "waste of our money"]
    assert lexicon.political_terms("Vote Labour out in May") == ["vote labour"]
    assert "tories" in lexicon.political_terms("This is what happens when the Tories cut funding")
    assert lexicon.political_terms("Thanks for the update") == []
    assert lexicon.political_terms("Cllr Harper opened it", extra=["Cllr Harper"]) == ["cllr harper"]


def test_keywords_leave_out_stopwords_handles_links_and_numbers(lexicon):
    words = topics.keywords("@ManCityCouncil my bin wasn't collected on 12 Hyde Road https://t.co/x again!", lexicon)
    assert words == ["bin", "collected", "hyde", "road"]
    assert topics.keywords("", lexicon) == []


def test_topics_come_from_the_lexicon_in_its_order(lexicon):
    assert topics.topics("Missed bin and a pothole on Hyde Road", lexicon) == ["Bins and recycling",
                                                                              "Roads and transport"]
    assert topics.topics("Hyde Road", lexicon) == []  # a street name is not a topic


def test_a_broken_lexicon_is_refused_by_name(tmp_path):
    with pytest.raises(LexiconError, match="unknown section"):
        parse({"topicz": {}}, "listening.yaml")
    with pytest.raises(LexiconError, match="sentiment_words.idiots"):
        parse({"sentiment_words": {"idiots": -9}}, "listening.yaml")
    with pytest.raises(LexiconError, match="topics.Bins must be a list"):
        parse({"topics": {"Bins": "bin"}}, "listening.yaml")
    with pytest.raises(LexiconError, match="does not exist"):
        load_lexicon(tmp_path / "missing.yaml")
