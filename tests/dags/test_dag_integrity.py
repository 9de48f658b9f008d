"""Every DAG file imports cleanly and follows the project's conventions (DESIGN, "Style")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert len(dagbag.dags) == len(DAG_FILES), "one DAG a file"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_is_named_for_its_dag_and_documented(dagbag, path):
    dag = dagbag.dags.get(path.stem)
    assert dag is not None, f"{path.name} must define the DAG '{path.stem}'"
    assert dag.doc_md and dag.doc_md.strip() == (ast.get_docstring(ast.parse(path.read_text())) or "").strip(), \
        "the module docstring is the DAG's doc_md"
    assert dag.tags, "tags"
    for task in dag.tasks:
        assert task.owner and task.owner != "airflow", f"{task.task_id}: owner"
        assert task.retries >= 1, f"{task.task_id}: retries"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_catchup_is_explicit_and_imports_come_from_the_sdk(path):
    tree = ast.parse(path.read_text())
    keywords = {k.arg for node in ast.walk(tree) if isinstance(node, ast.Call) for k in node.keywords}
    assert "catchup" in keywords, "catchup must be set explicitly"
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("airflow"):
            assert node.module == "airflow.sdk", f"import from airflow.sdk, not {node.module}"


def test_warehouse_tasks_run_in_the_single_slot_pool(dagbag):
    from council_social.config import WAREHOUSE_POOL

    pooled = [t for dag in dagbag.dags.values() for t in dag.tasks if t.pool == WAREHOUSE_POOL]
    assert pooled, "tasks that open the warehouse run in the duckdb_writer pool"
