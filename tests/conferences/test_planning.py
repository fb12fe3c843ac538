from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Authority, Contact, PartnerAgency
from conferences import selectors, services
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation
from notifications.enums import MailKind
from notifications.models import OutgoingMail, Reminder
from tests.conftest import client_for
from tests.factories.conferences import invite_new_agencies, make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def _form_data(**overrides):
    start = (timezone.localtime() + timedelta(days=40)).replace(hour=9, minute=30)
    data = {
        "kind": "siko",
        "title": "SiKo Dortmund 2027",
        "place": "PP Dortmund, Markgrafenstr.",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(overrides)
    return data


def test_kpb_plans_a_draft_with_mandated_topics_on_the_agenda(kpb_a_user):
    response = client_for(kpb_a_user).post(reverse("conferences:conference_create"), _form_data())
    conference = Conference.objects.get(title="SiKo Dortmund 2027")
    assert response.status_code == 302
    assert conference.status == ConferenceStatus.DRAFT
    assert conference.host.slug == "pp-dortmund"
    titles = list(conference.agenda_items.values_list("order", "title"))
    assert titles[0] == (1, "Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)")
    assert len(titles) == 6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end": "2020-01-01T08:00"}, "Das Ende muss nach dem Beginn liegen."),
        (
            {"start": "2020-01-01T08:00", "end": "2020-01-01T10:00"},
            "Eine neue Konferenz kann nicht in der Vergangenheit beginnen.",
        ),
    ],
)
def test_bad_dates_are_refused_with_german_message(kpb_a_user, overrides, message):
    response = client_for(kpb_a_user).post(
        reverse("conferences:conference_create"), _form_data(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Conference.objects.exists()


def test_siko_ap_only_for_authorities_with_autobahnpolizei(kpb_b_user, kpb_a_user):
    refused = client_for(kpb_b_user).post(
        reverse("conferences:conference_create"), _form_data(kind="siko_ap")
    )
    assert refused.status_code == 200
    assert not Conference.objects.exists()
    accepted = client_for(kpb_a_user).post(
        reverse("conferences:conference_create"), _form_data(kind="siko_ap")
    )
    assert accepted.status_code == 302
    assert Conference.objects.get().kind == "siko_ap"


def test_joint_conference_is_visible_to_the_co_host(kpb_a_user, kpb_b_user):
    borken = Authority.objects.get(slug="lr-borken")
    conference = services.create_conference(
        host=kpb_a_user.authority,
        co_hosts=[borken],
        by=kpb_a_user,
        data={
            "title": "Gemeinsame SiKo",
            "start": timezone.now() + timedelta(days=9),
            "end": timezone.now() + timedelta(days=9, hours=2),
            "place": "Lünen",
        },
    )
    response = client_for(kpb_b_user).get(conference.get_absolute_url())
    assert response.status_code == 200
    assert "Gemeinsame SiKo" in response.content.decode()


def test_agenda_items_can_be_added_moved_and_removed(kpb_a_user):
    conference = make_conference(kpb_a_user)
    client = client_for(kpb_a_user)
    client.post(
        reverse("conferences:agenda", kwargs={"pk": conference.pk}),
        {
            "title": "Schutz von Kindern und Jugendlichen",
            "duration_minutes": "20",
            "presenter": "Jugendamt",
        },
    )
    last = conference.agenda_items.order_by("-order").first()
    assert (last.order, last.topic) == (7, None)
    action = reverse(
        "conferences:agenda_item_action", kwargs={"pk": conference.pk, "item_pk": last.pk}
    )
    client.post(action, {"action": "up"})
    assert conference.agenda_items.get(pk=last.pk).order == 6
    client.post(action, {"action": "remove"})
    assert list(conference.agenda_items.values_list("order", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_proposals_group_partners_by_decree_category_and_route_schulamt(kpb_a_user):
    conference = make_conference(kpb_a_user)
    groups = {g.category.value: g for g in selectors.invitation_proposals(conference)}
    assert {"staatsanwaltschaft", "gericht", "kommune", "bundespolizei", "zoll", "schulamt"} <= set(
        groups
    )
    assert "bezirksregierung" not in groups
    schulamt = next(a for a in groups["schulamt"].agencies if a.slug == "sa-stadt-dortmund")
    assert schulamt.routed_via.slug == "br-arnsberg"
    assert all(g.missing for g in groups.values() if g.in_decree)


def test_proposals_count_every_invitation_of_a_category_once(kpb_a_user):
    conference = make_conference(kpb_a_user)
    elsewhere = (
        PartnerAgency.objects.filter(category="staatsanwaltschaft")
        .exclude(coverages__authority__slug="pp-dortmund")
        .first()
    )
    services.add_invitations(
        conference,
        agencies=[PartnerAgency.objects.get(slug="sta-dortmund"), elsewhere],
        by=kpb_a_user,
    )

    groups = {g.category.value: g for g in selectors.invitation_proposals(conference)}

    assert groups["staatsanwaltschaft"].invited_count == 2
    assert not groups["staatsanwaltschaft"].missing
    assert elsewhere not in groups["staatsanwaltschaft"].agencies
    assert [
        a.is_invited for a in groups["staatsanwaltschaft"].agencies if a.slug == "sta-dortmund"
    ] == [True]


def test_schulamt_invitation_is_addressed_to_the_bezirksregierung(kpb_a_user):
    conference = make_conference(kpb_a_user)
    Contact.objects.create(
        agency=PartnerAgency.objects.get(slug="br-arnsberg"),
        name="R. Präsident",
        function="Regierungspräsident",
        email="poststelle@br-arnsberg.example.org",
    )
    schulamt = PartnerAgency.objects.get(slug="sa-stadt-dortmund")
    [invitation] = services.add_invitations(conference, agencies=[schulamt], by=kpb_a_user)
    assert invitation.routed_via.slug == "br-arnsberg"
    assert invitation.recipient_email == "poststelle@br-arnsberg.example.org"


def test_missing_category_warning_until_each_category_is_invited(kpb_a_user):
    conference = make_conference(kpb_a_user)
    zoll = PartnerAgency.objects.filter(category="zoll", coverages__authority__slug="pp-dortmund")
    services.add_invitations(conference, agencies=zoll, by=kpb_a_user)
    html = (
        client_for(kpb_a_user)
        .get(reverse("conferences:invitations", kwargs={"pk": conference.pk}))
        .content.decode()
    )
    assert "Für diese Kategorien des Erlasses ist noch niemand eingeladen" in html
    assert "Zollverwaltung" not in [c.label for c in selectors.missing_categories(conference)]


def test_inviting_the_same_agency_twice_is_refused(kpb_a_user):
    conference = make_conference(kpb_a_user)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    services.add_invitations(conference, agencies=[sta], by=kpb_a_user)
    with pytest.raises(services.ConferenceError, match="Bereits eingeladen"):
        services.add_invitations(conference, agencies=[sta], by=kpb_a_user)
    assert conference.invitations.count() == 1


def test_clash_with_another_kpbs_conference_inviting_the_same_partner(kpb_a_user, kpb_b_user):
    shared = PartnerAgency.objects.get(slug="bpold-sankt-augustin")
    mine = make_conference(kpb_a_user, days_ahead=20)
    other = make_conference(kpb_b_user, days_ahead=20, title="SiKo Borken")
    services.add_invitations(other, agencies=[shared], by=kpb_b_user)
    # Only another authority's scheduled conference counts, and its title is never shown (R3).
    Conference.objects.filter(pk=other.pk).update(status=ConferenceStatus.SCHEDULED)
    services.add_invitations(mine, agencies=[shared], by=kpb_a_user)
    html = client_for(kpb_a_user).get(mine.get_absolute_url()).content.decode()
    assert "Terminüberschneidungen" in html
    assert "die Kreispolizeibehörde Borken" in html
    assert "SiKo Borken" not in html


def test_sending_with_an_empty_list_is_refused(kpb_a_user):
    conference = make_conference(kpb_a_user)
    response = client_for(kpb_a_user).post(
        reverse("conferences:send", kwargs={"pk": conference.pk}), follow=True
    )
    assert "Die Einladungsliste ist leer" in response.content.decode()
    assert Conference.objects.get(pk=conference.pk).status == ConferenceStatus.DRAFT


def test_send_preview_shows_recipients_and_letter_candidates(kpb_a_user):
    conference = make_conference(kpb_a_user)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=sta, name="E. Beispiel", function="LOStA", email="leitung@sta-dortmund.example.org"
    )
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")  # no contact: letter
    services.add_invitations(conference, agencies=[sta, zoll], by=kpb_a_user)
    html = (
        client_for(kpb_a_user)
        .get(reverse("conferences:send", kwargs={"pk": conference.pk}))
        .content.decode()
    )
    assert "leitung@sta-dortmund.example.org" in html
    assert "bitte per Brief einladen" in html
    assert not OutgoingMail.objects.exists()  # GET sends nothing


def test_sending_schedules_queues_one_mail_per_address_and_plans_reminders(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=30)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=sta, name="E. Beispiel", function="LOStA", email="leitung@sta-dortmund.example.org"
    )
    services.add_invitations(conference, agencies=[sta], by=kpb_a_user)
    client = client_for(kpb_a_user)
    url = reverse("conferences:send", kwargs={"pk": conference.pk})
    client.post(url)
    client.post(url)  # a double click sends nothing twice
    conference.refresh_from_db()
    assert conference.status == ConferenceStatus.SCHEDULED
    assert OutgoingMail.objects.filter(kind=MailKind.INVITATION).count() == 1
    assert Invitation.objects.get().state == InvitationState.SENT
    assert sorted(Reminder.objects.values_list("stage", flat=True)) == ["14d@0", "3d@0"]


def test_moving_a_scheduled_conference_needs_confirmation_then_updates_everyone(kpb_a_user):
    conference = make_conference(kpb_a_user, days_ahead=30)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=sta, name="E. Beispiel", function="LOStA", email="l@example.org")
    services.add_invitations(conference, agencies=[sta], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)
    client = client_for(kpb_a_user)
    url = reverse("conferences:conference_update", kwargs={"pk": conference.pk})
    data = _form_data(
        place="Rathaus Dortmund",
        title=conference.title,
        start=timezone.localtime(conference.start).strftime("%Y-%m-%dT%H:%M"),
        end=timezone.localtime(conference.end).strftime("%Y-%m-%dT%H:%M"),
    )
    first = client.post(url, data)
    assert "Änderung bestätigen" in first.content.decode()
    assert "Ort: Polizeipräsidium, Saal 1 → Rathaus Dortmund" in first.content.decode()
    assert Conference.objects.get(pk=conference.pk).place != "Rathaus Dortmund"
    client.post(url, {**data, "confirm_notify": "on"})
    conference.refresh_from_db()
    assert conference.place == "Rathaus Dortmund"
    assert conference.ical_sequence == 1
    assert OutgoingMail.objects.filter(kind=MailKind.UPDATE).count() == 1
    assert set(
        Reminder.objects.filter(cancelled_at__isnull=True).values_list("stage", flat=True)
    ) == {"14d@1", "3d@1"}


def test_cancelled_conference_cannot_be_edited(kpb_a_user):
    conference = make_conference(kpb_a_user)
    services.cancel_conference(conference, reason="Unwetter", by=kpb_a_user)
    client = client_for(kpb_a_user)
    response = client.post(
        reverse("conferences:conference_update", kwargs={"pk": conference.pk}),
        _form_data(title="Neu"),
        follow=True,
    )
    assert "abgesagte Konferenz kann nicht mehr geändert werden" in response.content.decode()
    assert Conference.objects.get(pk=conference.pk).title != "Neu"


def test_kpb_b_cannot_see_or_change_kpb_a_conference(kpb_a_user, kpb_b_user):
    conference = make_conference(kpb_a_user)
    client = client_for(kpb_b_user)
    assert client.get(conference.get_absolute_url()).status_code == 404
    assert client.post(reverse("conferences:send", kwargs={"pk": conference.pk})).status_code == 404
    list_html = client.get(reverse("conferences:conference_list")).content.decode()
    assert conference.title not in list_html


def test_conference_list_queries_do_not_grow(kpb_a_user):
    make_conference(kpb_a_user)

    def grow():
        for i in range(5):
            c = make_conference(kpb_a_user, days_ahead=50 + i, title=f"SiKo {i}")
            invite_new_agencies(c, kpb_a_user, 3)

    assert_constant_queries(client_for(kpb_a_user), reverse("conferences:conference_list"), grow)


def test_conference_list_queries_same_with_5_and_200_invitations(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)
    assert_constant_queries(
        client_for(kpb_a_user),
        reverse("conferences:conference_list"),
        lambda: invite_new_agencies(conference, kpb_a_user, 195),
    )
    assert conference.invitations.count() == 200


def test_invitation_plan_queries_do_not_grow(kpb_a_user):
    conference = make_conference(kpb_a_user)
    invite_new_agencies(conference, kpb_a_user, 5)
    assert_constant_queries(
        client_for(kpb_a_user),
        reverse("conferences:invitations", kwargs={"pk": conference.pk}),
        lambda: invite_new_agencies(conference, kpb_a_user, 40),
    )


def test_invitation_without_address_is_marked_sent_by_letter(kpb_a_user):
    conference = make_conference(kpb_a_user)
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")  # no contact, so no e-mail
    [invitation] = services.add_invitations(conference, agencies=[zoll], by=kpb_a_user)
    client = client_for(kpb_a_user)
    plan = client.get(reverse("conferences:invitations", kwargs={"pk": conference.pk}))
    assert "Einladungsschreiben (PDF)" in plan.content.decode()
    url = reverse(
        "conferences:invitation_letter_sent",
        kwargs={"pk": conference.pk, "invitation_pk": invitation.pk},
    )
    client.post(url)
    second = client.post(url, follow=True)
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT
    assert "bereits versendet" in second.content.decode()
    assert not OutgoingMail.objects.exists()


def test_pending_invitation_can_be_removed_but_a_sent_one_cannot(kpb_a_user):
    conference = make_conference(kpb_a_user)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")
    zoll = PartnerAgency.objects.get(slug="hza-dortmund")
    Contact.objects.create(agency=sta, name="E. Beispiel", function="LOStA", email="l@example.org")
    pending, sent = services.add_invitations(conference, agencies=[zoll, sta], by=kpb_a_user)
    services.send_invitations(conference, by=kpb_a_user)  # zoll has no address: stays pending
    client = client_for(kpb_a_user)

    def remove(invitation):
        url = reverse(
            "conferences:invitation_remove",
            kwargs={"pk": conference.pk, "invitation_pk": invitation.pk},
        )
        return client.post(url, follow=True).content.decode()

    assert "Einladung entfernt." in remove(pending)
    assert "bereits versendete Einladung kann nicht entfernt werden" in remove(sent)
    assert list(conference.invitations.values_list("agency__slug", flat=True)) == ["sta-dortmund"]
