"""Council Social Pipelines: social media governance for councils, orchestrated by Airflow.

Kept import-light on purpose: DAG files import from here at parse time, so nothing in this
module (or in ``config``) may touch pandas, duckdb, Great Expectations or the network.
"""

__version__ = "0.1.0"
