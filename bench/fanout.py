"""Mail delivery benchmark: outbox rows through 2 Celery worker processes to a local aiosmtpd.

Run from the project root (needs PostgreSQL and Redis on localhost):

    .venv/bin/python bench/fanout.py                      # 250 mails
    .venv/bin/python bench/fanout.py --old /tmp/siko-old  # an older checkout's workers after it

It builds a throwaway PostgreSQL database (<name>_bench_<pid> beside DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/siko_fanout; never the named one), starts an aiosmtpd server
on a free port that notes when each message arrives and how many connections it got, and a
Celery worker as deployed (`celery -A siko worker --concurrency 2`, production settings,
EMAIL_URL pointing at the server, a Redis database of its own). It then queues --mails outbox
rows of invitation size (text, HTML and calendar), hands every row's task to the broker at once
and waits until all are sent. Printed: the first mail's arrival after the hand-over, the time
until the last, mails per second between first and last and from the hand-over (end to end),
and SMTP connections.

The new code (and an old checkout from 64e8d58 on, whose worker builds the mails; the click
itself always runs this checkout's code) is measured from the click instead: a conference of
PP Dortmund with --mails invitations, `services.send_invitations` as the "Einladungen
versenden" request calls it (the hand-over column is then the click's duration), the mails
built and sent by the worker. For comparison, "build in request" is the time this process needs
to build all the mails in one transaction, as the click did before (rolled back, nothing sent).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siko_fanout")
os.environ.setdefault("REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))

import argparse  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench_setup import BENCH_FILES, ISOLATE, ROOT, seeded_database  # noqa: E402 - first
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

BODY = "Sehr geehrte Damen und Herren,\n\nhiermit laden wir Sie ein.\n" * 40
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//SiKo NRW//DE\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:bench@siko\r\nDTSTART:20270115T090000Z\r\nDTEND:20270115T120000Z\r\n"
    "SUMMARY:Sicherheitskonferenz\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


class Recorder:
    """aiosmtpd handler: arrival time of every message, number of connections (EHLO/HELO)."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.connections = 0
        #: (arrival, connection number) of every message.
        self.timeline: list[tuple[float, int]] = []

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        session.bench_number = self.connections
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.arrivals.append(time.monotonic())
        self.timeline.append((self.arrivals[-1], getattr(session, "bench_number", 0)))
        return "250 Message accepted for delivery"


def queue_rows(count: int, tag: str) -> list[int]:
    from notifications.enums import MailKind, MailState
    from notifications.models import OutgoingMail

    rows = OutgoingMail.objects.bulk_create(
        OutgoingMail(
            kind=MailKind.INVITATION,
            dedup_key=f"bench:{tag}:{n}",
            to=f"partner{n}@example.org",
            subject=f"Einladung zur Sicherheitskonferenz ({n})",
            body_text=BODY,
            body_html="<p>" + BODY.replace("\n", "<br>") + "</p>",
            ics=ICS,
            ics_method="REQUEST",
            state=MailState.QUEUED,
        )
        for n in range(count)
    )
    return [row.pk for row in rows]


def invitation_conference(count: int, *, prefix: str = "fanout") -> tuple[Any, Any]:
    """A conference of PP Dortmund inviting `count` new agencies (slugs <prefix>-<n>), each with
    an address."""
    from bench_setup import bench_conference, bench_organiser
    from django_scopes import scopes_disabled

    from authorities.enums import PartnerCategory
    from authorities.models import Authority, Contact, Coverage, PartnerAgency, User
    from conferences import services

    with scopes_disabled():
        host = Authority.objects.get(slug="pp-dortmund")
        organiser = User.objects.filter(username=f"bench-{host.slug}").first()
        organiser = organiser or bench_organiser(host)
        agencies = PartnerAgency.objects.bulk_create(
            PartnerAgency(
                slug=f"{prefix}-{n}",
                name=f"Stadtverwaltung {prefix.title()} {n}",
                category=PartnerCategory.KOMMUNE,
            )
            for n in range(count)
        )
        Coverage.objects.bulk_create(Coverage(agency=a, authority=host) for a in agencies)
        Contact.objects.bulk_create(
            Contact(
                agency=a, name=f"Leitung {n}", function="Leitung", email=f"l@{prefix}-{n}.example"
            )
            for n, a in enumerate(agencies)
        )
        start = timezone.now() + timedelta(days=30)
        conference = bench_conference(host, organiser, kind="siko", status="draft", start=start)
        conference.save()
        services.add_invitations(conference, agencies=agencies, by=organiser)
    return conference, organiser


def build_in_request(conference: Any) -> float:
    """Seconds to build every invitation mail in one transaction, as the click did before."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from conferences import sending
    from conferences.models import Invitation

    started = time.monotonic()
    with scopes_disabled(), transaction.atomic():
        Invitation._base_manager.filter(conference=conference).update(mail_pending=True)
        sending.build_invitation_mails(conference.pk)
        transaction.set_rollback(True)
    return time.monotonic() - started


def unsent(ids: list[int]) -> int:
    from notifications.enums import MailState
    from notifications.models import OutgoingMail

    return OutgoingMail.objects.filter(pk__in=ids).exclude(state=MailState.SENT).count()


def start_worker(tree: Path, port: int, tmp: str, name: str) -> subprocess.Popen:
    database = connection.settings_dict
    isolate = Path(tmp) / f"isolate-{name}"
    isolate.mkdir()
    (isolate / "sitecustomize.py").write_text(ISOLATE)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SIKO_"))},
        "DJANGO_SETTINGS_MODULE": "siko.settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{isolate}:{tree}",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "siko", "worker", "--concurrency", "2"]
        + ["--loglevel", "WARNING", "--without-mingle", "--without-gossip", "-n", f"{name}@%h"],
        cwd=tree,
        env=env,
    )


def wait_for_worker(name: str) -> None:
    from siko.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if any(node.startswith(f"{name}@") for reply in replies for node in reply):
            return
    raise SystemExit(f"worker {name} did not start")


def run(tree: Path, name: str, count: int, tmp: str, *, click: bool) -> dict[str, float]:
    from aiosmtpd.controller import Controller

    from notifications.tasks import task_send_mail

    recorder = Recorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    worker = start_worker(tree, port, tmp, name)
    try:
        wait_for_worker(name)
        built = 0.0
        if click:
            from django_scopes import scopes_disabled

            from conferences import services
            from notifications.models import OutgoingMail

            conference, organiser = invitation_conference(count, prefix=f"fanout-{name}")
            load = os.getloadavg()[0]
            started = time.monotonic()
            with scopes_disabled():
                services.send_invitations(conference, by=organiser)
            queued = time.monotonic() - started

            def left_to_send() -> int:
                rows = OutgoingMail.objects.filter(conference=conference, state="sent").count()
                return count - rows
        else:
            ids = queue_rows(count, name)
            load = os.getloadavg()[0]
            started = time.monotonic()
            for pk in ids:
                task_send_mail.delay(mail_id=pk)
            queued = time.monotonic() - started

            def left_to_send() -> int:
                return unsent(ids)

        deadline = started + 600
        while left_to_send() and time.monotonic() < deadline:
            time.sleep(0.2)
        left = left_to_send()
        if click:
            built = build_in_request(conference)
        if left:
            raise SystemExit(f"{name}: {left} of {count} mails not sent after 10 minutes")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        controller.stop()
    first, last = recorder.arrivals[0], recorder.arrivals[-1]
    return {
        "queued": queued,
        "first": first - started,
        "all": last - started,
        "rate": (len(recorder.arrivals) - 1) / (last - first) if last > first else 0.0,
        "messages": len(recorder.arrivals),
        "connections": recorder.connections,
        "load": load,
        "built": built,
        "timeline": [(at - started, number) for at, number in recorder.timeline],
    }


def _sends_from_click(tree: Path) -> bool:
    """A checkout whose worker builds the mails (conferences/sending.py, 64e8d58 and later) is
    measured from the click as the new code; an older one with rows built beforehand."""
    return (tree / "conferences" / "sending.py").exists()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=250, help="outbox rows (default 250)")
    parser.add_argument("--old", type=Path, help="another checkout, its workers after these")
    parser.add_argument(
        "--timeline", action="store_true", help="messages per SMTP connection and second"
    )
    args = parser.parse_args()
    if args.old:
        for name in BENCH_FILES:
            shutil.copy(ROOT / "bench" / name, args.old / "bench" / name)
    trees = [("new", ROOT)] + ([("old", args.old)] if args.old else [])
    from siko.celery import app

    app.control.purge()
    with seeded_database(), tempfile.TemporaryDirectory(prefix="siko-fanout-") as tmp:
        results = {
            name: run(tree, name, args.mails, tmp, click=_sends_from_click(tree))
            for name, tree in trees
        }
    print(f"SiKo mail delivery benchmark – {timezone.localtime():%Y-%m-%d %H:%M %Z}")
    print(
        f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, PostgreSQL, Redis; "
        f"one Celery worker, 2 processes; aiosmtpd on 127.0.0.1; {args.mails} mails"
    )
    print(
        f"{'code':<5} {'hand-over s':>11} {'first mail s':>12} {'all sent s':>10} "
        f"{'mails/s':>8} {'end to end':>10} {'messages':>8} {'SMTP connections':>16}  load"
    )
    for name, r in results.items():
        print(
            f"{name:<5} {r['queued']:>11.2f} {r['first']:>12.2f} {r['all']:>10.2f} "
            f"{r['rate']:>8.1f} {r['messages'] / r['all']:>10.1f} {r['messages']:>8} "
            f"{r['connections']:>16}  {r['load']:.2f}"
        )
    if args.timeline:
        for name, r in results.items():
            print(f"{name}: messages per connection and second after the hand-over")
            seconds = int(r["all"]) + 1
            for number in sorted({n for _at, n in r["timeline"]}):
                counts = [0] * seconds
                for at, n in r["timeline"]:
                    if n == number:
                        counts[min(int(at), seconds - 1)] += 1
                print(f"  connection {number}: " + " ".join(f"{c:3}" for c in counts))
    for name, r in list(results.items())[:1]:
        if r["built"]:
            print(
                f"{name}: hand-over = the click (send_invitations, {args.mails} invitations); "
                f"building all {args.mails} mails in the request, as before: {r['built']:.2f} s"
            )


if __name__ == "__main__":
    main()
