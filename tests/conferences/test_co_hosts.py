"""Joint conferences (R3): the host plans and follows up, a co-host reads, is told when it is
named, and may leave (which tells the host)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, PartnerAgency
from conferences import services
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import AgendaItem, Conference
from followup import actions, minutes
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from siko.models import AuditEntry
from siko.organisations import OrganisationKind
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db

HOST_ONLY = (
    "Nur die gastgebende Behörde (Polizeipräsidium Dortmund) kann diese Konferenz planen und "
    "nachbereiten; als Mitveranstalter sehen Sie sie nur."
)


def _form_data(**overrides: Any) -> dict[str, Any]:
    start = (timezone.localtime() + timedelta(days=40)).replace(hour=9, minute=30)
    return {
        "kind": "siko",
        "title": "Gemeinsame SiKo Dortmund/Borken",
        "place": "PP Dortmund, Markgrafenstr.",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        **overrides,
    }


def _joint(organiser: Any, *co_host_slugs: str, days_ahead: int = 30) -> Conference:
    start = (timezone.now() + timedelta(days=days_ahead)).replace(minute=0, second=0)
    return services.create_conference(
        host=organiser.authority,
        co_hosts=list(Authority.objects.filter(slug__in=co_host_slugs)),
        by=organiser,
        data={
            "title": "Gemeinsame SiKo",
            "start": start,
            "end": start + timedelta(hours=2),
            "place": "Lünen",
        },
    )


def _authority_slugs(conference: Conference) -> set[str]:
    return set(conference.authorities.values_list("slug", flat=True))


def test_naming_a_co_host_at_creation_mails_its_kpb_staff(
    kpb_a_user, kpb_b_user, smtp_server, django_capture_on_commit_callbacks
):
    colleague = make_user("kpb-b-2", OrganisationKind.KPB, authority="lr-borken")
    make_user("kpb-b-inaktiv", OrganisationKind.KPB, authority="lr-borken", is_active=False)
    borken = Authority.objects.get(slug="lr-borken")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(kpb_a_user).post(
            reverse("conferences:conference_create"), _form_data(co_hosts=[borken.pk])
        )

    conference = Conference.objects.get(title="Gemeinsame SiKo Dortmund/Borken")
    assert response.status_code == 302
    assert _authority_slugs(conference) == {"pp-dortmund", "lr-borken"}
    received = smtp_server.wait_for(2)
    assert sorted(r for mail in received for r in mail.recipients) == sorted(
        [kpb_b_user.email, colleague.email]
    )
    mail = received[0]
    assert mail.header("Subject") == (
        "Mitveranstaltung: „Gemeinsame SiKo Dortmund/Borken“ (Polizeipräsidium Dortmund)"
    )
    text = mail.parts()["text/plain"].get_content()
    assert (
        "Polizeipräsidium Dortmund hat Landrat als Kreispolizeibehörde Borken als "
        "Mitveranstalter einer gemeinsamen Sicherheitskonferenz eingetragen." in text
    )
    assert conference.get_absolute_url() in text
    assert "text/html" in mail.parts()
    assert (
        AuditEntry.objects.filter(
            action="conference.co_host_named",
            object_id=str(conference.pk),
            data={"authority": "lr-borken"},
        ).count()
        == 1
    )


def test_editing_tells_only_a_newly_named_co_host(kpb_a_user, kpb_b_user):
    hagen_user = make_user("kpb-hagen", OrganisationKind.KPB, authority="pp-hagen")
    conference = _joint(kpb_a_user, "lr-borken")
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [kpb_b_user.email]
    ids = list(
        Authority.objects.filter(slug__in=["lr-borken", "pp-hagen"]).values_list("pk", flat=True)
    )
    data = {**_form_data(title="Gemeinsame SiKo"), "co_hosts": ids}

    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_update", kwargs={"pk": conference.pk}), data
    )

    assert response.status_code == 302
    assert _authority_slugs(conference) == {"pp-dortmund", "lr-borken", "pp-hagen"}
    mails = OutgoingMail.objects.filter(kind=MailKind.NOTICE).order_by("pk")
    assert [m.to for m in mails] == [kpb_b_user.email, hagen_user.email]


def test_co_host_sees_the_conference_without_the_planning_buttons(kpb_a_user, kpb_b_user):
    conference = _joint(kpb_a_user, "lr-borken")

    html = client_for(kpb_b_user).get(conference.get_absolute_url()).content.decode()

    assert "Gemeinsame SiKo" in html
    for name in ("conference_update", "agenda", "invitations", "send", "conference_cancel"):
        assert reverse(f"conferences:{name}", kwargs={"pk": conference.pk}) not in html
    assert reverse("conferences:conference_leave", kwargs={"pk": conference.pk}) in html


def test_host_sees_the_planning_buttons_but_no_leave_button(kpb_a_user):
    conference = _joint(kpb_a_user, "lr-borken")

    html = client_for(kpb_a_user).get(conference.get_absolute_url()).content.decode()

    assert reverse("conferences:conference_update", kwargs={"pk": conference.pk}) in html
    assert reverse("conferences:conference_leave", kwargs={"pk": conference.pk}) not in html


def test_co_host_gets_403_when_editing_or_cancelling_and_nothing_changes(kpb_a_user, kpb_b_user):
    conference = _joint(kpb_a_user, "lr-borken")
    client = client_for(kpb_b_user)

    edited = client.post(
        reverse("conferences:conference_update", kwargs={"pk": conference.pk}),
        _form_data(title="Übernommen"),
    )
    cancelled = client.post(
        reverse("conferences:conference_cancel", kwargs={"pk": conference.pk}),
        {"reason": "Wir wollen nicht"},
    )

    assert (edited.status_code, cancelled.status_code) == (403, 403)
    conference.refresh_from_db()
    assert (conference.title, conference.status) == ("Gemeinsame SiKo", ConferenceStatus.DRAFT)


def _action(conference: Conference, organiser: Any) -> Any:
    return actions.create_action(
        conference,
        text="Lagebild",
        due_date=conference.start.date() + timedelta(days=30),
        owner_agency=None,
        by=organiser,
    )


# Each service the host uses to plan or follow up, called by the co-host's staff.
REFUSED: dict[str, Callable[[Conference, Any, Any], Any]] = {
    "update_conference": lambda c, host, by: services.update_conference(
        c, data={"title": "Übernommen"}, by=by
    ),
    "cancel_conference": lambda c, host, by: services.cancel_conference(
        c, reason="Wir wollen nicht", by=by
    ),
    "add_invitations": lambda c, host, by: services.add_invitations(
        c, agencies=[PartnerAgency.objects.get(slug="sta-muenster")], by=by
    ),
    "remove_invitation": lambda c, host, by: services.remove_invitation(c.invitations.get(), by=by),
    "send_invitations": lambda c, host, by: services.send_invitations(c, by=by),
    "mark_sent_by_letter": lambda c, host, by: services.mark_sent_by_letter(
        c.invitations.get(), by=by
    ),
    "record_answer": lambda c, host, by: services.record_answer(
        c.invitations.get(), state=InvitationState.ACCEPTED, via="phone", by=by
    ),
    "add_agenda_item": lambda c, host, by: services.add_agenda_item(
        c, item=AgendaItem(title="Eigener Punkt"), by=by
    ),
    "remove_agenda_item": lambda c, host, by: services.remove_agenda_item(
        c.agenda_items.first(), by=by
    ),
    "record_attendance": lambda c, host, by: minutes.record_attendance(c, attendance={}, by=by),
    "get_or_create_draft": lambda c, host, by: minutes.get_or_create_draft(c, by=by),
    "create_action": lambda c, host, by: actions.create_action(
        c,
        text="Eigene Maßnahme",
        due_date=c.start.date() + timedelta(days=30),
        owner_agency=None,
        by=by,
    ),
    "change_action_state": lambda c, host, by: actions.change_action_state(
        _action(c, host), state="done", note="erledigt", by=by
    ),
}


@pytest.mark.parametrize("service", sorted(REFUSED))
def test_services_refuse_the_co_host_with_a_german_message(service, kpb_a_user, kpb_b_user):
    conference = _joint(kpb_a_user, "lr-borken")
    services.add_invitations(
        conference, agencies=[PartnerAgency.objects.get(slug="sta-dortmund")], by=kpb_a_user
    )
    before = (
        list(Conference.objects.filter(pk=conference.pk).values("title", "status", "updated")),
        list(conference.invitations.values("state", "sent_at")),
        conference.agenda_items.count(),
    )

    with pytest.raises((services.ConferenceError, actions.ActionError)) as refused:
        REFUSED[service](conference, kpb_a_user, kpb_b_user)

    assert str(refused.value) == HOST_ONLY
    after = (
        list(Conference.objects.filter(pk=conference.pk).values("title", "status", "updated")),
        list(conference.invitations.values("state", "sent_at")),
        conference.agenda_items.count(),
    )
    assert after == before
    assert not conference.minutes_versions.exists()
    assert not conference.actions.exclude(text="Lagebild").exists()


def test_co_host_leaves_and_the_host_is_told(
    kpb_a_user, kpb_b_user, smtp_server, django_capture_on_commit_callbacks
):
    colleague = make_user("kpb-a-2", OrganisationKind.KPB, authority="pp-dortmund")
    conference = _joint(kpb_a_user, "lr-borken", "pp-hagen")
    client = client_for(kpb_b_user)
    url = reverse("conferences:conference_leave", kwargs={"pk": conference.pk})

    confirmation = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    assert confirmation.status_code == 200
    assert "Die gastgebende Behörde wird per E-Mail informiert." in confirmation.content.decode()
    assert response.redirect_chain == [(reverse("conferences:conference_list"), 302)]
    assert "Ihre Behörde ist nicht mehr Mitveranstalter" in response.content.decode()
    assert _authority_slugs(conference) == {"pp-dortmund", "pp-hagen"}
    assert client.get(conference.get_absolute_url()).status_code == 404
    assert (
        AuditEntry.objects.filter(
            action="conference.co_host_left",
            object_id=str(conference.pk),
            data={"authority": "lr-borken"},
        ).count()
        == 1
    )
    received = smtp_server.wait_for(2)
    assert sorted(r for mail in received for r in mail.recipients) == sorted(
        [kpb_a_user.email, colleague.email]
    )
    assert received[0].header("Subject") == (
        "Landrat als Kreispolizeibehörde Borken ist nicht mehr Mitveranstalter von "
        "„Gemeinsame SiKo“"
    )
    assert "kpb-b" in received[0].parts()["text/plain"].get_content()


def test_host_and_other_kpbs_cannot_leave(kpb_a_user, kpb_b_user):
    conference = _joint(kpb_a_user, "pp-hagen")
    url = reverse("conferences:conference_leave", kwargs={"pk": conference.pk})

    assert client_for(kpb_a_user).post(url).status_code == 403
    assert client_for(kpb_b_user).post(url).status_code == 404
    with pytest.raises(services.ConferenceError, match="Nur eine mitveranstaltende Behörde"):
        services.leave_conference(conference, by=kpb_a_user)
    assert _authority_slugs(conference) == {"pp-dortmund", "pp-hagen"}


def test_a_held_conference_cannot_be_left(kpb_a_user, kpb_b_user):
    conference = _joint(kpb_a_user, "lr-borken")
    Conference.objects.filter(pk=conference.pk).update(status=ConferenceStatus.HELD)

    response = client_for(kpb_b_user).post(
        reverse("conferences:conference_leave", kwargs={"pk": conference.pk}), follow=True
    )

    assert "Eine durchgeführte Konferenz zählt für jeden Mitveranstalter" in (
        response.content.decode()
    )
    assert _authority_slugs(conference) == {"pp-dortmund", "lr-borken"}
    assert not OutgoingMail.objects.filter(dedup_key__startswith="co-host-left:").exists()
