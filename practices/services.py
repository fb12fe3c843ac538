"""Writes of the good-practice exchange (DESIGN R8, issue 16 part 2).

Workflow: Entwurf → eingereicht → veröffentlicht | zurückgegeben. The KPB writes and submits
its own practices; only the LZPD publishes or returns them (with a comment). A published
practice is never edited in place by its KPB: saving a change takes it back to review
(eingereicht) and out of the state-wide view until the LZPD publishes it again.

Every step locks the practice's row, refuses with a German `PracticeError`, logs an audit
entry in its transaction and mails through the outbox with a dedup key per step, so a double
click neither repeats the step nor mails twice.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.models import Authority, PartnerAgency, User
from conferences.models import AgendaItem, MandatedTopic
from cooperations.models import Cooperation
from followup.models import Action
from practices import attachments, notices
from practices.enums import PracticeKind, PracticeState
from practices.errors import PracticeError
from practices.models import GoodPractice, PracticeCategory
from siko.audit import log_action
from siko.files import atomic_with_files
from siko.organisations import OrganisationKind

#: The states in which the KPB may still change a practice without the LZPD (besides published,
#: which goes back to review).
EDITABLE = (PracticeState.DRAFT, PracticeState.RETURNED)


#: A draft entered again with the same text within this time is a double submission.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)


@dataclass
class PracticeData:
    """What the KPB enters (the form's cleaned data)."""

    kind: str
    title: str
    summary: str
    result: str
    contact_function: str
    topic: MandatedTopic | None = None
    categories: Iterable[str] = ()
    partners: Iterable[PartnerAgency] = ()
    contact_consent: bool = False
    contact_name: str = ""
    source_agenda_item: AgendaItem | None = None
    source_action: Action | None = None
    source_cooperation: Cooperation | None = None
    attachment: Any = None  # an UploadedFile, or None to keep the stored one
    remove_attachment: bool = False


def _clean(data: PracticeData, authority: Authority) -> None:
    if data.kind not in PracticeKind.values:
        raise PracticeError(_("Bitte wählen Sie die Art der guten Praxis."))
    data.title = " ".join(data.title.split())
    data.contact_function = " ".join(data.contact_function.split())
    data.summary, data.result = data.summary.strip(), data.result.strip()
    for value, label in (
        (data.title, _("Titel")),
        (data.summary, _("Zusammenfassung")),
        (data.result, _("Ergebnis")),
        (data.contact_function, _("Ansprechstelle")),
    ):
        if not value:
            raise PracticeError(_("Bitte füllen Sie „%(field)s“ aus.") % {"field": label})
    data.contact_name = " ".join(data.contact_name.split())
    if data.contact_name and not data.contact_consent:
        raise PracticeError(
            _(
                "Den Namen einer Person nennen Sie nur mit ihrem Einverständnis. Bitte "
                "bestätigen Sie es oder nennen Sie nur die Funktion."
            )
        )
    if data.kind == PracticeKind.AGENDA_ITEM and data.topic is None:
        raise PracticeError(_("Ein bewährter Tagesordnungspunkt braucht sein Pflichtthema."))
    if (
        data.source_agenda_item is not None
        and not data.source_agenda_item.conference.authorities.filter(pk=authority.pk).exists()
    ):
        raise PracticeError(_("Der Tagesordnungspunkt gehört nicht zu Ihren Konferenzen."))
    if (
        data.source_action is not None
        and not data.source_action.conference.authorities.filter(pk=authority.pk).exists()
    ):
        raise PracticeError(_("Die Maßnahme gehört nicht zu Ihren Konferenzen."))
    if data.source_cooperation is not None and data.source_cooperation.authority_id != authority.pk:
        raise PracticeError(_("Die Kooperation gehört nicht zu Ihrer Behörde."))


def _check_author(by: User, authority: Authority) -> None:
    if by.organisation_kind != OrganisationKind.KPB or by.authority_id != authority.pk:
        raise PracticeError(_("Gute Praxis legt die Kreispolizeibehörde an, von der sie stammt."))


def _write(practice: GoodPractice, data: PracticeData, files: Any) -> None:
    practice.kind = data.kind
    practice.title = data.title
    practice.summary = data.summary
    practice.result = data.result
    practice.topic = data.topic
    practice.contact_function = data.contact_function
    practice.contact_consent = data.contact_consent
    practice.contact_name = data.contact_name if data.contact_consent else ""
    practice.source_agenda_item = data.source_agenda_item
    practice.source_action = data.source_action
    practice.source_cooperation = data.source_cooperation
    if data.remove_attachment and not data.attachment:
        practice.attachment = None
        practice.attachment_name = ""
        practice.attachment_type = ""
        practice.attachment_sha256 = ""
    if data.attachment:
        content, kind = attachments.read_checked(data.attachment)
        digest = hashlib.sha256(content).hexdigest()
        files.save(practice.attachment, f"{digest}.{kind.extension}", ContentFile(content))
        practice.attachment_name = attachments.safe_name(data.attachment.name, kind.extension)
        practice.attachment_type = kind.content_type
        practice.attachment_sha256 = digest
    practice.save()
    practice.partners.set(list(data.partners))
    wanted = sorted(set(data.categories))
    PracticeCategory.objects.filter(practice=practice).exclude(category__in=wanted).delete()
    for category in wanted:
        PracticeCategory.objects.get_or_create(practice=practice, category=category)


def create_practice(*, authority: Authority, data: PracticeData, by: User) -> GoodPractice:
    """A new draft of `authority`, entered by its own staff. The same draft sent twice (a double
    click, a reload of the POST) within DOUBLE_SUBMIT_WINDOW is the first one again."""
    _check_author(by, authority)
    _clean(data, authority)
    twin = GoodPractice.objects.filter(
        authority=authority,
        state=PracticeState.DRAFT,
        title=data.title,
        summary=data.summary,
        result=data.result,
        created__gte=timezone.now() - DOUBLE_SUBMIT_WINDOW,
    ).first()
    if twin is not None:
        return twin
    with atomic_with_files() as files:
        practice = GoodPractice(authority=authority, created_by=by)
        _write(practice, data, files)
        log_action("practice.created", practice, actor=by, authority=authority)
    return practice


def _lock(practice: GoodPractice) -> GoodPractice:
    return GoodPractice.objects.select_for_update().get(pk=practice.pk)


def update_practice(practice: GoodPractice, *, data: PracticeData, by: User) -> GoodPractice:
    """The KPB changes its practice. A draft or returned one stays as it is; a submitted one
    waits for the LZPD and is not changed; a published one goes back to review (eingereicht)
    and leaves the state-wide view until the LZPD publishes it again."""
    _check_author(by, practice.authority)
    _clean(data, practice.authority)
    with atomic_with_files() as files:
        practice = _lock(practice)
        if practice.state == PracticeState.SUBMITTED:
            raise PracticeError(
                _(
                    "Die gute Praxis liegt dem LZPD zur Prüfung vor und kann erst nach der "
                    "Entscheidung geändert werden."
                )
            )
        was_published = practice.state == PracticeState.PUBLISHED
        _write(practice, data, files)
        if was_published:
            practice.state = PracticeState.SUBMITTED
            practice.submitted_at = timezone.now()
            practice.published_at = None
            practice.save(update_fields=["state", "submitted_at", "published_at", "updated"])
        log_action(
            "practice.changed",
            practice,
            actor=by,
            authority=practice.authority,
            data={"back_to_review": was_published},
        )
        if was_published:
            notices.notify(notices.SUBMITTED, practice)
    return practice


@transaction.atomic
def submit_practice(practice: GoodPractice, *, by: User) -> GoodPractice:
    """The KPB hands its draft (or a returned practice) to the LZPD; the LZPD gets one mail.
    Submitting a submitted practice again changes nothing."""
    _check_author(by, practice.authority)
    practice = _lock(practice)
    if practice.state == PracticeState.SUBMITTED:
        return practice
    if practice.state == PracticeState.PUBLISHED:
        raise PracticeError(_("Die gute Praxis ist bereits veröffentlicht."))
    practice.state = PracticeState.SUBMITTED
    practice.submitted_at = timezone.now()
    practice.save(update_fields=["state", "submitted_at", "updated"])
    log_action("practice.submitted", practice, actor=by, authority=practice.authority)
    notices.notify(notices.SUBMITTED, practice)
    return practice


@transaction.atomic
def decide_practice(
    practice: GoodPractice, *, by: User, publish: bool, comment: str = ""
) -> GoodPractice:
    """The LZPD publishes a submitted practice for all KPBs or returns it with a comment
    (required then); the KPB's staff get one mail. The same decision again changes nothing."""
    if by.organisation_kind != OrganisationKind.LZPD:
        raise PracticeError(_("Über die Veröffentlichung entscheidet das LZPD."))
    comment = comment.strip()
    if not publish and not comment:
        raise PracticeError(
            _("Bitte schreiben Sie der Behörde, was vor der Veröffentlichung zu ändern ist.")
        )
    practice = _lock(practice)
    wanted = PracticeState.PUBLISHED if publish else PracticeState.RETURNED
    if practice.state == wanted:
        return practice
    if practice.state != PracticeState.SUBMITTED:
        raise PracticeError(
            _("Entschieden wird über eine eingereichte gute Praxis; diese ist: %(state)s.")
            % {"state": practice.get_state_display()}
        )
    now = timezone.now()
    practice.state = wanted
    practice.review_comment = comment
    practice.decided_by = by
    practice.decided_at = now
    practice.published_at = now if publish else None
    practice.save()
    log_action(
        "practice.published" if publish else "practice.returned",
        practice,
        actor=by,
        authority=practice.authority,
    )
    notices.notify(notices.PUBLISHED if publish else notices.RETURNED, practice)
    return practice
