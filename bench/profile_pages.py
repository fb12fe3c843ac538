"""Where a page's time goes: cProfile of the benchmark pages of `http_load.py`, in process.

Run from the project root (PostgreSQL on localhost, as http_load.py; production settings):

    .venv/bin/python bench/profile_pages.py [--pages state,kpb] [--runs 30] [--top 25]

Same data, users and sessions as http_load.py (47 authorities × 10 years, a throwaway database
beside DATABASE_URL), the requests go through Django's test client with the full middleware and
the production settings (HTTPS as behind the proxy, the second factor verified). Prints the median
service time of each page, first render (cold cache) and warm, and the functions with the most
cumulative and own time over the warm renders.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siko_http")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siko.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
import tempfile  # noqa: E402

_STATIC = tempfile.TemporaryDirectory(prefix="siko-profile-static-")
os.environ.setdefault("STATIC_ROOT", _STATIC.name)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench_setup import seeded_database  # noqa: E402 - first: configures Django
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from http_load import PAGE_KEYS, Page, build_pages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=",".join((*PAGE_KEYS, "floor")))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--dump", help="also write the profile to DUMP.<page>.prof")
    parser.add_argument(
        "--plain", action="store_true", help="only the unprofiled warm median of each page"
    )
    args = parser.parse_args()
    call_command("collectstatic", "--noinput", verbosity=0)  # the manifest of production
    with seeded_database():
        pages, _counts = build_pages(args.years)
        # The floor every signed-in page pays: a static page (privacy notice) as the LZPD.
        pages.append(
            Page("floor", "/datenschutz/ (LZPD, static)", reverse("privacy"), pages[1].cookie)
        )
        for page in pages:
            if page.key not in args.pages.split(","):
                continue
            client = Client(headers={"X-Forwarded-Proto": "https"}, secure=True)
            if page.cookie:
                name, value = page.cookie.split("=", 1)
                client.cookies[name] = value
            cache.clear()
            started = time.perf_counter()
            response = client.get(page.path)
            cold = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (page.path, response.status_code)
            client.get(page.path)
            if args.plain:
                plain = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    client.get(page.path)
                    plain.append((time.perf_counter() - started) * 1000)
                print(f"{page.label}: warm median {statistics.median(plain):.2f} ms unprofiled")
                continue
            timings = []
            profile = cProfile.Profile()
            for _ in range(args.runs):
                started = time.perf_counter()
                profile.enable()
                client.get(page.path)
                profile.disable()
                timings.append((time.perf_counter() - started) * 1000)
            print(
                f"\n=== {page.label}: first {cold:.1f} ms, warm median "
                f"{statistics.median(timings):.1f} ms (profiled, {args.runs} runs)"
            )
            stats = pstats.Stats(profile)
            if args.dump:
                stats.dump_stats(f"{args.dump}.{page.key}.prof")
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
