"""docker-compose.yml and the Dockerfile stay in step with the code they run.

Nothing here starts a container: the files are parsed and checked against the CLI, the
settings and the packaging metadata, so that renaming a command or a setting breaks a test
rather than a deployment.
"""

import json
import re
import tomllib
from pathlib import Path

import pytest
import typer.main
import yaml

from services.api.routes.health import router as health_router
from services.cli import app as cli_app
from services.core.config import DEFAULT_WEB_DIST, Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

BACKING_SERVICES = ("postgres", "redis")
APP_SERVICES = ("migrate", "api", "worker")
IMAGE = "observatoire:latest"


def cli_commands() -> dict:
    """The CLI's commands by name. Typer ships its own copy of click, so this is a Typer group
    (not a `click.Group`) with the same `commands` mapping."""
    return dict(typer.main.get_command(cli_app).commands)


def command_of(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    assert isinstance(command, list), f"{service}: write `command` as a list, not a shell string"
    return [str(word) for word in command]


def with_defaults(value: str) -> str:
    """The value as compose gives it when the variables it names are unset: `${NAME:-default}`
    (or `${NAME-default}`) becomes `default`."""
    return re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", value)


def environment_of(service: str) -> dict[str, str]:
    environment = SERVICES[service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {name: with_defaults(str(value)) for name, value in environment.items()}


def dockerfile_instruction(name: str) -> str:
    """The argument of the last `name` instruction (the one that takes effect)."""
    lines = [line.strip() for line in DOCKERFILE.replace("\\\n", " ").splitlines()]
    found = [line[len(name) :].strip() for line in lines if line.upper().startswith(name + " ")]
    assert found, f"the Dockerfile has no {name}"
    return found[-1]


def settings_variables() -> set[str]:
    """Every environment variable that Settings reads."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if alias is None:
            names.add((prefix + field_name).upper())
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names |= {str(choice).upper() for choice in alias.choices}
    return names


def test_the_five_services_are_there():
    assert set(BACKING_SERVICES + APP_SERVICES) <= set(SERVICES)


@pytest.mark.parametrize("service", BACKING_SERVICES)
def test_backing_services_have_a_healthcheck(service):
    healthcheck = SERVICES[service].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{service} needs a healthcheck: the others wait for it"
    assert not healthcheck.get("disable")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_run_the_image_built_from_the_dockerfile(service):
    definition = SERVICES[service]
    build = definition.get("build")
    if isinstance(build, dict):
        assert build.get("context", ".") == "."
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    else:
        assert build == "."
    assert definition.get("image") == IMAGE
    assert "entrypoint" not in definition, "the image's ENTRYPOINT (the CLI) must stay in charge"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_service_command_is_a_cli_command(service):
    name, *arguments = command_of(service)
    commands = cli_commands()
    assert name in commands, f"{service} runs `observatoire {name}`, which the CLI does not have"
    known_options = {opt for param in commands[name].params for opt in param.opts}
    for option in (word.split("=", 1)[0] for word in arguments if word.startswith("--")):
        assert option in known_options, f"{service}: `observatoire {name}` has no option {option}"


def test_migrate_runs_once_before_the_api_and_the_workers():
    migrate = SERVICES["migrate"]
    assert migrate.get("restart") in ("no", False)
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for service in ("api", "worker"):
        depends_on = SERVICES[service]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_api_listens_on_every_interface_of_its_container():
    words = command_of("api")
    assert words[words.index("--host") + 1] == "0.0.0.0"
    port = words[words.index("--port") + 1] if "--port" in words else "8000"
    assert port in dockerfile_instruction("EXPOSE").split()
    published = [str(mapping) for mapping in SERVICES["api"].get("ports", [])]
    assert all(mapping.rsplit(":", 1)[-1] == port for mapping in published)


def test_dockerfile_entrypoint_is_the_cli_of_pyproject():
    entrypoint = json.loads(dockerfile_instruction("ENTRYPOINT"))
    assert entrypoint == ["observatoire"]
    scripts = PYPROJECT["project"]["scripts"]
    assert scripts.get("observatoire") == "services.cli:app"
    default_command = json.loads(dockerfile_instruction("CMD"))
    assert default_command[0] in cli_commands()


def test_dockerfile_healthcheck_asks_the_liveness_route():
    healthcheck = dockerfile_instruction("HEALTHCHECK")
    assert "/v1/health" in healthcheck
    assert "/v1/health" in {route.path for route in health_router.routes}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_environment_is_what_settings_read(service, monkeypatch):
    environment = environment_of(service)
    assert {"DATABASE_URL", "REDIS_URL"} <= set(environment)
    unknown = set(environment) - settings_variables()
    assert not unknown, f"{service} sets variables that Settings ignores: {sorted(unknown)}"

    for name in settings_variables():
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.database_url == environment["DATABASE_URL"]
    assert settings.redis_url == environment["REDIS_URL"]
    assert not settings.is_sqlite
    assert settings.async_database_url.startswith("postgresql+asyncpg://")


def test_the_api_opens_public_read_only_when_asked():
    raw = str(SERVICES["api"]["environment"]["OBSERVATOIRE_PUBLIC_READ"])
    assert raw.startswith("${OBSERVATOIRE_PUBLIC_READ")
    assert environment_of("api")["OBSERVATOIRE_PUBLIC_READ"] == "false"
    for service in ("migrate", "worker"):
        assert "OBSERVATOIRE_PUBLIC_READ" not in environment_of(service)


def dockerfile_stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]


def test_the_image_builds_the_dashboard_and_serves_it_from_where_the_setting_says():
    web, final = dockerfile_stages()
    assert web.startswith("node:20") and " AS web" in web.splitlines()[0]
    # From the committed lock file; the types' source (openapi/) is beside the web sources.
    assert "npm ci" in web and "npm run build" in web and "COPY openapi " in web
    copied = re.search(r"^COPY --from=web (\S+) (\S+)$", final, flags=re.MULTILINE)
    assert copied and copied.group(1).endswith("services/web/dist")
    # Where the code runs from (/app), the setting's default is the same folder.
    target = dockerfile_instruction("WORKDIR") + "/" + DEFAULT_WEB_DIST.relative_to(ROOT).as_posix()
    assert copied.group(2) in (target, "./" + DEFAULT_WEB_DIST.relative_to(ROOT).as_posix())
    assert f"\nENV OBSERVATOIRE_WEB_DIST={target}\n" in final
    assert "OBSERVATOIRE_WEB_DIST" in settings_variables()


def test_the_build_context_leaves_out_the_local_dashboard_build_and_dependencies():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"services/web/node_modules/", "services/web/dist/"} <= set(ignored)
