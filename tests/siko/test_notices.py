"""The privacy notice (/datenschutz/) and the accessibility statement (/barrierefreiheit/):
public, German and English, filled from settings, linked from every page and every mail."""

import pytest
from django.core import mail
from django.urls import reverse

from conferences import services
from conferences.links import answer_token
from notifications.models import OutgoingMail
from tests.conftest import client_for
from tests.followup.test_attendance import make_past_conference

pytestmark = pytest.mark.django_db


def test_privacy_notice_is_public_and_names_the_configured_controller(client, settings):
    settings.SIKO_PRIVACY_CONTROLLER = "Polizeipräsidium Musterstadt, Am Markt 1"
    settings.SIKO_PRIVACY_DPO = "Frau Datenschutz, dsb@musterstadt.example"
    settings.SIKO_RETENTION_CONFERENCE_YEARS = 7

    page = client.get(reverse("privacy")).content.decode()

    assert "Hinweise zum Datenschutz" in page
    assert "Polizeipräsidium Musterstadt, Am Markt 1" in page
    assert "dsb@musterstadt.example" in page
    assert "7 volle Kalenderjahre nach dem Jahr der Konferenz" in page
    assert "Art. 77 DSGVO" in page


def test_accessibility_statement_names_status_gaps_contact_and_the_ombudsstelle(client, settings):
    settings.SIKO_ACCESSIBILITY_CONTACT = "barrieren@musterstadt.example"

    page = client.get(reverse("accessibility")).content.decode()

    assert "teilweise vereinbar" in page
    assert "Nicht barrierefreie Inhalte" in page
    assert 'href="mailto:barrieren@musterstadt.example"' in page
    assert (
        "Ombudsstelle für barrierefreie Informationstechnik des Landes Nordrhein-Westfalen" in page
    )


def test_notices_switch_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/datenschutz/"})

    page = client.get(reverse("accessibility"))

    assert page.status_code == 200
    assert 'lang="en"' in page.content.decode()


def test_every_partner_page_links_both_notices(kpb_a_user, client):
    conference = make_past_conference(kpb_a_user, days_ago=-10)
    invitation = conference.invitations.first()
    pages = [
        reverse("conferences:answer", args=[answer_token(invitation)]),
        reverse("conferences:partner_overview_request"),
        reverse("login"),
    ]
    for url in pages:
        page = client.get(url).content.decode()
        assert f'href="{reverse("privacy")}"' in page, url
        assert f'href="{reverse("accessibility")}"' in page, url


def test_every_mail_ends_with_the_link_to_the_privacy_notice(
    kpb_a_user, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://siko.polizei.nrw.example"
    with django_capture_on_commit_callbacks(execute=True):
        conference = make_past_conference(kpb_a_user, days_ago=-10)
        services.cancel_conference(conference, reason="Terminkollision", by=kpb_a_user)

    link = "https://siko.polizei.nrw.example/datenschutz/"
    rows = list(OutgoingMail.objects.all())
    assert {row.kind for row in rows} >= {"invitation", "cancellation"}
    for row in rows:
        assert row.body_text.rstrip().endswith(f"Hinweise zum Datenschutz: {link}"), row.kind
        assert f'<a href="{link}">' in row.body_html and row.body_html.rstrip().endswith(
            "</html>"
        ), row.kind
    assert all(link in message.body for message in mail.outbox)


def test_footer_offers_audit_log_and_erasure_only_to_who_may_use_them(kpb_a_user, lzpd_user):
    kpb_page = client_for(kpb_a_user).get(reverse("conferences:conference_list")).content.decode()
    lzpd_page = client_for(lzpd_user).get(reverse("conferences:conference_list")).content.decode()

    assert reverse("audit_log") in kpb_page and reverse("personal_data") not in kpb_page
    assert reverse("audit_log") in lzpd_page and reverse("personal_data") in lzpd_page
