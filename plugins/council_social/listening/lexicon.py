"""The listening lexicons of ``config/listening.yaml``: topics, "needs a reply" phrases, L03 abuse
and party-political words, organisations shown by name, keyword stopwords, sentiment weights.

Words are matched whole and ignoring case ("bin" is not found in "cabinet"); a trailing ``*``
matches any ending ("idiot*": idiot, idiots, idiotic). Everything is offline and deterministic: the
same text always gets the same topics, keywords and flags. Read inside tasks only (it is I/O).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from council_social.config import settings

#: Sections the file must have; anything else is refused, as a misspelt section would be ignored.
SECTIONS = ("version", "sentiment_words", "topics", "needs_reply", "abusive", "party_political", "organisations",
            "keywords")
HANDLE = re.compile(r"(?<![\w@])@(\w{1,50})")
LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


class LexiconError(ValueError):
    """The lexicon file cannot be used; the message names the file and the part."""


def lexicon_path() -> Path:
    value = os.environ.get("COUNCIL_SOCIAL_LISTENING")
    return Path(value).expanduser() if value else settings().root / "config" / "listening.yaml"


def term_pattern(terms: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern finding any of ``terms`` as whole words (``*`` at the end: any ending)."""
    parts = []
    for term in sorted({str(t).strip() for t in terms if str(t).strip()}, key=len, reverse=True):
        wild = term.endswith("*") and len(term) > 1
        core = re.escape(term[:-1] if wild else term).replace(r"\ ", r"\s+")
        parts.append(core + (r"[\w'’-]*" if wild else ""))
    if not parts:
        return None
    return re.compile(r"(?<![\w@#])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)


def found(pattern: re.Pattern | None, text: str) -> list[str]:
    """The distinct matches of ``pattern`` in ``text``, lower-cased, in order of appearance."""
    if pattern is None or not text:
        return []
    return list(dict.fromkeys(re.sub(r"\s+", " ", m.group(0).lower()) for m in pattern.finditer(text)))


def handles(text: str | None) -> list[str]:
    """The @handles a text names, lower-cased, without the @."""
    return list(dict.fromkeys(h.lower() for h in HANDLE.findall(text or "")))


@dataclass(frozen=True)
class Lexicon:
    """The parsed lexicon file, with its patterns compiled once."""

    topics: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ask_phrases: tuple[str, ...] = ()
    not_asking: tuple[str, ...] = ()
    question_mark: bool = True
    abusive: tuple[str, ...] = ()
    party_political: tuple[str, ...] = ()
    organisations: frozenset[str] = frozenset()
    stopwords: frozenset[str] = frozenset()
    keyword_min_length: int = 3
    keywords_per_mention: int = 8
    sentiment_words: Mapping[str, float] = field(default_factory=dict)
    source: str = "<defaults>"

    @cached_property
    def _topic_patterns(self) -> list[tuple[str, re.Pattern]]:
        return [(name, p) for name, terms in self.topics.items() if (p := term_pattern(terms)) is not None]

    @cached_property
    def _ask(self) -> re.Pattern | None:
        return term_pattern(self.ask_phrases)

    @cached_property
    def _not_asking(self) -> re.Pattern | None:
        return term_pattern(self.not_asking)

    @cached_property
    def _abusive(self) -> re.Pattern | None:
        return term_pattern(self.abusive)

    @cached_property
    def _political(self) -> re.Pattern | None:
        return term_pattern(self.party_political)

    @property
    def topic_patterns(self) -> list[tuple[str, re.Pattern]]:
        return self._topic_patterns

    def asks(self, text: str | None) -> bool:
        """Whether a text addressed to the council asks for something: a question, or a request phrase
        that is not part of a thank-you."""
        if not text:
            return False
        bare = LINK.sub(" ", text)
        if self.question_mark and "?" in bare:
            return True
        return bool(found(self._ask, bare)) and not found(self._not_asking, bare)

    def abusive_terms(self, text: str | None) -> list[str]:
        return found(self._abusive, text or "")

    def political_terms(self, text: str | None, extra: Iterable[str] = ()) -> list[str]:
        """Party-political words; ``extra`` adds the political terms of an election period in force."""
        terms = found(self._political, text or "")
        extra = tuple(extra)
        if extra:
            terms += [t for t in found(term_pattern(extra), text or "") if t not in terms]
        return terms

    def is_organisation(self, handle: str | None) -> bool:
        return bool(handle) and handle.lstrip("@").lower() in self.organisations


def _strings(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise LexiconError(f"{where} must be a list of words or phrases")
    return tuple(str(v) for v in value)


def parse(data: Mapping, source: str = "<text>") -> Lexicon:
    """A ``Lexicon`` from the file's parsed YAML; mistakes are refused by name."""
    if not isinstance(data, Mapping):
        raise LexiconError(f"{source}: expected sections such as 'topics:'")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise LexiconError(f"{source}: unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    topics_raw = data.get("topics") or {}
    if not isinstance(topics_raw, Mapping):
        raise LexiconError(f"{source}: topics must map a topic name to its words")
    topics = {str(name): _strings(words, f"{source}: topics.{name}") for name, words in topics_raw.items()}
    needs = data.get("needs_reply") or {}
    if not isinstance(needs, Mapping):
        raise LexiconError(f"{source}: needs_reply must have phrases (and optionally question_mark, not_when)")
    words = data.get("sentiment_words") or {}
    if not isinstance(words, Mapping):
        raise LexiconError(f"{source}: sentiment_words must map a word to a weight from -4 to 4")
    weights = {}
    for word, weight in words.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not -4 <= weight <= 4:
            raise LexiconError(f"{source}: sentiment_words.{word} must be a number from -4 to 4, not {weight!r}")
        weights[str(word).lower()] = float(weight)
    keywords = data.get("keywords") or {}
    if not isinstance(keywords, Mapping):
        raise LexiconError(f"{source}: keywords must have stopwords (and optionally min_length, per_mention)")
    return Lexicon(
        topics=topics,
        ask_phrases=_strings(needs.get("phrases"), f"{source}: needs_reply.phrases"),
        not_asking=_strings(needs.get("not_when"), f"{source}: needs_reply.not_when"),
        question_mark=bool(needs.get("question_mark", True)),
        abusive=_strings(data.get("abusive"), f"{source}: abusive"),
        party_political=_strings(data.get("party_political"), f"{source}: party_political"),
        organisations=frozenset(h.lstrip("@").lower() for h in _strings(data.get("organisations"),
                                                                        f"{source}: organisations")),
        stopwords=frozenset(w.lower().replace("’", "'") for w in _strings(keywords.get("stopwords"),
                                                                           f"{source}: keywords.stopwords")),
        keyword_min_length=int(keywords.get("min_length", 3)),
        keywords_per_mention=int(keywords.get("per_mention", 8)),
        sentiment_words=weights,
        source=source,
    )


def load_lexicon(path: Path | None = None) -> Lexicon:
    """The lexicon file (``config/listening.yaml``, or ``COUNCIL_SOCIAL_LISTENING``)."""
    import yaml

    path = path or lexicon_path()
    if not path.exists():
        raise LexiconError(f"the listening lexicon {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path} is not valid YAML: {exc}") from exc
    return parse(data, str(path))
