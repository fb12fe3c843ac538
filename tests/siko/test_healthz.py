import json
import tomllib
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client, settings):
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["database"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")


def test_healthz_is_503_when_the_broker_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert body["broker"].startswith("error")
    assert body["database"] == "ok"


def test_healthz_and_every_page_footer_show_the_version(client, kpb_a_user):
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]

    body = json.loads(client.get("/healthz").content)
    login_page = client.get(reverse("login")).content.decode()
    dashboard = client_for(kpb_a_user).get(reverse("authorities:authority_list")).content.decode()

    assert body["version"] == declared
    assert f"Version {declared}" in login_page
    assert f"Version {declared}" in dashboard
