"""Great Expectations as this package uses it: pandas frames read from DuckDB, and Data Docs on disk.

GX's SQL route cannot read DuckDB (great_expectations issue #10738), so a batch is validated as a
pandas frame through a pandas data source with one dataframe asset per suite. The context is
ephemeral (no ``great_expectations.yml`` to keep in step with the environment) but its stores are
folders: suites and validation results under ``<data dir>/gx/``, Data Docs under
``<reports>/data_docs/``, so the history accumulates across runs and processes.

Everything here imports GX (seconds), so it is only ever imported inside a task.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from functools import cache
from pathlib import Path

import great_expectations as gx
import great_expectations.execution_engine.pandas_execution_engine as pandas_engine
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from council_social.config import settings

log = logging.getLogger(__name__)

# GX fingerprints every in-memory frame it is handed (a full pandas hash: about a second per million
# rows, and again on each validate call), only to label the batch. Our batches are already named by
# run and file, so the fingerprint is switched off; it would otherwise cost more than the checks.
pandas_engine.HASH_THRESHOLD = 0

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 20}
DATA_SOURCE = "warehouse"
SITE = "data_docs"
SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _folder(base: Path) -> dict:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(base)}


@cache
def _context(stores: Path, docs: Path):
    config = DataContextConfig(
        stores={
            "expectations_store": {"class_name": "ExpectationsStore",
                                   "store_backend": _folder(stores / "expectations")},
            "validation_results_store": {"class_name": "ValidationResultsStore",
                                         "store_backend": _folder(stores / "validations")},
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": _folder(stores / "checkpoints")},
            "validation_definition_store": {"class_name": "ValidationDefinitionStore",
                                            "store_backend": _folder(stores / "validation_definitions")},
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={SITE: {"class_name": "SiteBuilder", "show_how_to_buttons": False,
                                "store_backend": _folder(docs),
                                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_pandas(DATA_SOURCE)
    return context


def context():
    """This process's GX context for the current locations (tests change them per test)."""
    s = settings()
    return _context(s.data_dir / "gx", s.reports_output / "data_docs")


def warm_up() -> None:
    """Pay GX's and pandas' first-use costs (lazy imports, metric registry) before the warehouse is opened.

    A first validation in a process takes about a second longer than the next; done here, that
    second is not spent inside a load's transaction.
    """
    import datetime as dt

    import pyarrow as pa
    import pyarrow.compute as pc

    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    table = pa.table({"key": ["a", "b"], "kind": pc.dictionary_encode(pa.array(["x", "y"])),
                      "at": pa.array([moment, moment], pa.timestamp("us", tz="UTC")), "size": [1, 2]})
    suite = gx.ExpectationSuite(name="warm_up", expectations=[
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "key"}},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["kind", "key"]}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "kind", "value_set": ["x", "y"]}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "at", "min_value": {"$PARAMETER": "t"}}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "size", "max_value": 3}},
    ])
    validate(suite, table.to_pandas(), {"t": moment})


def docs_index() -> Path:
    return settings().reports_output / "data_docs" / "index.html"


def validate(suite, frame, parameters: dict):
    """Validate one pandas frame against one GX suite; returns GX's suite validation result."""
    source = context().data_sources.get(DATA_SOURCE)
    try:
        asset = source.get_asset(suite.name)
    except LookupError:
        asset = source.add_dataframe_asset(suite.name)
    try:
        definition = asset.get_batch_definition("batch")
    except KeyError:
        definition = asset.add_batch_definition_whole_dataframe("batch")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, expectation_parameters=parameters, result_format=RESULT_FORMAT)


def publish(results: list[tuple[object, object, str, str, datetime]]) -> Path | None:
    """Keep validation results and render them into the Data Docs site.

    ``results``: (GX suite, GX result, run id, batch id, validated at). Only these results' pages
    and the index are rendered, so publishing costs the same however long the history is.
    """
    if not results:
        return None
    ctx = context()
    keys = []
    for suite, result, run_id, batch_id, when in results:
        ctx.suites.add_or_update(suite)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=RunIdentifier(run_name=SAFE.sub("-", run_id), run_time=when),
            batch_identifier=SAFE.sub("-", batch_id)[:120],
        )
        ctx.validation_results_store.set(key, result)
        keys.append(key)
    ctx.build_data_docs(site_names=[SITE], resource_identifiers=keys)
    return docs_index()
