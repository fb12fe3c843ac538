"""The start every benchmark shares; importing it configures and sets up Django.

Production-like settings (no debug toolbar, templates not in debug mode), and a database that
exists only for the run: a SQLite file in a temporary directory, or with DATABASE_URL a
database <name>_bench_<pid> beside the named one, which is never touched.
"""

import io
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siko.settings_test")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnop")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("OTP_REQUIRED", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
warnings.filterwarnings("ignore", message="No directory at")  # whitenoise without collectstatic
_TMP = tempfile.TemporaryDirectory(prefix="siko-bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_TMP.name}/bench.sqlite3")

import django  # noqa: E402

django.setup()

#: The benchmark scripts; a run "side by side" copies them into the other checkout's bench/.
BENCH_FILES = (
    "bench_setup.py",
    "state_view.py",
    "http_load.py",
    "bare_site.py",
    "annual_report.py",
    "fanout.py",
)
#: Put first on PYTHONPATH for another checkout: drops the editable install's finder, which would
#: otherwise import this checkout's modules that the other one lacks.
ISOLATE = """import sys
def _own(hook):
    return not getattr(hook, "__module__", "").startswith("__editable__")
sys.meta_path[:] = [f for f in sys.meta_path if _own(f)]
sys.path_hooks[:] = [h for h in sys.path_hooks if _own(h)]
"""


@contextmanager
def seeded_database() -> Iterator[None]:
    """A throwaway database with the 47 authorities and the partner directory (seed_nrw),
    dropped afterwards."""
    from django.core.management import call_command
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(_TMP.name) / "test_bench.sqlite3")
    else:  # never clobber test_<name>, which a parallel test run may be using
        connection.settings_dict["TEST"]["NAME"] = f"{old_name}_bench_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("seed_nrw", verbosity=0, stdout=io.StringIO())
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


#: How long a bench conference lasts.
CONFERENCE_LENGTH = timedelta(hours=3)


def bench_organiser(authority: Any) -> Any:
    """A KPB user of `authority` (no usable password), the organiser of its conferences."""
    from authorities.models import User

    organiser = User(
        username=f"bench-{authority.slug}",
        organisation_kind="kpb",
        authority=authority,
        email=f"{authority.slug}@example.org",
    )
    organiser.set_unusable_password()
    organiser.save()
    return organiser


def decree_agencies(authority: Any) -> list[Any]:
    """The partner agencies of the decree's categories in `authority`'s area."""
    from authorities.enums import DECREE_CATEGORIES
    from authorities.models import PartnerAgency

    return list(
        PartnerAgency.objects.filter(
            coverages__authority=authority,
            category__in=[c.value for c in DECREE_CATEGORIES],
        ).distinct()
    )


def bench_conference(
    authority: Any, organiser: Any, *, kind: str, status: str, start: datetime
) -> Any:
    """An unsaved conference of `authority` (for bulk_create)."""
    from conferences.models import Conference

    return Conference(
        host=authority,
        organiser=organiser,
        kind=kind,
        status=status,
        start=start,
        end=start + CONFERENCE_LENGTH,
        place="Saal 1",
        title=f"Bench {kind} {authority.short_name} {start.year}",
    )
