"""Benchmarks: ``make bench``. Figures are printed as ratios against a baseline measured in the same
run on the same machine, so they mean the same on a laptop and in CI; nothing here is asserted.

1. DAG parse time: each DAG file's import time beyond a bare ``import airflow.sdk`` (target < 0.3 s).
2. Register import: rows per second through the real check-and-load path, against
   ``pandas.read_csv`` plus a DuckDB insert of the same file (a loader with no checks at all).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARSE_PROBE = r"""
import json, sys, time, runpy
t0 = time.perf_counter(); import airflow.sdk; t1 = time.perf_counter()
runpy.run_path(sys.argv[1], run_name="dag_file"); t2 = time.perf_counter()
print(json.dumps({"sdk": t1 - t0, "dag": t2 - t1}))
"""


def bench_parse(repeats: int) -> list[tuple[str, float, float]]:
    results = []
    for path in sorted((ROOT / "dags").glob("*.py")):
        samples = []
        for _ in range(repeats):
            out = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(path)], capture_output=True, text=True,
                                 check=True).stdout
            samples.append(json.loads(out.strip().splitlines()[-1]))
        results.append((path.name, statistics.median(s["sdk"] for s in samples),
                        statistics.median(s["dag"] for s in samples)))
    return results


def write_register(path: Path, rows: int) -> None:
    """A large HR leavers register (the register kind with the most rows in real councils)."""
    start = date(2020, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Name,Email,Leaving date,Service,Line manager\n")
        for i in range(rows):
            handle.write(f"Person {i},person.{i}@manchester.gov.uk,{start + timedelta(days=i % 2000)},"
                         f"Service {i % 40},manager.{i % 300}@manchester.gov.uk\n")


def bench_register_import(rows: int) -> dict[str, float]:
    import duckdb
    import pandas as pd
    import pyarrow  # noqa: F401 - both sides are timed with their libraries already imported

    from council_social.config import settings
    from council_social.registers.importer import land_inbox_files, load_landed_files
    from council_social.warehouse.migrations import migrate

    with tempfile.TemporaryDirectory(prefix="bench-registers-") as tmp:
        os.environ["COUNCIL_SOCIAL_DATA_DIR"] = tmp
        os.environ["COUNCIL_SOCIAL_REPORTS"] = str(Path(tmp) / "reports")
        migrate()
        inbox = settings().register_inbox
        inbox.mkdir(parents=True)
        source = Path(tmp) / "hr_leavers_2026-10-01.csv"
        write_register(source, rows)
        (inbox / source.name).write_bytes(source.read_bytes())

        started = time.perf_counter()
        outcome = load_landed_files(land_inbox_files(date(2026, 10, 31)), "bench")["outcomes"][0]
        ours = time.perf_counter() - started
        assert outcome["rows_loaded"] == rows, outcome["message"]

        started = time.perf_counter()
        frame = pd.read_csv(source)
        con = duckdb.connect(str(Path(tmp) / "baseline.duckdb"))
        con.register("frame", frame)
        con.execute("create table leavers as select * from frame")
        con.close()
        baseline = time.perf_counter() - started
    return {"rows": rows, "ours_s": ours, "baseline_s": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="parse-time samples per DAG file")
    parser.add_argument("--register-rows", type=int, default=100_000)
    args = parser.parse_args()

    print(f"DAG parse time beyond `import airflow.sdk` (median of {args.repeats} fresh interpreters;"
          " target < 0.300 s)")
    for name, sdk, dag in bench_parse(args.repeats):
        print(f"  {name:<32} {dag:6.3f} s   ({dag / sdk:4.2f}x the bare sdk import of {sdk:.3f} s)"
              f"   {'ok' if dag < 0.3 else 'OVER TARGET'}")

    result = bench_register_import(args.register_rows)
    ours, base = result["ours_s"], result["baseline_s"]
    print(f"\nRegister import, {result['rows']:,} rows (checked, typed, quarantine-aware, with history)")
    print(f"  ours                       {ours:6.2f} s   {result['rows'] / ours:10,.0f} rows/s")
    print(f"  pandas.read_csv + insert   {base:6.2f} s   {result['rows'] / base:10,.0f} rows/s   (no checks)")
    print(f"  ratio                      {base / ours:6.2f}x the unchecked baseline's speed")


if __name__ == "__main__":
    main()
