"""Beschlusskontrolle: actions agreed at a conference, carried to the next agenda, the table with
its traffic light, the partner's signed link, and reminders before the due date and when
overdue (each once)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import Contact, PartnerAgency
from conferences import services
from conferences.models import AgendaItem
from followup import actions
from followup import links as followup_links
from followup.models import Action, ActionChange, ActionState, TrafficLight
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from notifications.reminders import send_due_reminders
from tests.conftest import client_for
from tests.factories.conferences import make_conference
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

PARTNER_MAIL = "leitung@sta-dortmund.example"


@pytest.fixture
def agency():
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(agency=agency, name="Dr. Leitung", function="LOStA", email=PARTNER_MAIL)
    return agency


@pytest.fixture
def conference(kpb_a_user, agency):
    conference = make_conference(kpb_a_user, days_ahead=10, title="SiKo Frühjahr")
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    return conference


def _day(conference, days=0):
    return timezone.localtime(conference.start).date() + timedelta(days=days)


def _action(conference, user, *, owner=None, days=30, text="Gemeinsame Streife Innenstadt"):
    return actions.create_action(
        conference, text=text, due_date=_day(conference, days), owner_agency=owner, by=user
    )


# Creating --------------------------------------------------------------------------------------


def test_action_of_an_invited_partner_is_open_and_mails_the_update_link(
    conference, kpb_a_user, agency
):
    action = _action(conference, kpb_a_user, owner=agency)

    assert action.state == ActionState.OPEN
    assert action.owner_name == "Staatsanwaltschaft Dortmund"
    mail = OutgoingMail.objects.get(dedup_key=f"action-assigned:{action.pk}")
    assert mail.to == PARTNER_MAIL
    assert followup_links.action_token(action) in mail.body_text


def test_due_date_before_the_conference_is_refused_and_nothing_changes(conference, kpb_a_user):
    with pytest.raises(actions.ActionError, match="nicht vor der Konferenz"):
        _action(conference, kpb_a_user, days=-1)
    assert not Action.objects.exists()


def test_owner_not_invited_is_refused_and_nothing_changes(conference, kpb_a_user):
    stranger = PartnerAgency.objects.get(slug="lg-dortmund")
    with pytest.raises(actions.ActionError, match="nicht eingeladen"):
        _action(conference, kpb_a_user, owner=stranger)
    assert not Action.objects.exists()


def test_form_with_due_date_before_conference_shows_german_message(conference, kpb_a_user):
    url = reverse("conferences:conference_actions", args=[conference.pk])
    response = client_for(kpb_a_user).post(
        url, {"text": "Lagebild", "owner": "police", "due_date": _day(conference, -3).isoformat()}
    )

    assert response.status_code == 400
    assert "darf nicht vor der Konferenz" in response.content.decode()
    assert not Action.objects.exists()


def test_form_with_an_agency_not_on_the_list_is_refused(conference, kpb_a_user):
    stranger = PartnerAgency.objects.get(slug="lg-dortmund")
    url = reverse("conferences:conference_actions", args=[conference.pk])
    response = client_for(kpb_a_user).post(
        url,
        {
            "text": "Lagebild",
            "owner": str(stranger.pk),
            "due_date": _day(conference, 3).isoformat(),
        },
    )

    assert response.status_code == 400
    assert not Action.objects.exists()


def test_kpb_staff_adds_an_action_through_the_conference_page(conference, kpb_a_user, agency):
    url = reverse("conferences:conference_actions", args=[conference.pk])
    response = client_for(kpb_a_user).post(
        url,
        {
            "text": "Präventionsprojekt Schulen",
            "owner": str(agency.pk),
            "due_date": _day(conference, 60).isoformat(),
        },
    )

    assert response.status_code == 302
    page = client_for(kpb_a_user).get(url).content.decode()
    assert "Präventionsprojekt Schulen" in page


def test_read_only_state_body_cannot_add_an_action(conference, lka_user):
    url = reverse("conferences:conference_actions", args=[conference.pk])
    response = client_for(lka_user).post(
        url, {"text": "x", "owner": "police", "due_date": _day(conference, 3).isoformat()}
    )
    assert response.status_code == 403


# Carried to the next conference ----------------------------------------------------------------


def test_open_actions_are_put_on_the_next_conference_agenda(conference, kpb_a_user, agency):
    open_action = _action(conference, kpb_a_user, owner=agency, text="Streife Hbf")
    done = _action(conference, kpb_a_user, text="Erledigtes")
    actions.change_action_state(done, state=ActionState.DONE, note="fertig", by=kpb_a_user)

    next_conference = make_conference(kpb_a_user, days_ahead=90, title="SiKo Herbst")

    carried = list(next_conference.agenda_items.filter(source_action__isnull=False))
    assert [item.source_action for item in carried] == [open_action]
    assert carried[0].title == "Beschlusskontrolle: Streife Hbf"


def test_action_agreed_later_goes_onto_the_already_planned_next_conference(conference, kpb_a_user):
    next_conference = make_conference(kpb_a_user, days_ahead=90, title="SiKo Herbst")
    action = _action(conference, kpb_a_user, text="Nachgereicht")

    assert next_conference.agenda_items.filter(source_action=action).count() == 1
    assert conference.agenda_items.filter(source_action=action).count() == 0


def test_organiser_may_remove_a_carried_action_from_the_agenda(conference, kpb_a_user):
    action = _action(conference, kpb_a_user)
    next_conference = make_conference(kpb_a_user, days_ahead=90)
    item = next_conference.agenda_items.get(source_action=action)

    services.remove_agenda_item(item, by=kpb_a_user)

    assert not AgendaItem.objects.filter(source_action=action).exists()
    assert Action.objects.filter(pk=action.pk, state=ActionState.OPEN).exists()


def test_actions_of_another_authority_are_not_carried(conference, kpb_a_user, kpb_b_user):
    _action(conference, kpb_a_user)
    other = make_conference(kpb_b_user, days_ahead=90)
    assert not other.agenda_items.filter(source_action__isnull=False).exists()


# State changes ---------------------------------------------------------------------------------


def test_state_change_keeps_a_note_with_who_and_when(conference, kpb_a_user):
    action = _action(conference, kpb_a_user)
    actions.change_action_state(
        action, state=ActionState.IN_PROGRESS, note="Termin steht", by=kpb_a_user
    )

    change = action.changes.last()
    assert (change.state_before, change.state_after, change.note, change.by) == (
        ActionState.OPEN,
        ActionState.IN_PROGRESS,
        "Termin steht",
        kpb_a_user,
    )


def test_done_without_a_note_is_refused(conference, kpb_a_user):
    action = _action(conference, kpb_a_user)
    with pytest.raises(actions.ActionError, match="begründen"):
        actions.change_action_state(action, state=ActionState.DONE, note="", by=kpb_a_user)
    action.refresh_from_db()
    assert action.state == ActionState.OPEN


def test_state_change_through_the_detail_page(conference, kpb_a_user):
    action = _action(conference, kpb_a_user)
    url = reverse("conferences:action_detail", args=[action.pk])
    response = client_for(kpb_a_user).post(url, {"state": "dropped", "note": "entfällt"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.DROPPED


# Traffic light ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "state", "light"),
    [
        (date(2027, 5, 1), ActionState.OPEN, TrafficLight.ON_TRACK),
        (date(2027, 5, 17), ActionState.OPEN, TrafficLight.ON_TRACK),
        (date(2027, 5, 18), ActionState.OPEN, TrafficLight.DUE_SOON),
        (date(2027, 6, 1), ActionState.IN_PROGRESS, TrafficLight.DUE_SOON),
        (date(2027, 6, 2), ActionState.OPEN, TrafficLight.OVERDUE),
        (date(2027, 6, 2), ActionState.DONE, TrafficLight.CLOSED),
    ],
)
def test_traffic_light_on_fixed_dates(today, state, light):
    action = Action(due_date=date(2027, 6, 1), state=state, owner_is_police=True)
    assert action.traffic_light(today) == light


# The table -------------------------------------------------------------------------------------


def test_table_shows_own_open_actions_and_filters_overdue(conference, kpb_a_user, agency):
    late = _action(conference, kpb_a_user, text="Spät dran", owner=agency)
    _action(conference, kpb_a_user, text="Noch Zeit", days=200)
    Action.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    client = client_for(kpb_a_user)

    page = client.get(reverse("conferences:action_list")).content.decode()
    overdue = client.get(reverse("conferences:action_list") + "?ampel=overdue").content.decode()

    assert "Spät dran" in page and "Noch Zeit" in page
    assert "Spät dran" in overdue and "Noch Zeit" not in overdue
    assert "überfällig" in overdue


def test_kpb_b_does_not_see_kpb_a_actions_but_lzpd_does(
    conference, kpb_a_user, kpb_b_user, lzpd_user
):
    action = _action(conference, kpb_a_user, text="Nur Dortmund")

    assert (
        "Nur Dortmund"
        not in client_for(kpb_b_user).get(reverse("conferences:action_list")).content.decode()
    )
    assert client_for(kpb_b_user).get(action.get_absolute_url()).status_code == 404
    lzpd_page = (
        client_for(lzpd_user)
        .get(reverse("conferences:action_list") + "?behoerde=pp-dortmund")
        .content.decode()
    )
    assert "Nur Dortmund" in lzpd_page


def test_csv_export_has_the_filtered_actions(conference, kpb_a_user, agency):
    _action(conference, kpb_a_user, text="=Formel", owner=agency)
    response = client_for(kpb_a_user).get(reverse("conferences:action_export"))

    body = response.content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("Behörde;Konferenz;Konferenzdatum;Maßnahme")
    assert "'=Formel;Staatsanwaltschaft Dortmund" in lines[1]


def test_action_table_queries_do_not_grow(conference, kpb_a_user, agency):
    def grow():
        for number in range(5):
            _action(conference, kpb_a_user, text=f"Maßnahme {number}", owner=agency)
            _action(conference, kpb_a_user, text=f"Polizei {number}")

    _action(conference, kpb_a_user)
    assert_constant_queries(client_for(kpb_a_user), reverse("conferences:action_list"), grow)


def test_conference_actions_page_queries_do_not_grow(conference, kpb_a_user, agency):
    url = reverse("conferences:conference_actions", args=[conference.pk])
    _action(conference, kpb_a_user)
    assert_constant_queries(
        client_for(kpb_a_user),
        url,
        lambda: [_action(conference, kpb_a_user, owner=agency, text=f"M{n}") for n in range(5)],
    )


# The partner's signed link ---------------------------------------------------------------------


def test_partner_reports_progress_through_the_signed_link(conference, kpb_a_user, agency):
    action = _action(conference, kpb_a_user, owner=agency)
    url = reverse("conferences:action_link", args=[followup_links.action_token(action)])
    client = client_for(None)

    shown = client.get(url)
    assert shown.status_code == 200
    assert action.text in shown.content.decode()
    response = client.post(url, {"state": "in_progress", "note": "Gespräche laufen"})

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == ActionState.IN_PROGRESS
    change = action.changes.last()
    assert (change.note, change.by, change.by_name) == (
        "Gespräche laufen",
        None,
        "Staatsanwaltschaft Dortmund (über den Link)",
    )


def test_altered_link_is_refused_and_changes_nothing(conference, kpb_a_user, agency):
    action = _action(conference, kpb_a_user, owner=agency)
    token = followup_links.action_token(action)[:-2] + "xx"
    response = client_for(None).post(
        reverse("conferences:action_link", args=[token]), {"state": "done", "note": "x"}
    )
    assert response.status_code == 404
    action.refresh_from_db()
    assert action.state == ActionState.OPEN


def test_closed_action_cannot_be_changed_through_the_link(conference, kpb_a_user, agency):
    action = _action(conference, kpb_a_user, owner=agency)
    actions.change_action_state(action, state=ActionState.DONE, note="erledigt", by=kpb_a_user)
    response = client_for(None).post(
        reverse("conferences:action_link", args=[followup_links.action_token(action)]),
        {"state": "open", "note": "wieder auf"},
    )
    assert response.status_code == 409
    assert ActionChange.objects.filter(action=action).count() == 2


# Reminders -------------------------------------------------------------------------------------


def _at(day):
    return datetime.combine(day, time(6, 5), tzinfo=timezone.get_default_timezone())


def _reminders_to(address):
    return OutgoingMail.objects.filter(kind=MailKind.REMINDER, to=address)


def test_owner_is_reminded_before_the_due_date_and_when_overdue_each_once(
    conference, kpb_a_user, agency, django_capture_on_commit_callbacks
):
    action = _action(conference, kpb_a_user, owner=agency, days=30)
    week_before, day_after = action.due_date - timedelta(days=7), action.due_date + timedelta(1)

    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=_at(week_before - timedelta(days=1)))
    assert _reminders_to(PARTNER_MAIL).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=_at(week_before))
        send_due_reminders(now=_at(week_before))
    assert [m.subject for m in _reminders_to(PARTNER_MAIL)] == [
        f"Erinnerung: Maßnahme aus der Sicherheitskonferenz fällig am {action.due_date:%d.%m.%Y}"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=_at(day_after))
        send_due_reminders(now=_at(day_after + timedelta(days=3)))
    subjects = [m.subject for m in _reminders_to(PARTNER_MAIL).order_by("pk")]
    assert len(subjects) == 2
    assert subjects[1].startswith("Überfällig seit")


def test_police_owner_reminder_goes_to_the_organiser(
    conference, kpb_a_user, django_capture_on_commit_callbacks
):
    action = _action(conference, kpb_a_user, days=30)
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=_at(action.due_date + timedelta(days=1)))
    assert _reminders_to(kpb_a_user.email).count() == 1


def test_done_action_is_not_reminded(
    conference, kpb_a_user, agency, django_capture_on_commit_callbacks
):
    action = _action(conference, kpb_a_user, owner=agency, days=30)
    actions.change_action_state(action, state=ActionState.DONE, note="fertig", by=kpb_a_user)
    with django_capture_on_commit_callbacks(execute=True):
        send_due_reminders(now=_at(action.due_date + timedelta(days=1)))
    assert _reminders_to(PARTNER_MAIL).count() == 0
