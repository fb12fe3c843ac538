"""Writes of the planning and invitation workflow. Each service checks its rules first (raising
ConferenceError with a German message), then writes in one transaction and audits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.enums import PartnerCategory
from authorities.models import ADDRESSEE_ORDER, Authority, PartnerAgency, User
from conferences import mails, sending
from conferences.closed_years import closed_year_reason
from conferences.enums import (
    ANSWERED_STATES,
    AnswerChannel,
    ConferenceKind,
    ConferenceStatus,
    InvitationState,
)
from conferences.models import AgendaItem, Conference, Invitation, MandatedTopic
from conferences.signals import conference_created
from notifications import queue as delivery
from notifications.compose import compose
from notifications.enums import MailKind
from notifications.models import Reminder
from siko.audit import log_action
from siko.collation import german_key
from siko.organisations import OrganisationKind
from siko.validation import check_date_window, plausible_window

#: Reminder rule for invitations without an answer, planned here and sent by reminders.py.
INVITATION_UNANSWERED = "invitation_unanswered"
REMINDER_DAYS_BEFORE = (14, 3)
RESCHEDULING_FIELDS = ("start", "end", "place")


class ConferenceError(Exception):
    """A rule of the planning workflow was broken; the message is German and for the user."""


def _check_times(start: datetime, end: datetime, *, allow_past: bool = False) -> None:
    if end <= start:
        raise ConferenceError(_("Das Ende muss nach dem Beginn liegen."))
    if not allow_past and start < timezone.now():
        raise ConferenceError(_("Eine neue Konferenz kann nicht in der Vergangenheit beginnen."))


def _check_kind(kind: str, host: Authority) -> None:
    if kind == ConferenceKind.SIKO_AP and not host.has_autobahnpolizei:
        raise ConferenceError(
            _("Eine Siko-AP können nur Behörden mit Autobahnpolizei (§ 12 POG NRW) ausrichten.")
        )


def check_host(conference: Conference, by: User | None) -> None:
    """Only the host authority plans and follows up a conference; the staff of a co-host see it
    but change nothing. Callers without an authority (admin, a partner's link) are not refused
    here: their permission is decided elsewhere."""
    authority_id = by.authority_id if by is not None else None
    if authority_id is not None and authority_id != conference.host_id:
        raise ConferenceError(
            _(
                "Nur die gastgebende Behörde (%(host)s) kann diese Konferenz planen und "
                "nachbereiten; als Mitveranstalter sehen Sie sie nur."
            )
            % {"host": conference.host.short_name}
        )


def _check_editable(conference: Conference) -> None:
    if conference.status == ConferenceStatus.CANCELLED:
        raise ConferenceError(_("Eine abgesagte Konferenz kann nicht mehr geändert werden."))
    if conference.status == ConferenceStatus.HELD:
        raise ConferenceError(_("Eine durchgeführte Konferenz kann nicht mehr geplant werden."))


@transaction.atomic
def create_conference(
    *, host: Authority, data: dict[str, Any], co_hosts: Iterable[Authority] = (), by: User
) -> Conference:
    """A new draft with the mandated topics proposed as numbered agenda items."""
    _check_times(data["start"], data["end"])
    _check_kind(data.get("kind", ConferenceKind.SIKO), host)
    conference = Conference.objects.create(host=host, organiser=by, **data)
    conference.authorities.set([host])
    for number, topic in enumerate(MandatedTopic.objects.active(), start=1):
        AgendaItem.objects.create(
            conference=conference, order=number, topic=topic, title=topic.title
        )
    # Later apps add to the draft in the same transaction (followup: open actions).
    conference_created.send(sender=Conference, conference=conference)
    log_action("conference.created", conference, actor=by, authority=host)
    _set_co_hosts(conference, co_hosts, by=by)
    return conference


def _check_past(start: datetime, end: datetime) -> None:
    """A conference entered afterwards has ended, lies in the plausible window and in a year
    that is not closed by a final annual report (conferences.closed_years)."""
    if end <= start:
        raise ConferenceError(_("Das Ende muss nach dem Beginn liegen."))
    if end > timezone.now():
        raise ConferenceError(
            _(
                "Nachgetragen werden nur Konferenzen, die bereits stattgefunden haben. Eine "
                "künftige Konferenz planen Sie bitte über „Konferenz planen“."
            )
        )
    earliest, latest = plausible_window()
    try:
        check_date_window(start, earliest=earliest, latest=latest)
    except ValidationError as error:
        raise ConferenceError(" ".join(error.messages)) from error
    closed = closed_year_reason(timezone.localtime(start).year)
    if closed:
        raise ConferenceError(closed)


@transaction.atomic
def create_past_conference(
    *,
    host: Authority,
    data: dict[str, Any],
    co_hosts: Iterable[Authority] = (),
    topics: Iterable[MandatedTopic] = (),
    free_titles: Iterable[str] = (),
    agencies: Iterable[PartnerAgency] = (),
    by: User,
) -> Conference:
    """A conference held outside SiKo, entered afterwards ("Konferenz nachtragen"): held at
    once and marked entered_afterwards, with its agenda (the mandated topics dealt with, then
    free items) and the agencies that were invited, each as sent. Nothing is sent: no
    invitation, calendar entry, co-host notice or reminder. Refused for a future end, a date
    outside the plausible window and a year closed by a final annual report. Attendance and
    minutes are recorded by followup.records, which wraps this service."""
    _check_past(data["start"], data["end"])
    _check_kind(data.get("kind", ConferenceKind.SIKO), host)
    year = timezone.localtime(data["start"]).year
    topics = list(topics)
    in_force = set(MandatedTopic.objects.in_force(year).values_list("pk", flat=True))
    outside = sorted(t.title for t in topics if t.pk not in in_force)
    if outside:
        raise ConferenceError(
            _("Im Jahr %(year)s kein Pflichtthema: %(titles)s.")
            % {"year": year, "titles": ", ".join(outside)}
        )
    agencies = list(dict.fromkeys(agencies))
    if not agencies:
        raise ConferenceError(_("Bitte nennen Sie mindestens eine eingeladene Partnerbehörde."))
    authorities = [host, *(a for a in co_hosts if a.pk != host.pk)]
    covered = set(
        PartnerAgency._base_manager.filter(
            pk__in=[a.pk for a in agencies], coverages__authority__in=authorities
        ).values_list("pk", flat=True)
    )
    foreign = sorted((a.name for a in agencies if a.pk not in covered), key=german_key)
    if foreign:
        raise ConferenceError(
            _("Nicht im Bereich der beteiligten Behörden zuständig: %(names)s.")
            % {"names": ", ".join(foreign)}
        )
    conference = Conference.objects.create(
        host=host,
        organiser=by,
        status=ConferenceStatus.HELD,
        entered_afterwards=True,
        **data,
    )
    conference.authorities.set([host])
    titles: list[tuple[MandatedTopic | None, str]] = [(topic, topic.title) for topic in topics]
    titles += [(None, title.strip()) for title in free_titles if title.strip()]
    AgendaItem.objects.bulk_create(
        AgendaItem(conference=conference, order=number, topic=topic, title=title[:200])
        for number, (topic, title) in enumerate(titles, start=1)
    )
    for agency in agencies:
        _new_invitation(conference, agency, state=InvitationState.SENT)
    log_action(
        "conference.entered_afterwards",
        conference,
        actor=by,
        authority=host,
        data={
            "agencies": [a.pk for a in agencies],
            "topics": [t.key for t, _title in titles if t is not None],
        },
    )
    _set_co_hosts(conference, co_hosts, by=by, notify=False)
    return conference


def _kpb_staff(authority: Authority) -> list[User]:
    """The active KPB users of an authority with a mail address (whom a notice reaches)."""
    return list(
        User.objects.filter(
            authority=authority, organisation_kind=OrganisationKind.KPB, is_active=True
        )
        .exclude(email="")
        .order_by("pk")
    )


def _conference_url(conference: Conference) -> str:
    return settings.SITE_URL + conference.get_absolute_url()


def _set_co_hosts(
    conference: Conference, co_hosts: Iterable[Authority], *, by: User, notify: bool = True
) -> None:
    """The conference's authorities become the host plus `co_hosts`; each newly named co-host is
    told (a notice to its KPB staff, unless `notify` is off) and the naming is audited."""
    # The through rows: Authority's scoped manager would hide the other authorities.
    before = set(
        Conference.authorities.through.objects.filter(conference=conference).values_list(
            "authority_id", flat=True
        )
    )
    named = [a for a in co_hosts if a.pk != conference.host_id]
    conference.authorities.set([conference.host, *named])
    for authority in named:
        if authority.pk in before:
            continue
        entry = log_action(
            "conference.co_host_named",
            conference,
            actor=by,
            authority=conference.host,
            data={"authority": authority.slug},
        )
        if not notify:
            continue
        composed = compose(
            "co_host_named",
            mails.conference_context(
                conference,
                co_host_name=authority.official_name,
                conference_url=_conference_url(conference),
            ),
            folder=mails.FOLDER,
        )
        for user in _kpb_staff(authority):
            delivery.queue_mail(
                kind=MailKind.NOTICE,
                dedup_key=f"co-host-named:{entry.pk}:{user.pk}",
                conference=conference,
                to=user.email,
                composed=composed,
            )


@transaction.atomic
def leave_conference(conference: Conference, *, by: User) -> Conference:
    """The staff of a co-host take their authority out of a joint conference (R3): it no longer
    counts for it and leaves its scope. Only a planned conference can be left (a held one
    belongs to every co-host's record). The host's organiser and KPB staff are told."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    authority = by.authority
    if (
        authority is None
        or authority.pk == conference.host_id
        or not Conference.authorities.through.objects.filter(
            conference=conference, authority=authority
        ).exists()
    ):
        raise ConferenceError(
            _("Nur eine mitveranstaltende Behörde kann eine gemeinsame Konferenz verlassen.")
        )
    if conference.status == ConferenceStatus.HELD:
        raise ConferenceError(
            _(
                "Eine durchgeführte Konferenz zählt für jeden Mitveranstalter; sie kann nicht "
                "mehr verlassen werden."
            )
        )
    if conference.status == ConferenceStatus.CANCELLED:
        raise ConferenceError(_("Eine abgesagte Konferenz kann nicht mehr verlassen werden."))
    conference.authorities.remove(authority)
    entry = log_action(
        "conference.co_host_left",
        conference,
        actor=by,
        authority=conference.host,
        data={"authority": authority.slug},
    )
    composed = compose(
        "co_host_left",
        mails.conference_context(
            conference,
            co_host_name=authority.official_name,
            left_by=by.get_full_name() or by.username,
            conference_url=_conference_url(conference),
        ),
        folder=mails.FOLDER,
    )
    recipients = {user.pk: user for user in _kpb_staff(conference.host)}
    if conference.organiser.email and conference.organiser.is_active:
        recipients.setdefault(conference.organiser.pk, conference.organiser)
    for user in recipients.values():
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            dedup_key=f"co-host-left:{entry.pk}:{user.pk}",
            conference=conference,
            to=user.email,
            composed=composed,
        )
    return conference


@dataclass
class ConferenceChange:
    field: str
    before: Any
    after: Any


def pending_changes(conference: Conference, data: dict[str, Any]) -> list[ConferenceChange]:
    return [
        ConferenceChange(name, getattr(conference, name), value)
        for name, value in data.items()
        if getattr(conference, name) != value
    ]


def needs_update_notice(conference: Conference, data: dict[str, Any]) -> bool:
    """A scheduled conference whose date, time or place changes must notify everyone invited."""
    return conference.status == ConferenceStatus.SCHEDULED and any(
        c.field in RESCHEDULING_FIELDS for c in pending_changes(conference, data)
    )


@transaction.atomic
def update_conference(
    conference: Conference,
    *,
    data: dict[str, Any],
    co_hosts: Iterable[Authority] | None = None,
    by: User,
    confirmed: bool = False,
) -> Conference:
    """Changes of date, time or place of a scheduled conference send an update (SEQUENCE + 1)
    to everyone invited, but only after the organiser confirmed it."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_editable(conference)
    _check_kind(data.get("kind", conference.kind), conference.host)
    changes = pending_changes(conference, data)
    rescheduled = [c for c in changes if c.field in RESCHEDULING_FIELDS]
    if "start" in data or "end" in data:
        _check_times(
            data.get("start", conference.start),
            data.get("end", conference.end),
            allow_past=not any(c.field == "start" for c in changes),
        )
    if rescheduled and conference.status == ConferenceStatus.SCHEDULED and not confirmed:
        raise ConferenceError(
            _("Bitte bestätigen Sie, dass alle Eingeladenen über die Änderung informiert werden.")
        )
    for name, value in data.items():
        setattr(conference, name, value)
    if rescheduled and conference.status == ConferenceStatus.SCHEDULED:
        conference.ical_sequence += 1
    conference.full_clean(exclude=["host", "organiser"])
    conference.save()
    if co_hosts is not None:
        _set_co_hosts(conference, co_hosts, by=by)
    if rescheduled and conference.status == ConferenceStatus.SCHEDULED:
        _queue_update_notices(conference, [(c.field, c.before, c.after) for c in rescheduled])
        _plan_reminders(conference)
    log_action(
        "conference.changed",
        conference,
        actor=by,
        authority=conference.host,
        data={"fields": [c.field for c in changes]},
    )
    return conference


@transaction.atomic
def cancel_conference(conference: Conference, *, reason: str, by: User) -> Conference:
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_editable(conference)
    was_scheduled = conference.status == ConferenceStatus.SCHEDULED
    conference.status = ConferenceStatus.CANCELLED
    conference.cancel_reason = reason
    conference.ical_sequence += 1
    conference.save()
    Reminder.objects.filter(conference=conference, sent_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    if was_scheduled:
        for invitation in _notified_invitations(conference):
            delivery.queue_mail(
                kind=MailKind.CANCELLATION,
                dedup_key=f"cancel:{invitation.pk}",
                invitation=invitation,
                composed=mails.compose_cancellation(invitation),
            )
    log_action("conference.cancelled", conference, actor=by, authority=conference.host)
    return conference


def _queue_update_notices(
    conference: Conference, summary: list[tuple[str, Any, Any]], *, agenda_extended: bool = False
) -> int:
    """One update mail (with the calendar entry of the current SEQUENCE) to each agency whose
    invitation went out; a repeated call for the same sequence queues nothing new."""
    invitations = _notified_invitations(conference)
    for invitation in invitations:
        delivery.queue_mail(
            kind=MailKind.UPDATE,
            dedup_key=f"update:{invitation.pk}:{conference.ical_sequence}",
            invitation=invitation,
            composed=mails.compose_update(invitation, summary, agenda_extended=agenda_extended),
        )
    return len(invitations)


def notify_agenda_extended(conference: Conference, *, titles: list[str], by: User) -> int:
    """After items were added to the agenda of a conference whose invitations are out: the
    calendar entry's SEQUENCE goes up and every agency invited gets the update notice naming the
    new items, once. Returns the number of notices. Runs in the caller's transaction."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_editable(conference)
    if not titles or conference.status != ConferenceStatus.SCHEDULED:
        return 0
    conference.ical_sequence += 1
    conference.save(update_fields=["ical_sequence", "updated"])
    label = _("Tagesordnung")
    summary = [(str(label), "–", _("neu: %(title)s") % {"title": t}) for t in titles]
    count = _queue_update_notices(conference, summary, agenda_extended=True)
    log_action(
        "agenda.update_sent",
        conference,
        actor=by,
        authority=conference.host,
        data={"items": len(titles), "notices": count},
    )
    return count


def _notified_invitations(conference: Conference) -> list[Invitation]:
    return list(
        conference.invitations.exclude(state=InvitationState.PENDING)
        .select_related("agency", "contact", "routed_via")
        .prefetch_related("routed_via__contacts")
    )


def _new_invitation(conference: Conference, agency: PartnerAgency, **fields: Any) -> Invitation:
    """An invitation addressed to the agency's head; a Schulamt's goes through its
    Bezirksregierung (R2)."""
    return Invitation.objects.create(
        conference=conference,
        agency=agency,
        contact=agency.contacts.order_by(*ADDRESSEE_ORDER).first(),
        routed_via=agency.routed_via if agency.category == PartnerCategory.SCHULAMT else None,
        **fields,
    )


@transaction.atomic
def add_invitations(
    conference: Conference, *, agencies: Iterable[PartnerAgency], by: User
) -> list[Invitation]:
    """Invite agencies; a Schulamt's invitation is addressed to its Bezirksregierung."""
    check_host(conference, by)
    _check_editable(conference)
    agencies = list(agencies)
    already = set(
        conference.invitations.filter(agency__in=agencies).values_list("agency__name", flat=True)
    )
    if already:
        raise ConferenceError(
            _("Bereits eingeladen: %(names)s.")
            % {"names": ", ".join(sorted(already, key=german_key))}
        )
    created = [_new_invitation(conference, agency) for agency in agencies]
    if conference.status == ConferenceStatus.SCHEDULED:
        _send_pending(conference)
    log_action(
        "invitations.added",
        conference,
        actor=by,
        authority=conference.host,
        data={"agencies": [a.pk for a in agencies]},
    )
    return created


@transaction.atomic
def remove_invitation(invitation: Invitation, *, by: User) -> None:
    check_host(invitation.conference, by)
    if invitation.state != InvitationState.PENDING:
        raise ConferenceError(_("Eine bereits versendete Einladung kann nicht entfernt werden."))
    conference = invitation.conference
    invitation.delete()
    log_action("invitations.removed", conference, actor=by, authority=conference.host)


def invitations_without_address(conference: Conference) -> list[Invitation]:
    return [
        i
        for i in conference.invitations.select_related(
            "contact", "agency", "routed_via"
        ).prefetch_related("routed_via__contacts")
        if not i.recipient_email
    ]


@transaction.atomic
def send_invitations(conference: Conference, *, by: User) -> int:
    """Schedules the conference and queues one invitation mail per pending invitation with an
    address. Idempotent: a second call (double click) queues nothing new."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_editable(conference)
    if conference.start <= timezone.now():
        raise ConferenceError(
            _("Die Konferenz hat bereits begonnen; Einladungen können nicht mehr versendet werden.")
        )
    if not conference.invitations.exists():
        raise ConferenceError(
            _("Die Einladungsliste ist leer. Bitte laden Sie zuerst Partnerbehörden ein.")
        )
    conference.status = ConferenceStatus.SCHEDULED
    conference.save(update_fields=["status", "updated"])
    sent = _send_pending(conference)
    _plan_reminders(conference)
    log_action(
        "invitations.sent", conference, actor=by, authority=conference.host, data={"count": sent}
    )
    return sent


def _send_pending(conference: Conference) -> int:
    """Marks the pending invitations with an address as sent; their mails are built after
    commit, in the worker (conferences.sending). Those without one are offered as letters."""
    pending = (
        conference.invitations.filter(state=InvitationState.PENDING)
        .select_related("agency", "contact", "routed_via")
        .prefetch_related("routed_via__contacts")
    )
    marked = [invitation.pk for invitation in pending if invitation.recipient_email]
    if marked:
        conference.invitations.filter(pk__in=marked).update(
            state=InvitationState.SENT, sent_at=timezone.now(), mail_pending=True
        )
        sending.start_building(conference)
    return len(marked)


def _plan_reminders(conference: Conference) -> None:
    """Reminder rows for unanswered invitations, 14 and 3 days before the (current) start.

    Rows for an earlier date become stale: they are cancelled and new ones planned, keyed by
    the calendar sequence so that a moved conference reminds again for the new date.
    """
    Reminder.objects.filter(
        conference=conference, rule=INVITATION_UNANSWERED, sent_at__isnull=True
    ).exclude(stage__endswith=f"@{conference.ical_sequence}").update(cancelled_at=timezone.now())
    now = timezone.now()
    sent = (
        conference.invitations.filter(state=InvitationState.SENT)
        .select_related("agency", "contact", "routed_via")
        .prefetch_related("routed_via__contacts")
    )
    # One INSERT for all (a fan-out of 250 stays within the click's second); rows planned
    # before stay as they are (reminder_once).
    Reminder.objects.bulk_create(
        [
            Reminder(
                rule=INVITATION_UNANSWERED,
                subject_key=f"invitation:{invitation.pk}",
                stage=f"{days}d@{conference.ical_sequence}",
                recipient=invitation.recipient_email,
                due_at=conference.start - timedelta(days=days),
                conference=conference,
                invitation=invitation,
            )
            for invitation in sent
            for days in REMINDER_DAYS_BEFORE
            if conference.start - timedelta(days=days) > now
        ],
        ignore_conflicts=True,
    )


def answer_closed_reason(conference: Conference) -> str:
    """Why the invitations to `conference` can no longer be answered, or "" while they can.

    An answer is given or changed until the conference starts, never for a cancelled one; the
    partner's answer page and the organiser's form show this text, record_answer raises it.
    """
    if conference.status == ConferenceStatus.CANCELLED:
        return _("Die Konferenz wurde abgesagt; eine Antwort ist nicht mehr nötig.")
    if conference.has_started:
        return _("Die Konferenz hat bereits begonnen; die Antwort kann nicht mehr geändert werden.")
    return ""


def _answer_of(invitation: Invitation) -> tuple[str, str, str, str]:
    return (
        invitation.state,
        invitation.comment,
        invitation.delegate_name,
        invitation.delegate_function,
    )


def _confirm_answer(invitation: Invitation) -> None:
    """The confirmation mail of one answer or change, queued after commit; its key names the
    recorded answer's time, so each change is confirmed once."""
    if not invitation.recipient_email:
        return
    stamp = invitation.answered_at.isoformat() if invitation.answered_at else ""
    delivery.queue_mail(
        kind=MailKind.ANSWER_CONFIRMATION,
        dedup_key=f"answer-confirmation:{invitation.pk}:{stamp}",
        invitation=invitation,
        composed=mails.compose_answer_confirmation(invitation),
    )


@transaction.atomic
def record_answer(
    invitation: Invitation,
    *,
    state: str,
    via: str,
    comment: str = "",
    delegate_name: str = "",
    delegate_function: str = "",
    by: User | None = None,
    answered_at: datetime | None = None,
) -> Invitation:
    """An answer by link (partner) or recorded by the organiser (phone, letter), or read from a
    calendar reply (conferences.calendar_replies, `answered_at` its DTSTAMP).

    Changing the answer is possible until the conference starts.
    """
    # The base manager: PostgreSQL refuses FOR UPDATE on the scoped manager's DISTINCT.
    invitation = (
        Invitation._base_manager.select_for_update()
        .select_related("conference")
        .get(pk=invitation.pk)
    )
    conference = invitation.conference
    check_host(conference, by)
    closed = answer_closed_reason(conference)
    if closed:
        raise ConferenceError(closed)
    if state not in ANSWERED_STATES:
        raise ConferenceError(_("Bitte wählen Sie eine Antwort."))
    if state == InvitationState.DELEGATED and not (delegate_name and delegate_function):
        raise ConferenceError(_("Bitte nennen Sie Name und Funktion der Vertretung."))
    if via not in AnswerChannel.values:
        raise ConferenceError(_("Unbekannter Antwortweg."))
    before = _answer_of(invitation)
    invitation.state = state
    invitation.answered_via = via
    invitation.comment = comment
    invitation.delegate_name = delegate_name if state == InvitationState.DELEGATED else ""
    invitation.delegate_function = delegate_function if state == InvitationState.DELEGATED else ""
    if _answer_of(invitation) == before:
        # The same answer again (a double click, a calendar resending its reply): nothing
        # changes, so no confirmation and no audit entry either.
        return invitation
    invitation.answered_at = min(answered_at, timezone.now()) if answered_at else timezone.now()
    invitation.save()
    Reminder.objects.filter(invitation=invitation, sent_at__isnull=True).update(
        cancelled_at=timezone.now()
    )
    _confirm_answer(invitation)
    log_action(
        "invitation.answered",
        invitation,
        actor=by,
        authority=conference.host,
        data={"state": state, "via": via},
    )
    return invitation


@transaction.atomic
def add_agenda_item(conference: Conference, *, item: AgendaItem, by: User) -> AgendaItem:
    check_host(conference, by)
    _check_editable(conference)
    last = conference.agenda_items.order_by("-order").values_list("order", flat=True).first()
    item.conference = conference
    item.order = (last or 0) + 1
    item.save()
    log_action("agenda.changed", conference, actor=by, authority=conference.host)
    return item


@transaction.atomic
def save_agenda_item(item: AgendaItem, *, by: User) -> AgendaItem:
    check_host(item.conference, by)
    _check_editable(item.conference)
    item.save()
    log_action("agenda.changed", item.conference, actor=by, authority=item.conference.host)
    return item


def _renumber(conference: Conference, items: list[AgendaItem]) -> None:
    for number, item in enumerate(items, start=1):
        if item.order != number:
            item.order = number
            item.save(update_fields=["order"])


@transaction.atomic
def move_agenda_item(item: AgendaItem, *, direction: str, by: User) -> None:
    conference = item.conference
    check_host(conference, by)
    _check_editable(conference)
    items = list(conference.agenda_items.order_by("order", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    _renumber(conference, items)
    log_action("agenda.changed", conference, actor=by, authority=conference.host)


@transaction.atomic
def remove_agenda_item(item: AgendaItem, *, by: User) -> None:
    conference = item.conference
    check_host(conference, by)
    _check_editable(conference)
    item.delete()
    _renumber(conference, list(conference.agenda_items.order_by("order", "pk")))
    log_action("agenda.changed", conference, actor=by, authority=conference.host)


@transaction.atomic
def mark_sent_by_letter(invitation: Invitation, *, by: User) -> Invitation:
    """The organiser posted or faxed the printed invitation: it counts as sent (no e-mail)."""
    invitation = (
        Invitation._base_manager.select_for_update()
        .select_related("conference")
        .get(pk=invitation.pk)
    )
    check_host(invitation.conference, by)
    _check_editable(invitation.conference)
    if invitation.state != InvitationState.PENDING:
        raise ConferenceError(_("Diese Einladung ist bereits versendet."))
    invitation.state = InvitationState.SENT
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["state", "sent_at"])
    log_action(
        "invitation.sent_by_letter", invitation, actor=by, authority=invitation.conference.host
    )
    return invitation
