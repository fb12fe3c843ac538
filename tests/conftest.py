"""Shared fixtures: the seeded NRW directory and one persona per role (DESIGN §5)."""

import os
from collections.abc import Iterator

import pytest
import redis
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled

from authorities.models import Authority, PartnerAgency, User
from conferences.topics import ensure_decree_topics
from siko.organisations import OrganisationKind

pytest_plugins = ["tests.smtp", "tests.imap"]  # SMTP and IMAP servers; Celery tasks in-process

PASSWORD = "Test-Passwort-2026!"


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the real services are required: fail loudly instead of falling back."""
    if os.environ.get("SIKO_REQUIRE_SERVICES") != "true":
        return
    from django.conf import settings

    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL does not point to PostgreSQL")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        problems.append(f"Redis at REDIS_URL does not answer: {error}")
    from tests.imap import DOVECOT

    if not os.access(DOVECOT, os.X_OK):
        problems.append("Dovecot (dovecot-imapd) is not installed; the tests start it")
    if problems:
        raise pytest.UsageError("SIKO_REQUIRE_SERVICES: " + "; ".join(problems))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: PT004 - extends pytest-django
    """Load the real NRW directory once per test database; each test rolls back on top of it."""
    with django_db_blocker.unblock():
        call_command("seed_nrw", verbosity=0)


@pytest.fixture(autouse=True)
def _unscoped_test_code() -> Iterator[None]:
    """Test code arranges and asserts across authorities; requests still run in their own scope."""
    with scopes_disabled():
        yield


@pytest.fixture
def seeded(transactional_db: None) -> None:
    """For transactional tests (live server, worker): they start from an empty database."""
    call_command("seed_nrw", verbosity=0)
    ensure_decree_topics()  # a flush by an earlier transactional test removes migration data


def make_user(username: str, kind: str, *, authority: str = "", agency: str = "", **extra) -> User:
    user = User(
        username=username,
        email=f"{username}@example.org",
        organisation_kind=kind,
        authority=Authority.objects.get(slug=authority) if authority else None,
        partner_agency=PartnerAgency.objects.get(slug=agency) if agency else None,
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def kpb_a_user(db: None) -> User:
    return make_user("kpb-a", OrganisationKind.KPB, authority="pp-dortmund")


@pytest.fixture
def kpb_b_user(db: None) -> User:
    return make_user("kpb-b", OrganisationKind.KPB, authority="lr-borken")


@pytest.fixture
def lzpd_user(db: None) -> User:
    return make_user("lzpd", OrganisationKind.LZPD)


@pytest.fixture
def lka_user(db: None) -> User:
    return make_user("lka", OrganisationKind.LKA)


@pytest.fixture
def im_user(db: None) -> User:
    return make_user("im", OrganisationKind.IM)


@pytest.fixture
def partner_user(db: None) -> User:
    return make_user("partner", OrganisationKind.PARTNER, agency="sta-dortmund")


@pytest.fixture
def admin_user(db: None) -> User:
    return make_user("admin", OrganisationKind.LZPD, is_superuser=True, is_staff=True)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("anonymous", "kpb_a", "kpb_b", "lzpd", "lka", "im", "partner", "admin")


@pytest.fixture
def personas(kpb_a_user, kpb_b_user, lzpd_user, lka_user, im_user, partner_user, admin_user):
    """Role name → logged-in client (anonymous: no login)."""
    users = {
        "anonymous": None,
        "kpb_a": kpb_a_user,
        "kpb_b": kpb_b_user,
        "lzpd": lzpd_user,
        "lka": lka_user,
        "im": im_user,
        "partner": partner_user,
        "admin": admin_user,
    }
    return {role: client_for(user) for role, user in users.items()}
