"""Several years of fictional demo conferences for all 47 authorities (never in production).

Deterministic (fixed random seed) and idempotent: authorities that already have demo
conferences are left alone. No mail is sent; invitation answers and attendance are set directly.
"""

import hashlib
import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.enums import DECREE_CATEGORIES
from authorities.models import Authority, PartnerAgency, User
from conferences.enums import (
    AnswerChannel,
    ConferenceKind,
    ConferenceStatus,
    DocumentVisibility,
    InvitationState,
)
from conferences.models import AgendaItem, Conference, ConferenceDocument, Invitation, MandatedTopic
from conferences.uploads import detect_document_type
from siko.audit import log_action
from siko.collation import german
from siko.files import TransactionFiles
from siko.organisations import OrganisationKind
from siko.pdf import html_to_pdf

DEMO_MARKER = "[Demo]"


def _organiser(authority: Authority) -> User:
    user = User.objects.filter(authority=authority).order_by("pk").first()
    if user is None:
        user = User(
            username=f"demo-{authority.slug}",
            organisation_kind=OrganisationKind.KPB,
            authority=authority,
            email=f"leitungsstab.{authority.slug}@example.org",
            first_name="Leitungsstab",
            last_name=authority.short_name,
        )
        user.set_unusable_password()
        user.save()
    return user


def _conference(
    authority: Authority,
    organiser: User,
    kind: str,
    start: datetime,
    status: str,
    agencies: list[PartnerAgency],
    topics: list[MandatedTopic],
    rng: random.Random,
) -> Conference:
    label = "Siko-AP" if kind == ConferenceKind.SIKO_AP else "Sicherheitskonferenz"
    conference = Conference.objects.create(
        host=authority,
        organiser=organiser,
        kind=kind,
        status=status,
        start=start,
        end=start + timedelta(hours=3),
        place=f"{authority.seat}, Dienstgebäude, Saal 1",
        title=f"{DEMO_MARKER} {label} {authority.short_name} {start.year}",
    )
    conference.authorities.add(authority)
    covered = rng.sample(topics, k=rng.randint(3, len(topics)))
    AgendaItem.objects.bulk_create(
        AgendaItem(conference=conference, order=n, topic=t, title=t.title)
        for n, t in enumerate(covered, start=1)
    )
    invitations = []
    for agency in agencies:
        if status == ConferenceStatus.DRAFT:
            state = InvitationState.PENDING
        else:
            state = rng.choice(
                [InvitationState.ACCEPTED] * 5
                + [InvitationState.DECLINED, InvitationState.DELEGATED, InvitationState.SENT]
            )
        invitation = Invitation(
            conference=conference,
            agency=agency,
            state=state,
            contact=next(iter(agency.contacts.all()), None),
        )
        if state != InvitationState.PENDING:
            invitation.sent_at = start - timedelta(days=35)
        if state not in (InvitationState.PENDING, InvitationState.SENT):
            invitation.answered_at = start - timedelta(days=rng.randint(5, 30))
            invitation.answered_via = AnswerChannel.LINK
        if state == InvitationState.DELEGATED:
            invitation.delegate_name, invitation.delegate_function = "Vertretung", "Stellvertretung"
        if status == ConferenceStatus.HELD:
            invitation.attended = state in (InvitationState.ACCEPTED, InvitationState.DELEGATED)
        invitations.append(invitation)
    Invitation.objects.bulk_create(invitations)
    return conference


@transaction.atomic
def seed_demo_conferences(*, today: datetime | None = None) -> int:
    """Conferences for the last three years and the running one; returns how many were added."""
    now = today or timezone.now()
    tz = timezone.get_default_timezone()
    rng = random.Random(2018)
    created = 0
    with scopes_disabled():
        topics = list(MandatedTopic.objects.active())
        for authority in Authority.objects.order_by("slug"):
            if Conference.objects.filter(host=authority, title__startswith=DEMO_MARKER).exists():
                continue
            organiser = _organiser(authority)
            agencies = list(
                PartnerAgency.objects.filter(
                    coverages__authority=authority,
                    category__in=[c.value for c in DECREE_CATEGORIES],
                )
                .prefetch_related("contacts")
                .order_by("category", german("name"))
            )
            for year in range(now.year - 3, now.year + 1):
                if rng.random() < 0.08:
                    continue  # a year without SiKo: shows up as breach in compliance
                start = datetime(year, rng.randint(2, 11), rng.randint(1, 28), 10, 0, tzinfo=tz)
                if year == now.year and start > now:
                    status = ConferenceStatus.SCHEDULED
                elif year == now.year and rng.random() < 0.15:
                    continue
                else:
                    status = ConferenceStatus.HELD
                chosen = [a for a in agencies if rng.random() < 0.85]
                _conference(
                    authority, organiser, ConferenceKind.SIKO, start, status, chosen, topics, rng
                )
                created += 1
                if authority.has_autobahnpolizei:
                    ap_start = start + timedelta(days=21)
                    _conference(
                        authority,
                        organiser,
                        ConferenceKind.SIKO_AP,
                        ap_start,
                        ConferenceStatus.SCHEDULED if ap_start > now else ConferenceStatus.HELD,
                        chosen[:6],
                        topics,
                        rng,
                    )
                    created += 1
    return created


#: The partner document of the demo: on the next conference of this authority.
DEMO_DOCUMENT_AUTHORITY = "pp-dortmund"
DEMO_DOCUMENT_TITLE = f"{DEMO_MARKER} Lagebild Innenstadt (Vorabinformation)"
DEMO_DOCUMENT_NAME = "lagebild-innenstadt.pdf"
DEMO_DOCUMENT_HTML = """<!doctype html><html lang="de"><head><meta charset="utf-8">
<title>Lagebild Innenstadt</title></head><body>
<h1>Lagebild Innenstadt – Vorabinformation zur Sicherheitskonferenz</h1>
<p>Fiktive Demo-Unterlage: Entwicklung der Straßenkriminalität in der Innenstadt und
Vorschläge für gemeinsame Maßnahmen mit Stadt, Bundespolizei und Verkehrsbetrieben.</p>
</body></html>"""


def seed_demo_documents(*, today: datetime | None = None) -> int:
    """One partner-visible PDF on the next upcoming demo conference of Dortmund; returns 1 when
    it was added, 0 when Dortmund already has it or has no conference ahead.

    Runs inside seed_demo's transaction, so not through conferences.uploads.upload_document
    (a durable transaction); the file goes through the same check (detect_document_type) and
    is stored, with its SHA-256, in the default storage as an upload is."""
    now = today or timezone.now()
    with scopes_disabled():
        demo = Conference.objects.filter(
            host__slug=DEMO_DOCUMENT_AUTHORITY, title__startswith=DEMO_MARKER
        )
        if ConferenceDocument.objects.filter(
            conference__in=demo, title=DEMO_DOCUMENT_TITLE
        ).exists():
            return 0
        conference = (
            demo.filter(start__gt=now, status=ConferenceStatus.SCHEDULED)
            .select_related("host", "organiser")
            .order_by("start", "pk")
            .first()
        )
        if conference is None:
            return 0
        content = ContentFile(html_to_pdf(DEMO_DOCUMENT_HTML), name=DEMO_DOCUMENT_NAME)
        document_type = detect_document_type(content)
        document = ConferenceDocument(
            conference=conference,
            title=DEMO_DOCUMENT_TITLE,
            original_name=DEMO_DOCUMENT_NAME,
            content_type=document_type.content_type,
            size=content.size,
            sha256=hashlib.sha256(content.read()).hexdigest(),
            visibility=DocumentVisibility.PARTNERS,
            uploaded_by=conference.organiser,
        )
        files = TransactionFiles()
        try:
            content.seek(0)
            files.save(document.file, f"upload.{document_type.extension}", content)
            document.save()
            log_action(
                "conference_document.uploaded",
                document,
                actor=conference.organiser,
                authority=conference.host,
                data={
                    "sha256": document.sha256,
                    "bytes": document.size,
                    "type": document_type.label,
                    "visibility": document.visibility,
                },
            )
        except BaseException:
            files.discard()
            raise
    return 1
