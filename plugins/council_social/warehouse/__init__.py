"""The DuckDB warehouse: one file, one writer at a time, schema from versioned migrations."""

from council_social.warehouse.connection import WarehouseError, connect

__all__ = ["WarehouseError", "connect"]
