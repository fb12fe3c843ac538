"""Outcomes of the minutes feed the Beschlusskontrolle (issue 12): an agenda item with outcome
"Maßnahme" becomes the action (text, owner, due date) when the minutes are saved, once."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from authorities.models import PartnerAgency
from conferences.services import ConferenceError
from followup import minutes as services_minutes
from followup.models import Action, ActionState, OutcomeType
from followup.outcomes import ActionProposal, save_minutes_with_actions
from tests.conftest import client_for
from tests.followup.test_attendance import attend, make_past_conference

pytestmark = pytest.mark.django_db

TEXT = "Beleuchtung der Unterführung am Hauptbahnhof prüfen"


@pytest.fixture
def draft(kpb_a_user):
    conference = attend(make_past_conference(kpb_a_user), kpb_a_user)
    return services_minutes.get_or_create_draft(conference, by=kpb_a_user)


def _save(draft, user, *, due, owner=None, outcome_type=OutcomeType.ACTION, notes=""):
    """Saves the draft with the first entry's outcome and an action proposal for it."""
    first = draft.entries.order_by("order", "pk").first()
    entries = {first.pk: {"report": "", "outcome_type": outcome_type, "outcome": TEXT}}
    return save_minutes_with_actions(
        draft,
        notes=notes,
        entries=entries,
        proposals={first.pk: ActionProposal(due, owner)},
        by=user,
    )


def test_outcome_action_creates_the_action_once(draft, kpb_a_user):
    due = timezone.localdate() + timedelta(days=30)
    sta = PartnerAgency.objects.get(slug="sta-dortmund")

    _minutes, made = _save(draft, kpb_a_user, due=due, owner=sta)
    _minutes, again = _save(draft, kpb_a_user, due=due, owner=sta)

    action = Action.objects.get()
    assert made == [action]
    assert again == []
    assert (action.text, action.owner_agency, action.due_date, action.state) == (
        TEXT,
        sta,
        due,
        ActionState.OPEN,
    )
    assert draft.entries.order_by("order", "pk").first().action == action


def test_outcome_information_or_no_due_date_creates_nothing(draft, kpb_a_user):
    due = timezone.localdate() + timedelta(days=30)
    _save(draft, kpb_a_user, due=due, outcome_type=OutcomeType.INFORMATION)
    _save(draft, kpb_a_user, due=None)
    assert Action.objects.count() == 0


def test_a_bad_due_date_refuses_the_whole_save(draft, kpb_a_user):
    entry = draft.entries.order_by("order", "pk").first()
    expected = re.escape(f"TOP {entry.order} „{entry.title}“: Das Fälligkeitsdatum")
    with pytest.raises(ConferenceError, match=expected):
        _save(draft, kpb_a_user, due=timezone.localdate() - timedelta(days=30), notes="Neu")
    draft.refresh_from_db()
    assert draft.notes == ""
    assert Action.objects.count() == 0


def _post(draft, **extra):
    data = {"notes": ""}
    for entry in draft.entries.all():
        data.update(
            {
                f"report_{entry.pk}": "",
                f"type_{entry.pk}": OutcomeType.INFORMATION,
                f"outcome_{entry.pk}": "",
            }
        )
    data.update(extra)
    return data


def test_the_officer_types_owner_and_due_date_beside_the_outcome(draft, kpb_a_user):
    entry = draft.entries.order_by("order", "pk").first()
    client = client_for(kpb_a_user)
    url = reverse("conferences:minutes_edit", args=[draft.conference_id])
    due = timezone.localdate() + timedelta(days=20)
    data = _post(
        draft,
        **{
            f"type_{entry.pk}": OutcomeType.ACTION,
            f"outcome_{entry.pk}": TEXT,
            f"owner_{entry.pk}": "police",
            f"due_{entry.pk}": due.isoformat(),
        },
    )
    page = client.get(url).content.decode()
    assert "Zuständig für die Maßnahme" in page

    first = client.post(url, data, follow=True)
    client.post(url, data)  # the same form sent twice (a double click, the back button)

    action = Action.objects.get()
    assert (action.text, action.owner_is_police, action.due_date) == (TEXT, True, due)
    assert "1 Maßnahme in die Beschlusskontrolle übernommen." in first.content.decode()
    edit = client.get(url).content.decode()
    assert "In der Beschlusskontrolle:" in edit
    assert action.get_absolute_url() in edit


def test_page_keeps_the_text_and_names_the_item_when_the_action_is_refused(draft, kpb_a_user):
    entry = draft.entries.order_by("order", "pk").first()
    url = reverse("conferences:minutes_edit", args=[draft.conference_id])
    data = _post(
        draft,
        notes="Begrüßung durch den Polizeipräsidenten",
        **{
            f"type_{entry.pk}": OutcomeType.ACTION,
            f"outcome_{entry.pk}": TEXT,
            f"due_{entry.pk}": (timezone.localdate() - timedelta(days=30)).isoformat(),
        },
    )
    response = client_for(kpb_a_user).post(url, data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "darf nicht vor der Konferenz" in body
    assert "Begrüßung durch den Polizeipräsidenten" in body
    assert Action.objects.count() == 0
