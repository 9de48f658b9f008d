"""``python -m council_social.validation [suite ...]``: run suites over whole tables of the warehouse.

For the data team after changing a suite in ``expectations/``: does the data already loaded meet
it? Nothing is written; the warehouse is opened read-only (run it when no load is running).
Exits 1 when an error-level expectation fails.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import great_expectations  # noqa: F401 - before the warehouse is opened

    from council_social.validation.gates import check_table
    from council_social.validation.suites import suite_names
    from council_social.warehouse import connect

    names = argv or suite_names()
    failed = False
    with connect(read_only=True) as con:
        for name in names:
            outcome = check_table(con, name)
            print(f"{outcome.status:<7} {name} ({outcome.rows:,} rows)")
            for _result, check in outcome.failures:
                print(f"        {check.describe()}")
            failed |= outcome.status == "failed"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
