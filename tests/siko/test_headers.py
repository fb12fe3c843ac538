"""Security headers on one response of each kind, and the __Host- cookies of production.

What a browser gets: a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' (so no page
may carry inline script or style), a Permissions-Policy denying sensors and payment, and
Cache-Control: no-store on everything SiKo renders (pages, fragments, downloads, signed links).
"""

import json
import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from authorities.models import PartnerAgency
from conferences import services
from conferences.documents import feeds
from conferences.links import answer_token
from conferences.models import Invitation
from tests.conftest import PASSWORD, client_for
from tests.factories.conferences import make_conference
from tests.factories.reports import make_final_report
from tests.siko.test_settings import production_env, run_python

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def _csp(response: HttpResponse) -> dict[str, str]:
    directives = (part.strip() for part in response["Content-Security-Policy"].split(";"))
    return dict(part.split(" ", 1) for part in directives if part)


def _assert_no_inline_code(html: str) -> None:
    """What the CSP would block: inline <script>/<style>, style="" and on…="" attributes."""
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert re.findall(r"<style\b", html) == []
    assert re.findall(r"\sstyle\s*=", html) == []
    assert re.findall(r"\son[a-z]+\s*=", html) == []


@pytest.fixture
def outputs(kpb_a_user, lzpd_user) -> dict[str, HttpResponse]:
    """One response of each kind, as its user fetches it."""
    conference = make_conference(kpb_a_user, title="SiKo Dortmund Herbst")
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    invitation = Invitation.objects.get(conference=conference, agency=agency)
    feed = feeds.create_feed(authority=kpb_a_user.authority, by=kpb_a_user)
    report = make_final_report()
    kpb, lzpd, anonymous = client_for(kpb_a_user), client_for(lzpd_user), Client()
    pk = {"pk": conference.pk}
    return {
        "html": kpb.get(reverse("conferences:conference_detail", kwargs=pk)),
        "htmx": kpb.get(reverse("conferences:answers_panel", kwargs=pk), HTTP_HX_REQUEST="true"),
        "csv": kpb.get(reverse("conferences:participants_csv", kwargs=pk)),
        "xlsx": lzpd.get(reverse("reports:annual_report_xlsx", kwargs={"pk": report.pk})),
        "pdf": kpb.get(reverse("conferences:participants_pdf", kwargs=pk)),
        "ics": kpb.get(reverse("conferences:conference_ics", kwargs=pk)),
        "feed": anonymous.get(reverse("conferences:calendar_feed", kwargs={"token": feed.token})),
        "answer": anonymous.get(
            reverse("conferences:answer", kwargs={"token": answer_token(invitation)})
        ),
        "healthz": anonymous.get(reverse("healthz")),
        "login": anonymous.get(reverse("login")),
    }


def test_headers_every_kind_of_response_gets_the_strict_csp(outputs):
    for kind, response in outputs.items():
        assert response.status_code == 200, kind
        assert _csp(response) == EXPECTED_CSP, kind
        assert "unsafe" not in response["Content-Security-Policy"], kind


def test_headers_every_kind_of_response_denies_browser_features(outputs):
    for kind, response in outputs.items():
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        assert {feature: policy.get(feature) for feature in DENIED_FEATURES} == {
            feature: "()" for feature in DENIED_FEATURES
        }, kind


def test_headers_no_response_may_be_stored(outputs):
    for kind, response in outputs.items():
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert "no-store" in directives, kind
        assert "public" not in directives, kind


def test_headers_downloads_are_what_they_claim(outputs):
    assert outputs["csv"]["Content-Type"].startswith("text/csv")
    assert outputs["xlsx"]["Content-Type"].startswith("application/vnd.openxmlformats")
    assert outputs["pdf"]["Content-Type"] == "application/pdf"
    assert outputs["ics"]["Content-Type"].startswith("text/calendar")
    assert outputs["feed"]["Content-Type"].startswith("text/calendar")


def test_headers_pages_carry_no_inline_script_or_style(outputs):
    for kind in ("html", "htmx", "answer", "login"):
        _assert_no_inline_code(outputs[kind].content.decode())


def test_headers_htmx_injects_no_indicator_style_and_siko_css_has_it(outputs):
    html = outputs["html"].content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)

    assert config is not None
    assert json.loads(config.group(1))["includeIndicatorStyles"] is False
    css = (BASE_DIR / "static" / "css" / "siko.css").read_text(encoding="utf-8")
    assert ".htmx-indicator" in css
    assert ".htmx-request .htmx-indicator" in css


def _is_web_template(path: Path) -> bool:
    """PDF (WeasyPrint) and e-mail templates are never served as web pages: they keep styles."""
    relative = path.relative_to(BASE_DIR / "templates").as_posix()
    parts = relative.split("/")
    return not ({"email", "pdf", "letter"} & set(parts) or "pdf" in parts[-1])


def test_headers_no_web_template_carries_inline_script_or_style():
    offenders = {}
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        if not _is_web_template(path):
            continue
        try:
            _assert_no_inline_code(path.read_text(encoding="utf-8"))
        except AssertionError:
            offenders[path.relative_to(BASE_DIR).as_posix()] = True
    assert offenders == {}


PRINT_COOKIE_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = [
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_PATH", "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_PATH", "CSRF_COOKIE_DOMAIN",
]
print(json.dumps({name: getattr(s, name) for name in names}))
"""


def _production_cookie_settings(tmp_path: Path) -> dict:
    result = run_python(production_env(tmp_path), "-c", PRINT_COOKIE_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_headers_https_cookies_carry_the_host_prefix(tmp_path, settings, kpb_a_user):
    production = _production_cookie_settings(tmp_path)
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    for name, value in production.items():
        setattr(settings, name, value)
    client = Client(enforce_csrf_checks=True)

    form = client.get(reverse("login"), secure=True)
    login = client.post(
        reverse("login"),
        {
            "username": kpb_a_user.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": form.cookies["__Host-csrftoken"].value,
        },
        secure=True,
        headers={"Origin": "https://testserver"},
    )

    assert login.status_code == 302
    # What a browser requires of a __Host- cookie: Secure, Path=/ and no Domain.
    for cookie in (form.cookies["__Host-csrftoken"], login.cookies["__Host-sessionid"]):
        assert (cookie["secure"], cookie["path"], cookie["domain"]) == (True, "/", "")
    # The renamed session cookie carries the login.
    assert client.get(reverse("conferences:conference_list"), secure=True).status_code == 200


def test_headers_passkeys_are_allowed_for_siko_itself_only(outputs):
    for kind, response in outputs.items():
        policy = dict(
            part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
        )
        assert policy["publickey-credentials-get"] == "(self)", kind
        assert policy["publickey-credentials-create"] == "(self)", kind
