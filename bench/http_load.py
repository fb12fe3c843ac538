"""HTTP load benchmark: SiKo under gunicorn with production settings, beside a bare Django view.

Run from the project root (needs PostgreSQL and Redis on localhost; `wrk` is installed through
scripts/system-packages.sh when missing):

    .venv/bin/python bench/http_load.py
    .venv/bin/python bench/http_load.py --old /tmp/siko-old     # an older checkout beside it
    .venv/bin/python bench/http_load.py --years 20 --pages kpb  # growth of the KPB start page

It builds the 47 authorities × 10 years of `state_view.py` in a throwaway PostgreSQL database
(<name>_bench_<pid> beside DATABASE_URL, default postgres://postgres@127.0.0.1:5432/siko_http;
the named database is never touched), collects the static files, and starts gunicorn (2 sync
workers) three ways: the bare Django project `bench/bare_site.py` (one view returning "ok", no
apps, no middleware, no database), SiKo from this checkout and, with --old, SiKo from another
checkout on the same database. SiKo runs with `siko.settings` as in production: DEBUG off,
PostgreSQL, Redis as broker, the HTTPS settings (wrk sends X-Forwarded-Proto: https as the reverse
proxy would) and the second factor required: the benchmark's sessions are logged in and marked
as verified with a TOTP device, as after a real login. gunicorn writes no access log here (for
all servers alike).

For every page it runs `wrk -t2 -c16 -d10s` against the bare view and then against each SiKo,
alternating, and prints req/s, p50/p95/p99 and the share of the bare view's req/s (of the bare
run directly before), with the load average of the machine at the start of each run.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/siko_http")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from pathlib import Path  # noqa: E402

from bench_setup import BENCH_FILES, ISOLATE, ROOT  # noqa: E402 - first: configures Django
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402
from state_view import build_data  # noqa: E402

INVITATIONS_ON_CONFERENCE_PAGE = 60
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, '
    .. '"p50": %d, "p95": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
PAGE_KEYS = ("healthz", "state", "kpb", "conference", "answer")


@dataclass
class Page:
    key: str
    label: str
    path: str
    cookie: str = ""


def _verified_session(user: object) -> str:
    """A session of `user` as after the login with password and TOTP code: its key."""
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    device = TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
    session = SessionStore(session_key=key)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return key


def build_pages(years: int) -> tuple[list[Page], dict[str, int]]:
    """The data, the users and their sessions, and the conference with 60 invitations."""
    from authorities.models import Authority, PartnerAgency, User
    from conferences.links import answer_path
    from conferences.models import Conference, Invitation

    running = timezone.localdate().year
    counts = build_data(list(range(running - years + 1, running + 1)))
    with scopes_disabled():
        authority = Authority.objects.order_by("slug").first()
        assert authority is not None
        lzpd = User.objects.create(username="bench-lzpd-http", organisation_kind="lzpd")
        kpb = User.objects.create(
            username="bench-kpb-http", organisation_kind="kpb", authority=authority
        )
        start = timezone.now().replace(microsecond=0) + timedelta(days=40)
        conference = Conference.objects.create(
            host=authority,
            organiser=kpb,
            kind="siko",
            status="scheduled",
            start=start,
            end=start + timedelta(hours=3),
            place="Saal 1",
            title="Sicherheitskonferenz mit 60 Einladungen",
        )
        conference.authorities.add(authority)
        agencies = list(
            PartnerAgency.objects.filter(active=True)
            .order_by("pk")
            .prefetch_related("contacts")[:INVITATIONS_ON_CONFERENCE_PAGE]
        )
        assert len(agencies) == INVITATIONS_ON_CONFERENCE_PAGE, len(agencies)
        states = ("sent", "accepted", "accepted", "tentative", "declined", "delegated")
        invitations = Invitation.objects.bulk_create(
            Invitation(
                conference=conference,
                agency=agency,
                contact=next(iter(agency.contacts.all()), None),
                state=states[n % len(states)],
                sent_at=timezone.now() - timedelta(days=2),
                delegate_name="Vertretung" if states[n % len(states)] == "delegated" else "",
            )
            for n, agency in enumerate(agencies)
        )
        answer = answer_path(invitations[0])
        lzpd_cookie = f"{settings.SESSION_COOKIE_NAME}={_verified_session(lzpd)}"
        kpb_cookie = f"{settings.SESSION_COOKIE_NAME}={_verified_session(kpb)}"
    pages = [
        Page("healthz", "/healthz", "/healthz"),
        Page("state", "/lagebild/?jahre=10 (LZPD)", "/lagebild/?jahre=10", lzpd_cookie),
        Page(
            "kpb",
            f"/lagebild/behoerde/ (KPB {authority.short_name})",
            "/lagebild/behoerde/",
            kpb_cookie,
        ),
        Page(
            "conference",
            f"conference page, {INVITATIONS_ON_CONFERENCE_PAGE} invitations (KPB)",
            conference.get_absolute_url(),
            kpb_cookie,
        ),
        Page("answer", "partner answer page (anonymous)", answer),
    ]
    return pages, counts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a free port."""

    def __init__(self, name: str, app: str, cwd: Path, env: dict[str, str]) -> None:
        self.name = name
        self.port = _free_port()
        self.cwd = cwd
        self.env = env
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                app,
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--worker-tmp-dir",
                "/dev/shm",
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(self._request(path), timeout=30) as response:
                    if response.status == 200:
                        return
            except OSError:  # not listening yet (URLError, refused, timed out)
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{self.name}: gunicorn did not start") from None
                time.sleep(0.3)

    def _request(self, path: str, cookie: str = "") -> urllib.request.Request:
        headers = {"X-Forwarded-Proto": "https"}
        if cookie:
            headers["Cookie"] = cookie
        return urllib.request.Request(self.base + path, headers=headers)

    def check(self, page: Page) -> None:
        """The page answers 200 itself (not a redirect to the login or the second factor)."""
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(self._request(page.path, page.cookie), timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise SystemExit(f"{self.name} {page.path}: HTTP {status}, not 200")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def siko_env(tree: Path, tmp: str, name: str) -> dict[str, str]:
    """Production settings: siko.settings with DEBUG off; only the bench's database, broker,
    host and key are given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SIKO_", "DJANGO_", "OTP_", "SECURE_", "DEBUG", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="siko.settings",
        DEBUG="false",
        SECRET_KEY=settings.SECRET_KEY,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(Path(tmp) / f"static-{name}"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(tree),
    )
    # Always: the venv's editable install may point at yet another checkout.
    isolate = Path(tmp) / f"isolate-{name}"
    isolate.mkdir()
    (isolate / "sitecustomize.py").write_text(ISOLATE)
    env["PYTHONPATH"] = f"{isolate}:{tree}"
    return env


PROJECT_PACKAGES = ("siko", "notifications", "authorities", "conferences", "followup", "reports")
IMPORTED_FROM = """import sys, django
django.setup()
import siko.urls
for name, module in sorted(sys.modules.items()):
    if name.split(".")[0] in PROJECT_PACKAGES and getattr(module, "__file__", None):
        print(module.__file__)
""".replace("PROJECT_PACKAGES", repr(PROJECT_PACKAGES))


def python_in(
    tree: Path, env: dict[str, str], *args: str, check: bool = True
) -> "subprocess.CompletedProcess[str]":
    """This Python (the venv) running `args` in `tree` with `env`; output captured."""
    command = [sys.executable, *args]
    return subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=check)


def check_imports(tree: Path, env: dict[str, str]) -> None:
    """The server of `tree` imports SiKo's modules from `tree` only (after django.setup() and the
    URLconf), not from the editable install of this checkout."""
    found = python_in(tree, env, "-c", IMPORTED_FROM).stdout.split()
    assert found, "no project module imported"
    for path in found:
        if not Path(path).resolve().is_relative_to(tree.resolve()):
            raise SystemExit(f"{tree}: imports {path} from elsewhere")


def collectstatic(env: dict[str, str], tree: Path) -> None:
    python_in(tree, env, "manage.py", "collectstatic", "--noinput", "--verbosity", "0")


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def run_wrk(url: str, cookie: str, script: str, duration: int) -> dict[str, float]:
    command = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        script,
    ]
    command += ["-H", "X-Forwarded-Proto: https"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    if result["non2xx"] or result["errors"]:
        raise SystemExit(f"{url}: {result['non2xx']} non-2xx answers, {result['errors']} errors")
    # wrk's timeout (30 s) is far above any page's time here: every request is counted.
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50": result["p50"] / 1000,
        "p95": result["p95"] / 1000,
        "p99": result["p99"] / 1000,
    }


def build_database(years: int) -> None:
    """--build: a database <name>_bench_<pid> with the data and the sessions, kept for the
    servers; prints its URL and the pages as JSON (the caller drops it)."""
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    call_command("seed_nrw", verbosity=0, stdout=io.StringIO())
    pages, counts = build_pages(years)
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    print(
        "BUILD_JSON "
        + json.dumps({"database_url": url, "counts": counts, "pages": [asdict(p) for p in pages]})
    )


def build_in(tree: Path, env: dict[str, str], years: int) -> tuple[str, list[Page], dict[str, int]]:
    """Builds the data with `tree`'s own code and migrations (another checkout gets this
    checkout's benchmark scripts copied into its bench/)."""
    if tree.resolve() != ROOT.resolve():
        for name in BENCH_FILES:
            shutil.copy(ROOT / "bench" / name, tree / "bench" / name)
    builder_env = {**env, "DJANGO_SETTINGS_MODULE": "siko.settings_test"}
    builder_env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    output = python_in(
        tree, builder_env, "bench/http_load.py", "--build", "--years", str(years), check=False
    )
    if output.returncode:
        raise SystemExit(f"{tree}: building the data failed\n{output.stderr[-3000:]}")
    line = next(line for line in output.stdout.splitlines() if line.startswith("BUILD_JSON "))
    built = json.loads(line.removeprefix("BUILD_JSON "))
    return built["database_url"], [Page(**p) for p in built["pages"]], built["counts"]


def drop_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="another SiKo checkout, served beside this one")
    parser.add_argument("--years", type=int, default=10, help="years of data (default 10)")
    parser.add_argument(
        "--pages", default=",".join(PAGE_KEYS), help=f"comma-separated, of {','.join(PAGE_KEYS)}"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="bare/SiKo alternations per page")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # wrk comes from Debian like the test suite's packages: installed when root/sudo allows,
    # otherwise the script names the apt command and stops.
    subprocess.run(["bash", str(ROOT / "scripts" / "system-packages.sh"), "wrk"], check=True)
    if args.build:
        build_database(args.years)
        return
    wanted = args.pages.split(",")

    trees = [("new", ROOT)] + ([("old", args.old)] if args.old else [])
    databases: list[str] = []
    servers = [
        Server("bare", "bare_site:application", ROOT / "bench", {**os.environ, "PYTHONPATH": ""})
    ]
    sites: dict[str, list[Page]] = {}
    with tempfile.TemporaryDirectory(prefix="siko-http-") as tmp:
        script = str(Path(tmp) / "report.lua")
        Path(script).write_text(WRK_SCRIPT)
        try:
            for name, tree in trees:
                env = siko_env(tree, tmp, name)
                check_imports(tree, env)
                url, pages, counts = build_in(tree, env, args.years)
                databases.append(url)
                env["DATABASE_URL"] = url
                collectstatic(env, tree)
                servers.append(Server(name, "siko.wsgi", tree, env))
                sites[name] = [p for p in pages if p.key in wanted]
            servers[0].wait("/")
            for server in servers[1:]:
                server.wait("/healthz")
                for page in sites[server.name]:
                    server.check(page)
            print(f"SiKo HTTP load benchmark – {timezone.localtime():%Y-%m-%d %H:%M %Z}")
            print(
                f"{os.cpu_count()} CPU cores, Python {sys.version.split()[0]}, PostgreSQL; "
                f"gunicorn 2 sync workers each; wrk -t2 -c16 -d{args.duration}s"
            )
            print(
                f"data: {counts['authorities']} authorities × {args.years} years: "
                f"{counts['conferences']} conferences, {counts['invitations']} invitations, "
                f"{counts['agenda_items']} agenda items"
            )
            print(
                f"{'page':<44} {'server':<6} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
                f"{'p99 ms':>7} {'of bare':>8}  load"
            )
            for number, page in enumerate(sites["new"]):
                for _round in range(args.rounds):
                    bare_rps = 0.0
                    for server in servers:
                        load = load_average()
                        if server.name == "bare":
                            url, cookie = server.base + "/", ""
                        else:
                            own = sites[server.name][number]
                            url, cookie = server.base + own.path, own.cookie
                        result = run_wrk(url, cookie, script, args.duration)
                        if server.name == "bare":
                            bare_rps = result["rps"]
                        share = result["rps"] / bare_rps * 100
                        print(
                            f"{page.label if server.name == 'bare' else '':<44} "
                            f"{server.name:<6} {result['rps']:>8.1f} {result['p50']:>7.1f} "
                            f"{result['p95']:>7.1f} {result['p99']:>7.1f} {share:>7.1f}%  {load}",
                            flush=True,
                        )
        finally:
            for server in servers:
                server.stop()
            for url in databases:
                drop_database(url)


if __name__ == "__main__":
    main()
