"""What a mention is about: topics from the council's topic lexicon, and its keywords.

Deliberately simple, offline and deterministic, so a finding or a weekly trend can be explained to
the comms team by pointing at the words: topics are the lexicon's named word lists
(``config/listening.yaml``: bins, roads, council tax, ...), keywords are the words a mention uses
less stopwords, @handles, links and numbers.
"""

from __future__ import annotations

import re

from council_social.listening.lexicon import HANDLE, LINK, Lexicon

WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]", re.IGNORECASE)


def tokenise(text: str | None) -> list[str]:
    """Lower-case words, without links and @handles; a hashtag counts as its word."""
    if not text:
        return []
    bare = HANDLE.sub(" ", LINK.sub(" ", text)).replace("’", "'")
    return [m.group(0).lower().strip("'-") for m in WORD.finditer(bare)]


def keywords(text: str | None, lexicon: Lexicon) -> list[str]:
    """Distinct non-stopwords in order of appearance, at most ``lexicon.keywords_per_mention``."""
    words = []
    for word in tokenise(text):
        if word.endswith("'s"):
            word = word[:-2]
        if len(word) < lexicon.keyword_min_length or word in lexicon.stopwords:
            continue
        words.append(word)
    return list(dict.fromkeys(words))[: lexicon.keywords_per_mention]


def topics(text: str | None, lexicon: Lexicon) -> list[str]:
    """The lexicon's topics a text names, in the file's order."""
    if not text:
        return []
    return [name for name, pattern in lexicon.topic_patterns if pattern.search(text)]
