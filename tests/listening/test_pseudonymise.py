"""Private individuals get a stable pseudonym; council accounts, organisations and public figures are named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from support import query

from council_social.listening.mentions import refresh
from council_social.listening.pseudonymise import Pseudonymiser, pseudonym_key, pseudonymiser
from council_social.warehouse import connect


def names(**kwargs) -> Pseudonymiser:
    return Pseudonymiser(key=b"k" * 32, council={("x", "mancitycouncil")}, organisations=frozenset({"mcreveningdesk"}),
                         min_reach=10000, **kwargs)


def test_private_individuals_get_a_stable_keyed_pseudonym():
    first = names().author("x", handle="kev_holt61", author_id="42", reach=120)
    assert first.startswith("Resident ") and len(first) == len("Resident 4F2A9C")
    assert names().author("x", handle="@Kev_Holt61") == first, "the same person, however the handle is written"
    assert names().author("x", handle="someone_else") != first
    other_key = Pseudonymiser(key=b"z" * 32)
    assert other_key.author("x", handle="kev_holt61") != first, "without the key the pseudonym cannot be recomputed"


def test_council_accounts_organisations_and_public_figures_are_named():
    shown = names()
    assert shown.author("x", handle="ManCityCouncil") == "@ManCityCouncil"
    assert shown.author("x", handle="MCREveningDesk", reach=50) == "@MCREveningDesk"
    assert shown.author("x", handle="famous", verified=True, reach=250000) == "@famous"
    assert shown.author("x", handle="blue_tick", verified=True, reach=300).startswith("Resident ")
    assert shown.author("facebook", author_id="fb-1", name="Pat Smith").startswith("Resident ")
    assert shown.author("facebook", author_id="fb-2", name="Any Council Page", is_council=True) == "Any Council Page"


def test_handles_in_text_and_links_are_pseudonymised():
    shown = names()
    text = shown.text("x", "@ManCityCouncil @jo_bloggs says bins missed, ask @MCREveningDesk")
    assert text.startswith("@ManCityCouncil Resident ") and "jo_bloggs" not in text
    assert text.endswith("ask @MCREveningDesk")
    assert "Resident " + text.split("Resident ")[1][:6] == shown.author("x", handle="jo_bloggs")
    assert shown.url("x", "123", "https://x.com/jo_bloggs/status/123", public=False) == "https://x.com/i/web/status/123"
    assert shown.url("x", "123", "https://x.com/famous/status/123", public=True) == "https://x.com/famous/status/123"


def test_switched_off_everyone_is_named():
    shown = Pseudonymiser(key=b"", enabled=False)
    assert shown.author("x", handle="jo_bloggs") == "@jo_bloggs"
    assert shown.text("x", "hi @jo_bloggs") == "hi @jo_bloggs"


def test_the_key_is_generated_once_and_kept_in_the_warehouse(warehouse):
    with connect() as con:
        first = pseudonym_key(con)
        assert pseudonym_key(con) == first
    assert len(first) == 64
    assert query("select count(*) from ops_keys where name = 'listening_pseudonym_key'") == [(1,)]


def test_an_airflow_connection_provides_the_key_when_there_is_one(warehouse, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_LISTENING_PSEUDONYM_KEY", '{"conn_type": "generic", "password": "from-vault"}')
    with connect() as con:
        assert pseudonym_key(con) == b"from-vault"
    assert query("select count(*) from ops_keys") == [(0,)], "no key is stored when the connection gives one"


def test_a_read_only_warehouse_without_a_key_says_what_to_do(warehouse):
    from council_social.warehouse import WarehouseError

    with connect(read_only=True) as con, pytest.raises(WarehouseError, match="run the listening DAG once"):
        pseudonym_key(con)


def test_verified_authors_named_in_text_are_looked_up(council):
    council.standard()
    council.mention("1", datetime(2026, 11, 2, tzinfo=UTC), "hello", author="BigVoice", verified=True,
                    followers=500000)
    with connect() as con:
        refresh(con, run_id="test", now=datetime(2026, 11, 3, tzinfo=UTC))
        shown = pseudonymiser(con)
        shown.learn(con, [("x", "ask @BigVoice and @small_person")])
    text = shown.text("x", "ask @BigVoice and @small_person")
    assert text.startswith("ask @BigVoice and Resident ")
