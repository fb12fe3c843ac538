"""A KPB's start page comes wholly from the cache (reports.page_cache): the open actions, the
group link and the next conference as well as the figures. A write to any table these parts
read shows on the next request, the next conference's card holds only until that conference
starts, one authority's parts never reach another's page, and a cached page needs the same
few queries however much data there is.
"""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, ComparisonGroup
from followup.models import Action
from reports.data_version import PAGE_MODELS, current_token
from tests.conftest import client_for
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

MY_URL = reverse("reports:my_dashboard")
STATE_URL = reverse("reports:state")


def page(client, url: str = MY_URL) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries), response.content.decode()


def card(html: str, heading: str) -> str:
    """The card under the heading with this id (next-heading, actions-heading)."""
    return html.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]


def held_conference(slug: str, organiser):
    return make_recorded_conference(slug, timezone.now() - timedelta(days=10), organiser=organiser)


def planned(slug: str, organiser, days: int):
    return make_recorded_conference(
        slug, timezone.now() + timedelta(days=days), organiser=organiser, status="scheduled"
    )


def action(conference, *, due: date) -> Action:
    return Action.objects.create(
        conference=conference, text="Beleuchtung prüfen", owner_is_police=True, due_date=due
    )


def test_the_newly_tracked_tables_are_the_actions_and_the_comparison_groups():
    assert PAGE_MODELS == [("followup", "Action", ""), ("authorities", "ComparisonGroup", "")]


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda a: Action.objects.filter(pk=a.pk).update(state="done"), id="update"),
        pytest.param(lambda a: Action.objects.filter(pk=a.pk).delete(), id="delete"),
        pytest.param(lambda a: action(a.conference, due=date(2099, 1, 1)), id="action insert"),
        pytest.param(lambda a: ComparisonGroup.objects.create(name="Neu"), id="group insert"),
        pytest.param(
            lambda a: ComparisonGroup.objects.filter(name="Großstädte").update(name="Metropolen"),
            id="group update",
        ),
        pytest.param(lambda a: ComparisonGroup.objects.all().delete(), id="group delete"),
    ],
)
def test_every_write_to_the_newly_tracked_tables_changes_the_data_version(kpb_a_user, write):
    ComparisonGroup.objects.create(name="Großstädte")
    existing = action(held_conference("pp-dortmund", kpb_a_user), due=date(2099, 1, 1))
    token = current_token()
    assert token

    write(existing)

    assert current_token() not in ("", token)


def test_a_cached_page_shows_a_closed_and_an_overdue_action_at_once(kpb_a_user):
    held = held_conference("pp-dortmund", kpb_a_user)
    first = action(held, due=date(2099, 1, 1))
    second = action(held, due=date(2099, 1, 1))
    client = client_for(kpb_a_user)
    _n, before = page(client)
    page(client)  # from the cache

    Action.objects.filter(pk=first.pk).update(state="done")  # no model signal
    _n, closed = page(client)
    Action.objects.filter(pk=second.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    _n, overdue = page(client)

    assert "2 offene Maßnahmen" in card(before, "actions-heading")
    assert "überfällig" not in card(closed, "actions-heading")
    assert "1 offene Maßnahme" in card(closed, "actions-heading")
    assert "überfällig" in card(overdue, "actions-heading")


def test_a_cached_page_shows_a_renamed_comparison_group_at_once(kpb_a_user):
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=group)
    client = client_for(kpb_a_user)
    _n, before = page(client)
    page(client)  # from the cache

    ComparisonGroup.objects.filter(pk=group.pk).update(name="Metropolen")
    _n, after = page(client)

    assert "Vergleichsgruppe „Großstädte“" in before
    assert "Vergleichsgruppe „Metropolen“" in after
    assert "Großstädte" not in after


def test_the_next_conference_card_holds_until_that_conference_starts(kpb_a_user):
    first = planned("pp-dortmund", kpb_a_user, days=1)
    second = planned("pp-dortmund", kpb_a_user, days=5)
    client = client_for(kpb_a_user)
    _n, now = page(client)
    page(client)  # from the cache

    # Time passes, nothing is written: the data version stays, the card must not.
    with mock.patch("reports.views.state._now", return_value=first.start + timedelta(hours=1)):
        _n, started = page(client)
        _n, again = page(client)
    with mock.patch("reports.views.state._now", return_value=second.start + timedelta(hours=1)):
        _n, both = page(client)

    assert first.get_absolute_url() in card(now, "next-heading")
    assert second.get_absolute_url() in card(started, "next-heading")
    assert first.get_absolute_url() not in card(started, "next-heading")
    assert card(again, "next-heading") == card(started, "next-heading")
    assert "Keine Konferenz geplant." in card(both, "next-heading")


def test_kpb_a_never_sees_the_actions_or_next_conference_of_kpb_b(kpb_a_user, kpb_b_user):
    action(held_conference("pp-dortmund", kpb_a_user), due=date(2099, 1, 1))
    dortmund_next = planned("pp-dortmund", kpb_a_user, days=3)
    borken_next = planned("lr-borken", kpb_b_user, days=4)
    client_a, client_b = client_for(kpb_a_user), client_for(kpb_b_user)
    for _ in range(2):  # uncached, then cached
        _n, page_a = page(client_a)
        _n, page_b = page(client_b)

        assert "1 offene Maßnahme" in card(page_a, "actions-heading")
        assert "Keine offenen Maßnahmen." in card(page_b, "actions-heading")
        assert dortmund_next.get_absolute_url() in card(page_a, "next-heading")
        assert borken_next.get_absolute_url() in card(page_b, "next-heading")
        assert "pp-dortmund" not in card(page_b, "next-heading")
        assert dortmund_next.title not in page_b
    assert (
        client_b.get(reverse("reports:authority_dashboard", args=["pp-dortmund"])).status_code
        == 404
    )


def test_a_cached_kpb_page_needs_the_same_queries_however_much_data(kpb_a_user):
    client = client_for(kpb_a_user)
    page(client)
    small, _html = page(client)  # cached

    for days in (-400, -40, -4):
        action(held_conference("pp-dortmund", kpb_a_user), due=date(2099, 1, 1))
        make_recorded_conference(
            "pp-dortmund",
            timezone.now() + timedelta(days=days),
            organiser=kpb_a_user,
            co_hosts=["lr-borken"],
        )
    planned("pp-dortmund", kpb_a_user, days=30)
    page(client)
    large, html = page(client)  # cached

    assert "3 offene Maßnahmen" in html
    assert large == small


def test_a_cached_kpb_page_reads_only_the_session_user_and_data_version(kpb_a_user):
    """Beyond the floor every signed-in page pays, the cached start page reads the data version
    only: no authority, action, conference or group query."""
    group = ComparisonGroup.objects.create(name="Großstädte")
    Authority.objects.filter(slug="pp-dortmund").update(comparison_group=group)
    action(held_conference("pp-dortmund", kpb_a_user), due=date(2099, 1, 1))
    planned("pp-dortmund", kpb_a_user, days=3)
    client = client_for(kpb_a_user)
    page(client)
    page(client, reverse("privacy"))
    with CaptureQueriesContext(connection) as floor:
        client.get(reverse("privacy"))
    with CaptureQueriesContext(connection) as cached:
        client.get(MY_URL)

    sql = [q["sql"] for q in cached.captured_queries]
    assert len(sql) == len(floor.captured_queries) + 1, sql
    assert sum("reports_dataversion" in q for q in sql) == 1
    for table in ("followup_action", "conferences_conference", "authorities_comparisongroup"):
        assert not any(table in q for q in sql), table


def test_date_of_the_next_conference_is_in_its_card(kpb_a_user):
    soon = planned("pp-dortmund", kpb_a_user, days=2)
    client = client_for(kpb_a_user)
    page(client)
    _n, html = page(client)

    local = timezone.localtime(soon.start)
    assert f"{local:%d.%m.%Y %H:%M}" in card(html, "next-heading")
