"""The Assets that link the DAGs: a DAG that changes part of the warehouse says so, and the DAGs
that read it are scheduled on it, instead of sensors polling each other."""

from __future__ import annotations

from airflow.sdk import Asset

REGISTERS = Asset(name="registers", uri="x-council-social://warehouse/registers", group="warehouse")
HOOTSUITE = Asset(name="hootsuite", uri="x-council-social://warehouse/hootsuite", group="warehouse")
X_ACTIVITY = Asset(name="x_activity", uri="x-council-social://warehouse/x_activity", group="warehouse")
META_ACTIVITY = Asset(name="meta_activity", uri="x-council-social://warehouse/meta_activity", group="warehouse")
