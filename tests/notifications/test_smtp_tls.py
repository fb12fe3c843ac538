"""The two TLS schemes of EMAIL_URL against real TLS mail servers (aiosmtpd) started here.

Port 465 speaks TLS from the first byte (`smtp+ssl://`, EMAIL_USE_SSL), port 587 starts plain and
switches with STARTTLS (`smtp+tls://`, EMAIL_USE_TLS). Each server has a self-signed certificate
made for this test, trusted through SSL_CERT_FILE, so Django verifies it as it would a real one,
and requires the login from the URL. A mail goes out as every SiKo mail does: an outbox row that
the outbox sends.
"""

from typing import Any
from urllib.parse import quote

import environ
import pytest

from notifications import outbox
from notifications.enums import MailKind, MailState
from notifications.models import OutgoingMail
from tests.smtp import SMTPTestServer, TLSIdentity

pytestmark = pytest.mark.django_db

USER, PASSWORD = "siko@polizei.nrw.example", "geheim:mit/sonder@zeichen"


@pytest.fixture
def tls_identity(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> TLSIdentity:
    identity = TLSIdentity.create(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(identity.certificate))
    return identity


def _use_email_url(settings: Any, url: str) -> None:
    """What siko/settings.py does with EMAIL_URL (django-environ's email_url)."""
    for name, value in environ.Env.email_url_config(url).items():
        setattr(settings, name, value)
    settings.EMAIL_TIMEOUT = 3


def _email_url(scheme: str, server: SMTPTestServer) -> str:
    # As .env.example says: user and password percent-encoded.
    return (
        f"{scheme}://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@{server.host}:{server.port}"
    )


def _queued_mail() -> OutgoingMail:
    return OutgoingMail.objects.create(
        kind=MailKind.PARTNER_OVERVIEW,
        dedup_key="tls-test",
        to="leitung@sta-dortmund.nrw.example",
        subject="Ihre Übersicht",
        body_text="Guten Tag",
    )


@pytest.mark.parametrize(
    ("scheme", "implicit_tls", "secured"),
    [("smtp+ssl", True, "implicit"), ("smtp+tls", False, "starttls")],
)
def test_a_mail_goes_out_over_the_documented_tls_scheme(
    settings: Any, tls_identity: TLSIdentity, scheme: str, implicit_tls: bool, secured: str
) -> None:
    server = SMTPTestServer(
        tls=tls_identity, implicit_tls=implicit_tls, login=(USER, PASSWORD)
    ).start()
    try:
        _use_email_url(settings, _email_url(scheme, server))
        mail = _queued_mail()

        result = outbox.send_mail_row(mail.pk)
        received = server.wait_for(1)
    finally:
        server.stop()

    mail.refresh_from_db()
    assert result.state == MailState.SENT
    assert mail.state == MailState.SENT
    assert [m.recipients for m in received] == [["leitung@sta-dortmund.nrw.example"]]
    assert received[0].header("Subject") == "Ihre Übersicht"
    assert server.tls_sessions == [secured]


def test_smtps_is_starttls_so_a_port_465_server_gets_no_mail(
    settings: Any, tls_identity: TLSIdentity
) -> None:
    """The trap the old .env.example set: django-environ reads smtps:// as STARTTLS."""
    server = SMTPTestServer(tls=tls_identity, implicit_tls=True, login=(USER, PASSWORD)).start()
    try:
        _use_email_url(settings, _email_url("smtps", server))
        mail = _queued_mail()

        result = outbox.send_mail_row(mail.pk)
    finally:
        server.stop()

    mail.refresh_from_db()
    assert (settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL) == (True, False)
    assert result.state == MailState.QUEUED  # a transient error: tried again later
    assert mail.last_error
    assert server.messages() == []


def test_a_server_certificate_nobody_trusts_is_refused(settings: Any, tmp_path: Any) -> None:
    identity = TLSIdentity.create(tmp_path)  # not in SSL_CERT_FILE
    server = SMTPTestServer(tls=identity, implicit_tls=True, login=(USER, PASSWORD)).start()
    try:
        _use_email_url(settings, _email_url("smtp+ssl", server))
        mail = _queued_mail()

        outbox.send_mail_row(mail.pk)
    finally:
        server.stop()

    mail.refresh_from_db()
    assert mail.state != MailState.SENT
    assert server.messages() == []
