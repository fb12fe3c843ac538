"""The production deployment files, checked without a Docker engine (DESIGN §6, §7).

docker-compose.yml and the Dockerfile are parsed, not run; the settings are resolved in fresh
interpreters so that each combination of DATABASE_URL, REDIS_URL and EMAIL_URL is read from scratch.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
#: Every container that runs SiKo's code and so reads its settings.
CODE_SERVICES = ("migrate", *APP_SERVICES)
SERVICE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SECRET_KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _command(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def _healthcheck(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def _settings_variables() -> set[str]:
    source = (ROOT / "siko" / "settings.py").read_text(encoding="utf-8")
    names = re.findall(r"\benv(?:\.\w+)?\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source)
    names += re.findall(r"os\.(?:environ(?:\.get)?|getenv)[\(\[]\s*[\"']([A-Z][A-Z0-9_]*)", source)
    return set(names)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_compose_has_the_seven_services(services: dict[str, Any]) -> None:
    assert set(services) == {"migrate", "web", "worker", "beat", "caddy", "postgres", "redis"}


def test_compose_migrates_once_before_web_worker_and_beat_start(services: dict[str, Any]) -> None:
    migrate = services["migrate"]

    assert _command(migrate) == "python manage.py migrate --noinput"
    assert migrate["restart"] == "no"
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in APP_SERVICES:
        assert "migrate" not in _command(services[name]), name
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name


def test_compose_web_serves_gunicorn_without_a_host_port(services: dict[str, Any]) -> None:
    web = services["web"]
    command = _command(web)

    assert command.split()[2:5] == ["exec", "gunicorn", "siko.wsgi"]
    assert "--bind 0.0.0.0:8000" in command
    # Several web containers can run (--scale web=N): only the proxy publishes ports.
    assert "ports" not in web
    assert web["expose"] == ["8000"]
    # One line per request, SiKo's own (siko/request_log.py); gunicorn writes errors only.
    assert "--access-logfile" not in command
    assert "--logger-class siko.log_masking.GunicornLogger" in command
    assert [name for name, service in services.items() if "ports" in service] == ["caddy"]


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def test_compose_stopping_lets_running_work_finish(services: dict[str, Any]) -> None:
    from django.conf import settings

    web_command = _command(services["web"]).split()
    timeout = int(web_command[web_command.index("--timeout") + 1])
    graceful = int(web_command[web_command.index("--graceful-timeout") + 1])
    worker_grace = _seconds(services["worker"]["stop_grace_period"])

    assert graceful >= timeout
    assert _seconds(services["web"]["stop_grace_period"]) > graceful
    # A stopped worker finishes its task; the hard time limit ends it before the grace period.
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT < worker_grace
    assert worker_grace <= settings.CELERY_TASK_TIME_LIMIT + 60


def test_compose_caddy_terminates_tls_in_front_of_every_web_container(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    caddy = services["caddy"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")

    assert {"80:80", "443:443"} <= set(caddy["ports"])
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert "caddydata:/data" in caddy["volumes"]
    assert caddy["environment"]["SIKO_DOMAIN"].startswith("${SIKO_DOMAIN:?")
    assert caddy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert re.search(r"^\{\$SIKO_DOMAIN\} \{$", caddyfile, flags=re.MULTILINE)
    assert re.search(r"dynamic a \{\s+name web\s+port 8000", caddyfile)
    # Health checks as the image asks: the public name over "HTTPS", else ALLOWED_HOSTS refuses.
    assert "health_uri /healthz" in caddyfile
    assert "Host {$SIKO_DOMAIN}" in caddyfile
    # No trusted_proxies: Caddy overwrites a client's X-Forwarded-For, so axes may read it.
    directives = [line for line in caddyfile.splitlines() if not line.lstrip().startswith("#")]
    assert not any("trusted_proxies" in line for line in directives)
    assert "request>uri delete" in caddyfile


def test_compose_worker_and_beat_run_celery(services: dict[str, Any]) -> None:
    assert _command(services["worker"]) == "celery -A siko worker -l info"
    assert _command(services["beat"]).startswith("celery -A siko beat -l info --schedule ")


def test_compose_beat_keeps_its_schedule_in_a_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    schedule = shlex.split(_command(services["beat"]))[-1]
    mounts = dict(reversed(volume.split(":")[:2]) for volume in services["beat"]["volumes"])
    folder = str(Path(schedule).parent)

    assert folder in mounts
    assert mounts[folder] in compose["volumes"]


def test_compose_every_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    checks = {
        name: _healthcheck(service) for name, service in services.items() if name != "migrate"
    }

    assert "/healthz" in checks["web"]
    assert "inspect ping" in checks["worker"]
    assert "ping()" in checks["beat"]
    assert "pg_isready" in checks["postgres"]
    assert "redis-cli ping" in checks["redis"]


def _env_example_value(name: str) -> str:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    match = re.search(rf"^{name}=(.*)$", example, flags=re.MULTILINE)
    assert match, name
    return match[1]


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.5", "203.0.113.5"),  # what Caddy sends: the one address it saw
        ("10.20.30.40", "10.20.30.40"),  # a client in the authority's own network
        ("198.51.100.1, 203.0.113.5", "172.18.0.9"),  # a longer chain is not believed
        ("", "172.18.0.9"),
    ],
)
def test_the_login_lockout_behind_caddy_counts_the_client_address(
    settings: Any, rf: Any, forwarded_for: str, client: str
) -> None:
    """The .env.example values for the shipped proxy: the lockout counts per client, not per
    proxy (else anyone could lock any user out from anywhere), and a forged header does not win."""
    from axes.helpers import get_client_ip_address

    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = _env_example_value("AXES_IP_HEADERS").split(",")
    settings.AXES_IPWARE_PROXY_COUNT = int(_env_example_value("AXES_PROXY_COUNT"))
    request = rf.post("/anmelden/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="172.18.0.9")

    assert get_client_ip_address(request) == client


def test_compose_app_services_wait_for_healthy_postgres_and_redis(
    services: dict[str, Any],
) -> None:
    for name in APP_SERVICES:
        assert services[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_compose_app_services_share_image_and_environment(services: dict[str, Any]) -> None:
    web = services["web"]

    for name in ("migrate", "worker", "beat"):
        assert services[name]["image"] == web["image"]
        assert services[name]["build"] == web["build"]
        assert services[name]["environment"] == web["environment"]
    assert web["build"]["context"] == "."
    assert set(SERVICE_VARIABLES) <= set(web["environment"])


def test_compose_app_services_run_in_production_mode_with_required_secrets(
    services: dict[str, Any],
) -> None:
    environment = services["web"]["environment"]

    assert environment["DEBUG"] == "false"
    assert environment["DATABASE_URL"].startswith("postgres://siko:${POSTGRES_PASSWORD:?")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/siko")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SITE_URL", "EMAIL_URL"):
        assert environment[name].startswith(f"${{{name}:?"), name


def test_compose_passes_only_variables_the_settings_read(services: dict[str, Any]) -> None:
    passed = set(services["web"]["environment"])

    assert passed - _settings_variables() == set()


def test_compose_keeps_data_in_named_volumes(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    media_root = services["web"]["environment"]["MEDIA_ROOT"]

    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name in CODE_SERVICES:
        assert f"media:{media_root}" in services[name]["volumes"], name
    assert set(compose["volumes"]) == {
        "pgdata",
        "redisdata",
        "media",
        "beat",
        "caddydata",
        "caddyconfig",
    }


def test_compose_pins_exact_image_versions(services: dict[str, Any]) -> None:
    # An upgrade changes a version here on purpose, never by a new pull of a moving tag.
    assert re.fullmatch(r"postgres:16\.\d+-bookworm", services["postgres"]["image"])
    assert re.fullmatch(r"redis:7\.\d+\.\d+-bookworm", services["redis"]["image"])
    assert re.fullmatch(r"caddy:2\.\d+\.\d+", services["caddy"]["image"])
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith(
        "${POSTGRES_PASSWORD:?"
    )


def _documented_variables() -> set[str]:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))


def test_every_setting_is_documented_and_reaches_every_container(
    services: dict[str, Any],
) -> None:
    read = _settings_variables()
    # The stack's own values, set in the compose file, win over .env (the container's paths).
    fixed = set(services["web"]["environment"])

    assert len(read) >= 30
    assert read - _documented_variables() == set()
    for name in CODE_SERVICES:
        # The whole .env reaches the container; a missing .env stops compose before anything.
        assert services[name]["env_file"] == [{"path": ".env", "required": True}], name
        assert set(services[name]["environment"]) == fixed, name
    assert fixed <= read | {"DEBUG"}


def test_env_example_documents_every_compose_variable(services: dict[str, Any]) -> None:
    compose_text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    interpolated = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", compose_text))

    assert interpolated - documented == set()
    assert set(services["web"]["environment"]) - documented == set()


def test_dockerfile_builds_a_non_root_gunicorn_image_with_healthcheck() -> None:
    instructions = _dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    values = {keyword: value for keyword, value in instructions}
    runs = " ".join(value for keyword, value in instructions if keyword == "RUN")

    assert values["FROM"] == "python:3.11-slim-bookworm"
    assert "libpango-1.0-0" in runs
    assert "pip install -c constraints.txt ." in runs
    assert "manage.py collectstatic --noinput" in runs
    assert values["USER"].split(":")[0] not in {"root", "0"}
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert "/healthz" in values["HEALTHCHECK"]
    assert "curl" not in values["HEALTHCHECK"]
    assert values["EXPOSE"] == "8000"
    assert json.loads(values["CMD"])[:2] == ["gunicorn", "siko.wsgi"]


def test_the_image_and_the_package_hold_every_app() -> None:
    from django.conf import settings

    apps = {name for name in settings.INSTALLED_APPS if (ROOT / name / "apps.py").exists()}
    copied = {
        value.split()[0].rstrip("/")
        for keyword, value in _dockerfile_instructions()
        if keyword == "COPY"
    }
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    packaged = set(re.findall(r'"(\w+)\*"', pyproject.split("[tool.setuptools.packages.find]")[1]))

    # A new app must reach the image (COPY) and the package (setuptools) too.
    assert {"siko", "notifications", "authorities", "conferences", "followup", "reports"} <= apps
    assert apps - copied == set()
    assert apps - packaged == set()


def test_the_license_file_matches_the_declared_licence_and_the_changelog_the_version() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")

    assert project["license"] == {"text": "EUPL-1.2"}
    assert licence.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2\nEUPL © the European Union")
    assert all(f"\n{n}." in licence for n in range(1, 16))  # the 15 articles
    assert "Appendix" in licence and "GNU General Public License (GPL) v. 2, v. 3" in licence
    assert "## [Unreleased]" in changelog
    assert f"## [{project['version']}]" in changelog


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    assert {".env", ".git", ".venv", "var", "staticfiles"} <= set(ignored)


PRINT_SETTINGS = """
import json
from django.conf import settings
from siko.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "broker": settings.CELERY_BROKER_URL,
    "celery_app_broker": app.conf.broker_url,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email_backend": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "email_port": getattr(settings, "EMAIL_PORT", None),
    "email_use_tls": getattr(settings, "EMAIL_USE_TLS", False),
}))
"""


def _resolved_settings(**variables: str) -> dict[str, Any]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="siko.settings",
        SECRET_KEY="deployment-test-secret-key",
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_without_variables_run_embedded() -> None:
    resolved = _resolved_settings()

    assert resolved["engine"] == "django.db.backends.sqlite3"
    assert resolved["name"] == str(ROOT / "var" / "siko.sqlite3")
    assert resolved["broker"] == "memory://"
    assert resolved["eager"] is True
    assert resolved["email_backend"] == "siko.mail.LocalMailboxBackend"


def test_settings_with_urls_use_postgres_redis_and_smtp() -> None:
    resolved = _resolved_settings(
        DATABASE_URL="postgres://siko:geheim@db.example:5433/siko",
        REDIS_URL="redis://cache.example:6379/2",
        EMAIL_URL="smtp+tls://siko:geheim@mail.example:587",
    )

    assert resolved == {
        "engine": "django.db.backends.postgresql",
        "name": "siko",
        "host": "db.example",
        "broker": "redis://cache.example:6379/2",
        "celery_app_broker": "redis://cache.example:6379/2",
        "eager": False,
        "email_backend": "django.core.mail.backends.smtp.EmailBackend",
        "email_host": "mail.example",
        "email_port": 587,
        "email_use_tls": True,
    }
