"""The insight metrics allow-list (config/graph_metrics.yaml): per version, and never a retired metric."""

from __future__ import annotations

import pytest
import requests

from council_social.fakeapi.server import FakeApiServer
from council_social.platforms.graph import (
    DEFAULT_API_VERSION,
    GraphVersionError,
    allowed_metrics,
    metrics_file,
    retired_metrics,
)


def test_the_pinned_version_has_an_allow_list_without_retired_metrics():
    allowed = allowed_metrics(DEFAULT_API_VERSION)
    retired = retired_metrics()
    assert "page_follows" in allowed and "page_media_view" in allowed
    assert not set(allowed) & set(retired), "a retired metric slipped back into the allow-list"
    assert retired["page_fans"]["replaced_by"] == "page_follows"
    assert retired["page_impressions"]["replaced_by"] == "page_media_view"
    assert str(retired["page_fans"]["retired_on"]) == "2025-11-15"


def test_a_newer_version_uses_the_newest_list_below_it(tmp_path):
    assert allowed_metrics("v25.0") == allowed_metrics(DEFAULT_API_VERSION)
    custom = tmp_path / "metrics.yaml"
    custom.write_text("versions:\n  v24.0:\n    page: [page_follows]\n"
                      "  v26.0:\n    page: [page_media_view]\n")
    assert allowed_metrics("v25.3", path=custom) == ["page_follows"]
    assert allowed_metrics("v26.0", path=custom) == ["page_media_view"]
    with pytest.raises(GraphVersionError, match="no insight metrics"):
        allowed_metrics("v23.0", path=custom)


def test_every_allowed_metric_is_accepted_by_the_api_in_one_request():
    page = "230525471202067"  # the council's main Page in the demo
    with FakeApiServer() as fake:
        answer = requests.get(f"{fake.base_url}/{DEFAULT_API_VERSION}/{page}/insights", timeout=30, params={
            "metric": ",".join(allowed_metrics(DEFAULT_API_VERSION)), "period": "day",
            "access_token": "metrics-check"})
    assert answer.status_code == 200, answer.text
    assert {m["name"] for m in answer.json()["data"]} == set(allowed_metrics(DEFAULT_API_VERSION))
    assert metrics_file().name == "graph_metrics.yaml"
