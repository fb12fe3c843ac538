"""A passkey as the second factor in Chromium (issue 17): registered on the setup page and used at
the next login, with Chromium's virtual authenticator (CDP WebAuthn domain) standing in for
Face ID. The scripts are django-otp-webauthn's own, served from static under the strict CSP."""

from urllib.parse import urlsplit

from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, login, url


def add_virtual_authenticator(page: Page) -> str:
    """A platform authenticator that verifies its user (like Face ID) for this tab."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return result["authenticatorId"]


def test_passkey_is_registered_then_confirms_the_next_login(
    page: Page, live_server, dortmund_user, settings
):
    settings.OTP_REQUIRED = True
    origin = live_server.url
    settings.OTP_WEBAUTHN_RP_ID = urlsplit(origin).hostname
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    errors: list[str] = []  # script errors and failed requests of SiKo's pages
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    add_virtual_authenticator(page)

    login(page, live_server, dortmund_user)
    expect(page).to_have_url(url(live_server, "otp_setup"))
    page.get_by_role("button", name="Passkey einrichten").click()

    expect(page).to_have_url(url(live_server, "otp_manage"))
    expect(page.get_by_text("Ihre Wiederherstellungscodes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    credential = WebAuthnCredential.objects.get(user=dortmund_user, confirmed=True)
    assert_accessible(page)

    page.get_by_role("button", name="Abmelden").click()
    login(page, live_server, dortmund_user)
    partners = url(live_server, "authorities:partner_list")
    page.goto(partners)
    expect(page).to_have_url(f"{url(live_server, 'otp_verify')}?next=%2Fverzeichnis%2Fpartner%2F")
    assert_accessible(page)
    page.get_by_role("button", name="Mit Passkey bestätigen").click()

    expect(page).to_have_url(partners)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partner")
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert errors == []
