"""The production topology of ``docker-compose.yml`` without Docker: ``python -m council_social.topology``.

No Docker engine is needed to show that the pipelines work on CeleryExecutor + Redis + PostgreSQL:
this starts the Airflow services the compose file declares (api-server, scheduler, dag-processor,
triggerer, Celery worker) with the compose file's settings, against a PostgreSQL and a Redis that
are already running, and runs ``register_import`` over the demo registers through them.

Every run is isolated, so several can share one PostgreSQL and one Redis: a new database with a
random name, a random Redis key prefix, free loopback ports and a temporary folder for the Airflow
home, data and logs. The Fernet key and JWT secret are generated for the run and handed to the
services in their environment only. Everything is removed afterwards, when the run fails too.

Deliberate differences from the compose file, each for a reason:

* the auth manager is Airflow's default SimpleAuthManager, not FAB: what is proved here is the
  executor, metadata database and broker; FAB only changes who may log in to the UI, and would add
  its own migrations and an admin user (with a password to handle) to every run;
* ``[scheduler] use_job_schedule`` is off, so the only run is the one triggered here: an ``@hourly``
  DAG, once unpaused, would also get a scheduled run whose interval depends on today's date;
* one api-server worker, and every port (api-server, scheduler health check, log servers) is a free
  loopback port rather than a fixed one, so runs on one machine do not collide;
* no mail catcher: with no ``smtp_default`` the import summary goes to the outbox folder;
* PostgreSQL drivers the image has and this installation may lack: see ``driver_adaptations``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from council_social.config import PROJECT_ROOT, WAREHOUSE_POOL

#: Where the machine's PostgreSQL and Redis are, unless told otherwise (``--postgres``, ``--redis``).
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

DAG_ID = "register_import"
#: Tasks of ``register_import``; every one must run on the Celery worker.
DAG_TASKS = ("land_files", "load_files", "tidy_inbox", "send_import_report")
#: ``load_files`` opens the warehouse, so it must queue in the single-slot pool.
POOLED_TASKS = {"load_files": WAREHOUSE_POOL}

SERVICE_NAMES = ("api-server", "scheduler", "dag-processor", "triggerer", "worker")
#: Components the api-server's health endpoint reports on.
HEALTH_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")
#: Task states after which waiting is pointless (``up_for_retry`` would wait 5 minutes to retry).
HOPELESS_TASK_STATES = {"failed", "upstream_failed", "up_for_retry"}


class TopologyFailed(RuntimeError):
    """The topology did not come up, or the pipeline did not run on it as production would."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def _redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def services_reachable(postgres_url: str = DEFAULT_POSTGRES_URL,
                       redis_url: str = DEFAULT_REDIS_URL) -> str | None:
    """``None`` when PostgreSQL and Redis answer, else what is missing."""
    import psycopg2
    import redis

    try:
        psycopg2.connect(postgres_url, connect_timeout=5).close()
    except psycopg2.Error as exc:
        return f"PostgreSQL at {_redacted(postgres_url)}: {str(exc).strip()}"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return f"Redis at {_redacted(redis_url)}: {exc}"
    return None


@dataclass
class Topology:
    """One running copy of the compose file's services, and what is needed to query and remove it."""

    workdir: Path
    postgres_url: str
    redis_url: str
    database: str
    redis_prefix: str
    api_port: int
    env: dict[str, str]
    #: Where this run departs from the compose file because of the installation, and why.
    adaptations: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    #: Every process id seen in a service's tree, so teardown can check that none is left.
    seen_pids: set[int] = field(default_factory=set)

    @property
    def metadata_url(self) -> str:
        return _with_database(self.postgres_url, self.database)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def register_inbox(self) -> Path:
        return Path(self.env["COUNCIL_SOCIAL_INBOX"]) / "registers"

    @property
    def warehouse(self) -> Path:
        return Path(self.env["COUNCIL_SOCIAL_WAREHOUSE"])

    @property
    def outbox(self) -> Path:
        return Path(self.env["COUNCIL_SOCIAL_OUTBOX"])

    def log_path(self, service: str) -> Path:
        return self.workdir / "logs" / f"{service}.log"

    # -- running things -----------------------------------------------------------------------

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """One ``airflow`` CLI command in this topology's environment, its output kept in ``logs/cli.log``."""
        result = subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env, cwd=self.workdir,
                                capture_output=True, text=True, timeout=timeout)
        with self.log_path("cli").open("a", encoding="utf-8") as log:
            log.write(f"$ airflow {' '.join(args)}  (exit {result.returncode})\n"
                      f"{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise TopologyFailed(f"`airflow {' '.join(args)}` exited {result.returncode}\n{self.log_tails()}")
        return result

    def start(self, service: str, *args: str) -> subprocess.Popen:
        """One long-running service in its own process group, its output to ``logs/<service>.log``."""
        with self.log_path(service).open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "airflow", *args], env=self.env, cwd=self.workdir,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[service] = process
        self.seen_pids.add(process.pid)
        return process

    def start_services(self, worker_concurrency: int = 2) -> None:
        """The compose file's long-running Airflow services, one process group each."""
        self.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.api_port),
                   "--workers", "1")
        self.start("scheduler", "scheduler")
        self.start("dag-processor", "dag-processor")
        self.start("triggerer", "triggerer")
        self.start("worker", "celery", "worker", "--concurrency", str(worker_concurrency),
                   "--celery-hostname", f"{self.redis_prefix.rstrip(':')}@%h")

    def _remember_descendants(self) -> None:
        import psutil

        for process in self.processes.values():
            with contextlib.suppress(psutil.Error):
                children = psutil.Process(process.pid).children(recursive=True)
                self.seen_pids.update(child.pid for child in children)

    def check_services_alive(self) -> None:
        self._remember_descendants()
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise TopologyFailed(f"service(s) exited: {dead}\n{self.log_tails()}")

    # -- waiting ------------------------------------------------------------------------------

    def health(self) -> dict:
        """The api-server's ``/api/v2/monitor/health``: metadata DB, scheduler, triggerer, dag-processor."""
        with urllib.request.urlopen(f"{self.api_url}/api/v2/monitor/health", timeout=10) as response:
            return json.load(response)

    def scheduler_health_ok(self) -> bool:
        """The scheduler's own health check server, the one the compose file's healthcheck calls."""
        port = self.env["AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT"]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_until_healthy(self, timeout: float = 180) -> dict:
        """Until the api-server reports every component healthy and the scheduler's health check answers."""
        deadline = time.monotonic() + timeout
        last: object = "no answer yet"
        while time.monotonic() < deadline:
            self.check_services_alive()
            try:
                last = self.health()
            except (OSError, ValueError) as exc:
                last = exc
            else:
                healthy = all(last.get(c, {}).get("status") == "healthy" for c in HEALTH_COMPONENTS)
                if healthy and self.scheduler_health_ok():
                    return last
            time.sleep(2)
        raise TopologyFailed(f"not healthy after {timeout:.0f} s; last health answer: {last}\n"
                             f"{self.log_tails()}")

    def wait_for_worker(self, timeout: float = 120) -> None:
        """Until the Celery worker has connected to the broker and says it is ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_services_alive()
            if " ready." in self.log_path("worker").read_text(encoding="utf-8", errors="replace"):
                return
            time.sleep(1)
        raise TopologyFailed(f"the Celery worker was not ready after {timeout:.0f} s\n{self.log_tails()}")

    def query(self, sql: str, *params: object) -> list[tuple]:
        """Rows from the metadata database (which is also the Celery result backend)."""
        import psycopg2

        with contextlib.closing(psycopg2.connect(self.metadata_url)) as con, con.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
            con.rollback()
            return rows

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Until the dag-processor has parsed ``dag_id`` and stored it for the scheduler."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_services_alive()
            if self.query("select 1 from serialized_dag where dag_id = %s", dag_id):
                return
            time.sleep(2)
        errors = self.query("select filename, stacktrace from import_error")
        raise TopologyFailed(f"DAG '{dag_id}' not parsed after {timeout:.0f} s; import errors: {errors}\n"
                             f"{self.log_tails()}")

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict]:
        keys = ("task_id", "state", "pool", "queue", "hostname", "external_executor_id")
        rows = self.query(f"select {', '.join(keys)} from task_instance where dag_id = %s and run_id = %s",
                          dag_id, run_id)
        return {row[0]: dict(zip(keys, row, strict=True)) for row in rows}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 360) -> str:
        """The run's final state; stops early when a task has failed rather than wait out its retries."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            self.check_services_alive()
            rows = self.query("select state from dag_run where dag_id = %s and run_id = %s", dag_id, run_id)
            state = rows[0][0] if rows else None
            if state in ("success", "failed"):
                return state
            hopeless = {task_id: ti["state"] for task_id, ti in self.task_instances(dag_id, run_id).items()
                        if ti["state"] in HOPELESS_TASK_STATES}
            if hopeless:
                return f"running, but {hopeless}"
            time.sleep(2)
        return f"{state} after {timeout:.0f} s"

    # -- evidence -----------------------------------------------------------------------------

    def celery_results(self) -> dict[str, str]:
        """Celery task id -> status, as the worker recorded them in the result backend."""
        if not self.query("select 1 from information_schema.tables where table_name = 'celery_taskmeta'"):
            return {}
        return dict(self.query("select task_id, status from celery_taskmeta"))

    def wait_for_celery_results(self, celery_ids: list[str], timeout: float = 60) -> dict[str, str]:
        """The Celery results once every one of ``celery_ids`` is final.

        The worker stores a task's result after the task has reported its state to the api-server,
        so a run can be finished a moment before the result backend knows its last task is.
        """
        deadline = time.monotonic() + timeout
        while True:
            results = self.celery_results()
            final = all(results.get(i) in ("SUCCESS", "FAILURE") for i in celery_ids)
            if final or time.monotonic() > deadline:
                return results
            time.sleep(1)

    def task_log(self, dag_id: str, run_id: str, task_id: str, lines: int = 40) -> str:
        folder = (Path(self.env["AIRFLOW_HOME"]) / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
                  / f"task_id={task_id}")
        return "\n".join(_tail(p.read_text(encoding="utf-8", errors="replace"), lines)
                         for p in sorted(folder.glob("*.log")))

    def log_tails(self, lines: int = 30) -> str:
        """The end of every service's log, for failure messages."""
        parts = []
        for name in (*SERVICE_NAMES, "cli"):
            path = self.log_path(name)
            if path.exists():
                text = _tail(path.read_text(encoding="utf-8", errors="replace"), lines)
                parts.append(f"----- {name} ({path.name}), last {lines} lines -----\n{text}")
        return "\n".join(parts)

    def files_holding_secrets(self) -> list[Path]:
        """Files under the work folder holding the Fernet key or the JWT secret; there must be none."""
        names = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET")
        needles = [self.env[name].encode() for name in names]
        found = []
        for path in self.workdir.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file() and any(needle in path.read_bytes() for needle in needles):
                    found.append(path)
        return found

    # -- teardown -----------------------------------------------------------------------------

    def stop_services(self, grace: float = 20) -> None:
        """SIGTERM every service's process group, SIGKILL what is left after ``grace`` seconds."""
        import psutil

        self._remember_descendants()
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        # A child that left its group (a daemonised one) is still found by the pids seen earlier.
        for pid in self.leftover_pids():
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()

    def leftover_pids(self) -> list[int]:
        """This topology's processes still running; a pid since reused by another program is ignored."""
        import psutil

        left = []
        for pid in sorted(self.seen_pids):
            with contextlib.suppress(psutil.Error):
                process = psutil.Process(pid)
                key = "AIRFLOW__CORE__FERNET_KEY"
                ours = process.environ().get(key) == self.env[key]
                if ours and process.status() != psutil.STATUS_ZOMBIE:
                    left.append(pid)
        return left

    def redis_keys(self) -> list[bytes]:
        import redis

        with contextlib.closing(redis.Redis.from_url(self.redis_url)) as client:
            return list(client.scan_iter(match=f"{self.redis_prefix}*", count=500))

    def flush_redis(self) -> None:
        """Delete this run's broker keys, and only those: other runs may share the Redis database."""
        import redis

        keys = self.redis_keys()
        with contextlib.closing(redis.Redis.from_url(self.redis_url)) as client:
            for start in range(0, len(keys), 500):
                client.delete(*keys[start:start + 500])

    def database_exists(self) -> bool:
        import psycopg2

        with contextlib.closing(psycopg2.connect(self.postgres_url)) as con, con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (self.database,))
            return cur.fetchone() is not None

    def create_database(self) -> None:
        self._admin(f'create database "{self.database}"')

    def drop_database(self) -> None:
        self._admin("select pg_terminate_backend(pid) from pg_stat_activity"
                    f" where datname = '{self.database}' and pid <> pg_backend_pid()",
                    f'drop database if exists "{self.database}"')

    def _admin(self, *statements: str) -> None:
        import psycopg2

        with contextlib.closing(psycopg2.connect(self.postgres_url)) as con:
            con.autocommit = True
            with con.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)

    def leftovers(self) -> list[str]:
        """What of this topology still exists; empty after a clean teardown."""
        found = []
        if pids := self.leftover_pids():
            found.append(f"processes {pids}")
        if self.database_exists():
            found.append(f"database {self.database}")
        if keys := self.redis_keys():
            found.append(f"{len(keys)} Redis key(s) under {self.redis_prefix}")
        if self.workdir.exists():
            found.append(f"folder {self.workdir}")
        return found

    def teardown(self) -> list[str]:
        """Remove everything, each step tried even when an earlier one fails; returns what went wrong."""
        problems = []
        for step in (self.stop_services, self.flush_redis, self.drop_database,
                     lambda: shutil.rmtree(self.workdir)):
            try:
                step()
            except Exception as exc:  # every step must get its chance
                problems.append(f"{exc.__class__.__name__}: {exc}")
        return problems


def topology_env(*, root: Path, workdir: Path, metadata_url: str, redis_url: str, redis_prefix: str,
                 api_port: int) -> dict[str, str]:
    """The compose file's ``x-airflow-common`` environment, pointed at this machine and ``workdir``."""
    from cryptography.fernet import Fernet

    parts = urlsplit(metadata_url)
    data = workdir / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "_AIRFLOW", "COUNCIL_SOCIAL"))}
    env.update({
        "AIRFLOW_HOME": str(workdir / "airflow"),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        # AIRFLOW__CORE__AUTH_MANAGER stays at SimpleAuthManager: see the module docstring.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": urlunsplit(("postgresql+psycopg2", *parts[1:])),
        "AIRFLOW__CELERY__RESULT_BACKEND": urlunsplit(("db+postgresql", *parts[1:])),
        "AIRFLOW__CELERY__BROKER_URL": redis_url,
        # Every broker key of this run starts with the prefix, so runs sharing a Redis never collide
        # and teardown removes exactly this run's keys.
        "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": redis_prefix,
        # Generated for this run and never written anywhere.
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "false",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        # Only the run triggered here: a scheduled run's interval would depend on today's date.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "false",
        # The compose file mounts these folders of the checkout under /opt/airflow.
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "COUNCIL_SOCIAL_HOME": str(root),
        "COUNCIL_SOCIAL_DATA_DIR": str(data),
        "COUNCIL_SOCIAL_WAREHOUSE": str(data / "warehouse" / "council_social.duckdb"),
        "COUNCIL_SOCIAL_LANDING": str(data / "landing"),
        "COUNCIL_SOCIAL_INBOX": str(data / "inbox"),
        "COUNCIL_SOCIAL_OUTBOX": str(data / "outbox"),
        "COUNCIL_SOCIAL_REPORTS": str(workdir / "reports"),
        "COUNCIL_SOCIAL_POLICY": str(root / "config" / "policy.yaml"),
    })
    env.update({name: value for name, (value, _why) in driver_adaptations(metadata_url).items()})
    return env


def driver_adaptations(metadata_url: str) -> dict[str, tuple[str, str]]:
    """Settings making up for PostgreSQL drivers the production image has and this installation lacks.

    The image starts from the official Airflow image, whose postgres provider brings psycopg 3 and
    asyncpg; ``requirements.lock`` has psycopg2 only. Each entry (variable -> (value, why)) applies
    only while its driver is missing, so once the lock has the driver the compose file's own setting
    is what runs here.
    """
    import importlib.util

    parts = urlsplit(metadata_url)
    adaptations = {}
    if importlib.util.find_spec("psycopg") is None:
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, so the compose file's
        # db+postgresql:// result backend must name psycopg2 to work with it.
        adaptations["AIRFLOW__CELERY__RESULT_BACKEND"] = (
            urlunsplit(("db+postgresql+psycopg2", *parts[1:])),
            "Celery result backend on psycopg2 (psycopg 3 is not installed)")
    if importlib.util.find_spec("asyncpg") is None:
        # Airflow derives postgresql+asyncpg:// from the metadata connection and opens it at start-up.
        # An empty value turns its async engine off; the pipelines never use it (Airflow needs it
        # only for multi-team deployments and the task state store).
        adaptations["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = (
            "", "Airflow's async metadata engine off (asyncpg is not installed)")
    return adaptations


def preflight(env: dict[str, str]) -> None:
    """Fail in seconds, naming the installed versions, when the CeleryExecutor cannot even be imported.

    Otherwise the services start and the worker dies a minute later with the same traceback.
    """
    from importlib.metadata import version

    module = "airflow.providers.celery.executors.celery_executor"
    check = subprocess.run([sys.executable, "-c", f"import {module}"], env=env, capture_output=True,
                           text=True, timeout=300)
    if check.returncode != 0:
        errors = [line for line in check.stderr.splitlines() if line and not line.startswith(" ")]
        versions = ", ".join(f"{name} {version(name)}"
                             for name in ("celery", "kombu", "apache-airflow-providers-celery"))
        raise TopologyFailed(f"the CeleryExecutor cannot be imported with {versions}: "
                             f"{errors[-1] if errors else ''}\n{_tail(check.stderr, 30)}")


@contextlib.contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """Let SIGTERM (a cancelled CI job, ``kill``) unwind like Ctrl+C, so the teardown still runs."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def exit_on_sigterm(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def running_topology(*, root: Path = PROJECT_ROOT, postgres_url: str = DEFAULT_POSTGRES_URL,
                     redis_url: str = DEFAULT_REDIS_URL, worker_concurrency: int = 2,
                     startup_timeout: float = 240) -> Iterator[Topology]:
    """Create, initialise and start an isolated topology; tear all of it down on the way out.

    Yields once every service is up: the api-server reports the metadata database, scheduler,
    triggerer and dag-processor healthy, the scheduler's health check answers and the Celery
    worker is ready. Raises ``TopologyFailed`` (with the services' log tails) when that does not happen.
    """
    token = secrets.token_hex(6)
    database = f"council_social_topology_{token}"
    redis_prefix = f"council_social_topology_{token}:"
    api_port = free_port()
    metadata_url = _with_database(postgres_url, database)
    workdir = Path(tempfile.mkdtemp(prefix=f"council-social-topology-{token}-"))
    try:
        (workdir / "logs").mkdir()
        env = topology_env(root=root, workdir=workdir, metadata_url=metadata_url, redis_url=redis_url,
                           redis_prefix=redis_prefix, api_port=api_port)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    topology = Topology(
        workdir=workdir, postgres_url=postgres_url, redis_url=redis_url, database=database,
        redis_prefix=redis_prefix, api_port=api_port, env=env,
        adaptations=[why for _value, why in driver_adaptations(metadata_url).values()],
    )
    with _sigterm_unwinds():
        try:
            preflight(env)
            topology.create_database()
            # The init job's steps.
            topology.airflow("db", "migrate")
            setup = subprocess.run([sys.executable, "-m", "council_social.setup", "--skip-airflow-db"],
                                   env=env, cwd=workdir, capture_output=True, text=True, timeout=300)
            if setup.returncode != 0:
                raise TopologyFailed(f"`python -m council_social.setup --skip-airflow-db` exited "
                                     f"{setup.returncode}:\n{_tail(setup.stdout + setup.stderr, 40)}")
            topology.start_services(worker_concurrency)
            deadline = time.monotonic() + startup_timeout
            topology.wait_until_healthy(timeout=startup_timeout)
            topology.wait_for_worker(timeout=max(10.0, deadline - time.monotonic()))
            yield topology
        except BaseException:
            topology.teardown()  # its own problems must not hide the failure that brought us here
            raise
        if problems := topology.teardown():
            raise TopologyFailed("teardown incomplete: " + "; ".join(problems))


@dataclass
class RunReport:
    """What a ``register_import`` run on the topology did, and the evidence of where it ran."""

    run_id: str
    state: str
    task_instances: dict[str, dict]
    celery_results: dict[str, str]
    worker_log: str
    accounts: int
    files_dropped: int
    files_loaded: int
    emails: int
    seconds: float
    task_logs: dict[str, str] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Every way the run differs from what production must do; empty when it proved the topology."""
        found = []
        if self.state != "success":
            found.append(f"run {self.run_id} ended '{self.state}'")
        for task_id in DAG_TASKS:
            ti = self.task_instances.get(task_id)
            if ti is None:
                found.append(f"task {task_id}: no task instance")
                continue
            expected_pool = POOLED_TASKS.get(task_id)
            if expected_pool and ti["pool"] != expected_pool:
                found.append(f"task {task_id}: in pool '{ti['pool']}', not '{expected_pool}'")
            if ti["state"] != "success":
                found.append(f"task {task_id}: '{ti['state']}'")
                continue
            celery_id = ti["external_executor_id"]
            if not celery_id or self.celery_results.get(celery_id) != "SUCCESS":
                found.append(f"task {task_id}: no successful Celery result for Celery task id {celery_id!r}")
            if not self.worker_executed(task_id):
                found.append(f"task {task_id}: the Celery worker's log does not show it executing")
        if self.accounts == 0:
            found.append("the warehouse has no accounts in the account register")
        return found

    def worker_executed(self, task_id: str) -> bool:
        """Whether the worker logged executing this run's ``task_id`` (the workload's repr names both)."""
        return any("Executing workload in Celery" in line and f"task_id='{task_id}'" in line
                   and f"run_id='{self.run_id}'" in line for line in self.worker_log.splitlines())

    def summary(self) -> str:
        lines = [f"register_import run {self.run_id}: {self.state} in {self.seconds:.0f} s"]
        for task_id in DAG_TASKS:
            ti = self.task_instances.get(task_id, {})
            celery = self.celery_results.get(ti.get("external_executor_id"), "no result")
            lines.append(f"  {task_id:<20} {ti.get('state')!s:<8} pool={ti.get('pool')} "
                         f"queue={ti.get('queue')} celery={celery} on {ti.get('hostname')}")
        lines.append(f"  warehouse: {self.accounts} account(s) in the latest account register, "
                     f"{self.files_loaded} of {self.files_dropped} register file(s) loaded; "
                     f"{self.emails} email(s) in the outbox")
        return "\n".join(lines)


def run_register_import(topology: Topology, timeout: float = 360) -> RunReport:
    """Drop the demo registers in the inbox, unpause and trigger ``register_import``, wait, collect proof."""
    from council_social.demo.organisation import build_organisation
    from council_social.demo.registers import write_registers

    dropped = write_registers(build_organisation(), topology.register_inbox)
    topology.wait_for_dag(DAG_ID)
    run_id = f"topology__{secrets.token_hex(4)}"
    started = time.monotonic()
    topology.airflow("dags", "unpause", DAG_ID)
    topology.airflow("dags", "trigger", DAG_ID, "--run-id", run_id)
    state = topology.wait_for_run(DAG_ID, run_id, timeout=timeout)
    seconds = time.monotonic() - started
    task_instances = topology.task_instances(DAG_ID, run_id)
    celery_results = topology.wait_for_celery_results(
        [ti["external_executor_id"] for ti in task_instances.values() if ti["external_executor_id"]])
    accounts, files_loaded = _warehouse_counts(topology.warehouse)
    return RunReport(
        run_id=run_id, state=state, task_instances=task_instances, celery_results=celery_results,
        worker_log=topology.log_path("worker").read_text(encoding="utf-8", errors="replace"),
        accounts=accounts, files_dropped=len(dropped), files_loaded=files_loaded,
        emails=len(list(topology.outbox.glob("*.eml"))) if topology.outbox.is_dir() else 0,
        seconds=seconds,
        task_logs={task_id: topology.task_log(DAG_ID, run_id, task_id)
                   for task_id, ti in task_instances.items() if ti["state"] != "success"},
    )


def _warehouse_counts(warehouse: Path) -> tuple[int, int]:
    """(accounts in the latest account register, register files loaded), read-only, after the run."""
    if not warehouse.exists():
        return 0, 0
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # The latest version whatever today's date is, so the answer does not depend on when this runs.
        accounts = con.execute(
            "select count(*) from register_accounts_as_of(date '9999-12-31')").fetchone()[0]
        files = con.execute("select count(*) from ops_file_ledger"
                            " where source = 'registers' and status = 'loaded'").fetchone()[0]
    finally:
        con.close()
    return accounts, files


def failure_message(topology: Topology, report: RunReport) -> str:
    """The problems, the run's summary, the failed tasks' logs and every service's log tail."""
    parts = ["; ".join(report.problems()), report.summary()]
    parts += [f"----- task {task_id} log -----\n{text}" for task_id, text in report.task_logs.items()]
    parts.append(topology.log_tails())
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m council_social.topology",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES_URL,
                        help=f"where to create the run's database (default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--redis", default=DEFAULT_REDIS_URL,
                        help=f"the Redis broker (default {DEFAULT_REDIS_URL})")
    args = parser.parse_args(argv)
    if reason := services_reachable(args.postgres, args.redis):
        print(f"Cannot start the topology: {reason}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with running_topology(postgres_url=args.postgres, redis_url=args.redis) as topology:
            print(f"Topology up in {time.monotonic() - started:.0f} s: database {topology.database}, "
                  f"Redis {_redacted(args.redis)} under '{topology.redis_prefix}', "
                  f"api-server {topology.api_url}")
            services = (f"{name} (pid {p.pid})" for name, p in topology.processes.items())
            print("  services: " + ", ".join(services))
            for adaptation in topology.adaptations:
                print(f"  adapted to this installation: {adaptation}")
            report = run_register_import(topology)
            if report.problems():
                print(failure_message(topology, report), file=sys.stderr)
                return 1
            print(report.summary())
            if held := topology.files_holding_secrets():
                print(f"the Fernet key or JWT secret was written to {held}", file=sys.stderr)
                return 1
    except TopologyFailed as exc:
        print(f"Topology failed: {exc}", file=sys.stderr)
        return 1
    print(f"Torn down: processes stopped, database dropped, Redis keys and work folder removed "
          f"({time.monotonic() - started:.0f} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
