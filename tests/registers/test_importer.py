"""Register import, with the bad files people really drop."""

from __future__ import annotations

import json
from datetime import date

import pytest
from support import drop_into, query
from support import workbook as xlsx

from council_social.config import settings
from council_social.landing import read_landed
from council_social.registers.importer import land_inbox_files, load_landed_files, tidy_inbox

ACCOUNTS = (
    "Account name,Profile URL,Service,Moderators,Approval date,Go live date,Hootsuite,Private,Status\n"
    "Manchester City Council Twitter,twitter.com/ManCityCouncil,Comms,a.b@manchester.gov.uk; c.d@manchester.gov.uk,"
    "01/02/2015,2015-03-01,Yes,No,active\n"
    "Manchester Libraries Facebook,facebook.com/manchesterlibraries,Libraries,e.f@manchester.gov.uk,"
    "2016-05-01,2016-06-01,Yes,No,\n"
)


def drop(name: str, data: bytes | str) -> None:
    drop_into(settings().register_inbox, name, data)


def run_import(day=date(2026, 10, 31)) -> dict[str, dict]:
    loaded = load_landed_files(land_inbox_files(day), "test_run")
    tidy_inbox(loaded["outcomes"])
    return {o["name"]: o for o in loaded["outcomes"]}




def test_account_register_loads_with_handles_from_links(warehouse):
    drop("account_register_2026-04-01.csv", ACCOUNTS)
    outcome = run_import()["account_register_2026-04-01.csv"]
    assert outcome["status"] == "loaded" and outcome["rows_loaded"] == 2 and outcome["rows_quarantined"] == 0
    rows = query("select platform, handle, handle_key, moderators, approved_on, status, source_line "
                 "from register_accounts_as_of(date '2026-05-01') order by platform")
    assert rows == [
        ("facebook", "manchesterlibraries", "manchesterlibraries", ["e.f@manchester.gov.uk"], date(2016, 5, 1),
         "active", 3),
        ("x", "ManCityCouncil", "mancitycouncil", ["a.b@manchester.gov.uk", "c.d@manchester.gov.uk"],
         date(2015, 2, 1), "active", 2),
    ]
    assert not list(settings().register_inbox.glob("*.csv")), "a loaded file leaves the inbox"


def test_history_answers_what_the_register_said_on_a_date(warehouse):
    drop("account_register_2026-04-01.csv", ACCOUNTS)
    run_import()
    newer = ACCOUNTS.replace("Yes,No,\n", "Yes,No,archived\n")
    newer += "MCC Gorton,twitter.com/MCCGorton,Neighbourhoods,g.h@manchester.gov.uk,2026-06-01,2026-06-15,Yes,No,\n"
    drop("account_register_2026-07-01.csv", newer)
    run_import()

    def state(day):
        return query("select handle, status from register_accounts_as_of(?::date) order by handle", day)

    assert state("2026-03-31") == []
    assert state("2026-06-30") == [("ManCityCouncil", "active"), ("manchesterlibraries", "active")]
    assert state("2026-07-01") == [("MCCGorton", "active"), ("ManCityCouncil", "active"),
                                   ("manchesterlibraries", "archived")]


def test_cumulative_register_keeps_earlier_files(warehouse):
    drop("hr_leavers_2026-09-01.csv", "Name,Email,Leaving date\nAnn Lee,ann.lee@manchester.gov.uk,2026-08-29\n")
    run_import()
    drop("hr_leavers_2026-10-01.csv", "Name,Email,Leaving date\nBob Roe,bob.roe@manchester.gov.uk,30/09/2026\n")
    run_import()
    assert query("select email from register_leavers_as_of(date '2026-10-15') order by email") == [
        ("ann.lee@manchester.gov.uk",), ("bob.roe@manchester.gov.uk",)]
    assert query("select email from register_leavers_as_of(date '2026-09-15')") == [("ann.lee@manchester.gov.uk",)]


def test_the_same_file_dropped_again_is_a_no_op(warehouse):
    drop("account_register_2026-04-01.csv", ACCOUNTS)
    run_import()
    before = query("select * from register_accounts order by handle")
    drop("renamed copy of the register 2026-04-01.csv", ACCOUNTS)
    outcome = run_import()["renamed copy of the register 2026-04-01.csv"]
    assert outcome["status"] == "duplicate"
    assert "same content as 'account_register_2026-04-01.csv'" in outcome["message"]
    assert query("select * from register_accounts order by handle") == before
    assert query("select count(*) from ops_file_ledger") == [(1,)]


def test_unparseable_date_quarantines_only_that_row(warehouse):
    bad = ACCOUNTS + "MCC Gorton,twitter.com/MCCGorton,Neighbourhoods,,31/13/2026,,Yes,No,\n"
    drop("account_register_2026-04-01.csv", bad)
    outcome = run_import()["account_register_2026-04-01.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (2, 1)
    assert outcome["problems"] == ["line 4: 'Approval date': '31/13/2026' is not a date (use YYYY-MM-DD or DD/MM/YYYY)"]
    [(line, reason, raw)] = query("select line, reason, raw from ops_quarantine")
    assert line == 4 and "31/13/2026" in reason
    assert json.loads(raw)["Profile URL"] == "twitter.com/MCCGorton", "the bad row is kept whole"
    note = settings().register_inbox / "needs-attention" / "account_register_2026-04-01.csv.problems.txt"
    assert "line 4: 'Approval date'" in note.read_text()


def test_missing_required_column_refuses_the_file_and_moves_it_aside(warehouse):
    drop("hr_leavers.csv", "Name,Email\nAnn Lee,ann.lee@manchester.gov.uk\n")
    outcome = run_import()["hr_leavers.csv"]
    assert outcome["status"] == "rejected"
    assert "hr_leavers.csv" in outcome["message"] and "'leaving_date'" in outcome["message"]
    assert "'date left'" in outcome["message"], "the message says which headers would do"
    attention = settings().register_inbox / "needs-attention"
    assert (attention / "hr_leavers.csv").exists()
    assert "missing required column" in (attention / "hr_leavers.csv.problems.txt").read_text()
    assert query("select status, entity from ops_file_ledger") == [("rejected", "leavers")]
    assert query("select line from ops_quarantine") == [(0,)]


def test_renamed_columns_are_recognised_through_aliases(warehouse):
    drop("leavers.csv",
         "Employee name;E-mail;Last day;Department\nAnn Lee;ANN.LEE@manchester.gov.uk;29/08/2026;Comms\n")
    outcome = run_import()["leavers.csv"]
    assert outcome["rows_loaded"] == 1
    assert query("select email, leaving_date, service from register_leavers") == [
        ("ann.lee@manchester.gov.uk", date(2026, 8, 29), "Comms")]


def test_wrong_encoding_is_refused_with_a_clear_message(warehouse):
    drop("hr_leavers.csv", b"Name,Email,Leaving date\n\x81\x8d\x8f\x90\x9d,bad@x.gov.uk,2026-01-01\n")
    outcome = run_import()["hr_leavers.csv"]
    assert outcome["status"] == "rejected"
    assert "hr_leavers.csv: this is not a readable text file" in outcome["message"]


def test_windows_1252_file_loads_its_accents(warehouse):
    text = "Name,Email,Leaving date\nSeán Ó Briain,sean@manchester.gov.uk,2026-01-01\n"
    drop("hr_leavers.csv", text.encode("cp1252"))
    run_import()
    assert query("select name from register_leavers") == [("Seán Ó Briain",)]


def test_duplicate_rows_keep_the_first_and_quarantine_the_rest(warehouse):
    same = "Ann Lee,ann.lee@manchester.gov.uk,2026-08-29\n"
    drop("hr_leavers.csv", "Name,Email,Leaving date\n" + same + same
         + "Ann Lee,ann.lee@manchester.gov.uk,2026-09-30\n")
    outcome = run_import()["hr_leavers.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 2)
    assert outcome["problems"] == [
        "line 3: repeats line 2",
        "line 4: has the same email as line 2 with different values; kept the first, check which is right",
    ]
    assert query("select leaving_date from register_leavers") == [(date(2026, 8, 29),)]


def test_empty_file_is_refused_and_kept(warehouse):
    drop("gold_training.csv", b"")
    outcome = run_import()["gold_training.csv"]
    assert outcome["status"] == "rejected" and "the file is empty" in outcome["message"]
    assert read_landed(outcome["landing_path"]) == b"", "even an empty file is kept as received"


def test_truncated_file_loads_what_is_whole_and_flags_the_cut(warehouse):
    text = "Name,Email,Leaving date\nAnn Lee,ann.lee@manchester.gov.uk,2026-08-29\nBob Roe,bob.roe@manch"
    drop("hr_leavers.csv", text)
    outcome = run_import()["hr_leavers.csv"]
    assert (outcome["rows_loaded"], outcome["rows_quarantined"]) == (1, 1)
    assert "line 3: ends early" in outcome["problems"][0]


def test_xlsx_with_title_block_and_extra_sheets(warehouse):
    data = xlsx(
        ("Notes", [["How to fill in this register"], ["Ask Central Communications"]]),
        ("Register", [
            ["Manchester City Council — Social media account register"],
            ["Maintained by Central Communications"],
            [],
            ["Account name", "Profile URL", "Go live date", "Hootsuite", "Target followers", "Status"],
            ["MCC Gorton", "twitter.com/MCCGorton", date(2026, 7, 1), "Yes", 1500, "Active"],
            ["Manchester Parks", "instagram.com/mcrparks", 46204, "No", None, None],
        ]),
    )
    drop("account_register_2026-08-01.xlsx", data)
    outcome = run_import()["account_register_2026-08-01.xlsx"]
    assert outcome["status"] == "loaded" and outcome["rows_loaded"] == 2
    assert any("ignored sheet(s): Notes" in n for n in outcome["notes"])
    assert query("select handle, go_live_on, target_followers, managed_in_hootsuite, source_line "
                 "from register_accounts order by handle") == [
        ("MCCGorton", date(2026, 7, 1), 1500, True, 5), ("mcrparks", date(2026, 7, 1), None, False, 6)]


def test_unknown_platform_and_bad_link_are_explained(warehouse):
    drop("account_register.csv", "Account name,Platform,Handle,Profile URL\n"
         "Old thing,Myspace,mcc,\nNews page,,,https://www.manchester.gov.uk/news\n")
    outcome = run_import()["account_register.csv"]
    assert outcome["rows_quarantined"] == 2
    assert "'Myspace' is not a platform we know" in outcome["problems"][0]
    assert "is not a link to a platform we know" in outcome["problems"][1]


def test_unrecognised_file_name_is_placed_by_its_header(warehouse):
    drop("export (3).csv", "Name,Email,Course,Training date\nAnn Lee,ann.lee@manchester.gov.uk,GOLD,2026-01-05\n")
    outcome = run_import()["export (3).csv"]
    assert outcome["kind"] == "training" and outcome["rows_loaded"] == 1


def test_a_file_that_is_no_register_is_refused(warehouse):
    drop("budget.csv", "Cost centre,Amount\nA1,100\n")
    outcome = run_import()["budget.csv"]
    assert outcome["status"] == "rejected" and "cannot tell which register" in outcome["message"]


def test_nothing_is_lost_every_original_is_in_the_landing_zone(warehouse):
    drop("account_register_2026-04-01.csv", ACCOUNTS)
    drop("hr_leavers.csv", "Name,Email\n")
    outcomes = run_import()
    for name, outcome in outcomes.items():
        original = ACCOUNTS.encode() if name.startswith("account") else b"Name,Email\n"
        assert read_landed(outcome["landing_path"]) == original
        assert "/registers/" in outcome["landing_path"] and "/dt=2026-10-31/" in outcome["landing_path"]


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil\")", "<script>alert(1)</script>"])
def test_text_is_stored_as_data(warehouse, cell):
    drop("brand_patterns.csv", f"Pattern,Use,Note\nMCC,naming,\"{cell.replace(chr(34), chr(34) * 2)}\"\n")
    run_import()
    assert query("select note from register_brand_patterns") == [(cell,)]
