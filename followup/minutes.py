"""After the conference: attendance, minutes (Protokoll) with an approval round, frozen PDFs.

Each service checks its rules first (raising services.ConferenceError with a German message and
changing nothing), then writes in one transaction and audits. The approval round:

    save_minutes_draft → circulate_minutes (mail with a signed comment link to every attending
    agency, deadline) → add_comment (partners, until the deadline) → resolve_comment
    (organiser) → approve_minutes (after the deadline, all comments resolved: PDF + SHA-256).

An approved version never changes (models_minutes.MinutesFrozen); start_correction copies it
into a new draft version n+1.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import markdown
import nh3
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES, PartnerCategory
from authorities.models import User
from conferences import mails
from conferences.enums import ConferenceStatus, InvitationState
from conferences.models import Conference, Invitation
from conferences.services import ConferenceError, check_host
from followup.models import Minutes, MinutesComment, MinutesEntry, MinutesStatus, OutcomeType
from notifications import queue as delivery
from notifications.enums import MailKind
from notifications.models import Reminder
from siko.audit import log_action
from siko.collation import german
from siko.files import atomic_with_files
from siko.formats import BERLIN, german_datetime
from siko.validation import add_years

COMMENT_SALT = "siko.minutes.comment"
MINUTES_MISSING = "minutes_missing"
MINUTES_MISSING_DAYS = (14, 28)
COMMENT_DEADLINE = "minutes_comment_deadline"
#: Partners are reminded this long before the comment deadline (or not at all when less is left).
COMMENT_REMINDER_BEFORE = timedelta(days=2)
MIN_COMMENT_PERIOD = timedelta(days=1)


def latest_comment_deadline(conference: Conference) -> date:
    """A comment deadline lies at most a year after the conference: approval waits for the
    deadline, so a deadline of 9999-12-31 would lock the minutes for good."""
    return add_years(timezone.localtime(conference.end).date(), 1)


# --- Rendering ------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


#: The start of a list item: "- ", "* ", "+ ", "1. " or "1) " (up to three spaces in).
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}[.)]) +\S")


def _lists_under_text(text: str) -> str:
    """A list directly under a line of text is a list, as people type it in a minutes entry
    ("Teilnehmende:\n- Stadt\n- Polizei") and as CommonMark reads it; Python-Markdown wants
    an empty line before it, which is added here."""
    lines = text.splitlines()
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if _LIST_ITEM.match(line) and previous.strip() and not _LIST_ITEM.match(previous):
            if not previous.startswith((" ", "\t")):
                out.append("")
        out.append(line)
    return "\n".join(out)


def render_text(text: str) -> SafeString:
    """Markdown or plain text as safe HTML: raw HTML is escaped by Markdown's own rule set
    being cut down to a short tag list by nh3 (no links, images, attributes or scripts)."""
    if not text:
        return mark_safe("")
    html = markdown.markdown(_lists_under_text(text), extensions=["nl2br", "sane_lists", "tables"])
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}))  # noqa: S308


# --- Attendance -----------------------------------------------------------------------------


@dataclass
class AttendanceRow:
    label: str
    invited: int = 0
    present: int = 0
    absent: int = 0
    open: int = 0
    decree: bool = False


@dataclass
class AttendanceSummary:
    rows: list[AttendanceRow] = field(default_factory=list)
    total: AttendanceRow = field(default_factory=lambda: AttendanceRow(_("Gesamt")))


def attendance_summary(invitations: QuerySet[Invitation]) -> AttendanceSummary:
    """Invited, present, absent and unrecorded per partner category (one query), for one
    conference or any set of invitations (e.g. all held SiKos of a year)."""
    grouped = (
        invitations.exclude(state=InvitationState.PENDING)
        .order_by()
        .values("agency__category")
        .annotate(
            invited=Count("pk", distinct=True),
            present=Count("pk", distinct=True, filter=Q(attended=True)),
            absent=Count("pk", distinct=True, filter=Q(attended=False)),
        )
    )
    by_category = {row["agency__category"]: row for row in grouped}
    summary = AttendanceSummary()
    for category in PartnerCategory:
        row = by_category.get(category.value)
        if row is None and category not in DECREE_CATEGORIES:
            continue
        row = row or {"invited": 0, "present": 0, "absent": 0}
        line = AttendanceRow(
            str(category.label),
            row["invited"],
            row["present"],
            row["absent"],
            row["invited"] - row["present"] - row["absent"],
            category in DECREE_CATEGORIES,
        )
        summary.rows.append(line)
        for name in ("invited", "present", "absent", "open"):
            setattr(summary.total, name, getattr(summary.total, name) + getattr(line, name))
    return summary


def attendance_invitations(conference: Conference) -> list[Invitation]:
    return list(
        conference.invitations.exclude(state=InvitationState.PENDING)
        .select_related("agency", "contact")
        .order_by("agency__category", german("agency__name"))
    )


def default_attended_by(invitation: Invitation) -> str:
    """Who attended for the agency: the delegate where one was named, else the contact."""
    if invitation.state == InvitationState.DELEGATED and invitation.delegate_name:
        return ", ".join(p for p in (invitation.delegate_name, invitation.delegate_function) if p)
    if invitation.contact_id and invitation.contact:
        return ", ".join(p for p in (invitation.contact.name, invitation.contact.function) if p)
    return ""


def recording_closed_reason(conference: Conference) -> str:
    """Why attendance and minutes cannot be recorded for `conference` (yet), or "" when they can:
    from the conference's start, never for a cancelled one. The services raise this text, the
    attendance and minutes pages show it."""
    if conference.status == ConferenceStatus.CANCELLED:
        return _("Die Konferenz wurde abgesagt; sie hat nicht stattgefunden.")
    if not conference.has_started:
        return _(
            "Die Konferenz hat noch nicht stattgefunden. Anwesenheit und Protokoll können "
            "erst ab ihrem Beginn erfasst werden."
        )
    return ""


def _check_taken_place(conference: Conference) -> None:
    closed = recording_closed_reason(conference)
    if closed:
        raise ConferenceError(closed)


@transaction.atomic
def record_attendance(
    conference: Conference, *, attendance: dict[int, tuple[bool | None, str]], by: User
) -> Conference:
    """Present or not (None: not recorded) and who attended, per invitation id.

    Allowed from the conference's start, never for a cancelled one. The conference becomes
    held; the first time, the organiser's reminders for missing minutes are planned.
    """
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_taken_place(conference)
    invitations = {i.pk: i for i in conference.invitations.exclude(state=InvitationState.PENDING)}
    unknown = set(attendance) - set(invitations)
    if unknown:
        raise ConferenceError(_("Die Anwesenheit enthält Behörden, die nicht eingeladen waren."))
    for pk, (attended, attended_by) in attendance.items():
        invitation = invitations[pk]
        attended_by = attended_by.strip() if attended else ""
        if (invitation.attended, invitation.attended_by) != (attended, attended_by):
            invitation.attended, invitation.attended_by = attended, attended_by
            invitation.save(update_fields=["attended", "attended_by"])
    if conference.status != ConferenceStatus.HELD:
        conference.status = ConferenceStatus.HELD
        conference.save(update_fields=["status", "updated"])
        _plan_minutes_missing(conference)
    log_action(
        "attendance.recorded",
        conference,
        actor=by,
        authority=conference.host,
        data={"present": sum(1 for a, _b in attendance.values() if a)},
    )
    return conference


def _plan_minutes_missing(conference: Conference) -> None:
    recipient = conference.organiser.email
    if not recipient:
        return
    for days in MINUTES_MISSING_DAYS:
        Reminder.objects.get_or_create(
            rule=MINUTES_MISSING,
            subject_key=f"conference:{conference.pk}",
            stage=f"{days}d",
            recipient=recipient,
            defaults={"due_at": conference.end + timedelta(days=days), "conference": conference},
        )


# --- Minutes --------------------------------------------------------------------------------


def current_minutes(conference: Conference) -> Minutes | None:
    return conference.minutes_versions.order_by("-version").first()


def minutes_state(conference: Conference) -> str:
    """'pending' (none yet or a draft), 'circulated' or 'approved' (latest version)."""
    minutes = current_minutes(conference)
    if minutes is None or minutes.status == MinutesStatus.DRAFT:
        return "pending"
    return str(minutes.status)


def _check_minutes_possible(conference: Conference) -> None:
    _check_taken_place(conference)
    if conference.status != ConferenceStatus.HELD:
        raise ConferenceError(
            _(
                "Bitte erfassen Sie zuerst die Anwesenheit; danach kann das Protokoll geschrieben "
                "werden."
            )
        )


def _check_not_approved(minutes: Minutes) -> None:
    if minutes.status == MinutesStatus.APPROVED:
        raise ConferenceError(
            _(
                "Das Protokoll ist freigegeben und kann nicht mehr geändert werden. Für eine "
                "Korrektur legen Sie bitte eine neue Fassung an."
            )
        )


def _locked(minutes: Minutes) -> Minutes:
    return Minutes._base_manager.select_for_update().select_related("conference").get(pk=minutes.pk)


def _entries_for_agenda(minutes: Minutes) -> None:
    for item in minutes.conference.agenda_items.order_by("order", "pk"):
        MinutesEntry.objects.create(
            minutes=minutes, agenda_item=item, order=item.order, title=item.title
        )


@transaction.atomic
def get_or_create_draft(conference: Conference, *, by: User) -> Minutes:
    """The version to edit: the current draft or circulated version, or a first draft with one
    entry per agenda item. An approved current version is an error (use start_correction)."""
    conference = Conference._base_manager.select_for_update().get(pk=conference.pk)
    check_host(conference, by)
    _check_minutes_possible(conference)
    minutes = current_minutes(conference)
    if minutes is not None:
        _check_not_approved(minutes)
        return minutes
    minutes = Minutes.objects.create(conference=conference, version=1, created_by=by)
    _entries_for_agenda(minutes)
    Reminder.objects.filter(
        rule=MINUTES_MISSING, conference=conference, sent_at__isnull=True
    ).update(cancelled_at=timezone.now())
    log_action("minutes.created", minutes, actor=by, authority=conference.host)
    return minutes


@transaction.atomic
def save_minutes_draft(
    minutes: Minutes, *, notes: str, entries: dict[int, dict[str, str]], by: User
) -> Minutes:
    """Saves the general notes and, per entry id, report, outcome_type and outcome.

    A circulated version stays circulated (the organiser works the comments in); an approved
    one cannot be edited.
    """
    minutes = _locked(minutes)
    check_host(minutes.conference, by)
    _check_minutes_possible(minutes.conference)
    _check_not_approved(minutes)
    own = {e.pk: e for e in minutes.entries.all()}
    if set(entries) - set(own):
        raise ConferenceError(_("Der Protokollpunkt gehört nicht zu diesem Protokoll."))
    for values in entries.values():
        if values.get("outcome_type", OutcomeType.INFORMATION) not in OutcomeType.values:
            raise ConferenceError(_("Unbekannte Art des Ergebnisses."))
    minutes.notes = notes
    minutes.save(update_fields=["notes"])
    for pk, values in entries.items():
        entry = own[pk]
        entry.report = values.get("report", "")
        entry.outcome_type = values.get("outcome_type", OutcomeType.INFORMATION)
        entry.outcome = values.get("outcome", "")
        entry.save(update_fields=["report", "outcome_type", "outcome"])
    log_action("minutes.saved", minutes, actor=by, authority=minutes.conference.host)
    return minutes


def attending_invitations(conference: Conference) -> list[Invitation]:
    return list(
        conference.invitations.filter(attended=True)
        .select_related("agency", "contact", "routed_via")
        .prefetch_related("routed_via__contacts")
        .order_by(german("agency__name"))
    )


# Comment links: signed (no clear database ids), bound to the invitation and the version.


def comment_token(invitation: Invitation, minutes: Minutes) -> str:
    return signing.Signer(salt=COMMENT_SALT).sign_object(
        {"i": str(invitation.public_id), "v": minutes.version}
    )


def comment_url(invitation: Invitation, minutes: Minutes) -> str:
    return settings.SITE_URL + reverse(
        "conferences:minutes_comment", kwargs={"token": comment_token(invitation, minutes)}
    )


def partner_mail_context(invitation: Invitation, minutes: Minutes, **extra: Any) -> dict[str, Any]:
    """The context of a mail to an attending agency about a minutes version, with its link."""
    return mails.conference_context(
        invitation.conference,
        invitation=invitation,
        agency=invitation.agency,
        routed_via=invitation.routed_via,
        minutes=minutes,
        comment_url=comment_url(invitation, minutes),
        **extra,
    )


def minutes_page_url(conference: Conference) -> str:
    return settings.SITE_URL + reverse("conferences:minutes", kwargs={"pk": conference.pk})


def resolve_comment_token(token: str) -> tuple[Invitation, Minutes] | None:
    """The attending invitation and minutes version a token was made for; None otherwise."""
    try:
        payload = signing.Signer(salt=COMMENT_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    public_id, version = payload.get("i"), payload.get("v")
    if not isinstance(public_id, str) or not isinstance(version, int):
        return None
    with scopes_disabled():
        try:
            invitation = (
                Invitation.objects.filter(public_id=public_id, attended=True)
                .select_related("conference", "conference__host", "conference__organiser", "agency")
                .first()
            )
        except (ValidationError, ValueError):
            return None
        if invitation is None:
            return None
        minutes = Minutes.objects.filter(conference=invitation.conference, version=version).first()
    if minutes is None or minutes.status == MinutesStatus.DRAFT:
        return None
    minutes.conference = invitation.conference
    return invitation, minutes


@transaction.atomic
def circulate_minutes(minutes: Minutes, *, deadline: datetime, by: User) -> Minutes:
    """Sends the draft to every attending agency with its comment link; partners comment until
    the deadline and are reminded once before it."""
    minutes = _locked(minutes)
    conference = minutes.conference
    check_host(conference, by)
    _check_minutes_possible(conference)
    _check_not_approved(minutes)
    if minutes.status == MinutesStatus.CIRCULATED:
        raise ConferenceError(_("Dieser Entwurf ist bereits zur Abstimmung versandt."))
    now = timezone.now()
    if deadline < now + MIN_COMMENT_PERIOD:
        raise ConferenceError(
            _("Die Kommentarfrist muss mindestens einen Tag in der Zukunft liegen.")
        )
    latest = latest_comment_deadline(conference)
    if deadline.date() > latest:
        raise ConferenceError(
            _(
                "Die Kommentarfrist darf höchstens ein Jahr nach der Konferenz enden, also "
                "spätestens am %(day)s."
            )
            % {"day": f"{latest:%d.%m.%Y}"}
        )
    recipients = [i for i in attending_invitations(conference) if i.recipient_email]
    if not recipients:
        raise ConferenceError(
            _(
                "Keine anwesende Behörde hat eine E-Mail-Adresse. Bitte erfassen Sie zuerst die "
                "Anwesenheit und die Ansprechpersonen."
            )
        )
    minutes.status = MinutesStatus.CIRCULATED
    minutes.comment_deadline = deadline
    minutes.circulated_at = now
    minutes.save(update_fields=["status", "comment_deadline", "circulated_at"])
    for invitation in recipients:
        context = partner_mail_context(invitation, minutes, deadline=german_datetime(deadline))
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            dedup_key=f"minutes-circulated:{minutes.pk}:{invitation.pk}",
            invitation=invitation,
            composed=mails.compose_to_partner("minutes_circulated", context, minutes.conference),
        )
        due = deadline - COMMENT_REMINDER_BEFORE
        if due > now:
            Reminder.objects.get_or_create(
                rule=COMMENT_DEADLINE,
                subject_key=f"minutes:{minutes.pk}:{invitation.pk}",
                stage="before-deadline",
                recipient=invitation.recipient_email,
                defaults={"due_at": due, "conference": conference, "invitation": invitation},
            )
    log_action(
        "minutes.circulated",
        minutes,
        actor=by,
        authority=conference.host,
        data={"recipients": len(recipients)},
    )
    return minutes


@transaction.atomic
def add_comment(minutes: Minutes, *, invitation: Invitation, text: str) -> MinutesComment:
    """A partner's comment through its link: only on a circulated version, only until the
    deadline, only by an agency that attended."""
    minutes = _locked(minutes)
    text = text.strip()
    if minutes.status == MinutesStatus.APPROVED:
        raise ConferenceError(
            _("Das Protokoll ist bereits freigegeben; Kommentare sind nicht mehr möglich.")
        )
    if minutes.status != MinutesStatus.CIRCULATED:
        raise ConferenceError(_("Dieses Protokoll ist nicht zur Abstimmung versandt."))
    if minutes.comment_deadline and timezone.now() > minutes.comment_deadline:
        raise ConferenceError(
            _(
                "Die Kommentarfrist ist am %(deadline)s abgelaufen; der Kommentar wurde nicht "
                "gespeichert. Bitte wenden Sie sich direkt an die einladende Polizeibehörde."
            )
            % {"deadline": german_datetime(minutes.comment_deadline)}
        )
    if invitation.conference_id != minutes.conference_id or not invitation.attended:
        raise ConferenceError(_("Nur anwesende Behörden können das Protokoll kommentieren."))
    if not text:
        raise ConferenceError(_("Bitte geben Sie einen Kommentar ein."))
    comment = MinutesComment.objects.create(minutes=minutes, invitation=invitation, text=text)
    log_action(
        "minutes.commented",
        minutes,
        authority=minutes.conference.host,
        data={"agency": invitation.agency_id},
    )
    return comment


@transaction.atomic
def resolve_comment(comment: MinutesComment, *, resolution: str, by: User) -> MinutesComment:
    comment = (
        MinutesComment._base_manager.select_for_update()
        .select_related("minutes", "minutes__conference")
        .get(pk=comment.pk)
    )
    check_host(comment.minutes.conference, by)
    _check_not_approved(comment.minutes)
    if comment.resolved_at:
        raise ConferenceError(_("Dieser Kommentar ist bereits erledigt."))
    if not resolution.strip():
        raise ConferenceError(_("Bitte beschreiben Sie kurz, wie der Kommentar erledigt wurde."))
    comment.resolution = resolution.strip()
    comment.resolved_at = timezone.now()
    comment.resolved_by = by
    comment.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    log_action(
        "minutes.comment_resolved",
        comment.minutes,
        actor=by,
        authority=comment.minutes.conference.host,
    )
    return comment


def minutes_context(minutes: Minutes) -> dict[str, Any]:
    conference = minutes.conference
    entries = list(minutes.entries.all())
    for entry in entries:
        entry.report_html = render_text(entry.report)
        entry.outcome_html = render_text(entry.outcome)
    invitations = conference.invitations.all()
    return {
        "minutes": minutes,
        "conference": conference,
        "notes_html": render_text(minutes.notes),
        "entries": entries,
        "present": [i for i in attendance_invitations(conference) if i.attended],
        "attendance": attendance_summary(invitations),
        "when": mails.when(conference),
    }


def minutes_pdf_html(minutes: Minutes, *, approved_at: datetime, approved_by: User) -> str:
    """The HTML the approved PDF is set from (German, Berlin time)."""
    context = {**minutes_context(minutes), "approved_at": approved_at, "approved_by": approved_by}
    with translation.override("de"), timezone.override(BERLIN):
        return render_to_string("conferences/minutes/pdf.html", context)


def render_minutes_pdf(minutes: Minutes, *, approved_at: datetime, approved_by: User) -> bytes:
    from siko.pdf import html_to_pdf

    return html_to_pdf(minutes_pdf_html(minutes, approved_at=approved_at, approved_by=approved_by))


def _check_approvable(minutes: Minutes, *, by: User, now: datetime) -> None:
    check_host(minutes.conference, by)
    _check_not_approved(minutes)
    if minutes.status != MinutesStatus.CIRCULATED:
        raise ConferenceError(
            _("Bitte versenden Sie den Entwurf zuerst zur Abstimmung an die anwesenden Behörden.")
        )
    if minutes.comment_deadline and now < minutes.comment_deadline:
        raise ConferenceError(
            _(
                "Die Kommentarfrist läuft noch bis %(deadline)s; danach kann das Protokoll "
                "freigegeben werden."
            )
            % {"deadline": german_datetime(minutes.comment_deadline)}
        )
    if minutes.comments.filter(resolved_at__isnull=True).exists():
        raise ConferenceError(_("Bitte erledigen Sie zuerst alle offenen Kommentare."))


def approve_minutes(minutes: Minutes, *, by: User) -> Minutes:
    """Freezes the version: PDF (WeasyPrint), its SHA-256 and the time are stored; from now on
    the row, its entries and comments refuse every change. The attending agencies are told
    (their link now shows the approved version and its PDF).

    The PDF is set before the transaction: WeasyPrint takes seconds, and on SQLite a write
    transaction holds the whole database meanwhile. Inside the transaction, under the row lock,
    the rules are checked again and the PDF's HTML is compared with what the rows say now; a
    change in between (a late comment, an edit, a second approval) refuses the approval. The
    file exists only if the transaction commits (siko.files)."""
    from siko.pdf import html_to_pdf

    now = timezone.now()
    current = Minutes._base_manager.select_related("conference").get(pk=minutes.pk)
    _check_approvable(current, by=by, now=now)
    html = minutes_pdf_html(current, approved_at=now, approved_by=by)
    pdf = html_to_pdf(html)
    with atomic_with_files() as files:
        minutes = _locked(minutes)
        _check_approvable(minutes, by=by, now=now)
        if minutes_pdf_html(minutes, approved_at=now, approved_by=by) != html:
            raise ConferenceError(
                _(
                    "Das Protokoll wurde während der Freigabe geändert. Bitte "
                    "prüfen Sie es und geben Sie es erneut frei."
                )
            )
        minutes.sha256 = hashlib.sha256(pdf).hexdigest()
        files.save(minutes.pdf, "protokoll.pdf", ContentFile(pdf))
        minutes.status = MinutesStatus.APPROVED
        minutes.approved_at = now
        minutes.approved_by = by
        minutes.save()
        _after_approval(minutes, by=by, now=now)
    return minutes


def _after_approval(minutes: Minutes, *, by: User, now: datetime) -> None:
    Reminder.objects.filter(
        rule=COMMENT_DEADLINE,
        subject_key__startswith=f"minutes:{minutes.pk}:",
        sent_at__isnull=True,
    ).update(cancelled_at=now)
    conference = minutes.conference
    for invitation in attending_invitations(conference):
        if not invitation.recipient_email:
            continue
        context = partner_mail_context(invitation, minutes)
        delivery.queue_mail(
            kind=MailKind.NOTICE,
            dedup_key=f"minutes-approved:{minutes.pk}:{invitation.pk}",
            invitation=invitation,
            composed=mails.compose_to_partner("minutes_approved", context, minutes.conference),
        )
    log_action(
        "minutes.approved",
        minutes,
        actor=by,
        authority=minutes.conference.host,
        data={"version": minutes.version, "sha256": minutes.sha256},
    )


@transaction.atomic
def start_correction(minutes: Minutes, *, reason: str, by: User) -> Minutes:
    """A correction of approved minutes is a new draft version n+1 (a copy); the approved
    version stays as it is."""
    minutes = _locked(minutes)
    check_host(minutes.conference, by)
    if minutes.status != MinutesStatus.APPROVED:
        raise ConferenceError(
            _(
                "Nur ein freigegebenes Protokoll wird durch eine neue Fassung "
                "korrigiert; einen Entwurf können Sie direkt bearbeiten."
            )
        )
    latest = current_minutes(minutes.conference)
    if latest is not None and latest.pk != minutes.pk:
        raise ConferenceError(_("Es gibt bereits eine neuere Fassung dieses Protokolls."))
    if not reason.strip():
        raise ConferenceError(_("Bitte nennen Sie den Grund der Korrektur."))
    correction = Minutes.objects.create(
        conference=minutes.conference,
        version=minutes.version + 1,
        notes=minutes.notes,
        correction_reason=reason.strip(),
        created_by=by,
    )
    MinutesEntry.objects.bulk_create(
        MinutesEntry(
            minutes=correction,
            agenda_item_id=e.agenda_item_id,
            order=e.order,
            title=e.title,
            report=e.report,
            outcome_type=e.outcome_type,
            outcome=e.outcome,
            action_id=e.action_id,
        )
        for e in minutes.entries.all()
    )
    log_action(
        "minutes.correction_started",
        correction,
        actor=by,
        authority=minutes.conference.host,
        data={"version": correction.version},
    )
    return correction


def verify_pdf(minutes: Minutes) -> bool:
    """The stored file still has the stored hash."""
    if not minutes.pdf:
        return False
    with minutes.pdf.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest() == minutes.sha256
