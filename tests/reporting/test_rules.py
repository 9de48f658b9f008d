"""Each audit rule (A01-A12, U01-U03) on a small golden council: what it must find, and the near
misses it must leave alone. Real SQL from sql/reports/ on a real, migrated DuckDB file."""

from __future__ import annotations

import json
from datetime import date

import pytest
from reporting.golden import AS_OF, PERIOD_START, Council, golden_council

from council_social.policy import DEFAULTS
from council_social.reporting.findings import RuleQueryError, parameters, rule_file, run_rule
from council_social.reporting.rules import AUDIT_RULES, RULES, thresholds
from council_social.warehouse import connect
from council_social.warehouse.marts import refresh_marts


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """One golden warehouse for the module (rules only read it); yields (connection, expected keys)."""
    from council_social.warehouse.migrations import migrate

    path = tmp_path_factory.mktemp("golden") / "golden.duckdb"
    migrate(path)
    with connect(path) as con:
        expected = golden_council(con)
        refresh_marts(con)
        yield con, expected


def found(con, rule_id: str, policy=DEFAULTS, **dates):
    values = parameters(policy, as_of=dates.get("as_of", AS_OF), period_start=dates.get("period_start", PERIOD_START),
                        rule_id=rule_id)
    return {f.finding_key: f for f in run_rule(con, rule_id, values)}


@pytest.mark.parametrize("rule_id", AUDIT_RULES)
def test_each_rule_finds_exactly_the_planted_cases(golden, rule_id):
    con, expected = golden
    findings = found(con, rule_id)
    assert set(findings) == expected[rule_id]
    rule = RULES[rule_id]
    for finding in findings.values():
        assert finding.rule == rule_id and finding.clause == rule.clause and finding.severity == rule.severity
        assert finding.summary and finding.action and finding.evidence, finding
        assert finding.subject_kind == rule.subject_kind
        json.dumps(finding.evidence, default=str)


def test_direct_posting_spares_an_account_that_posts_only_through_hootsuite(golden):
    con, _ = golden
    findings = found(con, "A02")
    assert "A02:x:mccgood" not in findings, "its replies and its post from before Hootsuite's record do not count"
    direct = findings["A02:x:mccdirect"]
    assert direct.evidence["Posts not sent by Hootsuite"] == 2, "the post before the period is not counted"
    assert "Posted from the phone at the event" in " ".join(str(v) for v in direct.evidence.values())
    assert direct.evidence["Judged from"] == date(2026, 5, 1)


def test_a_leaver_whose_access_was_removed_before_leaving_is_not_u01(golden):
    con, _ = golden
    findings = found(con, "U01")
    assert set(findings) == {"U01:lee.active@council.gov.uk"}
    lee = findings["U01:lee.active@council.gov.uk"]
    assert lee.severity == "critical"
    assert "active in Hootsuite after leaving" in lee.summary
    assert lee.evidence["Left on"] == date(2026, 9, 1)
    assert "x:mccallleft" in lee.accounts, "the account they moderate"
    assert "x:mccward" in lee.accounts, "the account they posted to"


def test_the_council_naming_is_not_mistaken_for_residents_names(golden):
    con, _ = golden
    keys = set(found(con, "A05"))
    for resident in ("x:jmccarthy", "x:manchesterfoodie", "x:kev99", "x:mccgood", "x:mccoldnews",
                     "facebook:id:9990002", "x:mccfamilies"):
        assert f"A05:{resident}" not in keys
    impostor = found(con, "A05")["A05:x:mccfakehelp"]
    assert impostor.evidence["Naming patterns matched"] == "MCC"
    assert impostor.evidence["Mentions written"] == 1
    assert found(con, "A05")["A05:x:mccunregistered"].summary.startswith("In Hootsuite but not in the account")


def test_unbranded_means_neither_name_nor_bio_and_mccarthy_is_not_mcc(golden):
    con, _ = golden
    findings = found(con, "A06")
    assert "A06:x:growbio" not in findings, "branded in its bio"
    assert findings["A06:x:mccarthygardens"].evidence["Name on the platform"] == "Mccarthy Gardens"


def test_dormant_accounts_and_the_redundant_candidate(golden):
    con, _ = golden
    dormant = found(con, "A03")["A03:x:mccdormant"]
    assert dormant.evidence["Days without a post"] == (AS_OF - date(2026, 6, 1)).days
    assert dormant.evidence["Redundant candidate"] == "Yes" and "redundant candidate" in dormant.summary
    assert "archive" in dormant.action
    more_patient = {**DEFAULTS, "rules": {**DEFAULTS["rules"], "A03_dormant_days": 200}}
    assert found(con, "A03", more_patient) == {}, "the threshold comes from the policy"


def test_passwords_by_age_and_after_a_moderator_left(golden):
    con, _ = golden
    findings = found(con, "A07")
    assert findings["A07:x:mccoldpassword:age"].evidence["Days since"] == 183
    leaver = findings["A07:x:mccleaverpassword:leaver"]
    assert "Lee Active" in leaver.summary, "named in the earlier register version only"
    assert "A07:x:mccgood:age" not in findings, "exactly 90 days is not more than 90"
    assert "A07:x:mccchangedafter:leaver" not in findings, "changed after the moderator left"


def test_establishments_vulnerable_groups_and_approvals_explain_themselves(golden):
    con, _ = golden
    hillside = found(con, "A08")["A08:hillside primary:platform:x"]
    assert set(hillside.accounts) == {"x:hillsidepri", "x:hillsidepe"}
    youth = found(con, "A09")["A09:x:mccyouth:public_on_platform"]
    assert youth.evidence["Platform: protected"] == "No"
    approvals = found(con, "A12")
    assert {f.evidence["Author"] for f in approvals.values()} == {"Ann Editor"}
    assert all(f.accounts == ("x:mccward",) for f in approvals.values())


def test_repeated_posts_count_near_same_text_in_a_sliding_window(golden):
    con, _ = golden
    (spam,) = found(con, "A10").values()
    assert spam.subject_key == "x:mccspammy" and spam.evidence["Most times within the window"] == 3
    stricter = {**DEFAULTS, "rules": {**DEFAULTS["rules"], "A10_repeat_posts": 4}}
    assert found(con, "A10", stricter) == {}
    wider = {**DEFAULTS, "rules": {**DEFAULTS["rules"], "A10_window_days": 30}}
    assert "x:mccgood" in {f.subject_key for f in found(con, "A10", wider).values()}, "three times in 18 days"


def test_election_rule_needs_an_election_period_inside_the_audit_period(golden):
    con, _ = golden
    assert found(con, "A11", period_start=date(2026, 7, 1)) == {}


def test_training_and_inactivity_follow_the_policy_thresholds(golden):
    con, _ = golden
    lenient = {**DEFAULTS, "rules": {**DEFAULTS["rules"], "U03_training_refresh_months": 24,
                                     "U02_inactive_days": 180}}
    assert set(found(con, "U03", lenient)) == {"U03:nia.new@council.gov.uk"}
    assert found(con, "U02", lenient) == {}


def test_every_rule_has_one_query_and_thresholds_in_the_policy_defaults():
    for rule_id in AUDIT_RULES:
        sql = rule_file(rule_id).read_text()
        assert f"-- {rule_id} " in sql.splitlines()[0], "the query opens by citing its rule and clause"
    assert thresholds(DEFAULTS, "A03") == {"dormant_days": 90, "low_engagement_rate": 0.5}
    with pytest.raises(RuleQueryError, match="no query"):
        rule_file("Z99")


def test_a_rule_without_its_threshold_says_which_setting_is_missing(golden):
    con, _ = golden
    policy = {"rules": {k: v for k, v in DEFAULTS["rules"].items() if k != "A03_dormant_days"}}
    with pytest.raises(RuleQueryError, match=r"\$dormant_days"):
        found(con, "A03", policy)


def test_rules_read_the_registers_as_they_stood_on_the_evaluation_date(warehouse):
    with connect() as con:
        council = Council(con)
        council.accounts(date(2026, 1, 1), [dict(platform="x", handle="MCCOld", moderators=None)])
        council.accounts(date(2026, 6, 1), [dict(platform="x", handle="MCCOld", moderators=["a@council.gov.uk"])])
        refresh_marts(con)
        assert set(found(con, "A04", as_of=date(2026, 3, 1))) == {"A04:x:mccold:none_named"}
        assert found(con, "A04", as_of=date(2026, 7, 1)) == {}
