"""Validation gates: Great Expectations suites run on each new batch before reports may read it.

Loaders call ``gate(con, suite=..., batch=...)`` inside their transaction, after their writes and
before commit; loading tasks wrap their loads in ``gated()``, which imports Great Expectations up
front and, once the loads are done, keeps what a refused batch was refused for, sets refused files
aside, emails the data team and publishes the Data Docs. See ``docs/validation.md``.

Importing this package does not import Great Expectations, pandas or DuckDB.
"""

from council_social.validation.aftermath import gated
from council_social.validation.gates import Batch, BatchRejected, GateOutcome, gate
from council_social.validation.suites import Suite, SuiteError, load_suite, suite_names

__all__ = ["Batch", "BatchRejected", "GateOutcome", "Suite", "SuiteError", "gate", "gated", "load_suite",
           "suite_names"]
