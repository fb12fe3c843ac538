"""Production settings: what an operator gets with DEBUG off and only the documented variables."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from authorities.models import User

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """A clean environment: nothing from the test run (settings_test sets DEBUG and friends)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "siko.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "siko.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'siko.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    env.update(overrides)
    return env


def run_python(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_deploy_check_is_clean_with_production_variables(tmp_path):
    result = run_python(
        production_env(tmp_path), "manage.py", "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off(tmp_path):
    result = run_python(production_env(tmp_path, SECRET_KEY=""), "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY muss gesetzt sein" in result.stderr


PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = [
    "DEBUG", "OTP_REQUIRED", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "SESSION_MAX_LIFETIME_SECONDS",
    "AXES_LOCKOUT_PARAMETERS", "AXES_VERBOSE", "AXES_DISABLE_ACCESS_LOG", "SILENCED_SYSTEM_CHECKS",
]
print(json.dumps({name: getattr(s, name) for name in names}))
"""


def production_settings(tmp_path: Path, **overrides: str) -> dict:
    result = run_python(production_env(tmp_path, **overrides), "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_production_enforces_second_factor_and_secure_cookies(tmp_path):
    values = production_settings(tmp_path)
    assert values["DEBUG"] is False
    assert values["OTP_REQUIRED"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SILENCED_SYSTEM_CHECKS"] == []


def test_settings_production_session_and_lockout_policy(tmp_path):
    values = production_settings(tmp_path)
    assert values["SESSION_COOKIE_AGE"] == 30 * 60
    # Written at most once a minute (siko/sessions.py), not on every request.
    assert values["SESSION_SAVE_EVERY_REQUEST"] is False
    assert values["SESSION_MAX_LIFETIME_SECONDS"] == 12 * 3600
    # Never the IP alone: a whole authority reaches SiKo through one proxy.
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert values["AXES_VERBOSE"] is False
    assert values["AXES_DISABLE_ACCESS_LOG"] is True


def test_settings_demo_mode_makes_second_factor_optional(tmp_path):
    values = production_settings(tmp_path, DEBUG="true", SECRET_KEY="")
    assert values["DEBUG"] is True
    assert values["OTP_REQUIRED"] is False


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("seed_demo")
    assert not User.objects.filter(username="kpb-dortmund").exists()


@pytest.mark.django_db
def test_seed_demo_users_log_in_with_printed_password(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    output = capsys.readouterr().out
    password = output.split("Passwort für alle: ")[1].split(")")[0]
    usernames = ("kpb-dortmund", "kpb-borken", "lzpd", "lka", "im", "partner-sta-dortmund", "admin")
    for username in usernames:
        assert username in output
        response = Client().post("/anmelden/", {"username": username, "password": password})
        assert response.status_code == 302, username
