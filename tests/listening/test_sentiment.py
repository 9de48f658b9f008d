"""Sentiment on a labelled sample of realistic posts to and about a council."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from council_social.listening.sentiment import Scorer, scorer

SAMPLE = Path(__file__).with_name("labelled_posts.csv")


@pytest.fixture(scope="module")
def labelled() -> list[dict]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_sample_is_balanced_enough_to_mean_something(labelled):
    counts = Counter(row["label"] for row in labelled)
    assert len(labelled) >= 40
    assert set(counts) == {"positive", "negative", "neutral"}
    assert min(counts.values()) >= 10


def test_accuracy_on_the_labelled_sample(labelled):
    score = scorer()
    predicted = [(row["label"], score.score(row["text"]).label) for row in labelled]
    accuracy = sum(a == b for a, b in predicted) / len(predicted)
    assert accuracy >= 0.8, f"accuracy {accuracy:.0%}"
    for label in ("positive", "negative", "neutral"):
        of_label = [p for a, p in predicted if a == label]
        recall = sum(p == label for p in of_label) / len(of_label)
        assert recall >= 0.7, f"{label} recall {recall:.0%}"


def test_council_words_are_weighted_for_what_residents_mean():
    plain, tuned = Scorer(), scorer()
    text = "Absolute idiots running this council"
    assert plain.score(text).label == "neutral"  # VADER alone does not know "idiots"
    assert tuned.score(text).label == "negative"
    assert tuned.score("Can someone help? The play area gate is broken").label == "negative"


def test_cut_offs_come_from_the_policy_and_empty_text_is_neutral():
    strict = Scorer(positive=0.9, negative=-0.9)
    assert strict.score("Lovely afternoon at the park").label == "neutral"
    assert strict.score("").label == "neutral"
    with pytest.raises(ValueError, match="below the positive"):
        Scorer(positive=0.0, negative=0.1)
