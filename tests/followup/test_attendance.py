"""Attendance after the conference: present or not, who attended, counts per R2 category."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Contact, PartnerAgency
from conferences import services
from conferences.enums import AnswerChannel, ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation
from followup import minutes
from notifications.models import Reminder
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

AGENCIES = ("sta-dortmund", "hza-dortmund", "lg-dortmund")


def make_past_conference(organiser, *, agencies=AGENCIES, days_ago: int = 1) -> Conference:
    """A conference that was scheduled, invitations sent and answered, and has now ended."""
    conference = make_conference(organiser, days_ahead=30, title="SiKo Dortmund Herbst")
    chosen = list(PartnerAgency.objects.filter(slug__in=agencies).order_by("slug"))
    for agency in chosen:
        Contact.objects.create(
            agency=agency,
            name=f"Leitung {agency.slug}",
            function="Leitung",
            email=f"leitung@{agency.slug}.example",
        )
    services.add_invitations(conference, agencies=chosen, by=organiser)
    services.send_invitations(conference, by=organiser)
    first = conference.invitations.get(agency__slug=agencies[0])
    services.record_answer(
        first,
        state=InvitationState.DELEGATED,
        via=AnswerChannel.LINK,
        delegate_name="Dr. Max Vertreter",
        delegate_function="OStA",
    )
    start = timezone.now() - timedelta(days=days_ago, hours=4)
    Conference.objects.filter(pk=conference.pk).update(start=start, end=start + timedelta(hours=3))
    conference.refresh_from_db()
    return conference


def attend(conference, organiser, present=("sta-dortmund", "hza-dortmund")) -> Conference:
    attendance = {
        i.pk: (i.agency.slug in present, minutes.default_attended_by(i))
        for i in conference.invitations.select_related("agency", "contact")
    }
    return minutes.record_attendance(conference, attendance=attendance, by=organiser)


def _post_data(conference, present, *, by=None):
    data = {}
    for invitation in conference.invitations.select_related("agency"):
        slug = invitation.agency.slug
        data[f"present_{invitation.pk}"] = "yes" if slug in present else "no"
        data[f"by_{invitation.pk}"] = (by or {}).get(slug, "")
    return data


def test_recording_attendance_marks_the_conference_held_and_counts_per_category(kpb_a_user):
    conference = make_past_conference(kpb_a_user)
    client = client_for(kpb_a_user)
    url = reverse("conferences:attendance", kwargs={"pk": conference.pk})

    response = client.post(
        url,
        _post_data(
            conference, {"sta-dortmund", "hza-dortmund"}, by={"sta-dortmund": "Dr. Max Vertreter"}
        ),
    )

    assert response.status_code == 302
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.HELD
    sta = conference.invitations.get(agency__slug="sta-dortmund")
    assert (sta.attended, sta.attended_by) == (True, "Dr. Max Vertreter")
    court = conference.invitations.get(agency__slug="lg-dortmund")
    assert (court.attended, court.attended_by) == (False, "")
    summary = minutes.attendance_summary(conference.invitations.all())
    counts = {row.label: (row.invited, row.present, row.absent) for row in summary.rows}
    assert counts["Staatsanwaltschaft"] == (1, 1, 0)
    assert counts["Zollverwaltung"] == (1, 1, 0)
    assert counts["Gericht der ordentlichen Gerichtsbarkeit"] == (1, 0, 1)
    assert counts["Bundespolizei"] == (0, 0, 0)  # every R2 category is listed
    assert (summary.total.invited, summary.total.present) == (3, 2)
    page = client.get(url).content.decode()
    assert "Anwesenheit gespeichert" in page


def test_who_attended_is_proposed_as_the_named_delegate(kpb_a_user):
    conference = make_past_conference(kpb_a_user)

    html = (
        client_for(kpb_a_user)
        .get(reverse("conferences:attendance", kwargs={"pk": conference.pk}))
        .content.decode()
    )

    assert 'value="Dr. Max Vertreter, OStA"' in html
    assert 'value="Leitung hza-dortmund, Leitung"' in html


def test_attendance_before_the_conference_is_refused_and_nothing_changes(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=5)
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=agency, name="A", function="B", email="a@example.org")
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    invitation = conference.invitations.get()
    client = client_for(kpb_a_user)
    url = reverse("conferences:attendance", kwargs={"pk": conference.pk})

    page = client.get(url).content.decode()
    response = client.post(url, {f"present_{invitation.pk}": "yes", f"by_{invitation.pk}": "X"})

    assert "Die Konferenz hat noch nicht stattgefunden" in page
    assert response.status_code == 200
    assert "Die Konferenz hat noch nicht stattgefunden" in response.content.decode()
    conference.refresh_from_db()
    invitation.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED
    assert invitation.attended is None


def test_attendance_of_a_cancelled_conference_is_refused(kpb_a_user):
    conference = make_past_conference(kpb_a_user)
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.CANCELLED)
    conference.refresh_from_db()

    with pytest.raises(services.ConferenceError, match="abgesagt"):
        attend(conference, kpb_a_user)

    assert not Invitation.objects.filter(conference=conference, attended__isnull=False).exists()


def test_first_attendance_plans_the_missing_minutes_reminders_once(kpb_a_user):
    conference = make_past_conference(kpb_a_user)

    attend(conference, kpb_a_user)
    attend(conference, kpb_a_user, present=("sta-dortmund",))

    rows = Reminder.objects.filter(rule=minutes.MINUTES_MISSING, conference=conference)
    assert sorted(rows.values_list("stage", flat=True)) == ["14d", "28d"]
    assert {r.due_at - conference.end for r in rows} == {timedelta(days=14), timedelta(days=28)}


def test_conference_page_shows_attendance_and_minutes_status(kpb_a_user):
    conference = make_past_conference(kpb_a_user)
    client = client_for(kpb_a_user)
    before = client.get(conference.get_absolute_url()).content.decode()
    attend(conference, kpb_a_user)

    after = client.get(conference.get_absolute_url()).content.decode()

    assert "Nach der Konferenz" in before
    assert "Anwesenheit erfassen" in before
    assert "2 von 3 eingeladenen Behörden anwesend" in after
    assert "ausstehend" in after


def test_attendance_page_queries_do_not_grow_with_invitations(kpb_a_user):
    conference = make_past_conference(kpb_a_user, agencies=("sta-dortmund",))
    url = reverse("conferences:attendance", kwargs={"pk": conference.pk})

    def grow():
        more = (
            PartnerAgency.objects.filter(coverages__authority=conference.host)
            .exclude(invitations__conference=conference)
            .distinct()[:15]
        )
        for agency in more:
            Invitation.objects.create(
                conference=conference, agency=agency, state=InvitationState.SENT
            )

    assert_constant_queries(client_for(kpb_a_user), url, grow)
