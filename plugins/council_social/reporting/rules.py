"""The policy rules every finding cites: what each checks, its clause, how serious it is, what to do.

Clauses quote the two policies by their own headings: G is Glasgow City Council's *Social Media:
Our Policy 2022*, M is Manchester City Council's *Social Media Code of Practice* (section numbers
as printed). Thresholds are not here: they live in the policy file (``config/policy.yaml``), keyed
``<rule>_<name>``; ``thresholds(policy, rule)`` lists the ones a rule uses.

Severity says how soon someone must act, not how often a thing happens:

* critical: access that must go today (a leaver still in Hootsuite, U01);
* high: a live security or safeguarding gap, or a breach of the controls the policy relies on
  (unmanaged accounts, direct posting, unregistered accounts speaking as the council, passwords,
  unlocked accounts featuring vulnerable groups, posts without approval);
* medium: housekeeping the Review Board should see through at its next meeting (dormant accounts,
  missing moderators, establishments, spamming, pre-election content, inactive or untrained users);
* low: presentation. A06 (branding) is low: an unbranded account is a reputational nuisance, but
  nothing is exposed and nobody is at risk until it is fixed.
"""

from __future__ import annotations

from typing import Any

from council_social.reporting.model import Rule

RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("A01", "Account not managed through Hootsuite",
         "G Account Security",
         "high", "Bring the account into Hootsuite (or re-authorise its profile) so every post goes through it; "
                 "until then treat it as at risk of hacking", "account"),
    Rule("A02", "Posts not sent through Hootsuite (direct posting)",
         "G Account Security (content must not be posted directly to the platform)",
         "high", "Find out who posted directly, remind them that all content goes through Hootsuite, and change "
                 "the account's password", "account"),
    Rule("A03", "Dormant account",
         "G Auditing of Accounts and Users; M 4.1 and 5.1 (redundant accounts)",
         "medium", "Ask the owning service whether the account is still needed; archive or close it if not",
         "account"),
    Rule("A04", "Account without a named moderator",
         "M 4.1 (record of all accounts and their managers); M Appendix 2 (account moderator)",
         "medium", "Ask the owning service to name a moderator and record them in the account register", "account"),
    Rule("A05", "Unregistered account in Hootsuite or using the council's name",
         "G Social Media Accounts (Review Board approval; council prefixes in handles)",
         "high", "Find out who runs it: bring it to the Review Board for approval, or report it to the platform "
                 "as an impostor and warn residents", "account"),
    Rule("A06", "Account without council branding",
         "M 5.1 What can you post on Council accounts? (clear Council branding)",
         "low", "Add the council's branding to the account's name or bio", "account"),
    Rule("A07", "Password not changed",
         "G Mitigation of Risk (passwords reset frequently); M 5.1 Leaving or moving within the Council",
         "high", "Reset the password now, share it with Central Communications and record the date in the "
                 "register", "account"),
    Rule("A08", "Education establishment accounts",
         "G Education Establishments (one account per platform; a nominated manager)",
         "medium", "Agree with the establishment to keep one account per platform and close or merge the others",
         "establishment"),
    Rule("A09", "Vulnerable groups on an account that is not locked",
         "G Public VS Private Social Media Accounts",
         "high", "Lock the account (make it private) and keep its follower list to known contacts, or stop "
                 "featuring vulnerable groups on it", "account"),
    Rule("A10", "Same or similar posts repeated (spamming)",
         "M 5.1 What can't you post on Council accounts? (spamming)",
         "medium", "Remind the account's moderators not to repeat posts; vary the content or pin one post instead",
         "account"),
    Rule("A11", "Political content during an election period",
         "G Election Period; M 5.1 What can't you post on Council accounts? (pre-election period)",
         "medium", "Review the post with the Press Office and remove it if it breaches the pre-election guidance",
         "post"),
    Rule("A12", "Post sent without the approval its author's role needs",
         "G Account Security (editor/reviewer roles)",
         "high", "Review the post with the author's manager and check the approval settings of their Hootsuite "
                 "role", "post"),
    Rule("U01", "Leaver still holding Hootsuite access",
         "G What if an Employee Leaves?; M 5.1 Leaving or moving within the Council",
         "critical", "Remove their Hootsuite access today and reset the passwords of the accounts they could reach",
         "member"),
    Rule("U02", "Inactive Hootsuite member",
         "G Removing Inactive Users",
         "medium", "Confirm with their manager that they still need access; remove their Hootsuite seat if not",
         "member"),
    Rule("U03", "GOLD training missing or overdue",
         "G Training of Approved Employees",
         "medium", "Book GOLD training (or the yearly refresher)", "member"),
    Rule("N01", "New account three months after go-live: benefits against the business case",
         "G Requests for new Social Media Accounts (three month monitoring)",
         "medium", "Review the account's business case with the owning service at the Review Board", "account"),
    Rule("L01", "Mention or comment left unanswered",
         "M 5.1 What can you post on Council accounts? (respond); G Monitoring",
         "medium", "Reply, highest reach first, or record why no reply is needed", "mention"),
    Rule("L02", "Spike in mentions",
         "M 9.1 Monitoring (all mentions of the Council)",
         "high", "Find out what is driving the spike and agree a response with the Press Office", "account"),
    Rule("L03", "Comment for a moderator's review (abusive or party-political)",
         "G Moderation of Posts and Removal; M 5.1 What can't you post on Council accounts?",
         "high", "Review the comment: hide or remove it if it breaks the house rules, and report abuse to the "
                 "platform", "comment"),
)}

#: The rules the bi-annual audit evaluates (G Auditing of Accounts and Users): accounts, then users.
ACCOUNT_RULES = tuple(f"A{n:02d}" for n in range(1, 13))
USER_RULES = ("U01", "U02", "U03")
AUDIT_RULES = ACCOUNT_RULES + USER_RULES


def rule(rule_id: str) -> Rule:
    """The rule with this id; a clear error for an unknown one."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule '{rule_id}' (known: {', '.join(RULES)})") from None


def thresholds(policy: dict[str, Any], rule_id: str) -> dict[str, Any]:
    """The policy file's settings for one rule (``A03_dormant_days`` -> ``{"dormant_days": 90}``)."""
    prefix = f"{rule_id}_"
    return {key[len(prefix):]: value for key, value in policy.get("rules", {}).items() if key.startswith(prefix)}


def describe_thresholds(policy: dict[str, Any], rule_id: str) -> str:
    """The settings a rule used, as a reader sees them: "dormant days 90; low engagement rate 0.5"."""
    return "; ".join(f"{name.replace('_', ' ')} {value}" for name, value in thresholds(policy, rule_id).items())
