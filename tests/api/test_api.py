"""The read API (/api/v1/): tokens, scoping, paging, ETag, rate limit, the compliance fields and
the reports' files."""

import hashlib
import io
import json
from datetime import date

import pytest
from django.contrib.admin.sites import site
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from api.models import ApiToken, hash_token
from authorities.models import Authority, PartnerAgency
from reports.annual.report import collect_report_data
from reports.models import AnnualReport, GenerationState, ReportStatus
from siko.models import AuditEntry
from tests.conftest import client_for
from tests.factories.api import token_client, token_for
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db

BODIES = "/api/v1/bodies/"


def ids(response) -> list:
    return [row["id"] for row in response.json()["results"]]


def test_a_kpb_token_reads_its_own_authority_only(kpb_a_user):
    client = token_client(kpb_a_user)
    assert ids(client.get(BODIES)) == ["pp-dortmund"]
    assert client.get(BODIES + "pp-dortmund/").json()["name"] == "Polizeipräsidium Dortmund"
    assert client.get(BODIES + "lr-borken/").status_code == 404


@pytest.mark.parametrize("role", ["lzpd_user", "lka_user", "im_user"])
def test_a_state_body_token_reads_all_47_authorities(role, request):
    client = token_client(request.getfixturevalue(role))
    first = client.get(BODIES, {"page_size": 40}).json()
    second = client.get(first["next"]).json()
    slugs = [row["id"] for row in first["results"] + second["results"]]
    assert (len(slugs), second["next"]) == (47, None)
    assert slugs == sorted(Authority.objects.values_list("slug", flat=True))


def test_without_a_token_the_api_answers_401_even_with_a_session(kpb_a_user):
    for client in (Client(), client_for(kpb_a_user)):
        response = client.get(BODIES)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_wrong_revoked_or_deactivated_token_is_refused(kpb_a_user, admin_user):
    assert token_client(token="siko_falsch").get(BODIES).status_code == 401

    text = token_for(kpb_a_user)
    client = token_client(token=text)
    assert client.get(BODIES).status_code == 200
    token = ApiToken.objects.get(key_hash=hash_token(text))
    from api.services import revoke_token

    revoke_token(token, by=admin_user)
    assert client.get(BODIES).status_code == 401
    assert client.get(BODIES).json() == {
        "detail": "Ungültiger, widerrufener oder deaktivierter API-Schlüssel."
    }

    other = token_client(kpb_a_user)
    kpb_a_user.is_active = False
    kpb_a_user.save()
    assert other.get(BODIES).status_code == 401


def test_a_partner_account_gets_no_token(partner_user, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        token_for(partner_user)
    assert error.value.message_dict == {"user": ["Partnerbehörden erhalten keinen API-Schlüssel."]}
    assert not ApiToken.objects.exists()


def test_admin_creates_a_token_shows_it_once_and_stores_its_hash(admin_user, lka_user):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:api_apitoken_add"),
        {"name": "LKA Lagebild", "user": lka_user.pk},
        follow=True,
    )
    token = ApiToken.objects.get()
    messages = [str(m) for m in response.context["messages"]]
    text = next(m for m in messages if "lautet" in m).split("lautet: ")[1].split(" ")[0]
    assert text.startswith("siko_") and token.key_hash == hash_token(text)
    assert text not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.created_by == admin_user
    assert AuditEntry.objects.filter(action="api_token.created").count() == 1
    # Shown once: the token's page does not show it again.
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert text not in page and token.key_start in page
    assert token_client(token=text).get(BODIES).status_code == 200

    client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_client(token=text).get(BODIES).status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoked").count() == 1
    assert site.is_registered(ApiToken)


def test_partner_accounts_are_not_offered_in_the_admin_form(admin_user, partner_user):
    page = client_for(admin_user).get(reverse("admin:api_apitoken_add")).content.decode()
    assert f'value="{partner_user.pk}"' not in page


def test_organizations_are_those_covering_the_kpbs_area(kpb_a_user):
    seen = set()
    url = "/api/v1/organizations/?page_size=200"
    client = token_client(kpb_a_user)
    while url:
        page = client.get(url).json()
        seen |= {row["id"] for row in page["results"]}
        url = page["next"]
    expected = set(
        PartnerAgency.objects.filter(coverages__authority__slug="pp-dortmund").values_list(
            "slug", flat=True
        )
    )
    assert seen == expected
    assert "kommune-kreis-borken" not in seen


def test_meetings_with_agenda_status_dates_and_co_hosts(kpb_a_user, kpb_b_user):
    conference = make_conference(kpb_a_user, title="SiKo Dortmund 2027")
    conference.authorities.add(Authority.objects.get(slug="lr-borken"))
    make_conference(kpb_b_user, title="SiKo Borken 2027")
    results = token_client(kpb_a_user).get("/api/v1/meetings/").json()["results"]
    assert [m["name"] for m in results] == ["SiKo Dortmund 2027"]
    meeting = results[0]
    assert (meeting["type"], meeting["host"], meeting["co_hosts"]) == (
        "Meeting",
        "pp-dortmund",
        ["lr-borken"],
    )
    assert meeting["status"] == "draft"
    assert [i["name"] for i in meeting["agenda_items"]] == list(
        conference.agenda_items.order_by("order", "pk").values_list("title", flat=True)
    )
    # The co-host reads it too; its own conference stays its own.
    borken = token_client(kpb_b_user).get("/api/v1/meetings/").json()["results"]
    assert sorted(m["name"] for m in borken) == ["SiKo Borken 2027", "SiKo Dortmund 2027"]


def test_cursor_paging_walks_every_meeting_once(kpb_a_user):
    for day in range(5):
        make_conference(kpb_a_user, days_ahead=30 + day, title=f"Konferenz {day}")
    client = token_client(kpb_a_user)
    page = client.get("/api/v1/meetings/", {"page_size": 2}).json()
    names = []
    while True:
        names += [m["name"] for m in page["results"]]
        if not page["next"]:
            break
        assert "cursor=" in page["next"]
        page = client.get(page["next"]).json()
    assert names == [f"Konferenz {day}" for day in range(5)]


def test_etag_and_if_none_match_answer_304(kpb_a_user):
    client = token_client(kpb_a_user)
    first = client.get(BODIES)
    etag = first["ETag"]
    again = client.get(BODIES, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    Authority.objects.filter(slug="pp-dortmund").update(seat="Dortmund-Mitte")
    changed = client.get(BODIES, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_the_rate_limit_counts_per_token(kpb_a_user, lzpd_user, settings):
    settings.SIKO_API_RATE = "3/minute"
    first, second = token_client(kpb_a_user), token_client(lzpd_user)
    statuses = [first.get(BODIES).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(first.get(BODIES)["Retry-After"]) > 0
    assert second.get(BODIES).status_code == 200


def test_compliance_has_the_fields_and_values_of_the_command(kpb_a_user, lzpd_user):
    make_conference(kpb_a_user, days_ahead=10)
    out = io.StringIO()
    call_command("compliance", "--year", "2026", "--as-of", "2026-06-30", "--json", stdout=out)
    expected = json.loads(out.getvalue())
    client = token_client(lzpd_user)
    rows, url = [], "/api/v1/compliance/?year=2026&as_of=2026-06-30&page_size=20"
    while url:
        page = client.get(url).json()
        rows += page["results"]
        url = page["next"]
    assert rows == expected
    own = token_client(kpb_a_user).get("/api/v1/compliance/", {"year": 2026, "as_of": "2026-06-30"})
    assert own.json()["results"] == [r for r in expected if r["authority"] == "pp-dortmund"]


def test_compliance_refuses_a_bad_year_in_german(lzpd_user):
    client = token_client(lzpd_user)
    missing = client.get("/api/v1/compliance/")
    assert (missing.status_code, missing.json()) == (
        400,
        {"year": ["Dieses Feld ist zwingend erforderlich."]},
    )
    early = client.get("/api/v1/compliance/", {"year": 1990})
    assert early.json() == {"year": ["Das Jahr liegt vor den Daten (ab 2018)."]}
    before_stand = client.get("/api/v1/compliance/", {"year": 2026, "as_of": "2024-06-30"})
    assert before_stand.json() == {"year": ["Jahr 2026 liegt außerhalb der Daten (2018–2025)."]}
    page = client.get("/api/v1/compliance/", {"year": 2026, "page_size": "viele"})
    assert page.json() == {"page_size": ["Die Seitengröße ist eine Zahl von 1 bis 200."]}


def final_report() -> AnnualReport:
    pdf = b"%PDF-1.7 Jahresbericht"
    report = AnnualReport(
        year=2026,
        period_year=2025,
        status=ReportStatus.FINAL,
        generation_state=GenerationState.DONE,
        data=json.loads(json.dumps(collect_report_data(2026, as_of=date(2026, 3, 1)), default=str)),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    report.pdf.save("bericht.pdf", ContentFile(pdf), save=False)
    report.save()
    AnnualReport.objects.create(year=2027, period_year=2026, status=ReportStatus.DRAFT)
    return report


def test_reports_are_the_final_versions_with_hash_and_file(lzpd_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = final_report()
    client = token_client(lzpd_user)
    [row] = client.get("/api/v1/reports/").json()["results"]
    assert (row["id"], row["year"], row["sha256"], row["file_sha256"]) == (
        report.pk,
        2026,
        report.sha256,
        report.sha256,
    )
    download = client.get(row["file"])
    assert download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(download.content).hexdigest() == row["file_sha256"]
    assert Client().get(row["file"]).status_code == 401


def test_a_kpb_downloads_only_its_own_part_of_a_report(kpb_a_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    final_report()
    client = token_client(kpb_a_user)
    [row] = client.get("/api/v1/reports/").json()["results"]
    assert row["file_sha256"] is None
    download = client.get(row["file"])
    assert download.status_code == 200
    assert "pp-dortmund" in download["Content-Disposition"]
    assert download.content.startswith(b"%PDF") and b"Jahresbericht" not in download.content


def test_schema_and_docs_are_public_and_use_no_cdn():
    schema = Client().get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/meetings/" in schema.content
    assert b"apiToken" in schema.content  # the Bearer scheme (api.extensions) is in the schema
    docs = Client().get("/api/v1/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200
    assert "https://" not in html and "<style" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    script = Client().get("/api/v1/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    # The strict CSP stays: scripts and styles only from SiKo itself.
    assert "script-src 'self'" in docs["Content-Security-Policy"]


@pytest.mark.parametrize("endpoint", ["/api/v1/meetings/", "/api/v1/reports/"])
def test_a_forged_cursor_is_a_404_not_an_error(kpb_a_user, endpoint):
    # base64("p=kein-datum"): a well-formed cursor whose position is no value of the ordering.
    response = token_client(kpb_a_user).get(endpoint, {"cursor": "cD1rZWluLWRhdHVt"})
    assert (response.status_code, response.json()) == (404, {"detail": "Ungültiger Zeiger"})


def test_lists_need_the_same_queries_for_more_rows(kpb_a_user, lzpd_user):
    from tests.helpers import assert_constant_queries

    make_conference(kpb_a_user, title="Erste")
    client = token_client(lzpd_user)

    def more_conferences() -> None:
        for day in range(4):
            conference = make_conference(kpb_a_user, days_ahead=40 + day, title=f"Weitere {day}")
            conference.authorities.add(Authority.objects.get(slug="lr-borken"))

    assert_constant_queries(client, "/api/v1/meetings/", more_conferences)
    assert_constant_queries(
        client, "/api/v1/compliance/?year=2026&as_of=2026-12-31", more_conferences
    )
    assert_constant_queries(
        client,
        "/api/v1/organizations/",
        lambda: PartnerAgency.objects.create(
            slug="neue-stelle", name="Neue Stelle", category="sonstige"
        ),
    )


def test_with_the_second_factor_required_a_session_still_gets_401_and_a_token_200(
    kpb_a_user, settings
):
    settings.OTP_REQUIRED = True
    assert client_for(kpb_a_user).get(BODIES).status_code == 401  # not sent to the TOTP page
    assert token_client(kpb_a_user).get(BODIES).status_code == 200
