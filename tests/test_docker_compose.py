"""The production deployment (docker-compose.yml, Dockerfile) agrees with the code.

No Docker engine runs where the tests run, so the compose file is read as YAML and checked against
what the package expects: the official Airflow 3 topology, one image built from the Dockerfile, the
folders and data paths ``council_social.config`` resolves, the init job, the mail catcher, and no
secrets. Checks say "contains" rather than "equals" so that adding a service or a variable does not
break them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from council_social import config

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / "deploy" / "airflow.env.example"
LOCK_FILE = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"

COMMON_ANCHOR = "x-airflow-common"
AIRFLOW_SERVICES = (
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
)
LONG_RUNNING_AIRFLOW_SERVICES = tuple(s for s in AIRFLOW_SERVICES if s != "airflow-init")
REQUIRED_SERVICES = ("postgres", "redis", *AIRFLOW_SERVICES)
MAIL_CATCHER_IMAGES = ("mailpit", "mailhog", "smtp4dev", "mailcatcher")
#: The image's AIRFLOW_HOME, where Airflow looks for dags/ unless told otherwise.
IMAGE_AIRFLOW_HOME = PurePosixPath("/opt/airflow")
#: Folders of the checkout the containers need, relative to COUNCIL_SOCIAL_HOME.
CODE_FOLDERS = ("dags", "plugins", "sql", "expectations", "reports/templates", "config")
#: Settings the pipelines write to: their mounts must not be read-only.
WRITABLE_SETTINGS = ("data_dir", "warehouse", "landing", "inbox", "outbox", "reports_output")
#: The local PostgreSQL default documented in the compose file and the official one.
ALLOWED_LITERAL_PASSWORDS = {"", "airflow"}

SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|FERNET|CREDENTIAL|PRIVATE|(?:^|_)KEY$", re.I)
SECRET_EXTRA = re.compile(r"password|secret|token|credential|private|api_key", re.I)
URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://(?P<user>[^:/@\s'\"]*):(?P<password>[^@\s'\"]*)@")
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-+/]{24,}={0,2}")
COMPOSE_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)
ENV_LINE = re.compile(r"^#?\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
POSTGRES_PASSWORD_WITH_DEFAULT = "${POSTGRES_PASSWORD:-airflow}"
PURE_REFERENCE = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?\?[^}]*)?\}$")


class MissingVariable(LookupError):
    """A ``${NAME:?message}`` variable has no value, which stops ``docker compose`` too."""


class Mount(NamedTuple):
    """One entry of a service's ``volumes``, in either the short or the long syntax."""

    source: str
    target: PurePosixPath
    read_only: bool

    @property
    def is_bind(self) -> bool:
        return self.source.startswith((".", "/", "~"))


# --- reading the files, as Compose would ----------------------------------------------------------


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Substitute ``$$``, ``${NAME}``, ``${NAME:-default}``, ``${NAME:?err}`` the way Compose does."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        current = env.get(name)
        is_set = current is not None and (current != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return current if is_set else arg
        if op in (":?", "?"):
            if not is_set:
                raise MissingVariable(f"{name}: {arg}")
            return current
        if op in (":+", "+"):
            return arg if is_set else ""
        return current or ""

    return COMPOSE_VARIABLE.sub(substitute, value)


def required_variables(text: str) -> set[str]:
    """Names Compose refuses to run without (``${NAME:?...}``), ignoring ``$$``-escaped shell text."""
    return {m.group("braced") for m in COMPOSE_VARIABLE.finditer(text) if m.group("op") in (":?", "?")}


def compose_variables(text: str) -> set[str]:
    """Every variable Compose substitutes in ``text``."""
    return {
        m.group("braced") or m.group("bare") for m in COMPOSE_VARIABLE.finditer(text) if m.group(0) != "$$"
    }


def resolve(node: Any, env: Mapping[str, str]) -> Any:
    """Interpolate every string in a parsed compose document."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    if isinstance(node, dict):
        return {key: resolve(value, env) for key, value in node.items()}
    return node


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw_compose(compose_text: str) -> dict[str, Any]:
    """The compose file as YAML gives it: anchors merged, variables not yet substituted."""
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def deploy_env(compose_text: str) -> dict[str, str]:
    """What an operator's ``.env`` provides: placeholders for the required secrets, nothing else."""
    return {name: f"<{name.lower()} from .env>" for name in required_variables(compose_text)}


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any], deploy_env: dict[str, str]) -> dict[str, Any]:
    """The compose file after substitution with defaults, as ``docker compose config`` would show it."""
    return resolve(raw_compose, deploy_env)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def environment(service: Mapping[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def command_text(service: Mapping[str, Any]) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else str(command)


def mounts(service: Mapping[str, Any]) -> list[Mount]:
    found = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            found.append(
                Mount(
                    str(volume.get("source", "")),
                    PurePosixPath(volume["target"]),
                    bool(volume.get("read_only")),
                )
            )
            continue
        source, target, *mode = volume.split(":")
        found.append(Mount(source, PurePosixPath(target), "ro" in ",".join(mode).split(",")))
    return found


def mount_holding(path: PurePosixPath, service: Mapping[str, Any]) -> Mount | None:
    """The mount a path lands on in a container (the deepest mount target above it)."""
    holding = [m for m in mounts(service) if path == m.target or path.is_relative_to(m.target)]
    return max(holding, key=lambda m: len(m.target.parts), default=None)


def container_ports(service: Mapping[str, Any]) -> set[int]:
    ports = {int(str(port).split("/")[0]) for port in service.get("expose") or []}
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            ports.add(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def parse_connection(value: str) -> dict[str, Any]:
    """Read an ``AIRFLOW_CONN_*`` value in either form Airflow accepts: JSON or URI."""
    if value.lstrip().startswith("{"):
        conn = json.loads(value)
        extra = conn.get("extra") or {}
        conn["extra"] = json.loads(extra) if isinstance(extra, str) else extra
        return conn
    parts = urlsplit(value)
    return {
        "conn_type": parts.scheme.replace("-", "_"),
        "host": parts.hostname,
        "port": parts.port,
        "login": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "extra": dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair),
    }


@pytest.fixture
def container_settings(services, monkeypatch) -> config.Settings:
    """``settings()`` as a worker resolves it, with the compose environment applied."""
    for name in list(os.environ):
        if name.startswith("COUNCIL_SOCIAL_"):
            monkeypatch.delenv(name)
    for name, value in environment(services["airflow-worker"]).items():
        if name.startswith("COUNCIL_SOCIAL_") and value is not None:
            monkeypatch.setenv(name, str(value))
    return config.settings()


def setting_paths(settings: config.Settings) -> dict[str, PurePosixPath]:
    """Every location in the settings (except the home itself), skipping object storage URLs."""
    paths = {}
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if field.name == "root":
            continue
        if isinstance(value, Path) or (isinstance(value, str) and value.startswith("/")):
            paths[field.name] = PurePosixPath(str(value))
    return paths


# --- topology -------------------------------------------------------------------------------------


def test_the_official_airflow_3_services_are_all_there(services):
    missing = [name for name in REQUIRED_SERVICES if name not in services]
    assert not missing, f"docker-compose.yml lacks {missing}"


def test_every_airflow_service_merges_the_common_anchor(compose_text):
    document = yaml.compose(compose_text)
    top = {key.value: value for key, value in document.value}
    common = top[COMMON_ANCHOR]
    for service_key, service_node in top["services"].value:
        if not service_key.value.startswith("airflow-"):
            continue
        merged = [value for key, value in service_node.value if key.tag == "tag:yaml.org,2002:merge"]
        merged_nodes = [n for value in merged for n in (value.value if value.id == "sequence" else [value])]
        assert any(node is common for node in merged_nodes), (
            f"{service_key.value} does not use <<: *airflow-common"
        )


def test_airflow_services_run_the_one_image_built_from_the_dockerfile(services):
    images = set()
    for name in (s for s in services if s.startswith("airflow-")):
        build = services[name].get("build")
        assert build is not None, f"{name} is not built from the Dockerfile"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        assert (ROOT / context / dockerfile).resolve() == DOCKERFILE, f"{name} builds another Dockerfile"
        images.add(services[name].get("image"))
    assert len(images) == 1, f"Airflow services tag different images: {images}"


@pytest.mark.parametrize(
    ("service", "command"),
    [
        ("airflow-apiserver", "api-server"),
        ("airflow-scheduler", "scheduler"),
        ("airflow-dag-processor", "dag-processor"),
        ("airflow-worker", "celery worker"),
        ("airflow-triggerer", "triggerer"),
    ],
)
def test_each_airflow_component_runs_its_command(services, service, command):
    assert command in command_text(services[service])


def test_the_api_server_listens_on_8080(services):
    assert 8080 in container_ports(services["airflow-apiserver"])


def test_services_have_healthchecks_and_start_in_order(services):
    for name in (*LONG_RUNNING_AIRFLOW_SERVICES, "postgres", "redis"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in LONG_RUNNING_AIRFLOW_SERVICES:
        depends_on = services[name].get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        assert depends_on.get("airflow-init", {}).get("condition") == "service_completed_successfully", name
        for backing in ("postgres", "redis"):
            assert depends_on.get(backing, {}).get("condition") == "service_healthy", f"{name} -> {backing}"


def test_environment_values_are_strings_compose_accepts(raw_compose):
    """Compose rejects YAML booleans in ``environment``: ``'false'`` must stay quoted."""
    for name, service in raw_compose["services"].items():
        for key, value in environment(service).items():
            assert not isinstance(value, bool), f"{name}: {key} must be a quoted string, not {value!r}"


# --- Airflow configuration ------------------------------------------------------------------------


def test_executor_is_celery_with_a_redis_broker_and_a_postgres_database(services):
    for name in AIRFLOW_SERVICES:
        env = environment(services[name])
        assert env.get("AIRFLOW__CORE__EXECUTOR") == "CeleryExecutor", name

        database = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert database.scheme == "postgresql+psycopg2", name
        assert services.get(database.hostname, {}).get("image", "").startswith("postgres"), name

        broker = urlsplit(env["AIRFLOW__CELERY__BROKER_URL"])
        assert broker.scheme == "redis", name
        assert services.get(broker.hostname, {}).get("image", "").startswith("redis"), name
        assert (broker.port or 6379) == 6379, name

        results = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"])
        assert results.scheme == "db+postgresql", name
        assert results.hostname == database.hostname, name


def test_every_airflow_service_shares_the_common_environment(raw_compose):
    common = environment(raw_compose[COMMON_ANCHOR])
    for name in AIRFLOW_SERVICES:
        env = environment(raw_compose["services"][name])
        differing = {key for key, value in common.items() if env.get(key) != value}
        assert not differing, f"{name} differs from the common environment in {sorted(differing)}"


def test_examples_and_default_connections_are_off(services):
    env = environment(services["airflow-scheduler"])
    assert env.get("AIRFLOW__CORE__LOAD_EXAMPLES") == "false"
    assert env.get("AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS") == "false"


def test_workers_reach_the_execution_api_on_the_api_server(services):
    url = urlsplit(environment(services["airflow-worker"])["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == "airflow-apiserver"
    assert url.port in container_ports(services["airflow-apiserver"])
    assert url.path.rstrip("/") == "/execution"


def test_fernet_key_and_jwt_secret_come_from_the_environment(compose_text, raw_compose):
    required = required_variables(compose_text)
    common = environment(raw_compose[COMMON_ANCHOR])
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        reference = PURE_REFERENCE.match(str(common.get(key, "")))
        assert reference, f"{key} must be ${{{key}:?...}}, not a literal"
        assert reference.group("name") in required, f"{key} must be required (the :? form)"


# --- folders and data -----------------------------------------------------------------------------


def test_the_project_folders_are_mounted_where_config_resolves_them(services, container_settings):
    home = PurePosixPath(str(container_settings.root))
    assert home == IMAGE_AIRFLOW_HOME
    for name in AIRFLOW_SERVICES:
        by_target = {m.target: m for m in mounts(services[name])}
        for folder in CODE_FOLDERS:
            mount = by_target.get(home / folder)
            assert mount is not None, f"{name} does not mount ./{folder} at {home / folder}"
            assert (ROOT / mount.source).resolve() == (ROOT / folder).resolve(), f"{name}: {mount}"


def test_data_paths_lie_on_volumes_every_airflow_container_shares(services, container_settings):
    paths = setting_paths(container_settings)
    assert {"warehouse", "inbox", "outbox", "reports_output", "policy_file"} <= set(paths)
    for setting, path in paths.items():
        worker_mount = mount_holding(path, services["airflow-worker"])
        assert worker_mount is not None, f"{setting} ({path}) is on no volume: it would die with the worker"
        for name in AIRFLOW_SERVICES:
            assert mount_holding(path, services[name]) == worker_mount, (
                f"{setting} ({path}) is not on the same volume in {name} and airflow-worker"
            )
        if setting in WRITABLE_SETTINGS:
            assert not worker_mount.read_only, f"{setting} ({path}) is on a read-only mount"


def test_the_warehouse_has_a_named_volume_and_the_pool_is_named(services, compose_text, container_settings):
    mount = mount_holding(PurePosixPath(str(container_settings.warehouse)), services["airflow-worker"])
    assert mount is not None and not mount.is_bind, "the warehouse should be on a named Docker volume"
    assert config.WAREHOUSE_POOL in compose_text, "the file should name the pool that guards the warehouse"


def test_the_landing_zone_defaults_to_the_shared_data_volume(services, container_settings):
    landing = container_settings.landing
    assert "://" not in landing, "without COUNCIL_SOCIAL_LANDING the landing zone should be a path"
    assert mount_holding(PurePosixPath(landing), services["airflow-worker"]) is not None


def test_every_dag_file_is_visible_in_the_containers(services):
    for name in AIRFLOW_SERVICES:
        env = environment(services[name])
        home = PurePosixPath(env.get("AIRFLOW_HOME") or IMAGE_AIRFLOW_HOME)
        dags_folder = PurePosixPath(env.get("AIRFLOW__CORE__DAGS_FOLDER") or home / "dags")
        dags_mount = next((m for m in mounts(services[name]) if m.target == dags_folder), None)
        assert dags_mount is not None, f"{name} does not mount the DAGs folder {dags_folder}"
        host_dags = (ROOT / dags_mount.source).resolve()
        assert host_dags == (ROOT / "dags").resolve(), f"{name} mounts {dags_mount.source} as the DAGs"
        for dag_file in sorted((ROOT / "dags").rglob("*.py")):
            seen_as = dags_folder / dag_file.relative_to(host_dags).as_posix()
            assert mount_holding(seen_as, services[name]) == dags_mount, f"{dag_file.name} hidden in {name}"


# --- the init job ---------------------------------------------------------------------------------


def test_the_init_job_migrates_then_sets_up_the_pipelines_without_demo_data(services):
    lines = command_text(services["airflow-init"]).splitlines()
    script = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    migrate = re.search(r"\bairflow db migrate\b", script)
    setup = re.search(r"\bpython -m council_social\.setup\b", script)
    assert migrate, "airflow-init must run `airflow db migrate`"
    assert setup, "airflow-init must run `python -m council_social.setup`"
    assert migrate.start() < setup.start(), "the pipelines' setup needs the migrated metadata database"
    assert "--demo" not in script, "production must not create the demo connections"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to read the script")
def test_the_init_script_is_valid_bash(services):
    command = services["airflow-init"]["command"]
    assert isinstance(command, list) and "-c" in command, "airflow-init should run `bash -c <script>`"
    script = command[command.index("-c") + 1]
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_the_init_job_creates_the_admin_user_when_the_auth_manager_needs_one(services):
    auth_manager = environment(services["airflow-init"]).get("AIRFLOW__CORE__AUTH_MANAGER", "")
    if "fab" in auth_manager.lower():
        assert "airflow users create" in command_text(services["airflow-init"])


# --- email and connections ------------------------------------------------------------------------


def test_smtp_default_points_at_the_mail_catcher(services):
    for name in AIRFLOW_SERVICES:
        value = environment(services[name]).get(f"AIRFLOW_CONN_{config.SMTP_CONN_ID.upper()}")
        assert value, f"{name} has no {config.SMTP_CONN_ID} connection"
        conn = parse_connection(value)
        assert conn["conn_type"] == "smtp"
        catcher = services.get(conn["host"])
        assert catcher is not None, f"{config.SMTP_CONN_ID} points at {conn['host']}, which is not a service"
        assert any(image in catcher.get("image", "") for image in MAIL_CATCHER_IMAGES), catcher.get("image")
        assert int(conn["port"]) in container_ports(catcher), f"the catcher does not listen on {conn['port']}"
        assert not conn.get("password"), "the mail catcher needs no password"


def test_platform_connections_are_left_to_the_operator(services):
    for conn_id in (config.X_CONN_ID, config.FACEBOOK_CONN_ID, config.HOOTSUITE_CONN_ID):
        for name, service in services.items():
            assert f"AIRFLOW_CONN_{conn_id.upper()}" not in environment(service), (
                f"{name} defines {conn_id}: platform tokens belong in the metadata DB or a secrets backend"
            )


# --- secrets --------------------------------------------------------------------------------------


def test_secret_settings_are_references_never_literals(raw_compose):
    for name, service in {COMMON_ANCHOR: raw_compose[COMMON_ANCHOR], **raw_compose["services"]}.items():
        for key, value in environment(service).items():
            if value is None or key.startswith("AIRFLOW_CONN_") or not SECRET_NAME.search(key):
                continue
            value = str(value)
            documented_default = re.fullmatch(r"\$\{\w+:-(?P<default>[^}]*)\}", value)
            assert (
                PURE_REFERENCE.match(value)
                or value in ALLOWED_LITERAL_PASSWORDS
                or (documented_default and documented_default.group("default") in ALLOWED_LITERAL_PASSWORDS)
            ), f"{name}: {key} holds a literal secret"


def test_urls_carry_no_password_but_the_local_postgres_default(services):
    for path in (COMPOSE_FILE, ENV_EXAMPLE, DOCKERFILE):
        for match in URL_WITH_PASSWORD.finditer(path.read_text(encoding="utf-8")):
            password = match.group("password")
            assert password in ALLOWED_LITERAL_PASSWORDS or password == POSTGRES_PASSWORD_WITH_DEFAULT, (
                f"{path.name}: a URL carries a password"
            )
    for name, service in services.items():
        for key, value in environment(service).items():
            if key.startswith("AIRFLOW_CONN_") and value:
                conn = parse_connection(str(value))
                assert not conn.get("password"), f"{name}: {key} carries a password"
                for extra_key, extra_value in (conn.get("extra") or {}).items():
                    secret = SECRET_EXTRA.search(extra_key) and extra_value
                    assert not secret, f"{name}: {key} has a secret in its extra ({extra_key})"


@pytest.mark.parametrize("path", [COMPOSE_FILE, DOCKERFILE, ENV_EXAMPLE, DOCKERIGNORE], ids=lambda p: p.name)
def test_no_token_looking_strings_in_the_deployment_files(path):
    """Fernet keys, JWT secrets and API tokens look random: long runs mixing cases and digits."""
    for token in TOKEN_LIKE.findall(path.read_text(encoding="utf-8")):
        randomish = (
            any(c.islower() for c in token)
            and any(c.isupper() for c in token)
            and any(c.isdigit() for c in token)
        )
        assert not randomish, f"{path.name} holds something that looks like a key or token: {token[:6]}..."


def test_the_env_example_documents_every_variable_and_holds_no_secret(compose_text):
    documented = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            documented.setdefault(match.group("name"), match.group("value"))
    undocumented = compose_variables(compose_text) - set(documented)
    assert not undocumented, f"deploy/airflow.env.example does not document {sorted(undocumented)}"
    for name in required_variables(compose_text):
        assert name in documented, f"{name} is required but not in deploy/airflow.env.example"
    for name, value in documented.items():
        if SECRET_NAME.search(name):
            assert value.strip() in ALLOWED_LITERAL_PASSWORDS, f"the example gives the secret {name} a value"


# --- the image ------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, args = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(args.split())))
    return instructions


def test_the_image_airflow_version_is_the_locked_one():
    base = next(args for keyword, args in dockerfile_instructions() if keyword == "FROM")
    match = re.fullmatch(
        r"apache/airflow:(?P<airflow>\d+\.\d+\.\d+)-python(?P<python>\d+\.\d+)(?: AS \S+)?", base
    )
    assert match, f"the base image should be apache/airflow:<version>-python<version>, not {base}"

    locked = re.search(r"^apache-airflow==(\S+)", LOCK_FILE.read_text(encoding="utf-8"), re.M)
    assert locked and locked.group(1) == match.group("airflow"), "requirements.lock pins another Airflow"

    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    pins = [dep for dep in project["dependencies"] if re.match(r"apache-airflow\s*==", dep)]
    assert pins == [f"apache-airflow=={match.group('airflow')}"], f"pyproject.toml pins {pins}"
    supported = SpecifierSet(project["requires-python"])
    assert match.group("python") in supported, f"the image's Python is outside {supported}"


def test_the_image_installs_the_lock_then_the_package_without_its_dependencies():
    instructions = dockerfile_instructions()
    copied = " ".join(args for keyword, args in instructions if keyword in ("COPY", "ADD"))
    for needed in ("requirements.lock", "pyproject.toml", "plugins"):
        assert needed in copied, f"the Dockerfile does not copy {needed}"
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    lock_install = [
        i for i, run in enumerate(runs) if re.search(r"pip install .*-r \S*requirements\.lock", run)
    ]
    package_install = [i for i, run in enumerate(runs) if re.search(r"pip install .*--no-deps", run)]
    assert lock_install, "the Dockerfile must `pip install -r requirements.lock`"
    assert package_install, "the Dockerfile must install the package with --no-deps"
    assert lock_install[0] < package_install[-1]


def test_the_image_has_the_libraries_weasyprint_needs_and_ends_as_airflow():
    instructions = dockerfile_instructions()
    apt = " ".join(args for keyword, args in instructions if keyword == "RUN" and "apt-get install" in args)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0"):
        assert package in apt, f"WeasyPrint needs {package}"
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1] == "airflow", "the image must not run as root"


def test_the_dockerignore_keeps_the_build_inputs_and_drops_local_state():
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for needed in ("requirements.lock", "pyproject.toml", "plugins", "*", "**"):
        assert needed not in patterns, f".dockerignore drops {needed}, which the image needs"
    for local in (".venv", ".env", ".git"):
        assert local in patterns, f".dockerignore should keep {local} out of the image"
