"""Hootsuite stream and listening exports dropped in the inbox reach the mentions fact."""

from __future__ import annotations

from datetime import UTC, date, datetime

from support import drop_into, query

from council_social.config import settings
from council_social.hootsuite.exports import land_inbox_files, load_landed_files
from council_social.listening.mentions import refresh
from council_social.warehouse import connect

DAY = date(2026, 11, 3)
EXPORT = (
    "Date (GMT),Network,Author,Full Name,Full Text,Url,Twitter Followers,Language,Query Name\n"
    "2026-11-02 09:15,Twitter,@jo_resident,Jo Resident,\"@ManCityCouncil is the tip open on Sunday?\","
    "https://twitter.com/jo_resident/status/1850000000000000001,1203,en,Brand mentions\n"
    "2026-11-02 10:00,X,@sam_r,Sam R,\"=HYPERLINK(\"\"http://example.com\"\",\"\"refund\"\") <b>claim</b>\","
    "https://x.com/sam_r/status/1850000000000000002,88,en,Brand mentions\n"
    "not a date,Twitter,@x_user,X User,Manchester City Council bins,https://x.com/x_user/status/3,5,en,Brand\n"
    "2026-11-02 11:00,Facebook,Pat,Pat Person,Manchester City Council sorted the lights,"
    "https://www.facebook.com/some.page/posts/99,,en,Brand mentions\n"
    "2026-11-02 12:00,Twitter,@api_copy,Api Copy,a stale copy of a post the API brought,"
    "https://x.com/api_copy/status/1850000000000000009,10,en,Brand mentions\n"
)


def test_a_listening_export_loads_and_joins_the_fact(council):
    council.standard()
    council.mention("1850000000000000009", datetime(2026, 11, 2, 12, tzinfo=UTC), "@ManCityCouncil the API's own copy")
    drop_into(settings().hootsuite_inbox, "hootsuite_insights_mentions.csv", EXPORT)
    outcome = load_landed_files(land_inbox_files(DAY), "test")["outcomes"][0]
    assert (outcome["kind"], outcome["rows_loaded"], outcome["rows_quarantined"]) == ("mentions", 4, 1)
    assert query("select line, reason from ops_quarantine where source = 'hootsuite'") == [
        (4, "'Date (GMT)': 'not a date' is not a date and time (written like 2026-10-01 14:05)")]
    stored = dict(query("select mention_key, text from hootsuite_mentions"))
    assert stored["x:1850000000000000002"].startswith('=HYPERLINK("http://example.com"'), "text kept verbatim"
    assert any(key.startswith("facebook:url:") for key in stored), "no id: keyed by its link"

    with connect() as con:
        refresh(con, run_id="test", now=datetime(2026, 11, 3, tzinfo=UTC))
    rows = {r[0]: r[1:] for r in query(
        "select mention_id, source_kind, author_handle, author_reach, council_account, needs_reply, text"
        " from listening_mentions")}
    assert rows["1850000000000000001"][:5] == ("hootsuite_stream", "jo_resident", 1203, "x:mancitycouncil", True)
    assert rows["1850000000000000009"][0] == "mention" and rows["1850000000000000009"][5] == \
        "@ManCityCouncil the API's own copy", "the API's row wins over the export's copy"
    assert len(rows) == 4
