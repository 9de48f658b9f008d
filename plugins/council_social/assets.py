"""The Assets that link the DAGs: a DAG that changes part of the warehouse says so, and the DAGs
that read it are scheduled on it, instead of sensors polling each other."""

from __future__ import annotations

from airflow.sdk import Asset

REGISTERS = Asset(name="registers", uri="x-council-social://warehouse/registers", group="warehouse")
HOOTSUITE = Asset(name="hootsuite", uri="x-council-social://warehouse/hootsuite", group="warehouse")
X_ACTIVITY = Asset(name="x_activity", uri="x-council-social://warehouse/x_activity", group="warehouse")
META_ACTIVITY = Asset(name="meta_activity", uri="x-council-social://warehouse/meta_activity", group="warehouse")

# Reports: the Review Board pack is rebuilt after each audit.
AUDIT_REPORT = Asset(name="audit_report", uri="x-council-social://reports/audit", group="reports")
INACTIVE_USERS_REPORT = Asset(name="inactive_users_report", uri="x-council-social://reports/inactive_users",
                              group="reports")
BENEFIT_REPORT = Asset(name="new_account_benefit_report", uri="x-council-social://reports/new_account_benefit",
                       group="reports")
REVIEW_BOARD_PACK = Asset(name="review_board_pack", uri="x-council-social://reports/review_board_pack",
                          group="reports")
