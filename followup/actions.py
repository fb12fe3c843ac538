"""Writes and reads of the Beschlusskontrolle: agreed actions, their state changes, and carrying
open actions onto the next conference's agenda."""

import io
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import Authority, PartnerAgency, User
from conferences.enums import ConferenceStatus
from conferences.models import AgendaItem, Conference
from followup.models import (
    ACTIVE_ACTION_STATES,
    DUE_SOON_DAYS,
    Action,
    ActionChange,
    ActionState,
    TrafficLight,
)
from siko.audit import log_action
from siko.page_cache import cached_value
from siko.spreadsheet import csv_writer

AGENDA_PREFIX = "Beschlusskontrolle: "


class ActionError(Exception):
    """A rule of the Beschlusskontrolle was broken; the message is German and for the user."""


# Writes ----------------------------------------------------------------------------------------


def _check_owner(conference: Conference, owner_agency: PartnerAgency | None) -> None:
    if owner_agency is None:
        return
    if not conference.invitations.filter(agency=owner_agency).exists():
        raise ActionError(
            _(
                "%(agency)s wurde zu dieser Konferenz nicht eingeladen und kann daher keine "
                "Maßnahme übernehmen."
            )
            % {"agency": owner_agency.name}
        )


def _check_host(conference: Conference, by: User | None) -> None:
    """Only the host authority records and follows up actions (a co-host reads them)."""
    from conferences.services import ConferenceError, check_host

    try:
        check_host(conference, by)
    except ConferenceError as error:
        raise ActionError(str(error)) from error


def _check_due_date(conference: Conference, due_date: date) -> None:
    conference_day = timezone.localtime(conference.start).date()
    if due_date < conference_day:
        raise ActionError(
            _("Das Fälligkeitsdatum darf nicht vor der Konferenz (%(day)s) liegen.")
            % {"day": conference_day.strftime("%d.%m.%Y")}
        )


@transaction.atomic
def create_action(
    conference: Conference,
    *,
    text: str,
    due_date: date,
    owner_agency: PartnerAgency | None,
    by: User,
) -> Action:
    """A new open action of the conference. Invariants: the owner is the police (no agency) or an
    agency invited to this conference; the due date is not before the conference day. A partner
    owner gets a mail with its signed update link; reminders before the due date and when
    overdue are planned; the action goes onto the host's next planned conference."""
    _check_host(conference, by)
    if conference.status == ConferenceStatus.CANCELLED:
        raise ActionError(_("Eine abgesagte Konferenz hat keine Maßnahmen."))
    if not text.strip():
        raise ActionError(_("Bitte beschreiben Sie die Maßnahme."))
    _check_due_date(conference, due_date)
    _check_owner(conference, owner_agency)
    action = Action.objects.create(
        conference=conference,
        text=text.strip(),
        due_date=due_date,
        owner_agency=owner_agency,
        owner_is_police=owner_agency is None,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    ActionChange.objects.create(
        action=action,
        state_before="",
        state_after=ActionState.OPEN,
        note=_("Maßnahme angelegt"),
        by=action.created_by,
    )
    from followup.reminders import actions as action_reminders

    action_reminders.notify_owner(action)
    action_reminders.plan_action_reminders(action)
    _carry_to_next_conference(action)
    log_action("action.created", action, actor=by, authority=conference.host)
    return action


@transaction.atomic
def change_action_state(
    action: Action, *, state: str, note: str = "", by: User | None = None, by_name: str = ""
) -> Action:
    """Records a state change with its note. A note without a state change is recorded as
    well (a progress report); nothing at all changes only when state and note are unchanged."""
    action = Action._base_manager.select_for_update().get(pk=action.pk)
    _check_host(Conference._base_manager.get(pk=action.conference_id), by)
    if state not in ActionState.values:
        raise ActionError(_("Bitte wählen Sie einen gültigen Status."))
    note = note.strip()
    if state == action.state and not note:
        raise ActionError(_("Bitte ändern Sie den Status oder schreiben Sie einen Vermerk."))
    if state in (ActionState.DONE, ActionState.DROPPED) and not note:
        raise ActionError(_("Bitte begründen Sie die Erledigung oder das Verwerfen kurz."))
    before = action.state
    action.state = state
    action.save(update_fields=["state", "updated"])
    user = by if getattr(by, "is_authenticated", False) else None
    ActionChange.objects.create(
        action=action,
        state_before=before,
        state_after=state,
        note=note,
        by=user,
        by_name=by_name,
    )
    if state not in ACTIVE_ACTION_STATES:
        from followup.reminders.actions import cancel_action_reminders

        cancel_action_reminders(action)
    conference = Conference._base_manager.select_related("host").get(pk=action.conference_id)
    log_action(
        "action.state_changed",
        action,
        actor=user,
        authority=conference.host,
        data={"from": before, "to": state},
    )
    return action


#: Planned conferences: their agendas may still take open actions.
PLANNED_STATES = [ConferenceStatus.DRAFT, ConferenceStatus.SCHEDULED]


def _editable_upcoming(host_id: int, *, exclude_pk: int | None = None) -> QuerySet[Conference]:
    qs = Conference._base_manager.filter(
        host_id=host_id, status__in=PLANNED_STATES, start__gt=timezone.now()
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start", "pk")


def _agenda_item_for(action: Action, conference: Conference, order: int) -> AgendaItem:
    owner = action.owner_name
    title = AGENDA_PREFIX + str(action)
    return AgendaItem(
        conference=conference,
        order=order,
        title=title[:200],
        notes=_("Zuständig: %(owner)s · fällig am %(due)s · Status: %(state)s")
        % {
            "owner": owner,
            "due": action.due_date.strftime("%d.%m.%Y"),
            "state": action.get_state_display(),
        },
        source_action=action,
    )


def _carry_to_next_conference(action: Action) -> None:
    """A new action of an earlier conference goes onto the host's next planned conference while
    that is a draft. Once its invitations are out, the agenda does not change silently: the
    organiser is offered the action there (offered_actions) and sends an update if added."""
    conference = action.conference
    upcoming = (
        _editable_upcoming(conference.host_id, exclude_pk=conference.pk)
        .filter(start__gt=conference.start)
        .first()
    )
    if upcoming is None or upcoming.status != ConferenceStatus.DRAFT:
        return
    last = upcoming.agenda_items.aggregate(m=Max("order"))["m"] or 0
    _agenda_item_for(action, upcoming, last + 1).save()


def offered_actions(conference: Conference) -> QuerySet[Action]:
    """The host's open actions of earlier conferences that are on neither this conference's
    agenda nor another planned conference's: what a planned conference's agenda may take."""
    on_agendas = AgendaItem._base_manager.filter(
        Q(conference=conference)
        | Q(conference__status__in=PLANNED_STATES, conference__start__gt=timezone.now()),
        source_action__isnull=False,
    ).values("source_action_id")
    return (
        Action._base_manager.filter(
            conference__host_id=conference.host_id,
            state__in=ACTIVE_ACTION_STATES,
            conference__start__lt=conference.start,
        )
        .exclude(conference=conference)
        .exclude(pk__in=on_agendas)
        .select_related("conference__host", "owner_agency")
        .order_by("due_date", "pk")
    )


def offered_action_count(conference: Conference, *, token: str) -> int:
    """How many actions `offered_actions` returns, kept under the pages' data version `token`
    (siko.page_version tracks actions, agenda items and conferences). The clock enters only
    through the planned conferences whose agendas have taken actions: the offer changes when one
    of them starts. So the key holds how many of their starts have passed (their starts are kept
    under the token too), and the count is exact at every moment without a query per page."""
    starts = cached_value(
        "planned-starts-with-actions",
        (),
        lambda: sorted(
            AgendaItem._base_manager.filter(
                conference__status__in=PLANNED_STATES, source_action__isnull=False
            )
            .order_by()
            .values_list("conference__start", flat=True)
            .distinct()
        ),
        token=token,
    )
    passed = bisect_right(starts, timezone.now())
    return cached_value(
        "offered-actions",
        (conference.pk, passed),
        lambda: offered_actions(conference).count(),
        token=token,
    )


def _append_to_agenda(conference: Conference, actions: Iterable[Action]) -> list[AgendaItem]:
    last = conference.agenda_items.aggregate(m=Max("order"))["m"] or 0
    return AgendaItem.objects.bulk_create(
        _agenda_item_for(action, conference, last + number)
        for number, action in enumerate(actions, start=1)
    )


def add_open_actions_to_agenda(conference: Conference) -> int:
    """Puts the host's open actions of earlier conferences on a new conference's agenda, one item
    each (the organiser may remove them). Actions already on another planned conference's agenda
    stay there. Runs inside create_conference's transaction (signal conference_created), so the
    conference is a draft: nobody has been invited yet."""
    return len(_append_to_agenda(conference, offered_actions(conference)))


@transaction.atomic
def add_offered_actions(conference: Conference, *, action_ids: Iterable[int], by: User) -> int:
    """The organiser puts offered open actions onto the agenda of a planned conference. When its
    invitations are out, every invited agency gets the update notice naming the new items, once
    (conferences.services.notify_agenda_extended). Returns the number of items added."""
    from conferences.services import ConferenceError, notify_agenda_extended

    _check_host(conference, by)
    if conference.status not in PLANNED_STATES or conference.has_started:
        raise ActionError(
            _(
                "Die Tagesordnung einer begonnenen, durchgeführten oder abgesagten Konferenz "
                "ändert sich nicht mehr."
            )
        )
    wanted = set(action_ids)
    chosen = [a for a in offered_actions(conference) if a.pk in wanted]
    if not chosen:
        raise ActionError(
            _(
                "Bitte wählen Sie mindestens eine offene Maßnahme, die noch nicht auf der "
                "Tagesordnung steht."
            )
        )
    items = _append_to_agenda(conference, chosen)
    log_action(
        "agenda.changed",
        conference,
        actor=by,
        authority=conference.host,
        data={"actions": [a.pk for a in chosen]},
    )
    try:
        notify_agenda_extended(conference, titles=[i.title for i in items], by=by)
    except ConferenceError as error:
        raise ActionError(str(error)) from error
    return len(items)


def carry_open_actions(sender: object, *, conference: Conference, **kwargs: object) -> None:
    """Receiver of conferences' conference_created signal (connected in FollowupConfig)."""
    add_open_actions_to_agenda(conference)


# Reads -----------------------------------------------------------------------------------------


def annotate_light(actions: Iterable[Action], today: date) -> list[Action]:
    rows = list(actions)
    for action in rows:
        action.light = action.traffic_light(today)
        action.light_label = action.traffic_light_label(today)
    return rows


def action_table(
    *,
    state: str = "active",
    light: str = "",
    authority: Authority | None = None,
    owner: str = "",
    search: str = "",
    today: date | None = None,
) -> QuerySet[Action]:
    """The actions across conferences visible in the current scope, filtered.

    state: "active" (open or in progress), "all" or one ActionState; light: a TrafficLight of
    an active action; owner: "police", or an agency's slug.
    """
    today = today or timezone.localdate()
    qs = Action.objects.select_related("conference", "conference__host", "owner_agency")
    if state == "active":
        qs = qs.filter(state__in=ACTIVE_ACTION_STATES)
    elif state in ActionState.values:
        qs = qs.filter(state=state)
    if light == TrafficLight.OVERDUE:
        qs = qs.filter(state__in=ACTIVE_ACTION_STATES, due_date__lt=today)
    elif light == TrafficLight.DUE_SOON:
        qs = qs.filter(
            state__in=ACTIVE_ACTION_STATES,
            due_date__gte=today,
            due_date__lte=today + timedelta(days=DUE_SOON_DAYS),
        )
    elif light == TrafficLight.ON_TRACK:
        qs = qs.filter(
            state__in=ACTIVE_ACTION_STATES, due_date__gt=today + timedelta(days=DUE_SOON_DAYS)
        )
    if authority is not None:
        qs = qs.filter(conference__authorities=authority)
    if owner == "police":
        qs = qs.filter(owner_is_police=True)
    elif owner:
        qs = qs.filter(owner_agency__slug=owner)
    if search:
        qs = qs.filter(Q(text__icontains=search) | Q(owner_agency__name__icontains=search))
    return qs.order_by("due_date", "pk")


@dataclass(frozen=True)
class ActionSummary:
    active: int
    overdue: int
    due_soon: int


def action_summary(authority: Authority, *, today: date | None = None) -> ActionSummary:
    """Counts of the authority's active actions for its dashboard (one query)."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=DUE_SOON_DAYS)
    from django.db.models import Count

    counts = Action._base_manager.filter(
        conference__authorities=authority, state__in=ACTIVE_ACTION_STATES
    ).aggregate(
        active=Count("pk", distinct=True),
        overdue=Count("pk", distinct=True, filter=Q(due_date__lt=today)),
        due_soon=Count("pk", distinct=True, filter=Q(due_date__gte=today, due_date__lte=soon)),
    )
    return ActionSummary(**counts)


def _csv_header() -> list[str]:
    return [
        _("Behörde"),
        _("Konferenz"),
        _("Konferenzdatum"),
        _("Maßnahme"),
        _("Zuständig"),
        _("Fällig am"),
        _("Status"),
        _("Ampel"),
    ]


def render_actions_csv(actions: Iterable[Action], *, today: date) -> str:
    """Semicolon-separated with a BOM, as Excel in a German locale expects; the writer guards
    every text cell against formulas (titles, host names, action texts, owners)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)
    writer.writerow(_csv_header())
    for action in actions:
        writer.writerow(
            [
                action.conference.host.short_name,
                action.conference.title,
                timezone.localtime(action.conference.start).strftime("%d.%m.%Y"),
                action.text,
                action.owner_name,
                action.due_date.strftime("%d.%m.%Y"),
                action.get_state_display(),
                action.traffic_light_label(today),
            ]
        )
    return out.getvalue()
