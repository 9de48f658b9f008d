# The image every Airflow service in docker-compose.yml runs (`build: .`).
# Its Airflow version must equal the apache-airflow pin in requirements.lock and pyproject.toml;
# tests/test_docker_compose.py checks that they agree.
FROM apache/airflow:3.3.2-python3.11

# WeasyPrint renders the PDFs and the Review Board pack through Pango and HarfBuzz, which come from
# the operating system, not from pip.
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
    && apt-get autoremove -yqq --purge \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*
USER airflow

# The locked dependencies, as tested. The lock pins apache-airflow to this image's own version, so
# pip keeps the image's Airflow (and its Celery, Redis and PostgreSQL extras) and adds the rest.
COPY --chown=airflow:0 requirements.lock /opt/airflow/requirements.lock
RUN pip install --no-cache-dir -r /opt/airflow/requirements.lock

# The project package, installed editable from /opt/airflow/plugins: docker-compose.yml mounts
# ./plugins there, so the package Python imports and the plugins folder Airflow reads are the same
# files. Its dependencies are already installed from the lock above, hence --no-deps.
COPY --chown=airflow:0 pyproject.toml /opt/airflow/pyproject.toml
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
RUN pip install --no-cache-dir --no-deps -e /opt/airflow
