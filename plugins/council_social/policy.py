"""The policy file: thresholds for every rule, each overridable, defaults from the design.

Read inside tasks only (it is I/O). Unknown keys are an error, because a misspelt threshold
would otherwise be silently ignored and the default applied to a Review Board finding.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

from council_social.config import settings

DEFAULTS: dict[str, Any] = {
    "council": {"name": "Manchester City Council", "timezone": "Europe/London"},
    "rules": {
        "A02_direct_posting_allowed": 0,
        "A03_dormant_days": 90,
        "A03_low_engagement_rate": 0.5,
        "A07_password_max_age_days": 90,
        "A10_repeat_posts": 3,
        "A10_window_days": 7,
        "U02_inactive_days": 90,
        "U03_training_refresh_months": 12,
        "N01_review_after_months": 3,
        "N01_amber_tolerance_percent": 10,
        "L01_unanswered_hours": 24,
        "L02_spike_sigma": 3,
        "L02_baseline_days": 28,
        "L01_window_days": 14,
        "L01_max_findings": 100,
        "L02_min_history_days": 14,
        "L02_min_mentions": 10,
    },
    "listening": {"retention_days": 90, "pseudonymise_private_individuals": True,
                  "sentiment_positive": 0.05, "sentiment_negative": -0.05, "public_figure_min_reach": 10000},
}


class PolicyError(ValueError):
    pass


def _merge(defaults: dict, given: dict, where: str) -> dict:
    merged = deepcopy(defaults)
    for key, value in given.items():
        if key not in defaults:
            raise PolicyError(f"{where}: unknown setting '{key}' (known: {', '.join(defaults)})")
        if isinstance(defaults[key], dict):
            if not isinstance(value, dict):
                raise PolicyError(f"{where}.{key} must be a section")
            merged[key] = _merge(defaults[key], value, f"{where}.{key}")
        elif isinstance(defaults[key], bool) != isinstance(value, bool) or (
            isinstance(defaults[key], int | float) and not isinstance(value, int | float)
        ):
            raise PolicyError(f"{where}.{key} must be like {defaults[key]!r}, not {value!r}")
        else:
            merged[key] = value
    return merged


def load_policy(path: Path | None = None) -> dict[str, Any]:
    import yaml

    path = path or settings().policy_file
    if not path.exists():
        return deepcopy(DEFAULTS)
    given = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(given, dict):
        raise PolicyError(f"{path}: expected sections such as 'rules:'")
    return _merge(DEFAULTS, given, str(path))
