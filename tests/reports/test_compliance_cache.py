"""The dashboards' cached figures: a write is visible on the next page, however it was made.

The cache (reports.compliance_cache) is keyed by the data version that database triggers change
in the writing transaction (reports.data_version); runs on SQLite and PostgreSQL.
"""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, Exercise
from conferences.models import Conference, Invitation
from reports.data_version import current_token
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

STATE_URL = reverse("reports:state")
MY_URL = reverse("reports:my_dashboard")
BERLIN = timezone.get_default_timezone()


def last_year() -> int:
    return timezone.localdate().year - 1


def dortmund_cell(html: str) -> str:
    row = html.split(">Polizeipräsidium Dortmund</a>", 1)[1].split("</tr>", 1)[0]
    return row


def queries_of(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_state_view_shows_a_new_conference_at_once_and_reads_the_cache_otherwise(
    lzpd_user, kpb_a_user
):
    client = client_for(lzpd_user)
    url = f"{STATE_URL}?jahre=2"
    first, html = queries_of(client, url)
    assert "status-compliant" not in dortmund_cell(html)

    again, _html = queries_of(client, url)
    assert again < first  # the rule's reads come from the cache

    make_recorded_conference(
        "pp-dortmund", datetime(last_year(), 3, 10, 10, tzinfo=BERLIN), organiser=kpb_a_user
    )
    after, html = queries_of(client, url)

    assert after > again  # computed afresh
    assert "status-compliant" in dortmund_cell(html)  # last year: erfüllt


def test_kpb_start_page_shows_a_bulk_update_on_the_next_page(kpb_a_user):
    client = client_for(kpb_a_user)
    year = timezone.localdate().year
    conference = make_recorded_conference(
        "pp-dortmund",
        datetime(year, 1, 15, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        status="scheduled",
    )
    before = client.get(MY_URL).content.decode()
    assert "Durchführung nicht bestätigt" in before

    # No model signal: QuerySet.update() as services and admin actions use it.
    Conference.objects.filter(pk=conference.pk).update(status="held")
    after = client.get(MY_URL).content.decode()

    assert "Durchführung nicht bestätigt" not in after
    assert f"15.01.{year}" in after


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda: Invitation.objects.filter(pk__in=Invitation.objects.values("pk")[:1]).update(
                attended=True
            ),
            id="invitation update",
        ),
        pytest.param(
            lambda: Exercise.objects.create(
                authority=Authority.objects.get(slug="pp-dortmund"),
                organiser="Kreis",
                title="Krisenstabsübung",
                liaison_took_part=True,
                date=date(2025, 5, 6),
            ),
            id="exercise insert",
        ),
        pytest.param(
            lambda: Authority.objects.filter(slug="pp-dortmund").update(has_autobahnpolizei=False),
            id="authority update",
        ),
        pytest.param(
            lambda: Conference.objects.filter(host__slug="pp-dortmund").delete(),
            id="conference delete",
        ),
        pytest.param(
            # Django adds many-to-many rows with INSERT OR IGNORE on SQLite, whose conflict
            # clause the triggers inherit (migration 0006).
            lambda: Conference.objects.get(host__slug="pp-dortmund").authorities.add(
                Authority.objects.get(slug="pp-bochum")
            ),
            id="co-host added",
        ),
    ],
)
def test_every_write_to_the_rules_tables_changes_the_data_version(kpb_a_user, write):
    make_recorded_conference(
        "pp-dortmund",
        datetime(2025, 3, 10, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
    )
    token = current_token()
    assert token

    write()

    assert current_token() not in ("", token)


def test_the_data_versions_dropped_triggers_come_back_after_migrate(kpb_a_user):
    """SQLite drops a table's triggers when a migration rebuilds the table; the receiver after
    migrate puts them back, and a write changes the version again."""
    from django.apps import apps

    from reports.data_version import TRACKED_MODELS, TRIGGERS, ensure_triggers
    from siko.version_triggers import tracked_tables

    table = Invitation._meta.db_table
    with connection.cursor() as cursor:
        for _table, name in TRIGGERS.expected(connection, [table]):
            if connection.vendor == "postgresql":
                cursor.execute(f'DROP TRIGGER {name} ON "{table}"')
            else:
                cursor.execute(f"DROP TRIGGER {name}")
    assert not TRIGGERS.expected(connection, [table]) & TRIGGERS.installed(connection)

    ensure_triggers(using="default")

    assert TRIGGERS.expected(
        connection, tracked_tables(apps, TRACKED_MODELS)
    ) <= TRIGGERS.installed(connection)
    make_recorded_conference(
        "pp-dortmund",
        datetime(2025, 3, 10, 10, tzinfo=BERLIN),
        organiser=kpb_a_user,
        categories=["kommune"],
    )
    token = current_token()
    Invitation.objects.update(comment="neu")
    assert current_token() not in ("", token)
