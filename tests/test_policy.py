from __future__ import annotations

import pytest

from council_social.config import settings
from council_social.policy import DEFAULTS, PolicyError, load_policy


def test_shipped_policy_file_matches_the_defaults():
    assert load_policy(settings().root / "config" / "policy.yaml") == DEFAULTS


def test_overrides_keep_other_defaults(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("rules:\n  A03_dormant_days: 60\n")
    policy = load_policy(path)
    assert policy["rules"]["A03_dormant_days"] == 60
    assert policy["rules"]["U02_inactive_days"] == 90


@pytest.mark.parametrize(("text", "message"), [
    ("rules:\n  A03_dormant_dayz: 60\n", "unknown setting 'A03_dormant_dayz'"),
    ("rules:\n  A03_dormant_days: ninety\n", "must be like 90"),
    ("rules: 5\n", "must be a section"),
])
def test_mistakes_are_refused_by_name(tmp_path, text, message):
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=message):
        load_policy(path)
