"""Benchmark of the state view (lagebild/): 47 authorities × 10 years of conference data.

Run from the project root:

    .venv/bin/python bench/state_view.py            # throwaway SQLite file in a temp directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siko .venv/bin/python bench/state_view.py

With DATABASE_URL the benchmark runs in a throwaway database beside it (<name>_bench_<pid>), which
is dropped afterwards; the database named in DATABASE_URL is never touched. The page is rendered
through Django's test client (middleware, session, scoping, template), as a logged-in LZPD user.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta

from bench_setup import (  # first: configures and sets up Django
    bench_conference,
    bench_organiser,
    decree_agencies,
    seeded_database,
)
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

YEARS = 10


def build_data(years: list[int]) -> dict[str, int]:
    """Every authority, every year: a SiKo (a few years missing, some only scheduled), with
    invitations of the decree's categories and the mandated topics; Siko-AP where required."""
    from authorities.models import Authority
    from conferences.models import AgendaItem, Conference, Invitation, MandatedTopic

    rng = random.Random(2018)
    tz = timezone.get_default_timezone()
    now = timezone.now()
    through = Conference.authorities.through
    with scopes_disabled():
        topics = list(MandatedTopic.objects.active())
        conferences, hosts, plans = [], [], []
        for authority in Authority.objects.order_by("slug"):
            organiser = bench_organiser(authority)
            agencies = decree_agencies(authority)
            kinds = ["siko", "siko_ap"] if authority.has_autobahnpolizei else ["siko"]
            for year in years:
                for kind in kinds:
                    if rng.random() < 0.08:
                        continue
                    start = datetime(year, rng.randint(1, 12), rng.randint(1, 28), 10, tzinfo=tz)
                    status = "held" if start < now else "scheduled"
                    conferences.append(
                        bench_conference(
                            authority, organiser, kind=kind, status=status, start=start
                        )
                    )
                    hosts.append(authority)
                    plans.append([a for a in agencies if rng.random() < 0.85])
        Conference.objects.bulk_create(conferences)
        through.objects.bulk_create(
            through(conference_id=c.pk, authority_id=a.pk)
            for c, a in zip(conferences, hosts, strict=True)
        )
        invitations = [
            Invitation(
                conference=c, agency=agency, state="accepted", sent_at=c.start - timedelta(days=30)
            )
            for c, chosen in zip(conferences, plans, strict=True)
            for agency in chosen
        ]
        Invitation.objects.bulk_create(invitations, batch_size=500)
        items = [
            AgendaItem(conference=c, order=n, topic=t, title=t.title)
            for c in conferences
            for n, t in enumerate(rng.sample(topics, k=rng.randint(3, len(topics))), start=1)
        ]
        AgendaItem.objects.bulk_create(items, batch_size=500)
        return {
            "conferences": len(conferences),
            "invitations": len(invitations),
            "agenda_items": len(items),
            "authorities": Authority.objects.count(),
        }


def measure(client: Client, url: str, runs: int) -> dict[str, float]:
    client.get(url)  # warm up: templates, session, content types
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[max(0, round(0.95 * len(timings)) - 1)],
        "queries": len(queries.captured_queries),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="renders per URL (default 50)")
    args = parser.parse_args()

    with seeded_database():
        running = timezone.localdate().year
        started = time.perf_counter()
        counts = build_data(list(range(running - YEARS + 1, running + 1)))
        build_seconds = time.perf_counter() - started

        from authorities.models import User

        lzpd = User.objects.create(username="bench-lzpd", organisation_kind="lzpd")
        client = Client()
        client.force_login(lzpd)

        print(f"SiKo state view benchmark – {timezone.localtime():%Y-%m-%d %H:%M %Z}")
        print(
            f"database: {connection.vendor}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPU cores"
        )
        print(
            f"data: {counts['authorities']} authorities × {YEARS} years "
            f"({running - YEARS + 1}–{running}): {counts['conferences']} conferences, "
            f"{counts['invitations']} invitations, {counts['agenda_items']} agenda items "
            f"(built in {build_seconds:.1f} s)"
        )
        print(f"runs per URL: {args.runs}")
        print(f"{'URL':<42} {'median ms':>10} {'p95 ms':>10} {'queries':>8}")
        for url in (
            "/lagebild/?jahre=1",
            "/lagebild/?jahre=5",
            "/lagebild/?jahre=10",
            "/lagebild/?jahre=10&regierungsbezirk=Köln",
        ):
            result = measure(client, url, args.runs)
            print(
                f"{url:<42} {result['median']:>10.1f} {result['p95']:>10.1f} {result['queries']:>8}"
            )


if __name__ == "__main__":
    main()
