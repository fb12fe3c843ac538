"""Where a mail's delivery time goes: cProfile of building and sending invitation mails in one
process, to a local aiosmtpd (the same rows and server as fanout.py, without Celery).

Run from the project root (PostgreSQL on localhost):

    .venv/bin/python bench/profile_delivery.py [--mails 100] [--top 30]

A conference of PP Dortmund with --mails invitations in a throwaway database (as fanout.py); the
builder (`conferences.sending.build_invitation_mails`, deliveries left to the caller) and then the
delivery task's body (`notifications.tasks.task_send_mails`) run under the profiler, timed apart.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siko_fanout")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siko.settings")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from unittest import mock  # noqa: E402

from aiosmtpd.controller import Controller  # noqa: E402
from bench_setup import seeded_database  # noqa: E402 - first: configures Django
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from fanout import Recorder, invitation_conference  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=100)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--cpu", action="store_true", help="profile CPU time, not wall time")
    parser.add_argument(
        "--senders", type=int, help="SIKO_DELIVERY_SENDERS (1: this thread sends every mail)"
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="time without the profiler (after one warm-up mail), print no profile",
    )
    args = parser.parse_args()
    recorder = Recorder()
    port = _free_port()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
    }
    if args.senders:
        smtp["SIKO_DELIVERY_SENDERS"] = args.senders
    try:
        with override_settings(**smtp), seeded_database():
            from conferences import sending
            from conferences.models import Invitation
            from notifications import tasks
            from notifications.models import OutgoingMail

            if True:
                # One mail built and sent first, so that the one-time work of a worker process
                # (URL patterns, templates, the SMTP connection) stays out of the timing.
                warm_up, _organiser = invitation_conference(1, prefix="warm-up")
                Invitation._base_manager.filter(conference=warm_up).update(mail_pending=True)
                warm: list[int] = []
                with mock.patch.object(sending.delivery, "deliver_after_commit", warm.extend):
                    sending.build_invitation_mails(warm_up.pk)
                tasks.task_send_mails.run(mail_ids=warm)
            conference, _organiser = invitation_conference(args.mails)
            Invitation._base_manager.filter(conference=conference).update(mail_pending=True)
            built: list[int] = []
            # --cpu: the profile counts this thread's CPU time only, not the waits for the
            # database and the mail server (steadier on a loaded machine).
            timer = (time.thread_time,) if args.cpu else ()
            build, send = cProfile.Profile(*timer), cProfile.Profile(*timer)
            # The builder hands each chunk to a delivery task; here they are collected instead.
            with mock.patch.object(sending.delivery, "deliver_after_commit", built.extend):
                started, cpu = time.perf_counter(), time.thread_time()
                with CaptureQueriesContext(connection) as build_queries:
                    if args.plain:
                        sending.build_invitation_mails(conference.pk)
                    else:
                        build.runcall(sending.build_invitation_mails, conference.pk)
                build_s, build_cpu = time.perf_counter() - started, time.thread_time() - cpu
            started, cpu = time.perf_counter(), time.thread_time()
            with CaptureQueriesContext(connection) as send_queries:
                if args.plain:
                    tasks.task_send_mails.run(mail_ids=built)
                else:
                    send.runcall(tasks.task_send_mails.run, mail_ids=built)
            send_s, send_cpu = time.perf_counter() - started, time.thread_time() - cpu
            sent = OutgoingMail.objects.filter(pk__in=built, state="sent").count()
            print(
                f"built {len(built)} mails in {build_s:.2f} s ({1000 * build_s / len(built):.1f} "
                f"ms each), sent {sent} in {send_s:.2f} s ({1000 * send_s / len(built):.1f} ms "
                f"each{'' if args.plain else ', profiled'}), {recorder.connections} SMTP "
                f"connection(s); queries: "
                f"{len(build_queries)} building, {len(send_queries)} sending; CPU of this thread "
                f"(the SMTP server has its own): {1000 * build_cpu / len(built):.1f} ms per mail "
                f"building, {1000 * send_cpu / len(built):.1f} ms sending"
            )
            if args.plain:
                return
            for name, profile in (("send", send), ("build", build)):
                print(f"\n=== {name}")
                stats = pstats.Stats(profile)
                stats.sort_stats("cumulative").print_stats(args.top)
                stats.sort_stats("tottime").print_stats(args.top)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
