"""The Hootsuite API client against the real fake server: tokens, pacing, retries, paging, and no secret in logs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from council_social.demo.organisation import DEMO_AS_OF
from council_social.fakeapi.server import FakeApiServer
from council_social.hootsuite.api import (
    MAX_WINDOW,
    FetchPlan,
    FileTokenStore,
    HootsuiteApiError,
    HootsuiteAuthError,
    HootsuiteClient,
    MemoryTokenStore,
    TokenBucket,
    plan_fetch,
    retry_after_seconds,
    split_windows,
)

AS_OF = datetime(DEMO_AS_OF.year, DEMO_AS_OF.month, DEMO_AS_OF.day, tzinfo=UTC)
CLIENT_ID, CLIENT_SECRET = "demo-client", "demo-client-secret"


@pytest.fixture(scope="module")
def fake():
    with FakeApiServer() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_switches(fake):
    yield
    fake.reset()


def new_token() -> str:
    """A refresh token the fake has never seen (it accepts any unused token once)."""
    return f"issued-{uuid.uuid4().hex}"


def client(fake, store=None, *, initial: str | None = None, **options) -> HootsuiteClient:
    options = {"backoff_base": 0.05, **options}
    store = store if store is not None else MemoryTokenStore()
    return HootsuiteClient(base_url=fake.base_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                           token_store=store, initial_refresh_token=initial, **options)


def count(fake, endpoint: str, status: int) -> int:
    return fake.stats().get(endpoint, {}).get(str(status), 0)


# --- tokens ----------------------------------------------------------------------------------------

def test_refresh_tokens_rotate_and_the_next_run_uses_the_stored_one(fake, tmp_path):
    first = new_token()
    store = FileTokenStore(tmp_path / "token")
    with client(fake, store, initial=first) as run_one:
        assert len(run_one.social_profiles()) > 0
    rotated = store.load()
    assert rotated and rotated != first
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600

    with client(fake, store, initial=first) as run_two:  # the connection still holds the first, spent token
        assert len(run_two.social_profiles()) > 0
        assert run_two.stats.refreshes == 1
    assert store.load() not in (first, rotated)
    assert count(fake, "hootsuite.token", 400) == 0, "the stored token was used, not the spent one"

    with pytest.raises(HootsuiteAuthError) as refused, client(fake, MemoryTokenStore(), initial=first) as stale:
        stale.social_profiles()
    assert "already been used" in str(refused.value)


def test_a_token_pasted_into_the_connection_replaces_a_refused_stored_one(fake):
    spent = new_token()
    with client(fake, initial=spent) as once:
        once.social_profiles()
    store = MemoryTokenStore(spent)  # what a stale Variable would hold
    pasted = new_token()
    with client(fake, store, initial=pasted) as recovered:
        assert recovered.social_profiles()
    assert store.token not in (spent, pasted)


def test_a_crash_after_the_refresh_and_before_any_use_keeps_the_new_token(fake, tmp_path):
    first, path = new_token(), tmp_path / "token"
    script = textwrap.dedent("""
        import os, sys
        from council_social.hootsuite.api import FileTokenStore, HootsuiteClient

        class CrashAfterSave(FileTokenStore):
            def save(self, token):
                super().save(token)
                os._exit(3)  # the worker dies: the new access token is never used

        client = HootsuiteClient(base_url=sys.argv[1], client_id="demo-client", client_secret="demo-client-secret",
                                 token_store=CrashAfterSave(sys.argv[2]), initial_refresh_token=sys.argv[3])
        client.social_profiles()
        sys.exit(0)
    """)
    crashed = subprocess.run([sys.executable, "-c", script, fake.base_url, str(path), first],
                             capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 3, crashed.stderr[-2000:]
    assert count(fake, "hootsuite.social_profiles", 200) == 0
    saved = path.read_text()
    assert saved and saved != first

    with client(fake, FileTokenStore(path), initial=first) as after:
        assert after.social_profiles()
    with pytest.raises(HootsuiteAuthError), client(fake, initial=first) as old:
        old.social_profiles()


def test_an_expired_access_token_is_refreshed_once(fake):
    store = MemoryTokenStore()
    with client(fake, store, initial=new_token(), access_token="expired") as expired:
        assert expired.social_profiles()
        assert expired.stats.refreshes == 1
    assert count(fake, "hootsuite.social_profiles", 401) == 1
    assert store.saved == 1


def test_a_refused_refresh_token_fails_clearly_and_without_a_retry_loop(fake):
    fake.set_switches(expired_tokens=["hootsuite"])
    with pytest.raises(HootsuiteAuthError) as refused, client(fake, initial=new_token(), access_token="issued-before",
                                                              token_variable="hootsuite_default__refresh_token",
                                                              conn_id="hootsuite_default") as broken:
        broken.social_profiles()
    message = str(refused.value)
    assert "Issue a new refresh token" in message
    assert "hootsuite_default__refresh_token" in message and "'hootsuite_default'" in message
    assert count(fake, "hootsuite.token", 400) == 1
    assert count(fake, "hootsuite.social_profiles", 401) == 1


def test_no_refresh_token_at_all_says_where_to_put_one(fake):
    with pytest.raises(HootsuiteAuthError, match="refresh_token"), client(fake) as empty:
        empty.social_profiles()
    assert fake.stats().get("hootsuite.token") is None


# --- pacing and retries ----------------------------------------------------------------------------

def test_rate_limited_requests_wait_and_complete(fake, org_member_ids):
    fake.set_switches(rate_limits={"hootsuite": {"limit": 4, "window": 1}})
    ids = org_member_ids[:10]
    with client(fake, initial=new_token(), requests_per_second=20, workers=4) as limited:
        details = limited.map(limited.member, ids)
        assert [d["id"] for d in details] == ids
        assert limited.stats.rate_limited >= 1
        # Every 429 paused all workers for a whole window: no tight loop of refused requests.
        assert count(fake, "hootsuite.member", 429) == limited.stats.rate_limited
        assert limited.stats.rate_limited <= 2 * len(ids)


def test_server_errors_are_retried_with_backoff_then_given_up_on(fake):
    fake.set_switches(fail_next={"hootsuite.social_profiles": 2})
    with client(fake, initial=new_token()) as flaky:
        assert flaky.social_profiles()
        assert flaky.stats.server_errors == 2
    fake.set_switches(fail_next={"hootsuite.social_profiles": 10})
    with pytest.raises(HootsuiteApiError, match="giving up"), client(fake, initial=new_token(),
                                                                     max_attempts=3) as down:
        down.social_profiles()
    assert count(fake, "hootsuite.social_profiles", 500) == 2 + 3


def test_retry_after_and_reset_headers():
    now = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    assert retry_after_seconds({"Retry-After": "7"}, now) == 7
    assert retry_after_seconds({"Retry-After": "Sat, 31 Oct 2026 12:00:30 GMT"}, now) == 30
    assert retry_after_seconds({"x-rate-limit-reset": str(int(now.timestamp()) + 12)}, now) == 12
    assert retry_after_seconds({"RateLimit-Reset": "3"}, now) == 3
    assert retry_after_seconds({"X-Account-Rate-Limit-Requests-Remaining": "0"}, now) is None


def test_the_token_bucket_never_lets_more_than_the_rate_into_any_second():
    clock = [100.0]
    bucket = TokenBucket(20, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    sent = []
    for _ in range(60):
        bucket.acquire()
        sent.append(clock[0])
    assert max(sum(1 for t in sent if start <= t < start + 1 - 1e-9) for start in sent) == 20
    assert sent[-1] - sent[0] == pytest.approx(59 / 20)
    bucket.pause(5)
    before = clock[0]
    bucket.acquire()
    assert clock[0] - before == pytest.approx(5)


# --- paging and planning ---------------------------------------------------------------------------

def test_messages_page_by_cursor_within_four_week_windows(fake):
    from council_social.demo.organisation import build_organisation

    start, end = AS_OF - timedelta(days=40), AS_OF
    windows = split_windows(start, end)
    assert len(windows) == 2 and all(b - a <= MAX_WINDOW for a, b in windows)
    with client(fake, initial=new_token()) as reader:
        pages = [page for a, b in windows for page in reader.message_pages(a, b, limit=100)]
    ids = [m["id"] for page in pages for m in page]
    expected = {m.id for m in build_organisation().hootsuite_messages() if start <= m.scheduled_send_time <= end}
    assert len(pages) > len(windows), "more than one page per window: the cursor was followed"
    assert set(ids) == expected
    with pytest.raises(ValueError, match="four weeks"), client(fake, initial=new_token()) as reader:
        next(reader.message_pages(start, end))


def test_plans_go_from_the_watermark_and_backfills_do_not_move_it_backwards():
    first = plan_fetch(organization_id="814302", watermark=None, now=AS_OF, history_days=180)
    assert first.start == AS_OF - timedelta(days=180) and first.advance_to == AS_OF
    assert first.fetch_end == AS_OF + timedelta(days=28)
    assert all(b - a <= MAX_WINDOW for a, b in first.windows) and first.windows[-1][1] == first.fetch_end

    daily = plan_fetch(organization_id="814302", watermark=AS_OF - timedelta(days=1), now=AS_OF)
    assert daily.start == AS_OF - timedelta(days=2) and daily.advance_to == AS_OF

    old = plan_fetch(organization_id="814302", watermark=AS_OF, now=AS_OF, start="2026-01-01", end="2026-02-01")
    assert old.advance_to is None and old.fetch_end == old.end, "a past backfill leaves the watermark alone"
    joined = plan_fetch(organization_id="814302", watermark=AS_OF - timedelta(days=3), now=AS_OF,
                        start="2026-10-20", end="2026-10-30T12:00:00Z")
    assert joined.advance_to == datetime(2026, 10, 30, 12, tzinfo=UTC)
    assert FetchPlan.from_xcom(json.loads(json.dumps(joined.to_xcom()))) == joined

    for bad in ({"start": "2026-10-31", "end": "2026-10-01"}, {"end": "2026-12-25"}, {"start": "last week"},
                {"start": "2020-01-01"}, {"history_days": 0}):
        with pytest.raises(ValueError):
            plan_fetch(organization_id="814302", watermark=None, now=AS_OF, **bad)


# --- secrets ---------------------------------------------------------------------------------------

def test_tokens_and_the_client_secret_never_reach_the_logs(fake, caplog):
    from airflow.sdk._shared.secrets_masker import redact

    caplog.set_level(logging.DEBUG)
    first = new_token()
    store = MemoryTokenStore()
    with client(fake, store, initial=first, access_token="expired") as reader:
        reader.social_profiles()  # 401, refresh, retry
        fake.set_switches(fail_next={"hootsuite.social_profiles": 1})
        reader.social_profiles()  # 5xx, retry
        issued = [first, store.token, reader._access_token]
    fake.set_switches(expired_tokens=["hootsuite"])
    with pytest.raises(HootsuiteAuthError) as refused, client(fake, initial=new_token()) as broken:
        broken.social_profiles()

    secrets = [CLIENT_SECRET, *issued]
    logged = caplog.text + str(refused.value)
    assert "refreshed" in caplog.text
    for secret in secrets:
        assert secret not in logged
        assert redact(f"value {secret}") == "value ***", "registered with Airflow's secrets masker"


@pytest.fixture(scope="module")
def org_member_ids() -> list[str]:
    from council_social.demo.organisation import build_organisation

    return [m.id for m in build_organisation().members]


def test_the_hook_reads_the_connection_without_touching_the_network(monkeypatch):
    from council_social.hootsuite.hook import HootsuiteHook

    monkeypatch.setenv("AIRFLOW_CONN_HOOTSUITE_HOOK_TEST", json.dumps({
        "conn_type": "hootsuite", "host": "http://127.0.0.1:9", "login": CLIENT_ID, "password": CLIENT_SECRET,
        "extra": {"refresh_token": "issued-for-the-hook-test", "organization_id": 814302}}))
    monkeypatch.setenv("AIRFLOW_CONN_HOOTSUITE_NO_ORG", json.dumps({"conn_type": "hootsuite", "login": "id"}))
    hook = HootsuiteHook("hootsuite_hook_test")
    assert (hook.conn_name_attr, hook.default_conn_name, hook.conn_type) == (
        "hootsuite_conn_id", "hootsuite_default", "hootsuite")
    assert hook.organization_id == "814302"
    assert hook.token_variable == "hootsuite_hook_test__refresh_token"
    with hook.get_client(token_store=MemoryTokenStore()) as made:
        assert (made.base_url, made.client_id, made.conn_id) == ("http://127.0.0.1:9", CLIENT_ID, "hootsuite_hook_test")
    with pytest.raises(ValueError, match="organization_id"):
        HootsuiteHook("hootsuite_no_org").organization_id  # noqa: B018
