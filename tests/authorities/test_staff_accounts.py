"""Staff accounts for the 47 authorities: CSV import, setup link, recovery codes, leavers."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from authorities.accounts import setup_token, user_for_setup_token
from authorities.models import User
from notifications.models import OutgoingMail
from siko.models import AuditEntry
from siko.organisations import OrganisationKind
from tests.conftest import PASSWORD, client_for, make_user
from tests.siko.test_accounts import current_code

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NEW_PASSWORD = "Sicheres-Passwort-fuer-SiKo-9"
GOOD_CSV = (
    "name;email;organisation;role\n"
    "Erika Beispiel;Erika.Beispiel@polizei.nrw.de;pp-dortmund;kpb\n"
    "Max Muster;max.muster@polizei.nrw.de;LZPD;lzpd\n"
    "Jana Admin;jana.admin@polizei.nrw.de;lzpd;admin\n"
)


def upload(client: Client, text: str):
    file = SimpleUploadedFile("benutzer.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("authorities:staff_import"), {"file": file})


def preview_token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers no confirmation"
    return match.group(1)


def import_accounts(client: Client, text: str, django_capture_on_commit_callbacks):
    token = preview_token(upload(client, text))
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("authorities:staff_import"), {"token": token})


def test_import_preview_then_confirm_creates_accounts_and_mails_each_once(
    admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    preview = upload(client, GOOD_CSV)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "3 Konten anlegen" in page
    assert "Polizeipräsidium Dortmund" in page
    assert not User.objects.filter(email__iexact="erika.beispiel@polizei.nrw.de").exists()

    response = import_accounts(client, GOOD_CSV, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    erika = User.objects.get(username="erika.beispiel@polizei.nrw.de")
    assert (erika.first_name, erika.last_name) == ("Erika", "Beispiel")
    assert erika.organisation_kind == OrganisationKind.KPB
    assert erika.authority is not None and erika.authority.slug == "pp-dortmund"
    assert not erika.has_usable_password()
    jana = User.objects.get(username="jana.admin@polizei.nrw.de")
    assert (jana.organisation_kind, jana.is_superuser, jana.is_staff) == ("lzpd", True, True)
    mails = OutgoingMail.objects.filter(to="erika.beispiel@polizei.nrw.de")
    assert mails.count() == 1
    assert mails.get().subject == "SiKo NRW: Ihr Zugang ist eingerichtet"
    assert "72 Stunden" in mails.get().body_text
    assert "/verzeichnis/benutzer/einrichten/" in mails.get().body_text
    assert OutgoingMail.objects.filter(dedup_key__startswith="account-setup:").count() == 3
    assert AuditEntry.objects.filter(action="account.created").count() == 3


def test_confirming_the_same_preview_twice_creates_and_mails_nothing_more(
    admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    token = preview_token(upload(client, GOOD_CSV))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("authorities:staff_import"), {"token": token})
        again = client.post(reverse("authorities:staff_import"), {"token": token})

    assert again.status_code == 400
    assert "es wurde kein Konto angelegt" in again.content.decode()
    assert User.objects.filter(email__iexact="erika.beispiel@polizei.nrw.de").count() == 1
    assert OutgoingMail.objects.filter(to="erika.beispiel@polizei.nrw.de").count() == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "Eva Fehler;eva@polizei.nrw.de;pp-atlantis;kpb",
            "Die Organisation „pp-atlantis“ ist unbekannt",
        ),
        ("Eva Fehler;eva-at-polizei.nrw.de;pp-dortmund;kpb", "keine gültige E-Mail-Adresse"),
        ("Eva Fehler;max.muster@polizei.nrw.de;LKA;lka", "steht schon in Zeile 2"),
        ("Eva Fehler;kpb-a@example.org;pp-dortmund;kpb", "Ein Konto mit der E-Mail-Adresse"),
        ("Eva Fehler;eva@polizei.nrw.de;pp-dortmund;chef", "Die Rolle „chef“ ist unbekannt"),
        ("Eva Fehler;eva@polizei.nrw.de;pp-dortmund;admin", "passt nicht zur Organisation"),
        ("Eva Fehler;eva@polizei.nrw.de;lr-borken;partner", "Die Rolle „partner“ ist unbekannt"),
    ],
)
def test_import_row_error_is_shown_in_german_and_nothing_is_created(
    admin_user, kpb_a_user, row, message, django_capture_on_commit_callbacks
):
    text = "name;email;organisation;role\nMax Muster;max.muster@polizei.nrw.de;LZPD;lzpd\n" + row
    client = client_for(admin_user)
    users_before = User.objects.count()

    preview = upload(client, text)

    page = preview.content.decode()
    assert message in page
    assert "Es wird kein Konto angelegt" in page
    assert 'name="token"' not in page
    assert User.objects.count() == users_before
    assert not OutgoingMail.objects.exists()


def test_import_of_a_file_with_a_missing_column_names_it(admin_user):
    response = upload(client_for(admin_user), "name;email;organisation\nA B;a@b.de;LZPD\n")

    assert "In der Kopfzeile fehlen die Pflichtspalten role" in response.content.decode()


def test_import_is_only_for_the_administration(kpb_a_user, lzpd_user):
    assert client_for(kpb_a_user).get(reverse("authorities:staff_import")).status_code == 403
    assert upload(client_for(lzpd_user), GOOD_CSV).status_code == 403
    assert not User.objects.filter(email__iexact="erika.beispiel@polizei.nrw.de").exists()


def new_account() -> User:
    user = make_user("neu@polizei.nrw.de", OrganisationKind.KPB, authority="pp-dortmund")
    user.set_unusable_password()
    user.save()
    return user


@override_settings(OTP_REQUIRED=True)
def test_setup_link_sets_the_password_then_leads_to_the_second_factor(client):
    user = new_account()
    link = reverse("authorities:account_setup", args=[setup_token(user)])

    form = client.get(link)
    assert form.status_code == 200
    assert "Passwort festlegen" in form.content.decode()
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.url == reverse("otp_setup")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("otp_setup")).status_code == 200


def test_setup_link_works_once(client):
    user = new_account()
    link = reverse("authorities:account_setup", args=[setup_token(user)])
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 410
    assert "Dieser Link wurde bereits benutzt" in again.content.decode()


def test_setup_link_expires_after_72_hours():
    user = new_account()
    issued = datetime(2026, 3, 2, 12, 0, tzinfo=BERLIN)
    token = setup_token(user, now=issued)

    assert user_for_setup_token(token, now=issued + timedelta(hours=71, minutes=59)) == user
    with pytest.raises(Exception, match="abgelaufen") as error:
        user_for_setup_token(token, now=issued + timedelta(hours=72, minutes=1))
    assert error.value.status == 410  # type: ignore[attr-defined]


def test_expired_setup_link_page_is_410_in_german(client):
    user = new_account()
    token = setup_token(user, now=datetime(2026, 1, 5, 12, 0, tzinfo=BERLIN))

    response = client.get(reverse("authorities:account_setup", args=[token]))

    assert response.status_code == 410
    assert "Dieser Link ist abgelaufen (er gilt 72 Stunden)" in response.content.decode()
    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_forged_setup_link_is_404(client):
    response = client.get(reverse("authorities:account_setup", args=["gefaelscht"]))

    assert response.status_code == 404
    assert "Dieser Link ist ungültig" in response.content.decode()


def set_up_app(client: Client, user: User) -> list[str]:
    """Through the setup page; returns the recovery codes the next page shows once."""
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("otp_setup"), {"token": current_code(device)})
    assert response.url == reverse("otp_manage")
    page = client.get(reverse("otp_manage")).content.decode()
    return re.findall(r"<li>([a-z2-7]{8,})</li>", page)


@override_settings(OTP_REQUIRED=True)
def test_recovery_codes_are_shown_once_and_each_works_once(kpb_a_user):
    client = Client()
    client.post(reverse("login"), {"username": "kpb-a", "password": PASSWORD})
    codes = set_up_app(client, kpb_a_user)
    assert len(codes) == 10
    assert not set(codes) & set(
        re.findall(r"[a-z2-7]{8,}", client.get(reverse("otp_manage")).content.decode())
    )

    second = Client()
    second.post(reverse("login"), {"username": "kpb-a", "password": PASSWORD})
    used = second.post(reverse("otp_verify"), {"recovery_code": codes[0], "next": "/"})
    assert used.status_code == 302
    assert second.get(reverse("authorities:partner_list")).status_code == 200

    third = Client()
    third.post(reverse("login"), {"username": "kpb-a", "password": PASSWORD})
    refused = third.post(reverse("otp_verify"), {"recovery_code": codes[0], "next": "/"})
    assert "falsch oder wurde schon benutzt" in refused.content.decode()
    assert third.get(reverse("authorities:partner_list")).status_code == 302
    assert StaticDevice.objects.get(user=kpb_a_user).token_set.count() == 9


def test_admin_resets_second_factor_with_an_audit_entry(admin_user, kpb_a_user):
    TOTPDevice.objects.create(user=kpb_a_user, name="Telefon", confirmed=True)
    StaticDevice.objects.create(user=kpb_a_user, name="Wiederherstellungscodes")
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:authorities_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [kpb_a_user.pk]},
        follow=True,
    )

    assert "Zweiter Faktor von 1 Benutzer(n) zurückgesetzt" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=kpb_a_user).exists()
    assert not StaticDevice.objects.filter(user=kpb_a_user).exists()
    entry = AuditEntry.objects.get(action="account.second_factor_reset")
    assert (entry.actor_id, entry.object_id, entry.data) == (
        admin_user.pk,
        str(kpb_a_user.pk),
        {"devices": 2},
    )


def test_deactivated_leaver_cannot_log_in_and_keeps_audit_entries(admin_user, kpb_a_user):
    client = client_for(admin_user)
    client.post(
        reverse("admin:authorities_user_changelist"),
        {"action": "deactivate", "_selected_action": [kpb_a_user.pk]},
    )

    kpb_a_user.refresh_from_db()
    assert not kpb_a_user.is_active
    assert AuditEntry.objects.filter(
        action="account.deactivated", object_id=str(kpb_a_user.pk), actor_id=admin_user.pk
    ).exists()
    response = Client().post(reverse("login"), {"username": "kpb-a", "password": PASSWORD})
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()


def test_admin_offers_no_deletion_of_users(admin_user, kpb_a_user):
    client = client_for(admin_user)

    delete = client.get(reverse("admin:authorities_user_delete", args=[kpb_a_user.pk]))
    changelist = client.get(reverse("admin:authorities_user_changelist")).content.decode()

    assert delete.status_code == 403
    assert "delete_selected" not in changelist
    assert "Ausgewählte Benutzer deaktivieren" in changelist


def test_deactivated_leaver_can_no_longer_use_an_api_token(admin_user, kpb_a_user):
    from tests.factories.api import token_client

    program = token_client(kpb_a_user)
    assert program.get(reverse("api:body-list")).status_code == 200

    client_for(admin_user).post(
        reverse("admin:authorities_user_changelist"),
        {"action": "deactivate", "_selected_action": [kpb_a_user.pk]},
    )

    response = program.get(reverse("api:body-list"))
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Ungültiger, widerrufener oder deaktivierter API-Schlüssel."
    }


def test_admin_resends_a_setup_link_to_an_account_without_password(
    admin_user, kpb_a_user, django_capture_on_commit_callbacks
):
    account = new_account()
    client = client_for(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:authorities_user_changelist"),
            {"action": "resend_setup_link", "_selected_action": [account.pk, kpb_a_user.pk]},
            follow=True,
        )

    assert "Neuer Link an 1 Benutzer gesandt" in response.content.decode()
    mail = OutgoingMail.objects.get(to=account.email)
    assert "/verzeichnis/benutzer/einrichten/" in mail.body_text
    assert not OutgoingMail.objects.filter(to=kpb_a_user.email).exists()
    assert AuditEntry.objects.filter(
        action="account.setup_link_sent", object_id=str(account.pk)
    ).exists()
