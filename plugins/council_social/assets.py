"""The Assets that link the DAGs: a DAG that changes part of the warehouse says so, and the DAGs
that read it are scheduled on it, instead of sensors polling each other."""

from __future__ import annotations

from airflow.sdk import Asset

REGISTERS = Asset(name="registers", uri="x-council-social://warehouse/registers", group="warehouse")
