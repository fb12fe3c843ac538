"""Screenshots of SiKo's main pages at 1366 px and 390 px for the README (issue 15).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Builds a throw-away demo database in a temporary folder (`seed_nrw`, `seed_demo`: the same demo
data as `make run`), starts the development server on it, signs in as the demo users in
Debian's chromium (Playwright, DESIGN §7) and stores one full-page PNG per page and width. The
PNGs are reduced to a 128-colour palette (Pillow), so each stays well below 400 kB. Nothing of
the developer's own database or media is touched.
"""

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
MAX_HEIGHT = 4000  # a very long page is cut here: the top shows what the page is
PASSWORD = "SiKo-Demo-2026!"  # authorities.demo.DEMO_PASSWORD

# The objects the pages show, read from the demo database after seeding.
LOOKUP = """
import json
from django.urls import reverse
from django_scopes import scopes_disabled
from datetime import timedelta
from django.utils import timezone
from authorities.models import User
from conferences import services
from conferences.enums import ConferenceKind, ConferenceStatus
from conferences.links import answer_token
from conferences.models import Conference, Invitation
from reports.models import AnnualReport
with scopes_disabled():
    # The KPB's newest held SiKo: its page shows answers, attendance and minutes.
    conference = (
        Conference.objects.filter(
            host__slug="pp-dortmund", kind=ConferenceKind.SIKO, status=ConferenceStatus.HELD
        ).exclude(invitations=None).order_by("-start").first()
    )
    # The answer page wants a conference still ahead (answers open). Late in the year the demo
    # data has none: one is planned and sent here, in the throw-away database only.
    invitation = Invitation.objects.filter(
        conference__status=ConferenceStatus.SCHEDULED, conference__start__gt=timezone.now()
    ).exclude(state="pending").order_by("conference__start", "pk").first()
    if invitation is None:
        organiser = User.objects.get(username="kpb-dortmund")
        start = (timezone.localtime() + timedelta(days=40)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        ahead = services.create_conference(
            host=conference.host,
            data={
                "kind": ConferenceKind.SIKO,
                "title": f"[Demo] Sicherheitskonferenz Polizeipräsidium Dortmund {start.year}",
                "start": start,
                "end": start + timedelta(hours=3),
                "place": "Dortmund, Dienstgebäude, Saal 1",
            },
            by=organiser,
        )
        agencies = [i.agency for i in conference.invitations.select_related("agency")]
        services.add_invitations(ahead, agencies=agencies, by=organiser)
        services.send_invitations(ahead, by=organiser)
        invitation = ahead.invitations.exclude(state="pending").order_by("pk").first()
    report = AnnualReport.objects.order_by("-year", "-pk").first()
    print(json.dumps({
        "conference": conference.get_absolute_url(),
        "answer": f"/konferenzen/antwort/{answer_token(invitation)}/",
        "report": report.get_absolute_url() if report else reverse("reports:annual_report_list"),
    }))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


@contextmanager
def demo_server(workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {
        **os.environ,
        "DEBUG": "true",
        "OTP_REQUIRED": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'siko.sqlite3'}",
        "MEDIA_ROOT": str(workdir / "media"),
    }
    env.pop("REDIS_URL", None)  # tasks (the annual report's PDF) run in-process
    for command in (["migrate", "--noinput"], ["seed_nrw"], ["seed_demo"]):
        print("manage.py", *command, flush=True)
        _manage(env, *command)
    port = _free_port()
    server = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError as error:  # an HTTPError (503: no broker) means the server answers
                if getattr(error, "code", None):
                    break
                time.sleep(0.5)
        yield base, env
    finally:
        server.terminate()
        server.wait(timeout=10)


def _save(page: Page, path: Path) -> int:
    png = page.screenshot(full_page=True, type="png")
    image = Image.open(io.BytesIO(png))
    if image.height > MAX_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_HEIGHT))
    small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, format="PNG", optimize=True)
    return path.stat().st_size


def _login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/anmelden/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()


def shoot(base: str, urls: dict[str, str], out: Path) -> None:
    # (file name, user or None, path)
    shots = [
        ("login", None, "/anmelden/"),
        ("kpb-lagebild", "kpb-dortmund", "/"),
        ("konferenz", "kpb-dortmund", urls["conference"]),
        ("partner-antwort", None, urls["answer"]),
        ("lzpd-lagebild", "lzpd", "/"),
        ("jahresbericht", "lzpd", urls["report"]),
    ]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for size, (width, height) in WIDTHS.items():
            phone = size == "phone"
            contexts: dict[str | None, Page] = {}
            for name, username, path in shots:
                if username not in contexts:
                    context = browser.new_context(
                        locale="de-DE",
                        timezone_id="Europe/Berlin",
                        viewport={"width": width, "height": height},
                        is_mobile=phone,
                        has_touch=phone,
                    )
                    contexts[username] = context.new_page()
                    if username:
                        _login(contexts[username], base, username)
                page = contexts[username]
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                target = out / f"{name}-{width}.png"
                print(f"{target.relative_to(ROOT)}: {_save(page, target) // 1024} kB", flush=True)
            for page in contexts.values():
                page.context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="siko-screenshots-") as workdir:
        with demo_server(Path(workdir)) as (base, env):
            urls = json.loads(_manage(env, "shell", "-c", LOOKUP).strip().splitlines()[-1])
            shoot(base, urls, args.out.resolve())


if __name__ == "__main__":
    main()
