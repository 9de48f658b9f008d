"""What a loading task does with its gates' outcomes, once its loads are done.

A task wraps its loads in ``gated``::

    with gated():
        return load_landed_files(landed, run_id)

On entry Great Expectations is imported and run once on a tiny frame (seconds of first-use costs:
better before the warehouse is opened than while holding it). On exit, with the load's connection closed:

1. a refused batch (rolled back by its loader) gets its results into ``ops_validation_results`` and
   ``ops_batches`` in a transaction of its own; a refused file is also quarantined whole
   (``ops_quarantine`` line 0) and moved from the inbox to ``needs-attention/`` with a problems note,
   like a file that could not be read. An API batch needs nothing more: its pages stay in the landing
   zone and its watermark did not move, so the next run fetches it again;
2. the data team (the ``data_quality`` recipients in the report recipients register) is emailed
   about every refused or warned batch, once per run and batch;
3. every validation result is published to the Data Docs (``<reports>/data_docs/``). A Data Docs
   failure is logged and never fails a good load;
4. if a refusal stopped the load, the task fails with a message naming the suite, the expectation
   and example values, without retries (the same data would fail again).
"""

from __future__ import annotations

import logging
from pathlib import Path

from council_social.validation.gates import (
    QUARANTINE_PREFIX,
    BatchRejected,
    Gatekeeper,
    GateOutcome,
    _keeper,
    record,
)

log = logging.getLogger(__name__)

REPORT = "data_quality"
NEEDS_ATTENTION = "needs-attention"


class gated:  # noqa: N801 - used as a statement: ``with gated(): ...``
    """Collect the gates' outcomes of the loads run inside it and act on them afterwards."""

    def __enter__(self) -> Gatekeeper:
        import great_expectations  # noqa: F401 - seconds to import: now, not while the warehouse is held

        from council_social.validation.engine import warm_up

        warm_up()
        self.keeper = Gatekeeper()
        self.token = _keeper.set(self.keeper)
        return self.keeper

    def __exit__(self, exc_type, exc, tb) -> bool:
        _keeper.reset(self.token)
        settle(self.keeper.outcomes)
        if isinstance(exc, BatchRejected):
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(str(exc)) from exc
        return False


def settle(outcomes: list[GateOutcome]) -> None:
    """Keep refusals, set refused files aside, tell the data team, publish the Data Docs."""
    for outcome in outcomes:
        if outcome.status == "failed":
            _guarded(keep_refusal, outcome, "could not record the refusal of")
            _guarded(set_aside, outcome, "could not set aside")
    for outcome in outcomes:
        if outcome.status != "passed":
            _guarded(notify, outcome, "could not email the data team about")
    try:
        from council_social.validation.engine import publish

        publish([(r.gx_suite, r.gx_result, o.batch.run_id, o.batch.batch_id, o.validated_at)
                 for o in outcomes for r in o.results if r.gx_result is not None])
    except Exception:  # the Data Docs are a view of results already kept; they must not fail a load
        log.exception("Data Docs not updated")


def _guarded(step, outcome: GateOutcome, what: str) -> None:
    try:
        step(outcome)
    except Exception:
        log.exception("%s %s", what, outcome.batch.label)


def keep_refusal(outcome: GateOutcome) -> None:
    """Results and batch row of a refused batch, and the whole file quarantined, in a new transaction."""
    from datetime import UTC, datetime

    from council_social.warehouse import connect
    from council_social.warehouse.loading import in_transaction

    batch = outcome.batch
    with connect(Path(outcome.warehouse) if outcome.warehouse else None) as con:
        def work() -> None:
            record(con, outcome)
            if batch.file_sha256:
                con.execute(
                    "insert or replace into ops_quarantine (file_sha256, line, source, entity, original_name,"
                    " landing_path, reason, raw, run_id, quarantined_at) values (?, 0, ?, ?, ?, ?, ?, null, ?, ?)",
                    [batch.file_sha256, batch.source, batch.entity, batch.name or batch.batch_id,
                     batch.landing_path or "", QUARANTINE_PREFIX + outcome.message(), batch.run_id,
                     datetime.now(UTC)])

        in_transaction(con, work)


def problems_note(outcome: GateOutcome) -> str:
    batch = outcome.batch
    lines = [f"{batch.source.title()} import: {batch.name}",
             "Result: refused by the validation gate; nothing from this file was loaded", ""]
    lines += [f"  - {result.suite.name}: {check.describe()}" for result, check in outcome.failures
              if check.check.level == "error"]
    lines += ["", "Fix the file and drop the whole file again. If the file is right and a check is wrong, ask the "
              f"data team to correct expectations/{outcome.suites[0]}.json, then move this file back into the inbox.",
              "", f"The original is kept at {batch.landing_path}", ""]
    return "\n".join(lines)


def set_aside(outcome: GateOutcome) -> Path | None:
    """Move a refused file from the inbox to ``needs-attention/``, with a note saying why."""
    batch = outcome.batch
    if not batch.inbox_path:
        return None
    source = Path(batch.inbox_path)
    attention = source.parent / NEEDS_ATTENTION
    attention.mkdir(parents=True, exist_ok=True)
    (attention / f"{source.name}.problems.txt").write_text(problems_note(outcome), encoding="utf-8")
    if source.exists():
        source.replace(attention / source.name)
    return attention / source.name


def notify(outcome: GateOutcome) -> str | None:
    """Email the data team about a refused or warned batch (once per run and batch)."""
    from council_social.config import settings
    from council_social.delivery.email import compose, deliver
    from council_social.reporting.render import render

    batch = outcome.batch
    refused = outcome.status == "failed"
    to = outcome.recipients
    if not to["to"] and not to["cc"]:
        log.warning("nobody is listed for '%s' in the report recipients register: %s not emailed", REPORT,
                    batch.label)
        return None
    subject = (f"Data quality: {batch.label} {'refused' if refused else 'loaded with warnings'} "
               f"({len(outcome.failures)} expectation(s) not met)")
    if refused:
        happened = ("an error-level expectation failed, so the load was rolled back: nothing of this batch reached "
                    "the warehouse or the reports, and the Airflow task failed. ")
        happened += ("The file was quarantined and moved to needs-attention/ beside the inbox with a problems note."
                     if batch.file_sha256 else
                     "Its pages stay in the landing zone and the watermark did not move, so the next run fetches "
                     "them again.")
        todo = ("fix the source and drop the file again; if the data is right and a check is wrong, correct the "
                "suite in expectations/ and move the file back into the inbox (or rerun the task)."
                if batch.file_sha256 else
                "fix the cause at the source, or correct the suite in expectations/ if the check is wrong, then "
                "clear the failed task so it runs again.")
    else:
        happened = "only warning-level expectations failed: the batch was loaded and the reports will read it."
        todo = "check the examples below; nothing is blocked."
    failures = [{"level": c.check.level, "suite": s.suite.name, "expectation": c.check.name, "kind": c.check.kind,
                 "unexpected": "" if c.unexpected is None else f"{c.unexpected:,}", "examples": c.examples}
                for s, c in outcome.failures]
    context = {"subject": subject, "batch": batch, "rows": outcome.rows, "suites": outcome.suites,
               "happened": happened, "todo": todo, "failures": failures, "refused": refused,
               "when": outcome.validated_at, "docs": str(settings().reports_output / "data_docs" / "index.html")}
    message = compose(subject=subject, to=to["to"] or to["cc"], cc=to["cc"] if to["to"] else (),
                      html=render("data_quality.html", **context), text=render("data_quality.txt", **context))
    delivery = deliver(message, key=f"{REPORT}/{batch.run_id}/{batch.batch_id}")
    log.info("data team told about %s: %s", batch.label, "already sent" if delivery.skipped else delivery.channel)
    return delivery.channel
