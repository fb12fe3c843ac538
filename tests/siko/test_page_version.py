"""The pages' data version (siko.page_version) and the rendered-HTML cache (siko.page_cache).

Runs on SQLite and PostgreSQL: the triggers differ (row- and statement-level)."""

from datetime import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone, translation

from authorities.models import Authority, Contact, PartnerAgency
from conferences.models import AgendaItem, Conference, Invitation
from siko.page_cache import CSRF_PLACEHOLDER, cached_html, fill_csrf
from siko.page_version import (
    TRACKED_MODELS,
    ensure_triggers,
    expected_triggers,
    installed_triggers,
    page_token,
    tracked_tables,
)
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db
BERLIN = timezone.get_default_timezone()


def conference(kpb_a_user) -> Conference:
    return make_recorded_conference(
        "pp-dortmund",
        datetime(2025, 3, 10, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
        topics=["sicherheitslage"],
    )


def test_every_tracked_table_has_its_triggers():
    tables = tracked_tables(apps)

    assert expected_triggers(connection, tables) <= installed_triggers(connection)


def test_dropped_triggers_come_back_after_migrate():
    """SQLite drops a table's triggers when a migration rebuilds the table."""
    table = Invitation._meta.db_table
    with connection.cursor() as cursor:
        for _table, name in expected_triggers(connection, [table]):
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER {name} ON "{table}"')
            else:
                cursor.execute(f"DROP TRIGGER {name}")
    assert not expected_triggers(connection, [table]) & installed_triggers(connection)

    ensure_triggers(using="default")

    assert expected_triggers(connection, [table]) <= installed_triggers(connection)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda: Invitation.objects.filter(pk__in=Invitation.objects.values("pk")[:1]).update(
                comment="Wir kommen zu zweit."
            ),
            id="invitation update",
        ),
        pytest.param(
            lambda: AgendaItem.objects.filter(pk__in=AgendaItem.objects.values("pk")[:1]).update(
                title="Neuer Titel"
            ),
            id="agenda item update",
        ),
        pytest.param(
            lambda: Contact.objects.create(
                agency=PartnerAgency.objects.first(), name="Leitung", email="neu@example.org"
            ),
            id="contact insert",
        ),
        pytest.param(
            lambda: PartnerAgency.objects.filter(
                pk__in=PartnerAgency.objects.values("pk")[:1]
            ).update(name="Neuer Name"),
            id="partner update",
        ),
        pytest.param(
            lambda: Conference.objects.get(host__slug="pp-dortmund").authorities.add(
                Authority.objects.get(slug="pp-essen")
            ),
            id="co-host added",
        ),
        pytest.param(
            lambda: Conference.objects.filter(host__slug="pp-dortmund").delete(),
            id="conference delete",
        ),
    ],
)
def test_every_write_to_a_tracked_table_changes_the_page_token(kpb_a_user, write):
    conference(kpb_a_user)
    token = page_token()
    assert token

    write()

    assert page_token() not in ("", token)


def test_a_session_write_keeps_the_page_token(kpb_a_user, client):
    conference(kpb_a_user)
    token = page_token()

    client.force_login(kpb_a_user)  # writes the session and the last login

    assert page_token() == token


def test_tracked_models_name_existing_models():
    assert len(tracked_tables(apps)) == len(TRACKED_MODELS)


def test_cached_html_renders_once_per_token_and_language():
    calls = []

    def render() -> dict[str, str]:
        calls.append(1)
        return {"body": f"<p>{len(calls)}</p>"}

    first = cached_html("test-part", (1,), render, token="a")
    again = cached_html("test-part", (1,), render, token=lambda: "a")
    other_key = cached_html("test-part", (2,), render, token="a")
    new_token = cached_html("test-part", (1,), render, token="b")
    with translation.override("en"):
        english = cached_html("test-part", (1,), render, token="b")

    assert (first, again, other_key, new_token, english) == (
        {"body": "<p>1</p>"},
        {"body": "<p>1</p>"},
        {"body": "<p>2</p>"},
        {"body": "<p>3</p>"},
        {"body": "<p>4</p>"},
    )


def test_cached_html_without_token_renders_every_time():
    calls = []

    def render() -> dict[str, str]:
        calls.append(1)
        return {"body": "x"}

    cached_html("test-untracked", (), render, token="")
    cached_html("test-untracked", (), render, token="")

    assert len(calls) == 2


def test_fill_csrf_puts_in_each_requesters_own_token():
    html = f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}">'
    first, second = RequestFactory().get("/"), RequestFactory().get("/")

    one, two = fill_csrf(html, first), fill_csrf(html, second)

    assert CSRF_PLACEHOLDER not in one + two
    assert one != two
    assert first.META["CSRF_COOKIE"] != second.META["CSRF_COOKIE"]
