"""Mail in tests: a real SMTP server and in-process tasks (a pytest plugin, see conftest.py).

`smtp_server` starts an aiosmtpd server on 127.0.0.1 (a free port) that records every message
it accepts, and points Django's SMTP backend at it. Tests can make it answer like a real server
does when things go wrong: `server.on_rcpt` / `server.on_data` are called in a worker thread (the
server keeps serving the other sessions meanwhile) and may return an SMTP reply such as
"451 4.3.0 Bitte später erneut versuchen" or "550 5.1.1 Unbekannter Empfänger" instead of
accepting.

`SMTPTestServer(tls=TLSIdentity(...), implicit_tls=True)` speaks TLS from the first byte (port 465
style), `implicit_tls=False` offers and requires STARTTLS (port 587 style); `login=(user, password)`
requires that login (only after TLS). `TLSIdentity.create()` makes a throwaway CA-free self-signed
certificate for 127.0.0.1 that a client trusts through SSL_CERT_FILE.

`_tasks_in_process` runs Celery tasks in the test process for every test not marked `worker`:
with REDIS_URL set (CI) tasks would otherwise go to the shared Redis and never run.
"""

from __future__ import annotations

import asyncio
import datetime
import email
import ipaddress
import logging
import socket
import ssl
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"

#: on_rcpt(address, number of this RCPT command) / on_data(envelope, number of this DATA
#: command): an SMTP reply to refuse, or None to accept.
RcptHook = Callable[[str, int], str | None]
DataHook = Callable[[Envelope, int], str | None]


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    raw: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self) -> None:
        self.message = email.message_from_bytes(self.raw, policy=policy.default)  # type: ignore[assignment]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def header(self, name: str) -> str:
        return str(self.message[name] or "").strip()

    def parts(self) -> dict[str, EmailMessage]:
        """Content type → the first part of that type."""
        found: dict[str, EmailMessage] = {}
        for part in self.message.walk():
            found.setdefault(part.get_content_type(), part)  # type: ignore[arg-type]
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class TLSIdentity:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    certificate: Path
    key: Path

    @classmethod
    def create(cls, folder: Path) -> TLSIdentity:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        identity = cls(folder / "smtp-cert.pem", folder / "smtp-key.pem")
        identity.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        identity.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return identity

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context


class _Handler:
    def __init__(self, server: SMTPTestServer) -> None:
        self.server = server

    async def _ask(self, hook: Callable[..., str | None] | None, *args: Any) -> str | None:
        # In a worker thread: a hook may wait for the database or kill a process while the
        # server keeps serving the other sessions.
        if hook is None:
            return None
        return await asyncio.get_running_loop().run_in_executor(None, hook, *args)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        while self.server.holding.is_set():  # see SMTPTestServer.hold_new_transactions
            await asyncio.sleep(0.01)
        self.server.in_transaction.add(id(session))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        self.server.rcpt_commands += 1
        number = self.server.rcpt_commands
        if reply := await self._ask(self.server.on_rcpt, address, number):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.server.data_commands += 1
        number = self.server.data_commands
        try:
            if reply := await self._ask(self.server.on_data, envelope, number):
                return reply
            received = ReceivedMail(
                mail_from=str(envelope.mail_from),
                recipients=list(envelope.rcpt_tos),
                raw=bytes(envelope.original_content or envelope.content or b""),
            )
            encrypted = server.transport is not None and bool(
                server.transport.get_extra_info("ssl_object")
            )
            secured = "implicit" if self.server.implicit_tls else "starttls"
            with self.server.lock:
                self.server.received.append(received)
                self.server.tls_sessions.append(secured if encrypted else "")
            return "250 2.0.0 Message accepted for delivery"
        finally:
            self.server.in_transaction.discard(id(session))

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.server.in_transaction.discard(id(session))
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.server.in_transaction.discard(id(session))
        return "221 Bye"


class _Authenticator:
    """Accepts exactly one user name and password (AUTH PLAIN or LOGIN)."""

    def __init__(self, login: tuple[str, str]) -> None:
        self.login = login

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        given = (
            (data.login.decode(), data.password.decode())
            if isinstance(data, LoginPassword)
            else None
        )
        return AuthResult(success=given == self.login, handled=False)


class _SMTP(SMTP):
    def connection_lost(self, error: Exception | None) -> None:
        # A client that vanished mid-transaction is not in a transaction any more.
        self.event_handler.server.in_transaction.discard(id(self.session))
        super().connection_lost(error)


class _Controller(Controller):
    def factory(self) -> SMTP:
        with warnings.catch_warnings():
            # "Requiring AUTH while not requiring TLS": implicit TLS is TLS, aiosmtpd knows only
            # STARTTLS as such.
            warnings.simplefilter("ignore", UserWarning)
            return _SMTP(self.handler, **self.SMTP_kwargs)


class SMTPTestServer:
    """A real SMTP server on 127.0.0.1 that records what it accepted."""

    def __init__(
        self,
        *,
        tls: TLSIdentity | None = None,
        implicit_tls: bool = False,
        login: tuple[str, str] | None = None,
    ) -> None:
        self.host = HOST
        self.port = free_port()
        self.lock = threading.Lock()
        self.received: list[ReceivedMail] = []
        self.rcpt_commands = 0
        self.data_commands = 0
        self.on_rcpt: RcptHook | None = None
        self.on_data: DataHook | None = None
        self.holding = threading.Event()
        self.in_transaction: set[int] = set()  # sessions between MAIL and the end of DATA
        #: How each accepted session was secured: "implicit", "starttls" or "" (plain).
        self.tls_sessions: list[str] = []
        smtp_options: dict[str, Any] = {}
        if tls is not None and not implicit_tls:
            smtp_options.update(tls_context=tls.server_context(), require_starttls=True)
        if login is not None:
            # aiosmtpd counts only STARTTLS as TLS here; an implicit-TLS session is one anyway.
            smtp_options.update(
                authenticator=_Authenticator(login),
                auth_required=True,
                auth_require_tls=not implicit_tls,
            )
        self.implicit_tls = implicit_tls
        self._controller = _Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
            ssl_context=tls.server_context() if tls is not None and implicit_tls else None,
            **smtp_options,
        )

    def hold_new_transactions(self, *, timeout: float = 10.0) -> None:
        """From a hook: new transactions wait at MAIL, and this returns once every other
        session has finished the one it was in (its message accepted or refused). Between
        this and release_new_transactions() no client has a message in flight except the
        hook's own — the moment to pull the plug without ambiguity."""
        self.holding.set()
        deadline = time.monotonic() + timeout
        while len(self.in_transaction) > 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        if len(self.in_transaction) > 1:
            raise AssertionError("other SMTP sessions did not finish their transaction")

    def release_new_transactions(self) -> None:
        self.holding.clear()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SMTPTestServer:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: every command
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[ReceivedMail]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMail]:
        """The received messages once there are at least `count` (or when time is up)."""
        deadline = time.monotonic() + timeout
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages()

    def count_by_message_id(self) -> Counter[str]:
        return Counter(mail.message_id for mail in self.messages())

    def count_by_recipient(self) -> Counter[str]:
        return Counter(rcpt for mail in self.messages() for rcpt in mail.recipients)


def use_smtp_server(settings: Any, server: SMTPTestServer) -> None:
    """Points Django's real SMTP backend at the test server (plain SMTP, no login)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPTestServer]:
    """A running SMTP server that Django sends to for the duration of the test."""
    server = SMTPTestServer().start()
    use_smtp_server(settings, server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("worker"):
        yield
        return
    from siko.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
