"""Sessions read from a cache and confirmed by the database (siko.sessions, siko.signed_in).

The database stays the authority on a session: an ended session stays ended whatever its cache
holds, a cache that does not answer costs a database read, never an error page. The tests at the
top run with the cache the settings configure (Redis in CI, the process's memory without
REDIS_URL); those marked `redis` run against the real Redis at REDIS_URL; a cache "down" is a
Redis address where nothing listens.
"""

import logging
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from authorities.models import User
from siko import sessions
from siko import signed_in as signed_in_module
from siko.sessions import cache_key, cache_state
from siko.signed_in import CachedSession, load_signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PAGE = "/datenschutz/"  # a static page: what it costs is the signed-in floor
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _cache_reachable_again() -> Iterator[None]:
    """An outage of one test does not make the next one skip the cache."""
    cache_state.down, cache_state.retry_at = False, 0.0
    yield
    cache_state.down, cache_state.retry_at = False, 0.0


def signed_in(username: str = "kpb-a", *, second_factor: bool = True) -> Client:
    """A client signed in through the login page, with a verified TOTP device by default."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    if second_factor:  # as the code page leaves it (tests/siko/test_accounts.py tests that page)
        device, _new = TOTPDevice.objects.get_or_create(
            user_id=client.session["_auth_user_id"], defaults={"name": "Telefon", "confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def session_key(client: Client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def is_signed_in(client: Client) -> bool:
    response = client.get(PAGE)
    assert response.status_code == 200
    return "/abmelden/" in response.content.decode()


def queries_of(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def dead_session_cache(settings: pytest.FixtureRequest) -> None:
    settings.CACHES = {  # type: ignore[attr-defined]
        **django_settings.CACHES,
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }


# One query for session, user, second factor and authority


@pytest.mark.parametrize("username", ["kpb-a", "lzpd"])
def test_signed_in_page_reads_session_user_device_and_authority_in_one_query(
    kpb_a_user, lzpd_user, settings, username
):
    settings.OTP_REQUIRED = True
    client = signed_in(username)
    client.get(PAGE)

    queries = queries_of(client, PAGE)

    assert len(queries) == 1, queries
    assert '"django_session"' in queries[0]
    assert '"otp_totp_totpdevice"' in queries[0]
    assert '"authorities_user"' in queries[0]
    assert '"authorities_authority"' in queries[0]


def test_kpb_header_names_its_authority_without_another_query(kpb_a_user, settings):
    settings.OTP_REQUIRED = True
    client = signed_in()
    client.get(PAGE)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert len(captured.captured_queries) == 1
    assert kpb_a_user.authority.get_absolute_url() in response.content.decode()


def test_session_without_second_factor_reads_user_and_session_in_one_query(partner_user):
    client = signed_in("partner", second_factor=False)
    client.get(PAGE)
    queries = queries_of(client, PAGE)
    # The partner's scope (the areas its agency covers) is the page's own second query.
    assert sum('"django_session"' in sql and '"authorities_user"' in sql for sql in queries) == 1
    assert not any('"otp_' in sql for sql in queries)


# The database decides whether a session counts


def test_logout_ends_the_session_for_a_copy_of_the_cookie(kpb_a_user):
    client = signed_in()
    copy = Client()
    copy.cookies[django_settings.SESSION_COOKIE_NAME] = session_key(client)
    assert is_signed_in(copy)

    client.post(reverse("logout"))

    assert not is_signed_in(copy)


def test_session_whose_row_is_deleted_ends_though_its_cache_entry_stays(kpb_a_user):
    client = signed_in()
    key = session_key(client)
    Session.objects.filter(pk=key).delete()  # e.g. a bulk delete that never told the cache

    assert not is_signed_in(client)


def test_expired_row_ends_the_session_though_its_cache_entry_stays(kpb_a_user):
    client = signed_in()
    Session.objects.filter(pk=session_key(client)).update(expire_date=timezone.now())

    assert not is_signed_in(client)


def test_password_change_ends_the_other_sessions(kpb_a_user):
    office, laptop = signed_in(), signed_in()

    response = office.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Neu-Passwort-2026!x",
            "new_password2": "Neu-Passwort-2026!x",
        },
    )

    assert response.status_code == 302
    assert is_signed_in(office)
    assert not is_signed_in(laptop)


def test_deactivated_account_is_signed_out_at_its_next_request(kpb_a_user):
    client = signed_in()
    kpb_a_user.is_active = False
    kpb_a_user.save(update_fields=["is_active"])

    assert not is_signed_in(client)


def test_deleted_device_no_longer_verifies_the_session(kpb_a_user, settings):
    settings.OTP_REQUIRED = True
    client = signed_in()
    TOTPDevice.objects.filter(user=kpb_a_user).delete()

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("otp_verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_device_of_another_account_does_not_verify_the_session(kpb_a_user, kpb_b_user, settings):
    settings.OTP_REQUIRED = True
    client = signed_in()
    other = TOTPDevice.objects.create(user=kpb_b_user, name="fremd", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other.persistent_id
    session.save()

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url.startswith(reverse("otp_verify"))


def test_data_saved_in_the_database_alone_is_read(kpb_a_user):
    """A save whose cache write got lost: the cache's older copy no longer counts."""
    client = signed_in()
    key = session_key(client)
    database_only = sessions.DatabaseSessionStore(session_key=key)
    database_only["siko_marker"] = "neu"
    database_only.save()

    assert is_signed_in(client)
    assert client.session["siko_marker"] == "neu"


def test_embedded_mode_without_session_cache_reads_the_database(kpb_a_user, settings):
    settings.CACHES = {k: v for k, v in django_settings.CACHES.items() if k != "sessions"}
    client = signed_in()
    assert is_signed_in(client)
    client.post(reverse("logout"))
    assert not is_signed_in(client)


# The cache down: the database answers


def test_pages_work_while_the_session_cache_is_down(kpb_a_user, settings, caplog):
    client = signed_in()
    dead_session_cache(settings)

    with caplog.at_level(logging.WARNING, logger="siko.sessions"):
        assert is_signed_in(client)
        cache_state.retry_at = 0.0  # the next request asks the cache again
        assert is_signed_in(client)
        fresh = signed_in("kpb-a")  # a login (new key, saved) while the cache is down
        assert is_signed_in(fresh)

    warnings = [r for r in caplog.records if r.name == "siko.sessions"]
    assert len(warnings) == 1  # once per outage, not per request
    assert "session cache unavailable" in warnings[0].getMessage()


def test_logout_while_the_cache_is_down_stays_a_logout_when_it_is_back(kpb_a_user, settings):
    client = signed_in()
    copy = Client()
    copy.cookies[django_settings.SESSION_COOKIE_NAME] = session_key(client)
    working_caches = django_settings.CACHES
    dead_session_cache(settings)

    assert client.post(reverse("logout")).status_code == 302  # the cache entry stays behind

    settings.CACHES = working_caches
    cache_state.retry_at = 0.0
    assert caches["sessions"].get(cache_key(session_key(copy))) is not None
    assert not is_signed_in(copy)


# Against the real Redis


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if url:
        return url
    message = "needs Redis at REDIS_URL"
    if os.environ.get("SIKO_REQUIRE_SERVICES") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def redis_sessions(settings) -> redis.Redis:
    url = redis_url()
    settings.CACHES = {
        **django_settings.CACHES,
        "sessions": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    return redis.Redis.from_url(url)


def redis_keys(client: redis.Redis, session_key: str) -> list[bytes]:
    return client.keys(f"*{cache_key(session_key)}")


def test_redis_holds_the_session_from_login_to_logout(kpb_a_user, redis_sessions):
    client = signed_in()
    key = session_key(client)
    assert len(redis_keys(redis_sessions, key)) == 1
    client.get(PAGE)
    assert len(queries_of(client, PAGE)) == 1

    client.post(reverse("logout"))

    assert redis_keys(redis_sessions, key) == []
    assert not Session.objects.filter(pk=key).exists()


def test_redis_entry_back_after_an_outage_does_not_revive_a_logout(kpb_a_user, redis_sessions):
    client = signed_in()
    key = session_key(client)
    (stored,) = redis_keys(redis_sessions, key)
    snapshot = redis_sessions.dump(stored)
    copy = Client()
    copy.cookies[django_settings.SESSION_COOKIE_NAME] = key

    client.post(reverse("logout"))
    redis_sessions.restore(stored, 60_000, snapshot)  # Redis returns with the old entry

    assert not is_signed_in(copy)


def test_redis_down_then_back_serves_the_newer_database_data(kpb_a_user, redis_sessions, settings):
    client = signed_in()
    working_caches = django_settings.CACHES
    dead_session_cache(settings)
    session = client.session
    session["siko_marker"] = "während des Ausfalls"
    session.save()

    settings.CACHES = working_caches
    cache_state.retry_at = 0.0

    assert is_signed_in(client)
    assert client.session["siko_marker"] == "während des Ausfalls"


@pytest.mark.parametrize("second_factor", [True, False])
def test_compiled_statement_reads_what_the_orm_reads(kpb_a_user, second_factor):
    """siko.signed_in runs each query as compiled once; it must build the same objects."""
    client = signed_in(second_factor=second_factor)
    stored = client.session
    session = CachedSession(
        stored.session_key, Session.objects.get(pk=stored.session_key).expire_date
    )
    device_id = stored.get(DEVICE_ID_SESSION_KEY)

    for _ in range(2):  # compiled at the first call, reused at the second
        found, alive = load_signed_in(kpb_a_user.pk, device_id, session=session)
        assert alive is True
        user = User.objects.select_related("authority").get(pk=kpb_a_user.pk)
        assert vars_of(found.user) == vars_of(user)
        assert vars_of(found.user.authority) == vars_of(user.authority)
        if second_factor:
            device = TOTPDevice.objects.get(user=kpb_a_user)
            assert vars_of(found.device) == vars_of(device)
            assert found.device.user is found.user
    assert signed_in_module._statements and None not in signed_in_module._statements.values()

    gone = CachedSession(stored.session_key, session.expire_date - timedelta(seconds=1))
    assert load_signed_in(kpb_a_user.pk, device_id, session=gone)[1] is False


def vars_of(obj: object) -> dict[str, object]:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_") and k != "session_alive"}
