"""A real IMAP server for the tests: Dovecot from Debian, started once per test process.

The session fixture writes a minimal dovecot.conf into a temporary directory (IMAP on 127.0.0.1
on a free port, plain-text login allowed there, one user in a passwd file, Maildir in the same
directory), runs `dovecot -F` and stops it at the end. Without Dovecot the tests stop with one
German sentence naming the apt command (scripts/system-packages.sh installs it for `make test`).
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from imap_tools import MailBoxUnencrypted

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "siko-antworten", "Antwort-Test-2026"
INBOX = "INBOX"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accounts() -> tuple[str, str, str, str]:
    """Dovecot refuses to run its login and mail processes as root: under root it uses its own
    Debian users (dovecot, dovenull), otherwise the user running the tests."""
    if os.geteuid() == 0:
        return "dovecot", "dovecot", "dovenull", "dovecot"
    me = pwd.getpwuid(os.geteuid()).pw_name
    return me, me, me, me


def _config(directory: Path, port: int) -> str:
    internal_user, internal_group, login_user, mail_user = _accounts()
    return f"""
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{directory}/mail/%u
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 0
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={directory}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"imap://{USER}:{PASSWORD}@{self.host}:{self.port}/{INBOX}"

    def mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.host, self.port).login(USER, PASSWORD, INBOX)

    def append(self, raw: bytes, folder: str = INBOX) -> None:
        with self.mailbox() as mailbox:
            mailbox.append(raw, folder)

    def message_ids(self, folder: str) -> list[str]:
        """The Message-IDs in `folder` ([] when it does not exist)."""
        with self.mailbox() as mailbox:
            if not mailbox.folder.exists(folder):
                return []
            mailbox.folder.set(folder)
            return [
                (m.headers.get("message-id") or ("",))[0].strip()
                for m in mailbox.fetch(mark_seen=False, headers_only=True)
            ]

    def empty(self) -> None:
        """Every folder emptied and the SiKo folders removed: each test starts with a clean
        mailbox (only the tests delete mail; SiKo never does)."""
        with self.mailbox() as mailbox:
            folders = sorted(mailbox.folder.list(), key=lambda f: len(f.name), reverse=True)
            for folder in folders:
                if "\\Noselect" not in folder.flags:
                    mailbox.folder.set(folder.name)
                    uids = mailbox.uids()
                    if uids:
                        mailbox.delete(uids)
            mailbox.folder.set(INBOX)
            for folder in folders:
                # Deleting the last child removes a \\Noselect parent with it.
                if folder.name != INBOX and mailbox.folder.exists(folder.name):
                    mailbox.folder.delete(folder.name)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    text = log.read_text() if log.exists() else ""
    process.kill()
    pytest.fail(f"Dovecot ist nicht gestartet (Port {port}): {text[-2000:]}", pytrace=False)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail(
            "Für die Tests der Kalenderantworten fehlt Dovecot. Bitte installieren Sie es mit: "
            "sudo apt-get install -y dovecot-imapd",
            pytrace=False,
        )
    directory = Path(tempfile.mkdtemp(prefix="siko-dovecot-"))
    directory.chmod(0o755)
    (directory / "mail").mkdir()
    if os.geteuid() == 0:
        shutil.chown(directory / "mail", "dovecot", "dovecot")
    (directory / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    config = directory / "dovecot.conf"
    config.write_text(_config(directory, port))
    process = subprocess.Popen(  # noqa: S603 - our own command line
        [DOVECOT, "-c", str(config), "-F"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process, directory / "dovecot.log")
        yield ImapServer("127.0.0.1", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def reply_mailbox(imap_server: ImapServer, settings: Any) -> ImapServer:
    """The reply mailbox configured for SiKo and empty at the start of the test."""
    imap_server.empty()
    settings.SIKO_REPLY_MAILBOX = "siko-antworten@polizei.nrw.example"
    settings.SIKO_REPLY_IMAP_URL = imap_server.url
    return imap_server
