"""Sentiment of a mention: VADER, an offline analyser built for short social media text.

VADER ships its lexicon with the package (no download, no model server) and handles what
residents write: capitals ("USELESS"), exclamation marks, emoji, negation ("not happy"), "but".
Its lexicon is re-weighted with ``sentiment_words`` from ``config/listening.yaml`` for council
matters. The analyser loads its lexicon on creation (tens of milliseconds), so a task makes one
``Scorer`` and scores every new mention with it; stored scores are never recomputed for reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: VADER's own cut-offs on the compound score; the policy file can move them.
POSITIVE = 0.05
NEGATIVE = -0.05


@dataclass(frozen=True)
class Score:
    compound: float
    label: str  # positive | neutral | negative


class Scorer:
    """One VADER analyser with the council's word weights, and the policy's label cut-offs."""

    def __init__(self, words: Mapping[str, float] | None = None, *, positive: float = POSITIVE,
                 negative: float = NEGATIVE):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        if negative >= positive:
            raise ValueError(f"the negative cut-off ({negative}) must be below the positive one ({positive})")
        self._analyser = SentimentIntensityAnalyzer()
        self._analyser.lexicon.update({w.lower(): float(v) for w, v in (words or {}).items()})
        self.positive = positive
        self.negative = negative

    def label(self, compound: float) -> str:
        if compound >= self.positive:
            return "positive"
        if compound <= self.negative:
            return "negative"
        return "neutral"

    def score(self, text: str | None) -> Score:
        if not text or not text.strip():
            return Score(0.0, "neutral")
        compound = round(float(self._analyser.polarity_scores(text)["compound"]), 4)
        return Score(compound, self.label(compound))


def scorer(lexicon=None, policy: Mapping | None = None) -> Scorer:
    """A ``Scorer`` set up from the lexicon file and the policy file (both read if not given)."""
    from council_social.listening.lexicon import load_lexicon
    from council_social.policy import load_policy

    lexicon = lexicon or load_lexicon()
    listening = (policy or load_policy())["listening"]
    return Scorer(lexicon.sentiment_words, positive=listening["sentiment_positive"],
                  negative=listening["sentiment_negative"])
