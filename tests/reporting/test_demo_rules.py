"""The demo organisation, loaded through the real loaders, triggers every audit rule it plants.

Each scenario the generator planted for A01-A12 and U01-U03 (``Organisation.scenarios``) must come
out of the rules as a finding about that account, establishment or person: the demo shows every
check working, and a change to the generator or to a rule that breaks one is caught here.
"""

from __future__ import annotations

import pytest
from demo_load import load_demo

from council_social.demo.organisation import build_organisation
from council_social.reporting.audit import build_audit
from council_social.reporting.inactive_users import build_inactive_users
from council_social.reporting.rules import AUDIT_RULES, USER_RULES
from council_social.warehouse import connect


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from council_social.warehouse.migrations import migrate

    organisation = build_organisation()
    home = tmp_path_factory.mktemp("demo-rules")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COUNCIL_SOCIAL_DATA_DIR", str(home / "var"))
        env.setenv("COUNCIL_SOCIAL_REPORTS", str(home / "reports"))
        migrate()
        load_demo(organisation)
        with connect() as con:
            # Everything the demo generated is in the audit's period.
            audit = build_audit(con, period_start=organisation.history_start, period_end=organisation.as_of)
            users = build_inactive_users(con, as_of=organisation.as_of)
        yield organisation, audit, users


def about(finding) -> set[str]:
    """What a finding is about, in the words a scenario uses: its subject and the accounts it names."""
    return {finding.subject_key.lower(), finding.subject_name.lower(), *finding.accounts}


def test_every_planted_scenario_is_found(demo):
    organisation, audit, _ = demo
    planted = [s for s in organisation.scenarios if s.rule in AUDIT_RULES]
    assert {s.rule for s in planted} == set(AUDIT_RULES), "the demo plants something for every audit rule"
    missed = [s for s in planted
              if not any(s.subject.lower() in about(f) for f in audit.findings if f.rule == s.rule)]
    assert missed == []


def test_the_demo_audit_has_no_finding_the_generator_did_not_plant(demo):
    """Everything found is either planted or follows from something planted (a direct post follows
    from an account outside Hootsuite)."""
    organisation, audit, _ = demo
    planted = {(s.rule, s.subject.lower()) for s in organisation.scenarios}
    outside_hootsuite = {s.subject for s in organisation.scenarios if s.rule == "A01"}
    unexplained = [(f.rule, f.subject_key) for f in audit.findings
                   if not any((f.rule, key) in planted for key in about(f))
                   and not (f.rule == "A02" and f.subject_key in outside_hootsuite)]
    assert unexplained == []


def test_the_inactive_user_report_lists_the_planted_people(demo):
    organisation, _, users = demo
    planted = {(s.rule, s.subject) for s in organisation.scenarios if s.rule in USER_RULES}
    assert {(f.rule, f.subject_key) for f in users.findings} == planted
    leavers = users.sections[0]
    assert leavers.findings and all(f.accounts for f in leavers.findings), "each leaver's accounts are listed"
