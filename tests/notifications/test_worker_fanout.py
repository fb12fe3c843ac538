"""A fan-out of 200 invitations through a real Celery worker on Redis that is killed with SIGKILL
in the middle — and a real SMTP server that counts what arrived: each invitation exactly once.

The worker runs the production settings (siko.settings: the test settings would replace SMTP by
the local mailbox) against the test database, a Redis queue of its own and the aiosmtpd
server. The SMTP server itself pulls the trigger, so the kills land deterministically:

1. inside DATA of the 60th message: the whole worker (process group) is killed and the message is
   not accepted — a real server discards a transaction whose client vanished;
2. inside DATA of the 120th message: only the pool processes are killed; the worker's main
   process sees the loss and requeues the message (acks_late + reject_on_worker_lost);
3. at the 170th RCPT: the whole worker again.

Before each kill the server holds new transactions at MAIL, lets the other sessions finish theirs
and waits until every message it accepted is marked sent in the database: a kill between "the
message reached the server" and "marked sent" is the residual window the outbox documents
(conferences/outbox.py), which no system without two-phase commit can close.

The beat sweeper's work is done by this test: when the broker queue has run dry while rows are
still unsent, it runs the sweep with the clock moved past QUEUED_GRACE (rows whose task died
with the worker wait in Redis' unacked set until the visibility timeout, an hour). The sweeps'
clock advances by QUEUED_GRACE each time, as beat's would between two sweeps that pick up the
same row: a sweep marks the rows it hands over, and the next one takes them again only after
QUEUED_GRACE, so a task the sweep gave to a worker that is killed later is found again.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from authorities.enums import PartnerCategory
from authorities.models import Authority, Contact, Coverage, PartnerAgency
from conferences import services
from notifications import outbox
from notifications import tasks as notification_tasks
from notifications.enums import MailState
from notifications.models import OutgoingMail
from siko.celery import app as celery_app
from siko.organisations import OrganisationKind
from tests.conftest import make_user
from tests.factories.conferences import make_conference
from tests.smtp import SMTPTestServer

# One real Celery worker at a time, also when the suite runs in parallel (pytest-xdist).
pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("celery_worker"),
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(__file__).resolve().parents[2]
INVITATIONS = 200
WORKER_REDIS_DB = int(os.environ.get("SIKO_TEST_WORKER_REDIS_DB", "14"))
QUEUE = f"siko-fanout-{uuid.uuid4().hex[:12]}"
DEADLINE_SECONDS = 120


def _require_services() -> None:
    problems = []
    if not settings.REDIS_URL:
        problems.append("REDIS_URL is not set")
    if connection.vendor != "postgresql":
        problems.append("the database is not PostgreSQL (set DATABASE_URL=postgres://…)")
    if not problems:
        return
    message = "the worker fan-out test needs Redis and PostgreSQL: " + "; ".join(problems)
    if os.environ.get("SIKO_REQUIRE_SERVICES") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _worker_database_url() -> str:
    db = connection.settings_dict  # pytest-django's test database (test_<name>)
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


def _broker_url() -> str:
    base = (
        settings.REDIS_URL.rsplit("/", 1)[0]
        if settings.REDIS_URL.count("/") > 2
        else (settings.REDIS_URL.rstrip("/"))
    )
    return f"{base}/{WORKER_REDIS_DB}"


class Worker:
    """`celery -A siko worker` as a deployment runs it, in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.kills: list[str] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            log = self.log_path.open("ab")
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "siko",
                    "worker",
                    "--concurrency=2",
                    "--prefetch-multiplier=1",
                    "--pool=prefork",
                    "-Q",
                    QUEUE,
                    "-l",
                    "info",
                    f"--hostname={QUEUE}-{self.starts}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.starts += 1

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the main process and its pool: what the OOM killer or `docker kill` do."""
        with self.lock:
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.kills.append("worker")

    def kill_pool_processes(self) -> None:
        """SIGKILL to the pool processes only; the main process survives and notices."""
        with self.lock:
            assert self.process is not None
            pid = self.process.pid
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            for child in children:
                os.kill(int(child), signal.SIGKILL)
            self.kills.append(f"pool ({len(children)} processes)")

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _accepted_are_marked_sent(server: SMTPTestServer, timeout: float = 10.0) -> None:
    """Waits until every message the server accepted is marked sent (the SMTP hooks run in a
    thread of their own; their database connection is closed again)."""
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if OutgoingMail.objects.filter(state=MailState.SENT).count() >= len(server.messages()):
                return
            time.sleep(0.02)
        raise AssertionError("accepted messages were not marked sent in time")
    finally:
        connections.close_all()


def _queued_in_broker(client: redis.Redis) -> int:
    """Messages waiting in this run's queue (kombu keeps one list per priority step)."""
    return sum(client.llen(key) for key in client.keys(f"{QUEUE}*") if client.type(key) == b"list")


def _forget_queue(client: redis.Redis) -> None:
    """Removes this run's messages, also those a killed worker left unacknowledged (kombu
    would put them back into the queue after the visibility timeout, for nobody)."""
    for key in client.keys(f"{QUEUE}*") + client.keys(f"_kombu.binding*.{QUEUE}"):
        client.delete(key)
    for tag, payload in client.hgetall("unacked").items():
        if json.loads(payload)[-1] == QUEUE:  # [message, exchange, routing key]
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


def _reconnect(app) -> None:
    """Drops the app's cached broker connections and AMQP setup (queues, router, producers),
    so that the next task is published with the configuration as it is now."""
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture
def broker():
    """A queue of its own in a Redis database of its own; this process publishes there too.

    Unique per run: on a shared development machine another test session may run this test at
    the same time, and its worker must not take our messages.
    """
    _require_services()
    client = redis.Redis.from_url(_broker_url())
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager, conf.task_default_queue
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = _broker_url(), False, QUEUE
    _reconnect(celery_app)
    try:
        yield client
    finally:
        conf.broker_url, conf.task_always_eager, conf.task_default_queue = saved
        _reconnect(celery_app)
        _forget_queue(client)


@pytest.fixture
def fanout_conference(seeded):
    """A scheduled-to-be conference of PP Dortmund inviting INVITATIONS partner agencies."""
    organiser = make_user("kpb-a", OrganisationKind.KPB, authority="pp-dortmund")
    host = Authority.objects.get(slug="pp-dortmund")
    agencies = PartnerAgency.objects.bulk_create(
        PartnerAgency(
            slug=f"fanout-{n}", name=f"Stadtverwaltung Fanout {n}", category=PartnerCategory.KOMMUNE
        )
        for n in range(INVITATIONS)
    )
    Coverage.objects.bulk_create(Coverage(agency=a, authority=host) for a in agencies)
    Contact.objects.bulk_create(
        Contact(
            agency=a,
            name=f"Leitung {n}",
            function="Bürgermeisterin",
            email=f"leitung@fanout-{n}.example",
        )
        for n, a in enumerate(agencies)
    )
    conference = make_conference(organiser, days_ahead=30)
    services.add_invitations(conference, agencies=agencies, by=organiser)
    return conference, organiser


def test_fanout_survives_sigkilled_workers_without_duplicates_or_losses(
    broker, fanout_conference, tmp_path
):
    conference, organiser = fanout_conference
    server = SMTPTestServer().start()
    worker = Worker(
        {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "siko.settings",
            "DEBUG": "false",
            "SECRET_KEY": "worker-fanout-test-secret-key-0123456789-abcdefghijklmnop",
            "DATABASE_URL": _worker_database_url(),
            "REDIS_URL": _broker_url(),
            "EMAIL_URL": server.url,
            "EMAIL_TIMEOUT": "5",
            "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
        },
        tmp_path / "worker.log",
    )
    killed_in_data: list[str] = []

    def pull_the_plug(kill) -> str:
        # No other client may have a message in flight: one whose last byte reached the
        # server before the kill would be accepted and later resent (the residual window).
        server.hold_new_transactions()
        try:
            _accepted_are_marked_sent(server)
            kill()
        finally:
            server.release_new_transactions()
        return "451 4.3.0 Verbindung abgebrochen"  # the client is gone; nothing accepted

    def on_data(envelope, number):
        if number == 60:
            killed_in_data.extend(envelope.rcpt_tos)
            return pull_the_plug(worker.kill)
        if number == 120:
            killed_in_data.extend(envelope.rcpt_tos)
            return pull_the_plug(worker.kill_pool_processes)
        return None

    def on_rcpt(address, number):
        return pull_the_plug(worker.kill) if number == 170 else None

    server.on_data, server.on_rcpt = on_data, on_rcpt
    rows = OutgoingMail.objects.filter(conference=conference)
    unbuilt = conference.invitations.filter(mail_pending=True)
    started = time.monotonic()
    try:
        worker.start()
        # Marks the 200 invitations; on commit one task builds their mails in the worker.
        services.send_invitations(conference, by=organiser)
        published = time.monotonic()
        sweeps = 0
        idle_since = None
        while time.monotonic() - started < DEADLINE_SECONDS:
            unsent = rows.exclude(state=MailState.SENT).count() + unbuilt.count()
            if unsent == 0:
                break
            if not worker.alive:
                assert worker.starts <= 4, worker.log_tail()
                worker.start()  # systemd / docker restart the worker
            if _queued_in_broker(broker) == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 2:
                    # Beat's sweep, with the clock past the grace for lost tasks.
                    notification_tasks.sweep_outbox(
                        now=timezone.now() + outbox.QUEUED_GRACE * (sweeps + 1)
                    )
                    sweeps += 1
                    idle_since = None
            else:
                idle_since = None
            time.sleep(0.2)
        finished = time.monotonic()
    finally:
        worker.stop()
        server.stop()

    states = Counter(rows.values_list("state", flat=True))
    if states != {MailState.SENT: INVITATIONS}:
        pytest.fail(
            f"not all sent within {DEADLINE_SECONDS} s: {dict(states)}; kills {worker.kills}, "
            f"starts {worker.starts}; {server.data_commands} DATA, {len(server.messages())} "
            f"accepted; broker queue {_queued_in_broker(broker)}, unacked "
            f"{broker.hlen('unacked')}; errors "
            f"{Counter(rows.values_list('last_error', flat=True)).most_common(3)}\n"
            f"worker log:\n{worker.log_tail(80)}"
        )
    assert worker.kills == ["worker", "pool (2 processes)", "worker"]
    assert worker.starts == 3
    by_message_id = server.count_by_message_id()
    assert by_message_id == {row.message_id: 1 for row in rows}
    assert server.count_by_recipient() == {row.to: 1 for row in rows}
    retried = rows.filter(to__in=killed_in_data)
    assert retried.count() == 2
    assert all(row.attempts >= 2 for row in retried)
    attempts = Counter(rows.values_list("attempts", flat=True))
    print(
        f"\nfan-out of {INVITATIONS}: published after {published - started:.1f} s, all sent after "
        f"{finished - started:.1f} s; {server.data_commands} DATA, {len(server.messages())} "
        f"accepted, {sweeps} sweeps, attempts {dict(attempts)}"
    )
