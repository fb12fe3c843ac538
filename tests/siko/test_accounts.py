"""Accounts end to end through the test client: login, lockout, second factor, sessions."""

import logging
import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import F
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from siko.accounts import LOGIN_AT_KEY
from siko.models import LocalMail
from siko.organisations import OrganisationKind
from siko.sessions import REFRESH_INTERVAL_SECONDS, REFRESHED_AT_KEY
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

IP_A = "10.1.1.1"
IP_B = "10.2.2.2"
NEW_PASSWORD = "Neues-Passwort-fuer-SiKo-7"


def login(client: Client, username: str, password: str = PASSWORD, ip: str = IP_A):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail_logins(username: str, times: int, ip: str = IP_A):
    client = Client()
    response = None
    for _ in range(times):
        response = login(client, username, "falsch-falsch-falsch", ip)
    return response


def current_code(device: TOTPDevice) -> str:
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return "000000" if current_code(device) != "000000" else "111111"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)


# Login and logout


def test_login_with_correct_password_redirects_into_the_product(kpb_a_user):
    client = Client()
    response = login(client, "kpb-a")
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home"), follow=True).status_code == 200


def test_login_with_wrong_password_shows_german_error(kpb_a_user):
    response = login(Client(), "kpb-a", "nicht-das-passwort")
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()


def test_login_page_for_logged_in_user_redirects_home(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_logout_ends_the_session(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("home")).url.startswith(reverse("login"))


# Lockout (django-axes): per username and IP, with a cool-off


def test_lockout_after_failure_limit_shows_german_page(kpb_a_user, settings):
    response = fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "Anmeldung vorübergehend gesperrt" in response.content.decode()
    assert "in 15 Minuten erneut" in response.content.decode()


def test_lockout_refuses_even_the_correct_password(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT)
    client = Client()
    response = login(client, "kpb-a")
    assert response.status_code == 429
    assert client.get(reverse("home")).url.startswith(reverse("login"))


def test_lockout_below_failure_limit_does_not_lock(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT - 1)
    assert login(Client(), "kpb-a").status_code == 302


def test_lockout_does_not_block_other_user_from_same_ip(kpb_a_user, kpb_b_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT, ip=IP_A)
    response = login(Client(), "kpb-b", ip=IP_A)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_lockout_does_not_block_same_user_from_other_ip(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT, ip=IP_A)
    assert login(Client(), "kpb-a", ip=IP_B).status_code == 302
    # The successful login from B leaves the lockout at A in place.
    assert login(Client(), "kpb-a", ip=IP_A).status_code == 429


def test_lockout_ends_after_cool_off(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = login(Client(), "kpb-a")
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_lockout_retry_while_locked_does_not_extend_cool_off(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    assert login(Client(), "kpb-a", "noch-einmal-falsch").status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=1, seconds=1))
    assert login(Client(), "kpb-a").status_code == 302


def test_lockout_logs_no_username_or_address(kpb_a_user, settings, caplog):
    caplog.set_level(logging.DEBUG, logger="axes")
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT + 1)
    login(Client(), "kpb-a", ip=IP_B)
    assert "AXES" in caplog.text
    assert "kpb-a" not in caplog.text
    assert IP_A not in caplog.text
    assert IP_B not in caplog.text


def test_successful_login_is_not_recorded_with_address(kpb_a_user):
    login(Client(), "kpb-a")
    assert AccessLog.objects.count() == 0


# Second factor (TOTP)


@override_settings(OTP_REQUIRED=True)
def test_second_factor_setup_on_first_login_then_pages_open(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("otp_setup")
    assert "QR-Code" in response.content.decode()
    device = TOTPDevice.objects.get(user=kpb_a_user, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")

    response = client.post(reverse("otp_setup"), {"token": current_code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(reverse("authorities:authority_detail", args=["pp-dortmund"]))
    assert page.status_code == 200


@override_settings(OTP_REQUIRED=True)
def test_second_factor_setup_with_wrong_code_shows_german_error(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=kpb_a_user)

    response = client.post(reverse("otp_setup"), {"token": wrong_code(device)})

    assert response.status_code == 200
    assert "Der Code ist falsch oder abgelaufen." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))


@override_settings(OTP_REQUIRED=True)
def test_second_factor_code_with_letters_shows_german_error(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"token": "12a456"})
    assert "Bitte geben Sie die sechs Ziffern des Codes ein." in response.content.decode()


@override_settings(OTP_REQUIRED=True)
def test_second_factor_required_after_login_with_device(kpb_a_user):
    device = confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")
    target = reverse("authorities:partner_list")

    response = client.get(target)
    assert response.status_code == 302
    assert response.url == f"{reverse('otp_verify')}?next=%2Fverzeichnis%2Fpartner%2F"
    page = client.get(response.url).content.decode()
    assert "Anmeldung bestätigen" in page
    # The code form and the recovery code form, neither nested in another.
    assert page.count('<form method="post">') == 2
    assert 'value="Bestätigen"' in page

    response = client.post(reverse("otp_verify"), {"token": current_code(device), "next": target})

    assert response.status_code == 302
    assert response.url == target
    assert client.get(target).status_code == 200


@override_settings(OTP_REQUIRED=True)
def test_second_factor_verify_wrong_code_then_throttled(kpb_a_user):
    device = confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")

    first = client.post(reverse("otp_verify"), {"token": wrong_code(device)})
    second = client.post(reverse("otp_verify"), {"token": current_code(device)})

    assert "Der Code ist falsch oder abgelaufen." in first.content.decode()
    assert "Zu viele falsche Codes" in second.content.decode()
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))
    # A minute later the current code is accepted again.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    response = client.post(reverse("otp_verify"), {"token": current_code(device)})
    assert response.status_code == 302


@override_settings(OTP_REQUIRED=True)
def test_second_factor_code_cannot_be_replayed(kpb_a_user):
    device = confirmed_device(kpb_a_user)
    code = current_code(device)
    first, second = Client(), Client()
    login(first, "kpb-a")
    login(second, "kpb-a")
    assert first.post(reverse("otp_verify"), {"token": code}).status_code == 302
    response = second.post(reverse("otp_verify"), {"token": code})
    assert response.status_code == 200


@override_settings(OTP_REQUIRED=True)
def test_second_factor_never_asked_of_partner(partner_user):
    client = Client()
    login(client, "partner")
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert all("zweiter-faktor" not in url for url, _status in response.redirect_chain)


@override_settings(OTP_REQUIRED=False)
def test_second_factor_optional_in_demo(kpb_a_user):
    confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")
    assert client.get(reverse("authorities:partner_list")).status_code == 200


@override_settings(OTP_REQUIRED=True)
def test_second_factor_pending_allows_logout_healthz_language_static(kpb_a_user, settings):
    confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")

    assert client.get(reverse("healthz")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "de", "next": "/verzeichnis/"})
    assert response.status_code == 302
    assert response.url == "/verzeichnis/"
    login_page = client.get(reverse("login"))
    assert not login_page.url.startswith(reverse("otp_verify"))
    static = client.get(f"{settings.STATIC_URL}css/siko.css")
    assert not (static.status_code == 302 and "zweiter-faktor" in static.url)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("home")).url.startswith(reverse("login"))


@override_settings(OTP_REQUIRED=True)
def test_second_factor_verify_ignores_foreign_next_url(kpb_a_user):
    device = confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")
    response = client.post(
        reverse("otp_verify"), {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response.url == "/"


@override_settings(OTP_REQUIRED=True)
def test_second_factor_pending_blocks_password_change(kpb_a_user):
    confirmed_device(kpb_a_user)
    client = Client()
    login(client, "kpb-a")
    response = client.get(reverse("password_change"))
    assert response.url.startswith(reverse("otp_verify"))


# Sessions: 30 idle minutes, 12 hours at most


def test_session_login_time_recorded_at_login(kpb_a_user):
    client = Client()
    before = time.time()
    login(client, "kpb-a")
    assert before <= client.session[LOGIN_AT_KEY] <= time.time()


def session_writes(client: Client, url: str, times: int) -> int:
    """Statements writing the session table during `times` requests of `url`."""
    with CaptureQueriesContext(connection) as queries:
        for _ in range(times):
            assert client.get(url).status_code == 200
    return sum(
        q["sql"].startswith(("UPDATE", "INSERT")) and '"django_session"' in q["sql"]
        for q in queries.captured_queries
    )


def renewed_a_minute_ago(client: Client) -> None:
    session = client.session
    session[REFRESHED_AT_KEY] = time.time() - REFRESH_INTERVAL_SECONDS
    session.save()


def idle_for(client: Client, minutes: int) -> None:
    """As if the session's last renewal was `minutes` ago."""
    session = client.session
    session[REFRESHED_AT_KEY] -= minutes * 60
    session.save()
    Session.objects.filter(pk=session.session_key).update(
        expire_date=F("expire_date") - timedelta(minutes=minutes)
    )


def test_session_idle_timeout_is_thirty_minutes_renewed_at_most_once_a_minute(kpb_a_user, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    login(client, "kpb-a")
    renewed_a_minute_ago(client)
    key = client.session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=1))

    client.get(reverse("authorities:partner_list"))

    expires = Session.objects.get(pk=key).expire_date
    # 30 idle minutes plus the minute in which the session is not written again.
    assert (
        timezone.now() + timedelta(minutes=30) < expires <= timezone.now() + timedelta(minutes=31)
    )


def test_two_requests_within_a_minute_write_the_session_once(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    renewed_a_minute_ago(client)

    assert session_writes(client, reverse("authorities:partner_list"), times=2) == 1
    assert session_writes(client, reverse("authorities:partner_list"), times=3) == 0


def test_session_idle_for_thirty_minutes_still_works_for_thirty_one_it_ends(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    assert client.get(reverse("authorities:partner_list")).status_code == 200

    idle_for(client, 30)
    assert client.get(reverse("authorities:partner_list")).status_code == 200

    idle_for(client, 31)
    response = client.get(reverse("authorities:partner_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_session_idle_for_thirty_minutes_requires_new_login(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("authorities:partner_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_session_older_than_twelve_hours_ends_with_message(kpb_a_user, settings):
    client = Client()
    login(client, "kpb-a")
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - settings.SESSION_MAX_LIFETIME_SECONDS - 1
    session.save()

    response = client.get(reverse("authorities:partner_list"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "Ihre Sitzung ist abgelaufen" in response.content.decode()
    assert client.get(reverse("authorities:partner_list")).url.startswith(reverse("login"))


def test_session_just_under_twelve_hours_still_works(kpb_a_user, settings):
    assert settings.SESSION_MAX_LIFETIME_SECONDS == 12 * 3600
    client = Client()
    login(client, "kpb-a")
    session = client.session
    session[LOGIN_AT_KEY] = time.time() - settings.SESSION_MAX_LIFETIME_SECONDS + 60
    session.save()
    assert client.get(reverse("authorities:partner_list")).status_code == 200


def test_session_without_login_time_is_ended(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    session = client.session
    del session[LOGIN_AT_KEY]
    session.save()
    assert client.get(reverse("authorities:partner_list")).url.startswith(reverse("login"))


# Passwords


@pytest.fixture(autouse=True)
def _local_mailbox(settings) -> None:
    """Mail goes where the embedded mode puts it (the test runner would swap in locmem)."""
    settings.EMAIL_BACKEND = "siko.mail.LocalMailboxBackend"


def request_reset_link(email: str) -> str:
    response = Client().post(reverse("password_reset"), {"email": email})
    assert response.url == reverse("password_reset_done")
    mail = LocalMail.objects.get(recipients=email)
    assert mail.subject == "SiKo: Passwort zurücksetzen"
    return re.search(r"https?://[^/\s]+(/\S+)", mail.body).group(1)


def test_password_reset_by_mail_then_login_with_new_password(kpb_a_user):
    link = request_reset_link("kpb-a@example.org")
    client = Client()
    form_page = client.get(link, follow=True)
    assert "Neues Passwort setzen" in form_page.content.decode()

    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.url == reverse("password_reset_complete")
    assert login(Client(), "kpb-a", NEW_PASSWORD).status_code == 302
    assert login(Client(), "kpb-a", PASSWORD).status_code == 200


def test_password_reset_mail_names_account_and_validity_in_text_and_html(kpb_a_user):
    request_reset_link("kpb-a@example.org")
    mail = LocalMail.objects.get()
    assert "SiKo-Konto (kpb-a)" in mail.body
    assert "höchstens 24 Stunden" in mail.body
    assert "text/html" in mail.message


def test_password_reset_link_works_only_once(kpb_a_user):
    link = request_reset_link("kpb-a@example.org")
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = Client().get(link, follow=True)

    assert "Der Link ist ungültig oder abgelaufen" in response.content.decode()


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(kpb_a_user):
    response = Client().post(
        reverse("password_reset"), {"email": "niemand@example.org"}, follow=True
    )
    assert "Bitte prüfen Sie Ihr Postfach" in response.content.decode()
    assert LocalMail.objects.count() == 0


def test_password_reset_lifts_lockout(kpb_a_user, settings):
    fail_logins("kpb-a", settings.AXES_FAILURE_LIMIT)
    link = request_reset_link("kpb-a@example.org")
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert login(Client(), "kpb-a", NEW_PASSWORD).status_code == 302


def test_password_change_then_login_with_new_password(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("password_change_done")
    assert client.get(reverse("authorities:partner_list")).status_code == 200  # still logged in
    assert login(Client(), "kpb-a", NEW_PASSWORD).status_code == 302


def test_password_change_page_offers_second_factor_setup_until_done(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    page = client.get(reverse("password_change")).content.decode()
    assert "Zweiten Faktor einrichten (Passkey oder Authenticator-App)" in page
    confirmed_device(kpb_a_user)
    page = client.get(reverse("password_change")).content.decode()
    assert "Ihr zweiter Faktor ist eingerichtet." in page
    assert reverse("otp_manage") in page


def test_password_change_too_short_shows_german_error(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "kurz-1", "new_password2": "kurz-1"},
    )
    assert response.status_code == 200
    assert "zu kurz" in response.content.decode()


def test_password_change_with_wrong_old_password_shows_german_error(kpb_a_user):
    client = Client()
    login(client, "kpb-a")
    response = client.post(
        reverse("password_change"),
        {"old_password": "falsch", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Das alte Passwort war falsch" in response.content.decode()


def test_inactive_account_cannot_log_in(db):
    make_user("ehemalig", OrganisationKind.LZPD, is_active=False)
    response = login(Client(), "ehemalig")
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in response.content.decode()
