"""Build every governance report for the large synthetic organisation, timed, in one process.

Run by ``scripts/bench.py`` in a child process so its peak memory is the reports' own: VmHWM, since
ru_maxrss would carry the parent's footprint (the generated warehouse) over exec.
Prints one JSON line: seconds per step and the peak resident memory in MB.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path


def peak_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def main(warehouse: str, as_of_text: str, output: str) -> None:
    import os

    os.environ["COUNCIL_SOCIAL_WAREHOUSE"] = warehouse
    os.environ["COUNCIL_SOCIAL_REPORTS"] = output
    from council_social.reporting.audit import build_audit
    from council_social.reporting.benefit import accounts_due, build_benefit, build_benefit_summary
    from council_social.reporting.findings import default_period_start
    from council_social.reporting.inactive_users import build_inactive_users
    from council_social.reporting.pdf_format import render_pack
    from council_social.reporting.pipeline import report_connection
    from council_social.reporting.publish import archive, archive_pack, render_report

    as_of = date.fromisoformat(as_of_text)
    steps: dict[str, float] = {}
    counts: dict[str, int] = {}

    def timed(name, work):
        started = time.perf_counter()
        result = work()
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - started
        print(f"  {name}: {time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
        return result

    with report_connection(Path(warehouse)) as con:
        audit = timed("audit: rules + build", lambda: build_audit(
            con, period_start=default_period_start(as_of), period_end=as_of))
        inactive = timed("inactive users: rules + build", lambda: build_inactive_users(con, as_of=as_of))
        # A steady day: the reviews that fell due before today were produced on their day.
        con.execute("insert or replace into report_runs (report, period, as_of, subject, output_dir, generated_at) "
                    "select 'new_account_benefit', key, ?::date - 1, key, 'earlier', now() from unnest(?) as t(key)",
                    [as_of, accounts_due(con, as_of - timedelta(days=1))])
        due = timed("benefit: accounts due", lambda: accounts_due(con, as_of))
        benefits = [timed("benefit: build", lambda k=k: build_benefit(con, account_key=k, as_of=as_of)) for k in due]
        since = default_period_start(as_of)
        summary = timed("benefit: Review Board summary", lambda: build_benefit_summary(con, as_of=as_of, since=since))
    counts.update(findings_audit=len(audit.findings), findings_inactive=len(inactive.findings),
                  benefit_reports=len(benefits))
    reports = [audit, inactive, *benefits]
    for report in reports:
        rendered = timed(f"render {report.report}", lambda r=report: render_report(r))
        timed("archive", lambda r=rendered: archive(r))
    pack = [r for r in (audit, inactive, summary) if r is not None]
    pdf = timed("render Review Board pack", lambda: render_pack(
        pack, title="Digital Comms Review Board: meeting pack", period_label=audit.period_label, as_of=as_of))
    timed("archive", lambda: archive_pack(pdf, audit.period))
    counts["pack_bytes"] = len(pdf)
    print(json.dumps({"steps": steps, "counts": counts, "total": sum(steps.values()),
                      "peak_mb": peak_mb()}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
