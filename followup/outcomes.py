"""Outcomes of the minutes feed the Beschlusskontrolle: an agenda item whose outcome is
"Maßnahme" becomes an Action (text, owner, due date) when the minutes are saved; the officer does
not type it again.

Above followup.minutes and followup.actions (which know nothing of each other): saving the
draft and creating its actions is one transaction.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from authorities.models import PartnerAgency, User
from conferences.services import ConferenceError
from followup.actions import ActionError, create_action
from followup.minutes import save_minutes_draft
from followup.models import Action, Minutes, OutcomeType


@dataclass(frozen=True)
class ActionProposal:
    """Owner and due date typed beside an outcome "Maßnahme"; agency None: the police."""

    due_date: date | None
    owner_agency: PartnerAgency | None = None


@transaction.atomic
def save_minutes_with_actions(
    minutes: Minutes,
    *,
    notes: str,
    entries: dict[int, dict[str, str]],
    proposals: dict[int, ActionProposal],
    by: User,
) -> tuple[Minutes, list[Action]]:
    """Saves the draft (followup.minutes.save_minutes_draft), then makes one action per entry
    with outcome "Maßnahme", a due date and no action yet: its text is the outcome (or the
    item's title). Idempotent: an entry that has its action gets no second one, whatever is
    submitted again; the action is then followed up in the Beschlusskontrolle. An action that
    breaks a rule (a due date before the conference, an owner not invited) refuses the whole
    save with the item named. Returns the minutes and the actions made."""
    minutes = save_minutes_draft(minutes, notes=notes, entries=entries, by=by)
    conference = minutes.conference
    created = []
    pending = minutes.entries.filter(outcome_type=OutcomeType.ACTION, action__isnull=True)
    for entry in pending.order_by("order", "pk"):
        proposal = proposals.get(entry.pk)
        if proposal is None or proposal.due_date is None:
            continue
        try:
            action = create_action(
                conference,
                text=entry.outcome.strip() or entry.title,
                due_date=proposal.due_date,
                owner_agency=proposal.owner_agency,
                by=by,
            )
        except ActionError as error:
            raise ConferenceError(
                _("TOP %(order)s „%(title)s“: %(error)s")
                % {"order": entry.order, "title": entry.title, "error": error}
            ) from error
        entry.action = action
        entry.save(update_fields=["action"])
        created.append(action)
    return minutes, created
