"""Evaluating the policy rules, and the findings store that lets each report say what changed.

A rule is one query, ``sql/reports/<rule>_<what>.sql`` (``a02_direct_posting.sql``). Every rule
query returns the same columns::

    subject_kind, subject_key, subject_name, detail_key, summary, evidence, accounts, action

``evidence`` is a JSON object of the facts a reader needs (label -> value), ``accounts`` the account
keys concerned, ``action`` null unless the finding needs a different action from the rule's own
(``rules.RULES``). Queries take named parameters: ``$as_of``, ``$period_start`` and the policy file's
thresholds: the rule's own by their short name (``$dormant_days`` in A03 for ``A03_dormant_days``),
any rule's by the whole name (``$a03_dormant_days``).

The store (``report_findings``, ``sql/migrations/005_findings.sql``) keeps one row per finding key
(``rule:subject[:detail]``) with the first and last evaluation dates it was found on. Evaluating
as of a date, in one transaction: what is found is added (first seen that day) or has its last-seen
date moved on and is open again; what was open and is no longer found is resolved that day, for
the rules evaluated and only if the date is not earlier than its last sighting (so re-evaluating an
earlier date resolves nothing); evaluating the same date again changes nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from council_social.config import settings
from council_social.reporting.model import SEVERITIES, Finding, Report
from council_social.reporting.rules import AUDIT_RULES, thresholds
from council_social.reporting.rules import rule as rule_of
from council_social.warehouse.loading import in_transaction

log = logging.getLogger(__name__)

COLUMNS = ("subject_kind", "subject_key", "subject_name", "detail_key", "summary", "evidence", "accounts")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Stored columns a re-evaluation may bring up to date.
_CONTENT = ("clause", "severity", "subject_kind", "subject_name", "summary", "action", "evidence", "accounts")


class RuleQueryError(RuntimeError):
    """A rule's query is missing, ambiguous or does not return the shape every rule returns."""


# --- the rule queries ------------------------------------------------------------------------------

def rule_file(rule_id: str) -> Path:
    """``sql/reports/<rule>_*.sql``: exactly one file per rule."""
    folder = settings().root / "sql" / "reports"
    found = sorted(folder.glob(f"{rule_id.lower()}_*.sql"))
    if len(found) != 1:
        what = "no query" if not found else f"{len(found)} queries ({', '.join(p.name for p in found)})"
        raise RuleQueryError(f"rule {rule_id}: {what} in {folder}; expected one file named {rule_id.lower()}_*.sql")
    return found[0]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


def default_period_start(as_of: date) -> date:
    """Six months up to ``as_of`` (the bi-annual audit's period): the day after the same date six months back."""
    return months_before(as_of, 6) + timedelta(days=1)


def parameters(policy: Mapping[str, Any], *, as_of: date, period_start: date,
               rule_id: str | None = None) -> dict[str, Any]:
    """Every value a rule query may name: the dates, every threshold as ``a03_dormant_days``, and the
    rule's own thresholds by their short name (``dormant_days``), which other rules may reuse."""
    values: dict[str, Any] = {"as_of": as_of, "period_start": period_start}
    for key, value in policy.get("rules", {}).items():
        values[key.lower()] = value
    if rule_id:
        values.update(thresholds(policy, rule_id))
    return values


def _evidence(value: object) -> dict[str, Any]:
    """A rule's evidence as a dict: empty facts dropped, ISO dates as dates."""
    if value is None:
        return {}
    loaded = json.loads(value) if isinstance(value, str) else dict(value)
    evidence = {}
    for key, item in loaded.items():
        if item is None or item == "":
            continue
        if isinstance(item, str) and _ISO_DATE.match(item):
            item = date.fromisoformat(item)
        evidence[key] = item
    return evidence


def finding_key(rule_id: str, subject_key: str, detail_key: str | None = "") -> str:
    return f"{rule_id}:{subject_key}" + (f":{detail_key}" if detail_key else "")


def run_rule(con, rule_id: str, values: Mapping[str, Any]) -> list[Finding]:
    """Run one rule's query; its findings, not yet stored (no first/last seen)."""
    rule = rule_of(rule_id)
    path = rule_file(rule_id)
    sql = path.read_text(encoding="utf-8")
    wanted = set(_PARAMETER.findall(sql))
    missing = sorted(wanted - set(values))
    if missing:
        raise RuleQueryError(f"{path.name}: no value for {', '.join('$' + m for m in missing)} (a threshold "
                             f"needs a '{rule_id}_<name>' setting in the policy file)")
    cursor = con.execute(sql, {name: values[name] for name in wanted})
    names = [d[0] for d in cursor.description]
    absent = [c for c in COLUMNS if c not in names]
    if absent:
        raise RuleQueryError(f"{path.name} does not return {', '.join(absent)} (every rule query returns "
                             f"{', '.join(COLUMNS)}, action)")
    findings, seen = [], set()
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        key = finding_key(rule_id, record["subject_key"], record["detail_key"])
        if key in seen:
            log.warning("%s returned %s twice; the first is kept", path.name, key)
            continue
        seen.add(key)
        findings.append(Finding(
            rule=rule_id, clause=rule.clause, severity=rule.severity, subject_kind=record["subject_kind"],
            subject_key=record["subject_key"], subject_name=record["subject_name"] or record["subject_key"],
            summary=record["summary"], action=record.get("action") or rule.action,
            evidence=_evidence(record["evidence"]), finding_key=key,
            accounts=tuple(record["accounts"] or ()),
        ))
    return findings


# --- the store -------------------------------------------------------------------------------------

_STORED = ("finding_key", "rule", "clause", "severity", "subject_kind", "subject_key", "subject_name", "summary",
           "action", "evidence", "accounts", "first_seen", "last_seen", "status", "resolved_on")


def _from_store(row: Sequence[Any], change: str | None = None) -> Finding:
    record = dict(zip(_STORED, row, strict=True))
    return Finding(
        rule=record["rule"], clause=record["clause"], severity=record["severity"],
        subject_kind=record["subject_kind"], subject_key=record["subject_key"],
        subject_name=record["subject_name"] or record["subject_key"], summary=record["summary"],
        action=record["action"], evidence=_evidence(record["evidence"]), finding_key=record["finding_key"],
        status=change or ("resolved" if record["status"] == "resolved" else "open"),
        first_seen=record["first_seen"], last_seen=record["last_seen"], resolved_on=record["resolved_on"],
        accounts=tuple(record["accounts"] or ()),
    )


def _order(findings: Iterable[Finding]) -> list[Finding]:
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: (rank[f.severity], f.rule, f.subject_name.lower(), f.finding_key))


def store(con, as_of: date, found: Mapping[str, Sequence[Finding]], run_id: str | None = None) -> list[Finding]:
    """Merge what the rules in ``found`` (rule -> its findings as of ``as_of``) found into the store.

    Public so that rules computed outside SQL (listening) keep their findings the same way. Returns
    the findings as stored (first and last seen), most severe first.
    """
    import pyarrow as pa

    now = datetime.now(UTC)
    rules = sorted(found)
    rows = [
        (f.finding_key, f.rule, f.clause, f.severity, f.subject_kind, f.subject_key, f.subject_name, f.summary,
         f.action, json.dumps(f.evidence, ensure_ascii=False, default=str), list(f.accounts))
        for rule_id in rules for f in found[rule_id]
    ]
    keys = [r[0] for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("a finding key appears twice in one evaluation")
    incoming_columns = ("finding_key", "rule", "clause", "severity", "subject_kind", "subject_key", "subject_name",
                        "summary", "action", "evidence", "accounts")
    schema = pa.schema([(c, pa.list_(pa.string()) if c == "accounts" else pa.string()) for c in incoming_columns])

    def merge() -> None:
        con.execute("""create or replace temp table incoming_findings (
            finding_key varchar, rule varchar, clause varchar, severity varchar, subject_kind varchar,
            subject_key varchar, subject_name varchar, summary varchar, action varchar, evidence json,
            accounts varchar[])""")
        if rows:
            # one Arrow batch, not a statement per finding: an audit of a large council finds thousands
            batch = pa.Table.from_pylist([dict(zip(incoming_columns, row, strict=True)) for row in rows],
                                         schema=schema)
            con.register("incoming_batch", batch)
            try:
                con.execute("insert into incoming_findings select * replace (evidence::json as evidence)"
                            " from incoming_batch")
            finally:
                con.unregister("incoming_batch")
        # found on or after its last sighting (and not before it was resolved): the finding as it stands now
        current = "($as_of >= stored.last_seen and (stored.resolved_on is null or $as_of >= stored.resolved_on))"
        content = ", ".join(f"{c} = case when {current} then incoming.{c} else stored.{c} end" for c in _CONTENT)
        changed = " or ".join(
            [f"({current} and stored.{c} is distinct from incoming.{c})" for c in _CONTENT]
            + ["stored.first_seen > $as_of", "stored.last_seen < $as_of",
               f"({current} and (stored.status <> 'open' or stored.resolved_on is not null))"])
        con.execute(f"""
            update report_findings as stored set
                {content},
                first_seen = least(stored.first_seen, $as_of),
                last_seen = greatest(stored.last_seen, $as_of),
                status = case when {current} then 'open' else stored.status end,
                resolved_on = case when {current} then null else stored.resolved_on end,
                run_id = $run_id,
                updated_at = $now
            from incoming_findings as incoming
            where stored.finding_key = incoming.finding_key and ({changed})""",
                    {"as_of": as_of, "run_id": run_id, "now": now})
        con.execute("""
            insert into report_findings (finding_key, rule, clause, severity, subject_kind, subject_key,
                subject_name, summary, action, evidence, accounts, first_seen, last_seen, status, resolved_on,
                run_id, updated_at)
            select incoming.*, $as_of, $as_of, 'open', null, $run_id, $now
            from incoming_findings as incoming
            anti join report_findings as stored on stored.finding_key = incoming.finding_key""",
                    {"as_of": as_of, "run_id": run_id, "now": now})
        if rules:
            con.execute("""
                update report_findings as stored set status = 'resolved', resolved_on = $as_of, run_id = $run_id,
                    updated_at = $now
                where list_contains($rules, stored.rule) and stored.status = 'open' and stored.last_seen <= $as_of
                  and stored.finding_key not in (select finding_key from incoming_findings)""",
                        {"as_of": as_of, "run_id": run_id, "now": now, "rules": rules})
        for rule_id in rules:
            con.execute("""
                insert into report_rule_runs (rule, as_of, findings, run_id, evaluated_at)
                values ($rule, $as_of, $findings, $run_id, $now)
                on conflict (rule, as_of) do update set findings = excluded.findings, run_id = excluded.run_id,
                    evaluated_at = excluded.evaluated_at
                where report_rule_runs.findings <> excluded.findings""",
                        {"rule": rule_id, "as_of": as_of, "findings": len(found[rule_id]), "run_id": run_id,
                         "now": now})
        con.execute("drop table incoming_findings")

    in_transaction(con, merge)
    if not keys:
        return []
    stored = con.execute(f"select {', '.join(_STORED)} from report_findings"
                         " where finding_key in (select unnest($keys))", {"keys": keys}).fetchall()
    return _order(_from_store(row, "new" if row[11] >= as_of else "open") for row in stored)


def evaluate(con, as_of: date, rules: Sequence[str] | None = None, policy: Mapping[str, Any] | None = None,
             run_id: str | None = None, *, period_start: date | None = None) -> list[Finding]:
    """Run ``rules`` (default: the audit's, A01-A12 and U01-U03) as of ``as_of`` and store what they find.

    ``period_start`` bounds the rules that look at activity (posts, messages, mentions); by default
    the six months up to ``as_of``. Needs a writable connection: the marts are refreshed first, so a
    warehouse loaded by older code still has every view the rules read.
    """
    from council_social.policy import load_policy
    from council_social.warehouse.marts import refresh_marts

    policy = policy if policy is not None else load_policy()
    rules = tuple(rules or AUDIT_RULES)
    for rule_id in rules:
        rule_of(rule_id)
    period_start = period_start or default_period_start(as_of)
    refresh_marts(con)
    found = {rule_id: run_rule(con, rule_id, parameters(policy, as_of=as_of, period_start=period_start,
                                                        rule_id=rule_id))
             for rule_id in rules}
    log.info("rules as of %s: %s", as_of.isoformat(), ", ".join(f"{r} {len(f)}" for r, f in found.items()))
    return store(con, as_of, found, run_id)


def changes_since(con, rules: Sequence[str], previous_as_of: date | None, as_of: date) -> list[Finding]:
    """The findings of ``rules`` against the previous report (as of ``previous_as_of``; None: the first).

    new: found as of ``as_of``, first seen after the previous report; open: found then and still found;
    resolved: found at the previous report, resolved since. Most severe first.
    """
    rows = con.execute(f"""
        select {', '.join(_STORED)},
            case
                when first_seen <= $as_of and last_seen >= $as_of
                    then case when $previous is null or first_seen > $previous then 'new' else 'open' end
                when status = 'resolved' and $previous is not null and first_seen <= $previous
                     and last_seen >= $previous and resolved_on <= $as_of
                    then 'resolved'
            end as change
        from report_findings
        where list_contains($rules, rule) and change is not null""",
                       {"rules": list(rules), "previous": previous_as_of, "as_of": as_of}).fetchall()
    return _order(_from_store(row[:-1], row[-1]) for row in rows)


# --- report runs -----------------------------------------------------------------------------------

def previous_run(con, report: str, before: date, *, subject: str | None = None) -> dict[str, Any] | None:
    """The latest report of this kind produced as of a date before ``before`` (None: there is none)."""
    row = con.execute(
        "select period, as_of, period_start, period_end, output_dir from report_runs"
        " where report = $report and as_of < $before and ($subject is null or subject = $subject)"
        " order by as_of desc, generated_at desc limit 1",
        {"report": report, "before": before, "subject": subject}).fetchone()
    if row is None:
        return None
    return dict(zip(("period", "as_of", "period_start", "period_end", "output_dir"), row, strict=True))


def record_run(con, report: Report, output_dir: Path | str, run_id: str | None = None, *,
               period_start: date | None = None, period_end: date | None = None,
               subject: str | None = None) -> None:
    """Record a produced report in ``report_runs`` (a rerun for the same period replaces its row).

    The next report of the kind compares itself with this one ("new / still open / resolved since").
    """
    changes = report.counts_by_change()
    values = {
        "report": report.report, "period": report.period, "as_of": report.as_of,
        "period_start": period_start or getattr(report, "period_start", None),
        "period_end": period_end or getattr(report, "period_end", None) or report.as_of,
        "subject": subject or getattr(report, "subject", None) or None,
        "output_dir": str(output_dir), "total": sum(report.counts_by_severity().values()),
        "new": changes["new"], "open": changes["open"], "resolved": changes["resolved"], "run_id": run_id,
        "now": datetime.now(UTC),
    }
    in_transaction(con, lambda: con.execute("""
        insert or replace into report_runs (report, period, as_of, period_start, period_end, subject, output_dir,
            findings_total, findings_new, findings_open, findings_resolved, run_id, generated_at)
        values ($report, $period, $as_of, $period_start, $period_end, $subject, $output_dir, $total, $new, $open,
            $resolved, $run_id, $now)""", values))
