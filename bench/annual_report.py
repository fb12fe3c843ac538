"""Benchmark of the annual report: 47 authorities × 10 years, figures and PDF for report year 2026.

Run from the project root:

    .venv/bin/python bench/annual_report.py            # throwaway SQLite file in a temp directory
    .venv/bin/python bench/annual_report.py --old <checkout> --runs 3 --command   # side by side
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/siko .venv/bin/python bench/annual_report.py

With DATABASE_URL the benchmark runs in a throwaway database beside it (<name>_bench_<pid>), which
is dropped afterwards; the database named in DATABASE_URL is never touched. It times
`collect_report_data` (the figures, through compute_compliance) and `render_annual_report` (the
PDF/A with WeasyPrint) as the Celery task calls them, and counts the queries with one year of data
as the data grows from one year (plus the running year) to ten years: the counts must be equal.
"""

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bench_setup import (  # first: configures and sets up Django
    BENCH_FILES,
    ISOLATE,
    ROOT,
    bench_conference,
    bench_organiser,
    decree_agencies,
    seeded_database,
)
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

REPORT_YEAR = 2026
YEARS = list(range(REPORT_YEAR - 9, REPORT_YEAR + 1))  # 2017–2026
#: The state of the running year as the report would show it on this day.
AS_OF = date(REPORT_YEAR, 10, 31)
GROUPS = ("Großstädte", "Ruhrgebiet", "Ländliche Kreise", "Grenzregion", "Rheinschiene")
INVITATION_STATES = ("accepted",) * 6 + ("tentative", "declined", "delegated", "sent")


def make_organisers() -> dict[int, object]:
    """One KPB user per authority (organiser of its conferences), and the comparison groups."""
    from authorities.models import Authority, ComparisonGroup

    with scopes_disabled():
        groups = [ComparisonGroup.objects.create(name=name) for name in GROUPS]
        organisers = {}
        for number, authority in enumerate(Authority.objects.order_by("slug")):
            authority.comparison_group = groups[number % len(groups)] if number % 8 else None
            authority.save(update_fields=["comparison_group"])
            organisers[authority.pk] = bench_organiser(authority)
    return organisers


def build_data(years: list[int], organisers: dict, seed: int) -> dict[str, int]:
    """Every authority, every year: 1–2 held SiKos (a Siko-AP too where required) with
    invitations of the decree's six categories (answers and attendance), 3–6 mandated topics and
    a free item on the agenda, 0–4 agreed actions; crisis-staff exercises and Hospitationen."""
    from authorities.models import Authority, Exercise, Hospitation
    from conferences.models import AgendaItem, Conference, Invitation, MandatedTopic
    from followup.models import Action

    rng = random.Random(seed)
    tz = timezone.get_default_timezone()
    through = Conference.authorities.through
    with scopes_disabled():
        topics = list(MandatedTopic.objects.active())
        conferences, hosts, plans = [], [], []
        exercises, hospitations = [], []
        for authority in Authority.objects.order_by("slug"):
            agencies = decree_agencies(authority)
            for year in years:
                last_month = AS_OF.month if year == REPORT_YEAR else 12
                kinds = ["siko"] * rng.randint(1, 2)
                if authority.has_autobahnpolizei:
                    kinds.append("siko_ap")
                for kind in kinds:
                    start = datetime(
                        year, rng.randint(1, last_month - 1), rng.randint(1, 28), 10, tzinfo=tz
                    )
                    conferences.append(
                        bench_conference(
                            authority,
                            organisers[authority.pk],
                            kind=kind,
                            status="held",
                            start=start,
                        )
                    )
                    hosts.append(authority)
                    plans.append([a for a in agencies if rng.random() < 0.85])
                for _n in range(rng.randint(0, 3)):
                    exercises.append(
                        Exercise(
                            authority=authority,
                            organiser=f"Kreis {authority.seat}",
                            title="Krisenstabsübung",
                            liaison_took_part=rng.random() < 0.8,
                            date=date(year, rng.randint(1, last_month - 1), rng.randint(1, 28)),
                        )
                    )
                for _n in range(rng.randint(0, 3)):
                    day = date(year, rng.randint(1, last_month - 1), rng.randint(1, 27))
                    hospitations.append(
                        Hospitation(
                            authority=authority,
                            agency_name="Ordnungsamt",
                            direction="outgoing",
                            start_date=day,
                            end_date=day + timedelta(days=1),
                        )
                    )
        Conference.objects.bulk_create(conferences)
        through.objects.bulk_create(
            through(conference_id=c.pk, authority_id=a.pk)
            for c, a in zip(conferences, hosts, strict=True)
        )
        invitations = []
        for conference, chosen in zip(conferences, plans, strict=True):
            for agency in chosen:
                state = rng.choice(INVITATION_STATES)
                invitations.append(
                    Invitation(
                        conference=conference,
                        agency=agency,
                        state=state,
                        sent_at=conference.start - timedelta(days=30),
                        delegate_name="Vertretung" if state == "delegated" else "",
                        attended=(
                            state in ("accepted", "tentative", "delegated") and rng.random() < 0.9
                        ),
                    )
                )
        Invitation.objects.bulk_create(invitations, batch_size=500)
        items, actions = [], []
        for conference in conferences:
            chosen = rng.sample(topics, k=rng.randint(3, min(6, len(topics))))
            for number, topic in enumerate(chosen, start=1):
                items.append(
                    AgendaItem(conference=conference, order=number, topic=topic, title=topic.title)
                )
            items.append(
                AgendaItem(conference=conference, order=len(chosen) + 1, title="Verschiedenes")
            )
            for _n in range(rng.randint(0, 4)):
                actions.append(
                    Action(
                        conference=conference,
                        text="Gemeinsame Streife am Bahnhof",
                        owner_is_police=True,
                        due_date=conference.start.date() + timedelta(days=90),
                        state=rng.choice(("done", "done", "in_progress", "open", "dropped")),
                    )
                )
        AgendaItem.objects.bulk_create(items, batch_size=500)
        Action.objects.bulk_create(actions, batch_size=500)
        Exercise.objects.bulk_create(exercises, batch_size=500)
        Hospitation.objects.bulk_create(hospitations, batch_size=500)
    return {
        "conferences": len(conferences),
        "invitations": len(invitations),
        "agenda_items": len(items),
        "actions": len(actions),
        "exercises": len(exercises),
        "hospitations": len(hospitations),
    }


def count_queries() -> str:
    """Queries of the figures + queries of the rendering."""
    from reports.annual.report import collect_report_data, render_annual_report

    with CaptureQueriesContext(connection) as collecting:
        data = collect_report_data(REPORT_YEAR, as_of=AS_OF)
    with CaptureQueriesContext(connection) as rendering:
        render_annual_report(data)
    return f"{len(collecting.captured_queries)} + {len(rendering.captured_queries)}"


def measure(runs: int, *, warm_up: bool = True) -> dict:
    from pypdf import PdfReader

    from reports.annual.report import collect_report_data, render_annual_report

    if warm_up:
        render_annual_report(collect_report_data(REPORT_YEAR, as_of=AS_OF))
    collect, render, total, cpu = [], [], [], []
    pdf = b""
    for _ in range(runs):
        started = time.perf_counter()
        data = collect_report_data(REPORT_YEAR, as_of=AS_OF)
        collected = time.perf_counter()
        cpu_started = time.process_time()
        pdf = render_annual_report(data)
        cpu.append(time.process_time() - cpu_started)
        done = time.perf_counter()
        collect.append(collected - started)
        render.append(done - collected)
        total.append(done - started)
    return {
        "collect": collect,
        "render": render,
        "total": total,
        "render_cpu": cpu,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "bytes": len(pdf),
        "rows": len(data["rows"]),
    }


def build_all() -> tuple[dict[str, int], dict[str, str], float]:
    """The data in three steps, with the query count after each."""
    organisers = make_organisers()
    # The data grows in steps: the judged year only, then the running year too, then all
    # ten years. Without any conference in the running year Django sends no query for an
    # empty `IN ()` (3 fewer); from then on the count must not change.
    judged = REPORT_YEAR - 1
    started = time.perf_counter()
    counts = build_data([judged], organisers, seed=2018)
    queries = {"judged year only": count_queries()}
    steps = (
        ("judged and running year", [REPORT_YEAR], 2019),
        ("10 years", [y for y in YEARS if y not in (judged, REPORT_YEAR)], 2020),
    )
    for label, years, seed in steps:
        more = build_data(years, organisers, seed=seed)
        counts = {key: counts[key] + more[key] for key in counts}
        queries[label] = count_queries()
    return counts, queries, time.perf_counter() - started


def serve() -> None:
    """--serve: builds the data, says READY, then answers each line on stdin with JSON: "run"
    renders once (timings), "calls" counts the Python function calls of one rendering under
    cProfile, "command" runs the management command end to end and `manage.py help` (the
    side-by-side mode drives two of these)."""
    with seeded_database():
        counts, queries, _seconds = build_all()
        print("READY " + json.dumps({"counts": counts, "queries": queries}), flush=True)
        for line in sys.stdin:
            request = line.strip()
            if request == "run":
                result = measure(1, warm_up=False)
                timings = {key: result[key][0] for key in ("collect", "render", "total")}
                answer = {
                    **timings,
                    "render_cpu": result["render_cpu"][0],
                    "pages": result["pages"],
                    "bytes": result["bytes"],
                }
            elif request == "calls":
                answer = {"calls": render_calls()}
            elif request == "command":
                answer = run_command()
            else:
                break
            print("RESULT " + json.dumps(answer), flush=True)


def render_calls() -> int:
    """Python function calls of one render_annual_report (cProfile): unlike the time, they do
    not depend on the machine's load."""
    import cProfile
    import pstats

    from reports.annual.report import collect_report_data, render_annual_report

    data = collect_report_data(REPORT_YEAR, as_of=AS_OF)
    profiler = cProfile.Profile()
    profiler.runcall(render_annual_report, data)
    return pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]


def run_command() -> dict:
    """`manage.py annual_report --year 2026` on this checkout's data, as an operator runs it
    (production settings, a new process: start-up, figures, PDF, file), and `manage.py help`
    (the start-up alone): wall-clock seconds of each, and the CPU seconds (user + system) the
    new process used, which depend less on the machine's load."""
    import resource

    database = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "siko.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    output = Path(tempfile.mkdtemp(prefix="siko-report-")) / "bericht.pdf"
    seconds = {}
    for name, arguments in (
        ("command", ["annual_report", "--year", str(REPORT_YEAR), "--output", str(output)]),
        ("help", ["help"]),
    ):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds[name] = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds[f"{name}_cpu"] = (after.ru_utime - before.ru_utime) + (
            after.ru_stime - before.ru_stime
        )
    shutil.rmtree(output.parent)
    return seconds


def profile() -> None:
    """--profile: where one rendering spends its time, by package (cProfile, own time)."""
    import cProfile
    import pstats
    from collections import Counter

    from reports.annual.report import collect_report_data, render_annual_report

    with seeded_database():
        build_all()
        data = collect_report_data(REPORT_YEAR, as_of=AS_OF)
        render_annual_report(data)  # warm up
        profiler = cProfile.Profile()
        profiler.runcall(render_annual_report, data)
        stats = pstats.Stats(profiler)
        shares: Counter[str] = Counter()
        for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            shares[_package(filename)] += own
        total = sum(shares.values())
        print(f"one render_annual_report under cProfile: {total:.2f} s (own time by package)")
        for package, seconds in shares.most_common(12):
            print(f"  {package:<40} {seconds:>6.2f} s {seconds / total * 100:>5.1f} %")


def _package(filename: str) -> str:
    """weasyprint.layout.table, fontTools.subset, reports.annual, … for a code file."""
    path = Path(filename)
    parts = path.parts
    for anchor in ("site-packages", str(ROOT.name)):
        if anchor in parts:
            inner = parts[parts.index(anchor) + 1 :]
            depth = 3 if inner and inner[0] == "weasyprint" else 2
            return ".".join(p.removesuffix(".py") for p in inner[:depth])
    return "Python built-ins" if filename.startswith(("<", "~")) else path.name


def side_by_side(old: Path, runs: int, *, command: bool = False) -> None:
    """--old: this checkout and `old` render alternately, each with its own code and data."""
    for name in BENCH_FILES:
        shutil.copy(ROOT / "bench" / name, old / "bench" / name)
    isolate = Path(tempfile.mkdtemp(prefix="siko-isolate-"))
    (isolate / "sitecustomize.py").write_text(ISOLATE)
    # Both isolated: the venv's editable install may point at yet another checkout.
    trees = {"new": (ROOT, f"{isolate}:{ROOT}"), "old": (old, f"{isolate}:{old}")}
    workers = {}
    for name, (tree, path) in trees.items():
        env = {**os.environ, "PYTHONPATH": path}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        workers[name] = subprocess.Popen(
            [sys.executable, "bench/annual_report.py", "--serve"],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    ready = {name: _answer(worker, "READY ") for name, worker in workers.items()}

    def ask(name: str, request: str) -> dict:
        worker = workers[name]
        assert worker.stdin is not None
        worker.stdin.write(request + "\n")
        worker.stdin.flush()
        return _answer(worker, "RESULT ")

    results: dict[str, list[dict]] = {name: [] for name in workers}
    commands: dict[str, list[dict]] = {name: [] for name in workers}
    loads = [os.getloadavg()[0]]
    for number in range(runs + 1):  # the first round warms up
        for name in workers:
            answer = ask(name, "run")
            if number:
                results[name].append(answer)
        loads.append(os.getloadavg()[0])
    calls = {name: ask(name, "calls")["calls"] for name in workers}
    for _number in range(runs if command else 0):
        for name in workers:
            commands[name].append(ask(name, "command"))
        loads.append(os.getloadavg()[0])
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait(timeout=120)
    print(f"SiKo annual report benchmark, side by side – {timezone.localtime():%Y-%m-%d %H:%M %Z}")
    print(f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, {connection.vendor}")
    print(f"new: {ROOT}, old: {old}; data: {ready['new']['counts']}")
    print(
        f"runs: {runs} each after one warm-up, alternating; "
        f"load average {min(loads):.2f}–{max(loads):.2f}"
    )
    print(f"{'step':<34} {'old median s':>12} {'new median s':>12} {'new/old':>8}")
    for key, label in (
        ("collect", "collect_report_data"),
        ("render", "render_annual_report (PDF/A)"),
        ("render_cpu", "  the same, CPU time of the process"),
        ("total", "both"),
    ):
        if not all(key in r for r in results["old"] + results["new"]):
            continue
        before = statistics.median(r[key] for r in results["old"])
        after = statistics.median(r[key] for r in results["new"])
        print(f"{label:<34} {before:>12.2f} {after:>12.2f} {after / before * 100:>7.0f} %")
    for key, label in (
        ("command", "manage.py annual_report"),
        ("command_cpu", "  the same, CPU time of the process"),
        ("help", "manage.py help (start-up)"),
        ("help_cpu", "  the same, CPU time of the process"),
    ):
        if commands["old"]:
            before = statistics.median(r[key] for r in commands["old"])
            after = statistics.median(r[key] for r in commands["new"])
            print(f"{label:<34} {before:>12.2f} {after:>12.2f} {after / before * 100:>7.0f} %")
    print(
        f"Python calls of one render (cProfile): old {calls['old']:,}, new {calls['new']:,} "
        f"({calls['new'] / calls['old'] * 100:.0f} %)"
    )
    print(
        f"pages: old {results['old'][0]['pages']}, new {results['new'][0]['pages']}; "
        + ", ".join(
            f"{name} {results[name][0]['bytes'] / 1024:.0f} KiB"
            for name in ("old", "new")
            if "bytes" in results[name][0]
        )
    )


def _answer(worker: subprocess.Popen, prefix: str) -> dict:
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.startswith(prefix):
            return json.loads(line.removeprefix(prefix))
    raise SystemExit(f"benchmark worker ended without {prefix.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="reports generated (default 5)")
    parser.add_argument("--old", type=Path, help="another checkout, rendered alternately")
    parser.add_argument(
        "--command",
        action="store_true",
        help="with --old: also `manage.py annual_report` end to end and `manage.py help`",
    )
    parser.add_argument("--profile", action="store_true", help="where one rendering spends time")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve()
    if args.old:
        return side_by_side(args.old, args.runs, command=args.command)
    if args.profile:
        return profile()

    with seeded_database():
        judged = REPORT_YEAR - 1
        counts, queries, build_seconds = build_all()
        result = measure(args.runs)

        print(f"SiKo annual report benchmark – {timezone.localtime():%Y-%m-%d %H:%M %Z}")
        print(
            f"database: {connection.vendor}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPU cores"
        )
        print(
            f"data: {result['rows']} authorities × {len(YEARS)} years ({YEARS[0]}–{YEARS[-1]}): "
            f"{counts['conferences']} conferences, {counts['invitations']} invitations, "
            f"{counts['agenda_items']} agenda items, {counts['actions']} actions, "
            f"{counts['exercises']} exercises, {counts['hospitations']} Hospitationen "
            f"(built in {build_seconds:.1f} s)"
        )
        print(
            f"report year {REPORT_YEAR} (judged {judged}), state as of {AS_OF:%d.%m.%Y}; "
            f"runs: {args.runs}"
        )
        print(f"{'step':<34} {'median s':>9} {'max s':>9}")
        for key, label in (
            ("collect", "collect_report_data"),
            ("render", "render_annual_report (PDF/A)"),
            ("total", "both"),
        ):
            print(f"{label:<34} {statistics.median(result[key]):>9.2f} {max(result[key]):>9.2f}")
        print(f"PDF: {result['pages']} pages, {result['bytes'] / 1024:.0f} KiB")
        print(
            "queries (figures + rendering): "
            + ", ".join(f"{label} {count}" for label, count in queries.items())
        )
        if queries["judged and running year"] != queries["10 years"]:
            raise SystemExit("query count depends on the amount of data")


if __name__ == "__main__":
    main()
