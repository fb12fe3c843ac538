"""Signed links for partners stop working a set time after their event (issue 10): the answer
link after the conference's end, the minutes link after the comment deadline (or the approval),
the action link after the due date (or the closing). An expired link answers 410 with a German
page, for GET and POST, and changes nothing. The clock is moved by dating the records back."""

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences.enums import InvitationState
from conferences.links import answer_token, overview_url
from conferences.models import Invitation
from followup.links import action_token
from followup.minutes import comment_token
from followup.models import (
    Action,
    ActionChange,
    ActionState,
    Minutes,
    MinutesComment,
    MinutesStatus,
)
from siko.models import AuditEntry
from tests.factories.conferences import make_recorded_conference

pytestmark = pytest.mark.django_db

EXPIRED = "Dieser Link ist abgelaufen"
NOTHING_CHANGED = "Es wurde nichts geändert."


def _conference(organiser, *, ended_days_ago: int, status: str = "scheduled"):
    """A conference that ended the given number of days ago (plus one hour)."""
    start = timezone.now() - timedelta(days=ended_days_ago, hours=3)
    return make_recorded_conference("pp-dortmund", start, organiser=organiser, status=status)


def _invitation(conference, **values) -> Invitation:
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    return Invitation.objects.create(
        conference=conference,
        agency=agency,
        state=InvitationState.SENT,
        sent_at=conference.start - timedelta(days=30),
        **values,
    )


def _assert_expired_page(response) -> None:
    html = response.content.decode()
    assert response.status_code == 410
    assert EXPIRED in html
    assert NOTHING_CHANGED in html


# Answer link -----------------------------------------------------------------------------------


def _answer_url(invitation: Invitation) -> str:
    return reverse("conferences:answer", kwargs={"token": answer_token(invitation)})


def test_answer_link_works_until_90_days_after_the_end(kpb_a_user):
    invitation = _invitation(_conference(kpb_a_user, ended_days_ago=89))

    response = Client().get(_answer_url(invitation))

    assert response.status_code == 200
    assert "SiKo pp-dortmund" in response.content.decode()


def test_answer_link_after_90_days_is_gone_and_shows_no_conference(kpb_a_user):
    invitation = _invitation(_conference(kpb_a_user, ended_days_ago=91))

    response = Client().get(_answer_url(invitation))

    _assert_expired_page(response)
    assert "SiKo pp-dortmund" not in response.content.decode()


def test_answer_post_on_an_expired_link_changes_nothing(kpb_a_user):
    invitation = _invitation(_conference(kpb_a_user, ended_days_ago=91))
    before = Invitation.objects.filter(pk=invitation.pk).values().get()
    audit = AuditEntry.objects.count()

    response = Client().post(_answer_url(invitation), {"state": "declined", "comment": "zu spät"})

    _assert_expired_page(response)
    assert Invitation.objects.filter(pk=invitation.pk).values().get() == before
    assert AuditEntry.objects.count() == audit


def test_answer_link_lifetime_is_a_setting(kpb_a_user, settings):
    settings.SIKO_ANSWER_LINK_DAYS_AFTER_END = 10
    invitation = _invitation(_conference(kpb_a_user, ended_days_ago=11))

    _assert_expired_page(Client().get(_answer_url(invitation)))


def test_partner_overview_offers_no_expired_answer_link(kpb_a_user):
    recent = _invitation(_conference(kpb_a_user, ended_days_ago=5))
    old = _invitation(_conference(kpb_a_user, ended_days_ago=200))

    html = Client().get(overview_url(recent.agency)).content.decode()

    assert answer_token(recent) in html
    assert answer_token(old) not in html


# Minutes comment link --------------------------------------------------------------------------


def _minutes(conference, **values) -> tuple[Invitation, Minutes]:
    invitation = _invitation(conference, attended=True)
    minutes = Minutes.objects.create(conference=conference, **values)
    return invitation, minutes


def _comment_url(invitation: Invitation, minutes: Minutes) -> str:
    return reverse(
        "conferences:minutes_comment", kwargs={"token": comment_token(invitation, minutes)}
    )


def test_minutes_link_works_until_90_days_after_the_comment_deadline(kpb_a_user):
    conference = _conference(kpb_a_user, ended_days_ago=120, status="held")
    invitation, minutes = _minutes(
        conference,
        status=MinutesStatus.CIRCULATED,
        comment_deadline=timezone.now() - timedelta(days=89),
    )

    response = Client().get(_comment_url(invitation, minutes))

    assert response.status_code == 200


def test_minutes_link_after_90_days_is_gone_and_a_comment_is_not_taken(kpb_a_user):
    conference = _conference(kpb_a_user, ended_days_ago=120, status="held")
    invitation, minutes = _minutes(
        conference,
        status=MinutesStatus.CIRCULATED,
        comment_deadline=timezone.now() - timedelta(days=91),
    )
    url = _comment_url(invitation, minutes)

    _assert_expired_page(Client().get(url))
    _assert_expired_page(Client().post(url, {"text": "Noch ein Hinweis"}))
    assert not MinutesComment.objects.exists()


def test_minutes_link_counts_from_the_approval_when_it_came_later(kpb_a_user):
    conference = _conference(kpb_a_user, ended_days_ago=200, status="held")
    invitation, minutes = _minutes(
        conference,
        status=MinutesStatus.APPROVED,
        comment_deadline=timezone.now() - timedelta(days=150),
        approved_at=timezone.now() - timedelta(days=30),
    )

    assert Client().get(_comment_url(invitation, minutes)).status_code == 200


def test_approved_minutes_pdf_link_expires_too(kpb_a_user):
    conference = _conference(kpb_a_user, ended_days_ago=200, status="held")
    invitation, minutes = _minutes(
        conference,
        status=MinutesStatus.APPROVED,
        comment_deadline=timezone.now() - timedelta(days=150),
        approved_at=timezone.now() - timedelta(days=91),
    )
    url = reverse(
        "conferences:minutes_comment_pdf", kwargs={"token": comment_token(invitation, minutes)}
    )

    _assert_expired_page(Client().get(url))


def test_minutes_link_lifetime_is_a_setting(kpb_a_user, settings):
    settings.SIKO_MINUTES_LINK_DAYS_AFTER_DEADLINE = 7
    conference = _conference(kpb_a_user, ended_days_ago=30, status="held")
    invitation, minutes = _minutes(
        conference,
        status=MinutesStatus.CIRCULATED,
        comment_deadline=timezone.now() - timedelta(days=8),
    )

    _assert_expired_page(Client().get(_comment_url(invitation, minutes)))


# Action link -----------------------------------------------------------------------------------


def _action(conference, *, due_days_ago: int, state: str = ActionState.OPEN) -> Action:
    if not conference.invitations.exists():
        _invitation(conference)
    return Action.objects.create(
        conference=conference,
        text="Gemeinsame Streife Innenstadt",
        due_date=timezone.localdate() - timedelta(days=due_days_ago),
        owner_agency=PartnerAgency.objects.get(slug="sta-dortmund"),
        state=state,
    )


def _action_url(action: Action) -> str:
    return reverse("conferences:action_link", kwargs={"token": action_token(action)})


def test_action_link_works_through_the_90th_day_after_the_due_date(kpb_a_user):
    action = _action(_conference(kpb_a_user, ended_days_ago=200, status="held"), due_days_ago=90)

    response = Client().get(_action_url(action))

    assert response.status_code == 200
    assert "Gemeinsame Streife Innenstadt" in response.content.decode()


def test_action_link_on_the_91st_day_is_gone_and_a_report_is_not_taken(kpb_a_user):
    action = _action(_conference(kpb_a_user, ended_days_ago=200, status="held"), due_days_ago=91)
    url = _action_url(action)

    response = Client().get(url)
    _assert_expired_page(response)
    yesterday = timezone.localdate() - timedelta(days=1)
    assert f"Er galt bis zum {yesterday:%d.%m.%Y}." in response.content.decode()
    assert "Gemeinsame Streife Innenstadt" not in response.content.decode()
    _assert_expired_page(Client().post(url, {"state": "done", "note": "erledigt"}))
    action.refresh_from_db()
    assert action.state == ActionState.OPEN
    assert not ActionChange.objects.filter(action=action).exists()


def test_action_link_counts_from_the_closing_when_it_came_later(kpb_a_user):
    conference = _conference(kpb_a_user, ended_days_ago=300, status="held")
    recently = _action(conference, due_days_ago=200, state=ActionState.DONE)
    long_ago = _action(conference, due_days_ago=200, state=ActionState.DONE)
    for action, days_ago in ((recently, 10), (long_ago, 91)):
        change = ActionChange.objects.create(
            action=action,
            state_before=ActionState.OPEN,
            state_after=ActionState.DONE,
            note="erledigt",
        )
        # Noon of that local day: "N days ago" must not depend on the hour the test runs at.
        closed_day = timezone.localdate() - timedelta(days=days_ago)
        ActionChange.objects.filter(pk=change.pk).update(
            at=datetime.combine(closed_day, time(12), tzinfo=timezone.get_default_timezone())
        )

    assert Client().get(_action_url(recently)).status_code == 200
    _assert_expired_page(Client().get(_action_url(long_ago)))


def test_action_link_lifetime_is_a_setting(kpb_a_user, settings):
    settings.SIKO_ACTION_LINK_DAYS_AFTER_CLOSE = 5
    action = _action(_conference(kpb_a_user, ended_days_ago=30, status="held"), due_days_ago=6)

    _assert_expired_page(Client().get(_action_url(action)))
