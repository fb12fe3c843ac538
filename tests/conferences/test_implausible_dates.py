"""Dates from outside a plausible window (issue 10): a German field error, the form again with
status 200, and no row changed. Year 0001 once ended in an OverflowError (500)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences import services
from conferences.models import Conference
from followup import minutes as minutes_services
from followup.models import Action, Minutes, MinutesStatus
from notifications.models import OutgoingMail
from siko.validation import add_years
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.followup.test_attendance import attend, make_past_conference

pytestmark = pytest.mark.django_db

WINDOW_ERROR = "Bitte geben Sie ein Datum zwischen dem {earliest} und dem {latest} an."


def _window_error() -> str:
    today = timezone.localdate()
    return WINDOW_ERROR.format(
        earliest=f"{add_years(today, -10):%d.%m.%Y}", latest=f"{add_years(today, 10):%d.%m.%Y}"
    )


def _conference_data(start: str, end: str) -> dict[str, str]:
    return {
        "kind": "siko",
        "title": "SiKo Dortmund",
        "place": "PP Dortmund",
        "start": start,
        "end": end,
    }


def _local(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:00", "0001-01-01T02:00"),  # was an OverflowError converting to UTC
        ("0001-01-01T10:00", _local(40)),
        (_local(11 * 366), _local(11 * 366 + 1)),
        (_local(40), "9999-12-31T23:59"),
    ],
)
def test_conference_outside_the_window_is_refused_on_create(kpb_a_user, start, end):
    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_create"), _conference_data(start, end)
    )

    assert response.status_code == 200
    assert _window_error() in response.content.decode()
    assert not Conference.objects.exists()


def test_conference_in_year_0001_is_refused_on_edit_and_nothing_changes(kpb_a_user):
    conference = make_conference(kpb_a_user)
    before = Conference.objects.filter(pk=conference.pk).values().get()

    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_update", kwargs={"pk": conference.pk}),
        _conference_data("0001-01-01T00:00", "0001-01-01T02:00"),
    )

    assert response.status_code == 200
    assert _window_error() in response.content.decode()
    assert Conference.objects.filter(pk=conference.pk).values().get() == before


def test_conference_nine_years_ahead_is_accepted(kpb_a_user):
    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_create"),
        _conference_data(_local(9 * 365), _local(9 * 365 + 1)),
    )

    assert response.status_code == 302
    assert Conference.objects.count() == 1


@pytest.fixture
def draft_minutes(kpb_a_user) -> Minutes:
    held = attend(make_past_conference(kpb_a_user), kpb_a_user)
    return minutes_services.get_or_create_draft(held, by=kpb_a_user)


@pytest.mark.parametrize("deadline", ["9999-12-31T12:00", "0001-01-01T00:00"])
def test_comment_deadline_outside_its_window_is_refused_and_nothing_is_sent(
    kpb_a_user, draft_minutes, deadline
):
    conference = draft_minutes.conference
    latest = add_years(timezone.localtime(conference.end).date(), 1)

    response = client_for(kpb_a_user).post(
        reverse("conferences:minutes_circulate", kwargs={"pk": conference.pk}),
        {"deadline": deadline},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f"Bitte wählen Sie eine Kommentarfrist zwischen dem {timezone.localdate():%d.%m.%Y} "
        f"und dem {latest:%d.%m.%Y} (höchstens ein Jahr nach der Konferenz)."
    ) in html
    minutes = Minutes.objects.get(pk=draft_minutes.pk)
    assert (minutes.status, minutes.comment_deadline) == (MinutesStatus.DRAFT, None)
    assert not OutgoingMail.objects.filter(dedup_key__startswith="minutes-").exists()


def test_service_refuses_a_comment_deadline_more_than_a_year_after_the_conference(
    kpb_a_user, draft_minutes
):
    too_late = draft_minutes.conference.end + timedelta(days=367)

    with pytest.raises(services.ConferenceError, match="höchstens ein Jahr nach der Konferenz"):
        minutes_services.circulate_minutes(draft_minutes, deadline=too_late, by=kpb_a_user)

    assert Minutes.objects.get(pk=draft_minutes.pk).status == MinutesStatus.DRAFT


def test_action_due_in_year_9999_is_refused(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=10)
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)

    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_actions", kwargs={"pk": conference.pk}),
        {"text": "Streife", "owner": "police", "due_date": "9999-12-31"},
    )

    assert response.status_code == 400  # this page answers every invalid form with 400
    assert _window_error() in response.content.decode()
    assert not Action.objects.exists()
