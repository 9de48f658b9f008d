"""The fake platform API: a real child process on loopback, called by the real clients."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import pytest
import requests
import tweepy

from council_social.demo.organisation import build_organisation
from council_social.fakeapi.server import GRAPH_VERSION, FakeApiServer
from council_social.http import rebase_session

X_TOKEN, GRAPH_TOKEN, HOOTSUITE_TOKEN = "demo-x-bearer", "demo-graph-token", "demo-hootsuite-token"


@pytest.fixture(scope="module")
def org():
    return build_organisation()


@pytest.fixture(scope="module")
def server():
    with FakeApiServer() as fake:
        yield fake


@pytest.fixture
def fake(server):
    """The shared server, with switches, rate-limit windows and spent tokens reset after each test."""
    yield server
    server.reset()


@pytest.fixture
def x_client(fake) -> tweepy.Client:
    client = tweepy.Client(bearer_token=X_TOKEN)
    rebase_session(client.session, fake.base_url)
    return client


def graph(fake, path: str, **params) -> requests.Response:
    params.setdefault("access_token", GRAPH_TOKEN)
    return requests.get(f"{fake.base_url}/{GRAPH_VERSION}/{path}", params=params, timeout=30)


def hootsuite(fake, path: str, token: str | None = HOOTSUITE_TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{fake.base_url}{path}", params=params, headers=headers, timeout=30)


def test_lifecycle_leaves_no_process_and_frees_the_port():
    with FakeApiServer() as fake:
        pid, port = fake.pid, fake.port
        assert port and fake.base_url == f"http://127.0.0.1:{port}"
        assert requests.get(f"{fake.base_url}/healthz", timeout=5).json() == {"status": "ok"}
        os.kill(pid, 0)  # running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        _ = fake.base_url


def test_tweepy_looks_up_users_with_real_error_objects(x_client, org):
    response = x_client.get_users(usernames=["ManCityCouncil", "MancLibraries", "NoSuchCouncilAcct"],
                                  user_fields=["public_metrics", "created_at", "description"])
    users = {u.username: u for u in response.data}
    main = org.account("x:mancitycouncil")
    assert users["ManCityCouncil"].id == int(main.platform_id)
    assert users["ManCityCouncil"].public_metrics["followers_count"] == org.followers_on(main, org.as_of)
    (error,) = response.errors
    assert error["title"] == "Not Found Error" and error["value"] == "NoSuchCouncilAcct"
    assert error["type"] == "https://api.twitter.com/2/problems/resource-not-found"
    by_id = x_client.get_users(ids=[main.platform_id])
    assert by_id.data[0].username == "ManCityCouncil"


def test_tweepy_pages_through_a_timeline_and_honours_since_id(x_client, org):
    account = org.account("x:mcractivetravel")
    expected = [p.id for p in org.posts(account)][::-1]
    seen = []
    for page in tweepy.Paginator(x_client.get_users_tweets, account.platform_id, max_results=100,
                                 tweet_fields=["created_at", "public_metrics"]):
        seen += [str(t.id) for t in page.data or []]
        assert page.meta["result_count"] == len(page.data or [])
    assert seen == expected
    newest = expected[5]
    newer = x_client.get_users_tweets(account.platform_id, since_id=newest, max_results=5)
    assert [str(t.id) for t in newer.data] == expected[:5]
    assert newer.meta["newest_id"] == expected[0] and newer.meta["oldest_id"] == expected[4]
    nothing = x_client.get_users_tweets(account.platform_id, since_id=expected[0])
    assert nothing.data is None and nothing.meta == {"result_count": 0}


def test_x_refuses_a_missing_or_expired_token(fake, org):
    user_id = org.account("x:mancitycouncil").platform_id
    bare = requests.get(f"{fake.base_url}/2/users/{user_id}/tweets", timeout=10)
    assert bare.status_code == 401
    assert bare.json() == {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}
    expired = tweepy.Client(bearer_token="expired")
    rebase_session(expired.session, fake.base_url)
    with pytest.raises(tweepy.Unauthorized):
        expired.get_users_tweets(user_id)


def test_x_rate_limit_headers_and_429(fake, org):
    client = tweepy.Client(bearer_token=X_TOKEN, return_type=requests.Response)
    rebase_session(client.session, fake.base_url)
    user_id = org.account("x:mancitycouncil").platform_id
    first = client.get_users_tweets(user_id)
    assert first.headers["x-rate-limit-limit"] == "1500"
    assert int(first.headers["x-rate-limit-remaining"]) < 1500
    assert int(first.headers["x-rate-limit-reset"]) > time.time()
    fake.set_switches(rate_limits={"x.user_tweets": {"limit": 2, "window": 60}})
    client.get_users_tweets(user_id)
    second = client.get_users_tweets(user_id)
    assert second.headers["x-rate-limit-remaining"] == "0"
    with pytest.raises(tweepy.TooManyRequests) as raised:
        client.get_users_tweets(user_id)
    assert raised.value.reset_time and raised.value.reset_time > time.time()
    assert fake.stats()["x.user_tweets"]["429"] == 1


def test_a_burst_of_server_errors(fake, x_client, org):
    fake.set_switches(fail_next={"x.user_tweets": 2})
    user_id = org.account("x:mancitycouncil").platform_id
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError):
            x_client.get_users_tweets(user_id)
    assert x_client.get_users_tweets(user_id).data


def test_graph_pages_posts_by_following_next_links(fake, org):
    page = org.account("facebook:mcrclimateready")
    expected = [p.id for p in org.posts(page, replies=False)][::-1]
    node = graph(fake, "MCRClimateReady", fields="id,name,followers_count,fan_count,username").json()
    assert node["id"] == page.platform_id and node["username"] == "MCRClimateReady"
    assert node["followers_count"] == org.followers_on(page, org.as_of)
    response = graph(fake, f"{page.platform_id}/published_posts", limit=10, fields="id,message,created_time")
    seen, pages = [], 0
    while True:
        body = response.json()
        assert response.status_code == 200 and "X-App-Usage" in response.headers
        seen += [post["id"] for post in body["data"]]
        pages += 1
        assert set(body["paging"]["cursors"]) == {"before", "after"}
        if "next" not in body["paging"]:
            break
        assert body["paging"]["next"].startswith(fake.base_url)
        response = requests.get(body["paging"]["next"], timeout=30)
    assert seen == expected and pages == -(-len(expected) // 10)
    since = org.cutoff - timedelta(days=14)
    recent = graph(fake, f"{page.platform_id}/published_posts", since=int(since.timestamp())).json()["data"]
    assert [p["id"] for p in recent] == [p for p in expected if
                                         org.cutoff - timedelta(days=14) <= _created(org, page, p)]


def _created(org, account, post_id):
    return next(p.created_at for p in org.posts(account, replies=False) if p.id == post_id)


def test_graph_errors_have_the_real_shape(fake, org):
    page_id = org.account("facebook:mancitycouncil").platform_id
    missing = requests.get(f"{fake.base_url}/{GRAPH_VERSION}/{page_id}", timeout=10)
    assert missing.status_code == 400
    assert missing.json()["error"]["type"] == "OAuthException" and missing.json()["error"]["code"] == 104
    expired = graph(fake, page_id, access_token="expired")
    assert expired.status_code == 400
    error = expired.json()["error"]
    assert (error["code"], error["error_subcode"], error["type"]) == (190, 463, "OAuthException")
    assert "fbtrace_id" in error
    unknown = graph(fake, page_id, fields="id,nonsense").json()["error"]
    assert unknown["code"] == 100 and "nonsense" in unknown["message"]
    nowhere = graph(fake, "123").json()["error"]
    assert (nowhere["type"], nowhere["code"], nowhere["error_subcode"]) == ("GraphMethodException", 100, 33)


def test_graph_throttling_and_retired_metrics(fake, org):
    page_id = org.account("facebook:mancitycouncil").platform_id
    ok = graph(fake, f"{page_id}/insights", metric="page_follows,page_media_view", period="day")
    assert ok.status_code == 200 and [m["name"] for m in ok.json()["data"]] == ["page_follows", "page_media_view"]
    assert graph(fake, f"{page_id}/insights", metric="page_fans").json()["error"]["code"] == 100
    fake.set_switches(retired_metrics=["page_media_view"])
    assert graph(fake, f"{page_id}/insights", metric="page_follows,page_media_view").json()["error"]["code"] == 100
    fake.set_switches(rate_limits={"graph": {"limit": 1, "window": 60}}, graph_throttle_code=17)
    assert graph(fake, page_id).status_code == 200
    throttled = graph(fake, page_id)
    error = throttled.json()["error"]
    assert (throttled.status_code, error["code"], error["is_transient"]) == (400, 17, True)
    assert '"call_count":100' in throttled.headers["X-App-Usage"]


def test_hootsuite_token_refresh_is_single_use(fake):
    url = f"{fake.base_url}/oauth2/token"
    first = requests.post(url, data={"grant_type": "refresh_token", "refresh_token": "demo-refresh-token"},
                          auth=("demo-client", "demo-client-secret"), timeout=10)
    assert first.status_code == 200
    token = first.json()
    assert token["token_type"] == "bearer" and token["refresh_token"] != "demo-refresh-token"
    reused = requests.post(url, data={"grant_type": "refresh_token", "refresh_token": "demo-refresh-token"},
                           auth=("demo-client", "demo-client-secret"), timeout=10)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    second = requests.post(url, data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
                           auth=("demo-client", "demo-client-secret"), timeout=10)
    assert second.status_code == 200
    no_client = requests.post(url, data={"grant_type": "refresh_token", "refresh_token": "other"}, timeout=10)
    assert no_client.status_code == 401 and no_client.json()["error"] == "invalid_client"
    assert hootsuite(fake, "/v1/socialProfiles", token=second.json()["access_token"]).status_code == 200


def test_hootsuite_members_profiles_and_errors(fake, org):
    assert hootsuite(fake, "/v1/socialProfiles", token=None).json()["errors"][0]["code"] == 1000
    assert hootsuite(fake, "/v1/socialProfiles", token="expired").status_code == 401
    profiles = hootsuite(fake, "/v1/socialProfiles").json()["data"]
    assert {p["id"] for p in profiles} == {a.hootsuite_profile_id for a in org.accounts if a.in_hootsuite}
    assert any(p["isReauthRequired"] == 1 for p in profiles)
    members = hootsuite(fake, f"/v1/organizations/{org.hootsuite_organisation_id}/members").json()["data"]
    assert {m["id"] for m in members} == {m.id for m in org.members}
    member = hootsuite(fake, f"/v1/members/{members[0]['id']}").json()["data"]
    assert {"id", "email", "fullName", "isActive", "createdDate"} <= set(member)
    assert hootsuite(fake, "/v1/members/1").status_code == 404


def test_hootsuite_messages_in_four_week_windows_with_cursor(fake, org):
    start, end = "2026-09-01T00:00:00Z", "2026-09-29T00:00:00Z"
    too_long = hootsuite(fake, "/v1/messages", startTime=start, endTime="2026-10-01T00:00:00Z")
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["code"] == 40020
    seen, cursor = [], None
    while True:
        params = {"startTime": start, "endTime": end, "limit": 100, **({"cursor": cursor} if cursor else {})}
        body = hootsuite(fake, "/v1/messages", **params).json()
        seen += body["data"]
        cursor = body.get("metadata", {}).get("cursor", {}).get("next")
        if not cursor:
            break
    expected = [m for m in org.hootsuite_messages()
                if "2026-09-01" <= m.scheduled_send_time.isoformat() <= "2026-09-29T00:00:00"]
    assert [m["id"] for m in seen] == [m.id for m in expected]
    sent = next(m for m in seen if m["state"] == "SENT")
    assert sent["postId"] and sent["createdByMember"]["id"]
    history = hootsuite(fake, f"/v1/messages/{sent['id']}/history").json()["data"]["actions"]
    assert history[0]["actionType"] == "CREATE" and history[-1]["actionType"] == "SEND"


def test_switches_reject_typos(fake):
    response = requests.post(f"{fake.base_url}/_control/switches", json={"rate_limit": {}}, timeout=10)
    assert response.status_code == 400 and "rate_limit" in response.json()["error"]
