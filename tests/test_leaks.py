"""A data-level leak test (issue 10): no KPB reads another KPB's data through any channel.

Both KPBs get the same world, every text field carrying a unique marker ("LEAKA-…-7f3a" for
Polizeipräsidium Dortmund, "LEAKB-…-7f3a" for Landrat Borken): conference titles and places,
agendas, answers and delegates, attendance, minutes and comments, actions and their notes,
Hospitationen and exercises, a partner agency covering only the KPB's area with its contacts.
The secrets of B's world (answer, action, minutes-comment and feed tokens) count as markers too.

Then KPB A fetches every URL pattern with its own objects and with B's, the query variants
that filter or search, every download and subscription it can get (and every secret link it is
shown, followed), and the mails its actions produce. Each body is decoded as a person would read
it (HTML, ICS, CSV as text, XLSX cell by cell, PDF by text extraction) and must not contain a
B marker, while A's markers do show up (so the decoders and the data reach the outputs).

Partner links: one agency's answer, overview, minutes-comment and action links and its feed
never show another agency's answers, comments, delegates, notes or links.

A URL pattern missing in PAGES, or a mail template not produced here, fails the test: a new
output channel must be added.
"""

import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from authorities.accounts import create_staff_account
from authorities.models import (
    ComparisonGroup,
    Contact,
    Coverage,
    Exercise,
    Hospitation,
    PartnerAgency,
    User,
)
from conferences import calendar_replies, links, services, uploads
from conferences.documents import feeds
from conferences.documents.ical import invitation_uid
from conferences.enums import AnswerChannel, CalendarReplyOutcome, InvitationState
from conferences.models import CalendarFeed, CalendarReply, Conference, Invitation
from followup import actions, records
from followup import links as followup_links
from followup import minutes as minutes_services
from followup.models import ActionState, Minutes, MinutesComment, OutcomeType
from notifications.enums import MailKind
from notifications.models import OutgoingMail
from notifications.reminders import send_due_reminders
from reports.annual.report import collect_report_data
from reports.models import AnnualReport, GenerationState, OutlineProposal, ReportStatus
from reports.reminders import compose_compliance_reminder
from siko.organisations import OrganisationKind
from tests.conftest import client_for, make_user
from tests.factories.calendar_replies import outlook_reply
from tests.factories.conferences import make_conference
from tests.factories.cooperations import make_cooperation
from tests.factories.documents import pdf_bytes, upload
from tests.factories.practices import make_practice, make_published, pdf_upload
from tests.factories.practices import topic as practice_topic
from tests.helpers import compact, pdf_text
from tests.test_access import all_url_names

pytestmark = pytest.mark.django_db

SUFFIX = "7f3a"
SHARED = "bpold-sankt-augustin"  # covers all 47 KPBs, Dortmund and Borken included
LOCAL = {"pp-dortmund": "kommune-dortmund", "lr-borken": "kommune-kreis-borken"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPES = {
    "text/html",
    "text/plain",
    "text/calendar",
    "text/csv",
    "application/json",
    "application/vnd.oai.openapi",  # the API's schema (YAML)
    "text/javascript",  # the passkey script's texts (django-otp-webauthn's catalogue)
}
SECRET_LINK = re.compile(
    r"/konferenzen/(?:kalender/[\w-]+\.ics|antwort/[\w:.-]+/|partner/uebersicht/[\w:.-]+/"
    r"|protokoll/kommentar/[\w:.-]+/(?:protokoll\.pdf)?|massnahme/[\w:.-]+/)"
)


# The world of one KPB ---------------------------------------------------------------------------


class World(SimpleNamespace):
    """One KPB's objects, its markers (field → text) and its secrets (tokens)."""

    markers: dict[str, str]
    secrets: dict[str, str]
    #: per invited agency (X: own-area agency, Y: seeded local agency, Z: shared agency):
    #: what only that agency and the police may see (its answer, comments, notes, links).
    private: dict[str, set[str]]


def plant(prefix: str, user: Any, shared: PartnerAgency) -> World:
    """Everything a KPB keeps in SiKo, each text with its own marker."""
    w = World(markers={}, secrets={}, private={"X": set(), "Y": set(), "Z": set()})

    def m(field: str, agency: str = "") -> str:
        text = f"{prefix}-{agency + '-' if agency else ''}{field}-{SUFFIX}"
        w.markers[(agency + ":" if agency else "") + field] = text
        if agency:
            w.private[agency].add(text)
        return text

    authority = user.authority
    user.first_name, user.last_name = m("organiser-first"), m("organiser-last")
    user.save()
    w.user, w.authority, w.slug = user, authority, authority.slug

    # A partner agency covering only this KPB's area, and the seeded local one, with contacts.
    own = PartnerAgency.objects.create(
        slug=f"nur-{authority.slug}",
        name=m("agency-name"),
        category="sonstige",
        seat=m("agency-seat"),
        address=m("agency-address"),
        responsibility=m("agency-responsibility"),
    )
    Coverage.objects.create(agency=own, authority=authority, note=m("coverage-note"))
    w.contact = Contact.objects.create(
        agency=own,
        name=m("contact-name"),
        function=m("contact-function"),
        email=f"{prefix.lower()}-contact-email-{SUFFIX}@example.org",
        phone=m("contact-phone"),
    )
    w.markers["contact-email"] = w.contact.email.partition("@")[0]
    local = PartnerAgency.objects.get(slug=LOCAL[authority.slug])
    w.local_contact = Contact.objects.create(
        agency=local,
        name=m("local-contact-name"),
        function=m("local-contact-function"),
        email=f"{prefix.lower()}-local-email-{SUFFIX}@example.org",
    )
    w.markers["local-contact-email"] = w.local_contact.email.partition("@")[0]
    w.own, w.local, w.shared = own, local, shared
    agencies = {"X": own, "Y": local, "Z": shared}

    # The upcoming conference (scheduled; every KPB's on the same day, with the shared agency).
    w.upcoming = make_conference(user, title=m("upcoming-title"), place=m("upcoming-place"))
    services.add_agenda_item(w.upcoming, item=_item(m, "upcoming"), by=user)
    services.add_invitations(w.upcoming, agencies=[own, local, shared], by=user)
    services.send_invitations(w.upcoming, by=user)
    # A calendar reply SiKo could not assign, on the "nicht zugeordnet" list of its organisers.
    CalendarReply.objects.create(
        message_id=f"<{prefix}-{SUFFIX}@example.org>",
        sender=f"{prefix.lower()}-reply-{SUFFIX}@example.org",
        subject=m("calendar-reply-subject"),
        conference=w.upcoming,
        outcome=CalendarReplyOutcome.UNMATCHED,
        reason=m("calendar-reply-reason"),
    )
    services.record_answer(
        w.upcoming.invitations.get(agency=shared),
        state=InvitationState.DECLINED,
        via=AnswerChannel.LINK,
        comment=m("upcoming-answer-comment", "Z"),
    )
    # Rescheduled: the invited agencies get an update.
    # Documents of the upcoming conference: one for the invited (listed in the update mail,
    # announced to every agency), one for the organisers only.
    w.document = uploads.upload_document(
        w.upcoming,
        upload=upload(m("document-file") + ".pdf", pdf_bytes()),
        title=m("document-title"),
        visibility="partners",
        by=user,
    ).document
    w.internal_document = uploads.upload_document(
        w.upcoming,
        upload=upload("intern.pdf", pdf_bytes(pages=2)),
        title=m("internal-document-title"),
        visibility="organisers",
        by=user,
    ).document
    w.upcoming = services.update_conference(
        w.upcoming, data={"place": m("upcoming-place-new")}, by=user, confirmed=True
    )
    uploads.announce_document(w.document, by=user)
    w.draft = make_conference(user, title=m("draft-title"), place=m("draft-place"))
    services.add_invitations(w.draft, agencies=[shared], by=user)
    w.cancelled = make_conference(
        user, days_ahead=40, title=m("cancelled-title"), place=m("cancelled-place")
    )
    services.add_invitations(w.cancelled, agencies=[local], by=user)
    services.send_invitations(w.cancelled, by=user)
    services.cancel_conference(w.cancelled, reason=m("cancel-reason"), by=user)

    # The held conference: answers, attendance, minutes approved after comments, actions.
    held = make_conference(user, days_ahead=20, title=m("held-title"), place=m("held-place"))
    w.agenda_item = services.add_agenda_item(held, item=_item(m, "held"), by=user)
    services.add_invitations(held, agencies=[own, local, shared], by=user)
    services.send_invitations(held, by=user)
    invitations = {tag: held.invitations.get(agency=agency) for tag, agency in agencies.items()}
    for tag, invitation in invitations.items():
        services.record_answer(
            invitation,
            state=InvitationState.DELEGATED,
            via=AnswerChannel.LINK,
            comment=m("answer-comment", tag),
            delegate_name=m("delegate-name", tag),
            delegate_function=m("delegate-function", tag),
        )
    start = timezone.now() - timedelta(days=2)
    Conference.objects.filter(pk=held.pk).update(start=start, end=start + timedelta(hours=3))
    held.refresh_from_db()
    # Who attended is part of the minutes every attending agency reads: conference-level text.
    minutes_services.record_attendance(
        held,
        by=user,
        attendance={i.pk: (True, m(f"attended-by-{tag}")) for tag, i in invitations.items()},
    )
    for invitation in invitations.values():
        invitation.refresh_from_db()
    draft = minutes_services.get_or_create_draft(held, by=user)
    minutes_services.save_minutes_draft(
        draft,
        notes=m("minutes-notes"),
        by=user,
        entries={
            e.pk: {
                "report": m(f"minutes-report-{n}"),
                "outcome_type": OutcomeType.DECISION,
                "outcome": m(f"minutes-outcome-{n}"),
            }
            for n, e in enumerate(draft.entries.order_by("order", "pk"))
        },
    )
    minutes = minutes_services.circulate_minutes(
        draft, deadline=timezone.now() + timedelta(days=10), by=user
    )
    for tag in ("X", "Y"):
        comment = minutes_services.add_comment(
            minutes, invitation=invitations[tag], text=m("minutes-comment", tag)
        )
        minutes_services.resolve_comment(comment, resolution=m("comment-resolution", tag), by=user)
    Minutes.objects.filter(pk=minutes.pk).update(
        comment_deadline=timezone.now() - timedelta(minutes=1)
    )
    minutes.refresh_from_db()
    w.minutes = minutes_services.approve_minutes(minutes, by=user)
    w.comment = MinutesComment.objects.filter(minutes=w.minutes).first()
    w.held, w.invitations = Conference.objects.get(pk=held.pk), invitations
    w.invitation = invitations["X"]
    due = timezone.localdate() + timedelta(days=30)
    w.actions = {}
    for tag in ("X", "Y"):
        action = actions.create_action(
            held, text=m(f"action-text-{tag}"), due_date=due, owner_agency=agencies[tag], by=user
        )
        actions.change_action_state(
            action, state=ActionState.IN_PROGRESS, note=m("action-note", tag), by=user
        )
        w.actions[tag] = action
    w.action = w.actions["X"]
    w.police_action = actions.create_action(
        held, text=m("police-action-text"), due_date=due, owner_agency=None, by=user
    )

    # A conference held outside SiKo, entered afterwards (Konferenz nachtragen).
    entered_start = (timezone.now() - timedelta(days=40)).replace(hour=10, minute=0)
    w.entered = records.record_past_conference(
        host=authority,
        data={
            "kind": "siko",
            "title": m("entered-title"),
            "start": entered_start,
            "end": entered_start + timedelta(hours=2),
            "place": m("entered-place"),
        },
        free_titles=[m("entered-agenda")],
        attendance={own: (True, ""), local: (False, "")},
        by=user,
    )

    # R7 records.
    today = timezone.localdate()
    w.hospitation = Hospitation.objects.create(
        authority=authority,
        agency_name=m("hospitation-partner"),
        direction="outgoing",
        start_date=today - timedelta(days=30),
        end_date=today - timedelta(days=29),
        participants=2,
        notes=m("hospitation-notes"),
    )
    Hospitation.objects.create(
        authority=authority,
        agency=own,
        direction="incoming",
        start_date=today,
        end_date=today,
        notes=m("hospitation-notes-2"),
    )
    w.exercise = Exercise.objects.create(
        authority=authority,
        organiser=m("exercise-organiser"),
        title=m("exercise-title"),
        date=today - timedelta(days=10),
        liaison_took_part=True,
        notes=m("exercise-notes"),
    )

    # Secrets: every signed link and feed address of this world.
    w.feed = feeds.create_feed(authority=authority, by=user)
    w.agency_feed = feeds.create_feed(agency=own, by=None)  # through its overview link
    w.secrets["authority-feed"] = w.feed.token
    w.secrets["agency-feed"] = w.agency_feed.token
    for invitation in Invitation.objects.filter(conference__host=authority):
        token = links.answer_token(invitation)
        w.secrets[f"answer:{invitation.pk}"] = token
        tag = next((t for t, a in agencies.items() if a.pk == invitation.agency_id), "")
        if invitation.attended:
            comment_token = minutes_services.comment_token(invitation, w.minutes)
            w.secrets[f"comment:{invitation.pk}"] = comment_token
            w.private[tag].add(comment_token)
        w.private[tag].add(token)
    for tag, action in w.actions.items():
        w.secrets[f"action:{tag}"] = followup_links.action_token(action)
        w.private[tag].add(w.secrets[f"action:{tag}"])
    return w


def _item(m: Callable[..., str], name: str) -> Any:
    from conferences.models import AgendaItem

    return AgendaItem(
        title=m(f"{name}-agenda-title"),
        notes=m(f"{name}-agenda-notes"),
        presenter=m(f"{name}-agenda-presenter"),
        duration_minutes=20,
    )


def annual_reports() -> SimpleNamespace:
    """A final report and a draft whose figures include both worlds' held conferences."""
    today = timezone.localdate()
    data = collect_report_data(today.year + 1, period_year=today.year, as_of=today)
    made = {}
    for name, year, status in (
        ("final", today.year + 1, ReportStatus.FINAL),
        ("draft", today.year + 2, ReportStatus.DRAFT),
    ):
        report = AnnualReport(
            year=year,
            period_year=today.year,
            status=status,
            generation_state=GenerationState.DONE,
            data=data,
            sha256="0" * 64,
        )
        report.pdf.save("bericht.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        report.save()
        made[name] = report
    made["outline"] = OutlineProposal.objects.create(
        year=today.year + 2,
        sections=made["draft"].outline,
        proposed_by=User.objects.create(username="lzpd-gliederung", organisation_kind="lzpd"),
    )
    return SimpleNamespace(**made)


@contextmanager
def recording_templates(names: list[str]) -> Iterator[None]:
    """The names of the templates rendered meanwhile (Django's test instrumentation)."""

    def record(sender: Any, template: Any, **kwargs: Any) -> None:
        names.append(template.name)

    template_rendered.connect(record)
    try:
        yield
    finally:
        template_rendered.disconnect(record)


@pytest.fixture
def world(kpb_a_user, kpb_b_user, lzpd_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    rendered: list[str] = []
    with recording_templates(rendered):
        return _world(kpb_a_user, kpb_b_user, lzpd_user, rendered)


def plant_practices(w: World, prefix: str, lzpd: Any) -> None:
    """Good practice (issue 16, part 2): a draft with markers and an attachment, visible only
    to its KPB and the LZPD; and a published one without markers, which every KPB reads by
    design (test_published_practice_of_kpb_b_is_visible_to_kpb_a_by_design)."""
    fields = ("title", "summary", "result", "contact_function")
    texts = {}
    for field in fields:
        texts[field] = f"{prefix}-practice-{field}-{SUFFIX}"
        w.markers[f"practice-{field}"] = texts[field]
    w.practice = make_practice(w.user, partners=[w.own], attachment=pdf_upload(), **texts)
    w.topic_pk = practice_topic("strategien").pk
    w.published_practice = make_published(
        w.user,
        lzpd,
        title=f"{prefix} veröffentlichte Praxis",
        topic=practice_topic("strategien"),
        categories=["kommune"],
    )


def plant_cooperations(w: World, prefix: str) -> None:
    """Cooperation structures (issue 16, part 3): one with markers, its own-area partner, and
    discussed at the upcoming conference."""
    for field in ("name", "notes"):
        w.markers[f"cooperation-{field}"] = f"{prefix}-cooperation-{field}-{SUFFIX}"
    w.cooperation = make_cooperation(
        w.user,
        partners=(w.own.slug,),
        name=w.markers["cooperation-name"],
        notes=w.markers["cooperation-notes"],
        conferences=[w.upcoming],
    )


def _world(kpb_a_user: Any, kpb_b_user: Any, lzpd_user: Any, rendered: list[str]) -> Any:
    shared = PartnerAgency.objects.get(slug=SHARED)
    Contact.objects.create(
        agency=shared,
        name="Leitung Bundespolizei",
        function="Leitung",
        email="leitung@bpold.example",
    )
    # The shared agency's own feed, made by the LZPD: it lists every KPB's conferences.
    shared_feed = feeds.create_feed(agency=shared, by=lzpd_user)
    b = plant("LEAKB", kpb_b_user, shared)
    a = plant("LEAKA", kpb_a_user, shared)
    for w, prefix in ((b, "LEAKB"), (a, "LEAKA")):
        plant_practices(w, prefix, lzpd_user)
        plant_cooperations(w, prefix)
    return SimpleNamespace(
        a=a,
        b=b,
        shared=shared,
        shared_feed=shared_feed,
        reports=annual_reports(),
        group=ComparisonGroup.objects.create(name="Vergleich"),
        lzpd=lzpd_user,
        rendered=rendered,
    )


# Reading a response as a person would -----------------------------------------------------------


def body_text(response: Any) -> str:
    """Headers and the decoded body; an unknown content type fails (add a decoder)."""
    raw = response.getvalue() if response.streaming else response.content
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if content_type == "application/pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        text = pdf_text(raw) + " ".join(str(v) for v in (reader.metadata or {}).values())
    elif content_type == XLSX:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        text = "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    elif content_type in TEXT_TYPES or not raw:
        text = raw.decode("utf-8-sig")
    else:
        raise AssertionError(f"No decoder for {content_type}: add one to body_text()")
    headers = "\n".join(f"{key}: {value}" for key, value in response.items())
    return headers + "\n" + text


def found(texts: dict[str, str], markers: Iterable[str]) -> dict[str, list[str]]:
    """marker → the labels of the bodies it occurs in (case and whitespace ignored: PDF text
    breaks lines anywhere)."""
    needles = {compact(marker).lower(): marker for marker in markers}
    hits: dict[str, list[str]] = {}
    for label, text in texts.items():
        squeezed = compact(text).lower()
        for needle, marker in needles.items():
            if needle in squeezed:
                hits.setdefault(marker, []).append(label)
    return hits


class Reader:
    """A client that keeps every body it read, and follows the secret links it was shown."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.texts: dict[str, str] = {}
        self.types: dict[str, str] = {}  # label → content type

    def read(self, label: str, response: Any) -> Any:
        self.texts[label] = body_text(response)
        self.types[label] = response.get("Content-Type", "").split(";")[0].strip()
        assert response.status_code < 500, (label, response.status_code)
        return response

    def get(self, url: str, label: str | None = None, **extra: Any) -> Any:
        return self.read(label or f"GET {url}", self.client.get(url, **extra))

    def post(self, url: str, data: dict[str, Any], label: str | None = None) -> Any:
        return self.read(
            label or f"POST {url} {sorted(data)}", self.client.post(url, data, follow=True)
        )

    def follow_secret_links(self) -> None:
        """Every answer, overview, comment, action or feed link in anything read so far is
        fetched too (anyone holding a link can open it)."""
        done: set[str] = set()
        while True:
            todo = {
                link
                for text in list(self.texts.values())
                for link in SECRET_LINK.findall(compact(text))
            } - done
            if not todo:
                return
            for link in sorted(todo):
                self.get(link, f"secret link {link}")
            done |= todo


def mail_texts(rows: Iterable[OutgoingMail]) -> dict[str, str]:
    return {
        f"mail {row.pk} {row.kind} to {row.to}": "\n".join(
            (row.to, row.subject, row.body_text, row.body_html, row.ics)
        )
        for row in rows
    }


# Every URL pattern: how to reach it with A's objects and with B's ------------------------------


@dataclass(frozen=True)
class Page:
    """kwargs(world) → URL arguments (None: the URL has none); queries: formatted with a=, b=
    (the two worlds); secret: the arguments are a signed token, so only A's own are used (B's
    tokens are markers: they must never reach A); status: what A gets with its own objects."""

    kwargs: Callable[[World], dict[str, Any] | list[dict[str, Any]]] | None = None
    queries: tuple[str, ...] = ()
    secret: bool = False
    status: int = 200  # for the first arguments; the others only must not fail

    def arguments(self, w: World) -> list[dict[str, Any]]:
        if self.kwargs is None:
            return [{}]
        kwargs = self.kwargs(w)
        return kwargs if isinstance(kwargs, list) else [kwargs]


def conf(attr: str = "upcoming") -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": getattr(w, attr).pk}


def every_conference(w: World) -> list[dict[str, Any]]:
    return [{"pk": c.pk} for c in (w.upcoming, w.held, w.draft, w.cancelled, w.entered)]


def conf_and(key: str, value: Callable[[World], Any], attr: str = "upcoming") -> Callable:
    return lambda w: {"pk": getattr(w, attr).pk, key: value(w)}


def upcoming_invitation(w: World) -> int:
    return w.upcoming.invitations.get(agency=w.own).pk


#: The API's data URLs, fetched with KPB A's token (every `next` link followed).
API_PAGES: dict[str, Page] = {
    "api:body-list": Page(queries=("?page_size=1",)),
    "api:body-detail": Page(lambda w: {"slug": w.slug}),
    "api:organization-list": Page(queries=("?page_size=3",)),
    "api:organization-detail": Page(lambda w: [{"slug": w.own.slug}, {"slug": w.local.slug}]),
    "api:meeting-list": Page(queries=("?page_size=2",)),
    "api:meeting-detail": Page(every_conference),
    "api:compliance-list": Page(
        status=400,  # the year is required
        queries=(
            "?year={a.year}",
            "?year={b.year}&body={b.slug}",
            "?year={a.year}&as_of={a.year}-12-31&page_size=1",
        ),
    ),
    "api:report-list": Page(),
    "api:report-detail": Page(lambda w: [{"pk": w.reports.final.pk}, {"pk": w.reports.draft.pk}]),
    "api:report-file": Page(lambda w: [{"pk": w.reports.final.pk}, {"pk": w.reports.draft.pk}]),
}

PAGES: dict[str, Page] = {
    "home": Page(status=302),
    "healthz": Page(),
    "mailbox": Page(status=403),
    "privacy": Page(),
    "accessibility": Page(),
    "personal_data": Page(status=403),
    # KPB A filters by B's authority and B's organiser: invalid choices, A's entries only.
    "audit_log": Page(
        queries=(
            "?authority={b.authority.pk}",
            "?actor={b.user.pk}",
            "?object_type=conferences.Conference",
            "?since=2000-01-01&until=2100-01-01",
        )
    ),
    "login": Page(status=302),
    "logout": Page(status=405),
    "password_change": Page(),
    "password_change_done": Page(),
    "password_reset": Page(),
    "password_reset_done": Page(),
    "password_reset_confirm": Page(lambda w: {"uidb64": "MQ", "token": "ungueltig"}),
    "password_reset_complete": Page(),
    "otp_verify": Page(status=302),
    "otp_setup": Page(),
    "otp_manage": Page(),
    # POST only (the passkey script's JSON); the library answers for the signed-in user only.
    **{
        f"otp_webauthn:credential-{step}": Page(status=405)
        for step in (
            "registration-begin",
            "registration-complete",
            "authentication-begin",
            "authentication-complete",
        )
    },
    "otp_webauthn:js-i18n-catalog": Page(),
    "set_language": Page(status=302),
    "admin:index": Page(status=302),
    "admin_login": Page(status=302),
    "authorities:authority_list": Page(
        queries=("?q=Borken", "?q=LEAKB", "?regierungsbezirk=muenster")
    ),
    "authorities:authority_detail": Page(lambda w: {"slug": w.slug}),
    "authorities:partner_list": Page(
        queries=("?q=LEAKB", "?q=Borken", "?category=sonstige", "?page=2")
    ),
    "authorities:partner_create": Page(),
    "authorities:partner_import": Page(),
    "authorities:partner_export": Page(),
    "authorities:partner_detail": Page(lambda w: {"slug": w.own.slug}),
    "authorities:partner_update": Page(lambda w: {"slug": w.own.slug}),
    "authorities:contact_create": Page(lambda w: {"slug": w.own.slug}),
    "authorities:contact_update": Page(lambda w: {"slug": w.own.slug, "pk": w.contact.pk}),
    "authorities:contact_delete": Page(lambda w: {"slug": w.own.slug, "pk": w.contact.pk}),
    "authorities:hospitation_list": Page(queries=("?behoerde={b.slug}", "?jahr={b.year}")),
    "authorities:authority_start_year": Page(lambda w: {"slug": w.slug}, status=403),
    "authorities:hospitation_create": Page(),
    "authorities:hospitation_update": Page(
        lambda w: [{"pk": h.pk} for h in Hospitation.objects.filter(authority=w.authority)]
    ),
    "authorities:exercise_list": Page(queries=("?behoerde={b.slug}", "?jahr={b.year}")),
    "authorities:exercise_create": Page(),
    "authorities:exercise_update": Page(lambda w: {"pk": w.exercise.pk}),
    # Only the administration imports accounts: KPB A sees no preview of anyone's users.
    "authorities:staff_import": Page(status=403),
    "authorities:account_setup": Page(lambda w: {"token": "gefaelscht"}, status=404, secret=True),
    "conferences:conference_list": Page(
        queries=(
            "?jahr={b.year}",
            "?q=LEAKB",
            "?page=2",
            "?behoerde={b.slug}",
            "?regierungsbezirk=Münster&status=held&art=siko",
        )
    ),
    "conferences:conference_create": Page(),
    "conferences:conference_record": Page(),
    "conferences:conference_detail": Page(every_conference),
    "conferences:conference_update": Page(conf()),
    # The clash warning names other authorities' days only, never their titles or places.
    "conferences:new_conference_clashes": Page(
        queries=("?start={b.upcoming.start:%Y-%m-%dT%H:%M}",)
    ),
    "conferences:conference_clashes": Page(
        conf(), queries=("?start={b.upcoming.start:%Y-%m-%dT%H:%M}",)
    ),
    "conferences:conference_cancel": Page(conf()),
    "conferences:conference_leave": Page(conf(), status=403),  # the host cannot leave
    "conferences:agenda": Page(conf()),
    "conferences:agenda_item_update": Page(conf_and("item_pk", lambda w: w.agenda_item.pk, "held")),
    "conferences:agenda_item_action": Page(
        conf_and("item_pk", lambda w: w.agenda_item.pk, "held"), status=405
    ),
    "conferences:invitations": Page(conf()),
    "conferences:invitation_remove": Page(
        conf_and("invitation_pk", upcoming_invitation), status=405
    ),
    "conferences:send": Page(conf()),
    "conferences:invitation_letter_sent": Page(
        conf_and("invitation_pk", upcoming_invitation), status=405
    ),
    "conferences:mail_log": Page(every_conference),
    "conferences:send_progress": Page(every_conference, queries=("?n=3",)),
    "conferences:answer": Page(lambda w: {"token": links.answer_token(w.invitation)}, secret=True),
    "conferences:answer_document": Page(
        lambda w: {
            "token": links.answer_token(w.upcoming.invitations.get(agency=w.own)),
            "document_pk": w.document.pk,
        },
        secret=True,
    ),
    "conferences:documents": Page(conf()),
    "conferences:document_download": Page(
        lambda w: [
            {"pk": w.upcoming.pk, "document_pk": d.pk} for d in (w.document, w.internal_document)
        ]
    ),
    "conferences:document_delete": Page(conf_and("document_pk", lambda w: w.document.pk)),
    "conferences:document_announce": Page(
        conf_and("document_pk", lambda w: w.document.pk), status=405
    ),
    "conferences:answers_panel": Page(every_conference, queries=("?n=3",)),
    "conferences:remind_now": Page(conf(), status=405),
    "conferences:record_answer": Page(
        lambda w: [
            {"pk": i.conference_id, "invitation_pk": i.pk}
            for i in Invitation.objects.filter(conference__in=[w.upcoming, w.held])
        ]
    ),
    "conferences:participants_csv": Page(every_conference),
    "conferences:participants_pdf": Page(every_conference),
    "conferences:partner_overview_request": Page(),
    "conferences:partner_overview": Page(
        lambda w: {"token": links.overview_token(w.own)}, secret=True
    ),
    "conferences:partner_invitations": Page(status=403),
    "conferences:invitation_letter": Page(
        lambda w: [
            {"pk": w.upcoming.pk, "invitation_pk": i.pk} for i in w.upcoming.invitations.all()
        ]
    ),
    "conferences:conference_ics": Page(every_conference),
    "conferences:calendar_feeds": Page(),
    "conferences:calendar_replies_unmatched": Page(),
    "conferences:calendar_feed": Page(lambda w: {"token": w.feed.token}, secret=True),
    "conferences:attendance": Page(conf("held")),
    "conferences:agenda_actions": Page(conf()),
    "conferences:minutes": Page(every_conference),
    "conferences:minutes_edit": Page(conf("held"), status=302),  # approved: back to the page
    "conferences:minutes_circulate": Page(conf("held")),
    "conferences:minutes_comment_resolve": Page(
        conf_and("comment_pk", lambda w: w.comment.pk, "held"), status=405
    ),
    "conferences:minutes_approve": Page(conf("held")),
    "conferences:minutes_correction": Page(conf("held")),
    "conferences:minutes_pdf": Page(conf_and("version", lambda w: 1, "held")),
    "conferences:minutes_comment": Page(
        lambda w: {"token": minutes_services.comment_token(w.invitation, w.minutes)}, secret=True
    ),
    "conferences:minutes_comment_pdf": Page(
        lambda w: {"token": minutes_services.comment_token(w.invitation, w.minutes)}, secret=True
    ),
    "conferences:action_list": Page(
        queries=(
            "?status=all",
            "?zustaendig={b.own.slug}",
            "?behoerde={b.slug}",
            "?q=LEAKB",
            "?ampel=on_track&status=in_progress",
        )
    ),
    "conferences:action_export": Page(
        queries=("?status=all", "?zustaendig={b.own.slug}", "?behoerde={b.slug}", "?q=LEAKB")
    ),
    "conferences:action_detail": Page(
        lambda w: [{"pk": action.pk} for action in (*w.actions.values(), w.police_action)]
    ),
    "conferences:action_link": Page(
        lambda w: {"token": followup_links.action_token(w.action)}, secret=True
    ),
    "conferences:conference_actions": Page(every_conference),
    "reports:state": Page(status=403),
    "reports:state_csv": Page(status=403),
    "reports:state_xlsx": Page(status=403),
    "reports:my_dashboard": Page(queries=("?jahr={b.year}", "?jahr=1999")),
    "reports:authority_dashboard": Page(lambda w: {"slug": w.slug}, queries=("?jahr={b.year}",)),
    "reports:group_list": Page(status=403),
    "reports:reminder_log": Page(status=403),
    "reports:failed_mails": Page(status=403),
    "reports:group_create": Page(status=403),
    "reports:group_figures": Page(queries=("?jahr={b.year}", "?jahr=1999")),
    "reports:group_update": Page(lambda w: {"pk": w.group.pk}, status=403),
    "reports:group_delete": Page(lambda w: {"pk": w.group.pk}, status=403),
    "reports:annual_report_list": Page(),
    "reports:annual_report_create": Page(status=403),
    "reports:annual_report": Page(lambda w: {"pk": w.reports.final.pk}, status=403),
    "reports:annual_report_progress": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_update": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_generate": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_review": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_outline_propose": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_outlines": Page(status=403),
    "reports:annual_report_outline_decide": Page(
        lambda w: {"pk": w.reports.outline.pk}, status=403
    ),
    "reports:annual_report_finalise": Page(lambda w: {"pk": w.reports.draft.pk}, status=403),
    "reports:annual_report_correction": Page(lambda w: {"pk": w.reports.final.pk}, status=403),
    "reports:annual_report_pdf": Page(lambda w: {"pk": w.reports.final.pk}, status=403),
    "reports:annual_report_part": Page(lambda w: {"pk": w.reports.final.pk, "slug": w.slug}),
    "reports:annual_report_csv": Page(lambda w: {"pk": w.reports.final.pk}, status=403),
    "reports:annual_report_xlsx": Page(lambda w: {"pk": w.reports.final.pk}, status=403),
    "practices:list": Page(queries=("?q=LEAKB", "?kategorie=kommune", "?thema={b.topic_pk}")),
    "practices:create": Page(),
    "practices:proposals": Page(queries=("?thema={b.topic_pk}", "?topic={a.topic_pk}")),
    "practices:detail": Page(lambda w: {"pk": w.practice.pk}),
    "practices:attachment": Page(lambda w: {"pk": w.practice.pk}),
    "practices:update": Page(lambda w: {"pk": w.practice.pk}),
    "practices:submit": Page(lambda w: {"pk": w.practice.pk}, status=405),
    "practices:decide": Page(lambda w: {"pk": w.practice.pk}, status=403),
    "cooperations:cooperation_list": Page(queries=("?behoerde={b.slug}", "?status=aktiv")),
    "cooperations:cooperation_create": Page(),
    "cooperations:cooperation_import": Page(),
    "cooperations:cooperation_export": Page(),
    "cooperations:cooperation_update": Page(lambda w: {"pk": w.cooperation.pk}),
    "cooperations:agenda_offer": Page(conf()),
    "cooperations:record_discussed": Page(
        lambda w: {"pk": w.upcoming.pk, "cooperation_pk": w.cooperation.pk}, status=405
    ),
    # The API takes no session (401); with A's token: API_PAGES and test_..._through_the_api.
    "api:schema": Page(),
    "api:docs": Page(),
    **{name: Page(page.kwargs, status=401) for name, page in API_PAGES.items()},
}

#: Mail templates (subject files) every mail kind starts from. Each is produced below by KPB A's
#: actions or the reminder sweep over A's data, or named here with the reason it cannot leak.
MAILS_NOT_TO_KPB = {
    "reports/email/annual_report_reminder_subject.txt": "to the LZPD only (reads everything)",
    "reports/email/annual_report_notice_subject.txt": "to LZPD, LKA and IM only (read all)",
    "reports/email/outline_notice_subject.txt": "to LZPD and IM only; names sections, no data",
    "reports/email/outline_reminder_subject.txt": "to the LZPD only; names sections, no data",
}


#: A's markers that no page shows A, with the reason (every other one shows somewhere, so the
#: same field of B would have been seen).
NOT_ON_A_PAGE = {
    "upcoming-place": "replaced by the update; only the update mail names the old place",
}


def subject_templates() -> set[str]:
    root = Path(settings.BASE_DIR) / "templates"
    return {str(p.relative_to(root)) for p in root.rglob("*_subject.txt")}


def for_world(w: World, shared: SimpleNamespace) -> World:
    """The world with what PAGES needs besides its own objects (shared objects, the year)."""
    w.reports, w.group = shared.reports, shared.group
    w.year = timezone.localdate().year
    return w


def walk(reader: Reader, a: World, b: World) -> None:
    """Every URL pattern as KPB A: with A's objects, with B's, and the query variants."""
    for name, page in sorted(PAGES.items()):
        a_urls = [reverse(name, kwargs=kwargs) for kwargs in page.arguments(a)]
        for number, a_url in enumerate(a_urls):
            response = reader.get(a_url, f"{name} (A) {a_url}")
            if number == 0:
                assert response.status_code == page.status, (name, a_url, response.status_code)
            for query in page.queries:
                reader.get(a_url + query.format(a=a, b=b), f"{name} (A) {a_url}{query}")
        if page.kwargs is None or page.secret:
            continue
        for b_url in {reverse(name, kwargs=kwargs) for kwargs in page.arguments(b)} - set(a_urls):
            response = reader.get(b_url, f"{name} (B's objects) {b_url}")
            # 401: the API, which takes no session.
            assert response.status_code in (401, 403, 404), (name, b_url, response.status_code)
            if page.status == 405:  # POST only: try it with B's objects
                reader.post(b_url, {}, f"POST {name} (B's objects) {b_url}")


def assert_no_leak(texts: dict[str, str], b: World) -> None:
    leaks = found(texts, [*b.markers.values(), *b.secrets.values()])
    assert not leaks, "KPB B's data reached KPB A:\n" + "\n".join(
        f"  {marker}: {', '.join(where)}" for marker, where in sorted(leaks.items())
    )


# The tests ----------------------------------------------------------------------------------------


def test_every_url_pattern_is_in_the_leak_table():
    assert set(PAGES) == all_url_names()


def test_kpb_a_reads_no_data_of_kpb_b_on_any_page_or_download(world):
    a, b = for_world(world.a, world), for_world(world.b, world)
    reader = Reader(client_for(a.user))
    walk(reader, a, b)
    # What KPB A can do that creates a download or a subscription: its own feed (the feeds
    # page then shows the address, and every address shown is followed).
    feeds_url = reverse("conferences:calendar_feeds")
    reader.post(feeds_url, {"action": "create_authority"}, "create own feed")
    reader.follow_secret_links()

    assert_no_leak(reader.texts, b)
    # The control: A's own data does reach these outputs, so B's would have been seen; and
    # each decoder read A's markers out of at least one body of its kind.
    shown = found(reader.texts, a.markers.values())
    assert {f for f, text in a.markers.items() if text not in shown} == set(NOT_ON_A_PAGE)
    decoded = {reader.types[label] for labels in shown.values() for label in labels}
    assert {"text/html", "text/calendar", "text/csv", "application/pdf"} <= decoded


def test_every_api_url_is_in_the_api_leak_table():
    assert set(API_PAGES) | {"api:schema", "api:docs"} == {
        name for name in all_url_names() if name.startswith("api:")
    }


def test_kpb_a_reads_no_data_of_kpb_b_through_the_api(world):
    """Every API URL with A's token: A's objects, B's (404), the query variants, every page."""
    from tests.factories.api import token_client

    a, b = for_world(world.a, world), for_world(world.b, world)
    reader = Reader(token_client(a.user))
    for name, page in sorted(API_PAGES.items()):
        a_urls = [reverse(name, kwargs=kwargs) for kwargs in page.arguments(a)]
        for number, a_url in enumerate(a_urls):
            response = reader.get(a_url)
            if number == 0:
                assert response.status_code == page.status, (name, a_url, response.status_code)
            for query in page.queries:
                response = reader.get(a_url + query.format(a=a, b=b))
                while response.status_code == 200 and (response.json() or {}).get("next"):
                    response = reader.get(response.json()["next"])
        if page.kwargs is None:
            continue
        for b_url in {reverse(name, kwargs=kwargs) for kwargs in page.arguments(b)} - set(a_urls):
            response = reader.get(b_url, f"{name} (B's objects) {b_url}")
            assert response.status_code == 404, (name, b_url, response.status_code)

    assert_no_leak(reader.texts, b)
    # The control: A's conferences, agendas and own agency reach the API's answers.
    shown = found(reader.texts, a.markers.values())
    for field in ("upcoming-title", "held-title", "held-agenda-title", "cancel-reason"):
        assert a.markers[field] in shown, field
    assert a.markers["agency-name"] in shown
    assert {"application/json", "application/pdf"} <= set(reader.types.values())


def test_mails_of_kpb_a_carry_no_data_of_kpb_b(world):
    """Every mail the planted world and KPB A's further actions produce (all but B's own: about
    B's conferences or to B's staff) is free of B's data; every mail template is produced."""
    a, b = world.a, world.b
    with recording_templates(world.rendered):
        produce_more_mails(a)
        yearly = compose_compliance_reminder(
            rule="siko_yearly",
            authority=a.authority,
            year=timezone.localdate().year,
            stage="04-01",
            in_copy=False,
        )

    rows = OutgoingMail.objects.exclude(conference__host=b.authority).exclude(to=b.user.email)
    texts = mail_texts(rows)
    texts["compliance reminder"] = "\n".join((yearly.subject, yearly.text, yearly.html))
    for message in mail.outbox:
        texts[f"outbox {message.subject}"] = "\n".join(
            [
                message.subject,
                message.body,
                *(str(c) for c, _t in getattr(message, "alternatives", [])),
            ]
        )
    assert_no_leak(texts, b)
    assert found(texts, [a.markers["held-title"], a.markers["upcoming-title"]])
    missing = subject_templates() - set(world.rendered) - set(MAILS_NOT_TO_KPB)
    assert not missing, f"Mail templates no leak test produces: {sorted(missing)}"


def test_published_practice_of_kpb_b_is_visible_to_kpb_a_by_design(world):
    """Published good practice is state-wide by design; B's draft stays B's."""
    a, b = world.a, world.b
    client = client_for(a.user)

    published = client.get(reverse("practices:detail", args=[b.published_practice.pk]))
    draft = client.get(reverse("practices:detail", args=[b.practice.pk]))
    search = client.get(reverse("practices:list") + "?q=LEAKB")

    assert published.status_code == 200
    assert "LEAKB veröffentlichte Praxis" in published.content.decode()
    assert draft.status_code == 404
    assert "LEAKB veröffentlichte Praxis" in search.content.decode()
    assert b.markers["practice-title"] not in search.content.decode()


def produce_more_mails(a: World) -> None:
    """Mails beyond plant(): the overview link for A's partner, a password reset, naming and
    leaving co-hosts, and the reminder sweep over A's data at each reminder's day."""
    anonymous = Client()
    anonymous.post(reverse("conferences:partner_overview_request"), {"email": a.contact.email})
    anonymous.post(reverse("password_reset"), {"email": a.user.email})
    # A counter proposal from the calendar of A's partner: the organiser is told.
    counter = a.upcoming.invitations.get(agency=a.own)
    address = counter.recipient_email
    calendar_replies.process_message(
        outlook_reply(invitation_uid(counter), method="COUNTER", sender=address, attendee=address)
    )
    third = make_user("kpb-c", OrganisationKind.KPB, authority="pp-bochum")
    start = (timezone.now() + timedelta(days=50)).replace(microsecond=0)
    times = {"start": start, "end": start + timedelta(hours=2), "place": "Saal", "kind": "siko"}
    services.create_conference(
        host=a.authority,
        by=a.user,
        co_hosts=[third.authority],
        data={**times, "title": "Gemeinsam mit Bochum"},
    )
    joint = services.create_conference(
        host=third.authority,
        by=third,
        co_hosts=[a.authority],
        data={**times, "title": "Gemeinsam mit Dortmund"},
    )
    services.leave_conference(joint, by=a.user)
    # A new account at A's authority: its setup mail names A only.
    create_staff_account(
        name="Neue Kollegin",
        email="neue.kollegin@polizei.example.org",
        organisation_kind=OrganisationKind.KPB,
        authority=a.authority,
        is_admin=False,
        by=make_user("leak-admin", OrganisationKind.LZPD, is_superuser=True, is_staff=True),
    )
    # A second held conference: first no minutes (the organiser is reminded), then a
    # circulated draft (the attending agencies are reminded of the deadline).
    later = make_conference(a.user, days_ahead=25, title=a.markers["held-title"] + " II")
    services.add_invitations(later, agencies=[a.own], by=a.user)
    services.send_invitations(later, by=a.user)
    Conference.objects.filter(pk=later.pk).update(
        start=timezone.now() - timedelta(hours=5), end=timezone.now() - timedelta(hours=2)
    )
    later.refresh_from_db()
    minutes_services.record_attendance(
        later, by=a.user, attendance={i.pk: (True, "") for i in later.invitations.all()}
    )
    send_due_reminders(now=later.end + timedelta(days=14))
    draft = minutes_services.get_or_create_draft(later, by=a.user)
    deadline = timezone.now() + timedelta(days=10)
    minutes_services.circulate_minutes(draft, deadline=deadline, by=a.user)
    send_due_reminders(now=deadline - timedelta(days=2))
    berlin = timezone.get_default_timezone()
    action_due = datetime.combine(a.action.due_date, time(6), tzinfo=berlin)
    for moment in (
        a.upcoming.start - timedelta(days=14),
        a.upcoming.start - timedelta(days=3),
        action_due - timedelta(days=7),
        action_due + timedelta(days=1),
    ):
        send_due_reminders(now=moment)


def test_kpb_a_gets_no_feed_with_other_kpbs_data(world):
    """The calendar feed of a partner agency that covers A and B lists both KPBs' conferences
    and the agency's answer links: KPB A must not be able to create it (or it must not show
    B's data), and trying must not revoke the agency's own feed."""
    a, b, shared = world.a, world.b, world.shared
    reader = Reader(client_for(a.user))
    before = set(CalendarFeed.objects.filter(agency=shared).values_list("pk", flat=True))
    reader.post(
        reverse("conferences:calendar_feeds"),
        {"action": "create_agency", "agency": shared.pk},
        "create shared agency feed",
    )
    for feed in CalendarFeed.objects.filter(agency=shared).exclude(pk__in=before):
        reader.get(feeds.feed_url(feed).removeprefix(settings.SITE_URL), "new shared feed")
    reader.get(reverse("conferences:calendar_feeds"), "feeds page after")
    reader.follow_secret_links()

    assert_no_leak(reader.texts, b)
    world.shared_feed.refresh_from_db()
    assert world.shared_feed.revoked_at is None


def test_a_partner_link_shows_only_its_own_agency(world):
    """Agency Y's answer, overview, minutes-comment and action links, the feed it issues through
    its overview, its partner account and its mails never show agency X's or Z's answers,
    delegates, comments, notes or links."""
    a = world.a
    y = a.local
    reader = Reader(Client())
    for invitation in Invitation.objects.filter(agency=y, conference__host=a.authority):
        reader.get(links.answer_path(invitation), f"answer link {invitation.conference}")
    overview = reverse("conferences:partner_overview", args=[links.overview_token(y)])
    reader.post(overview, {"action": "create_feed"}, "overview link, feed issued")
    comment_token = minutes_services.comment_token(a.invitations["Y"], a.minutes)
    reader.get(reverse("conferences:minutes_comment", args=[comment_token]), "comment link")
    reader.get(reverse("conferences:minutes_comment_pdf", args=[comment_token]), "minutes pdf")
    reader.get(
        reverse("conferences:action_link", args=[followup_links.action_token(a.actions["Y"])]),
        "action link",
    )
    account = Reader(client_for(make_user("partner-y", OrganisationKind.PARTNER, agency=y.slug)))
    for name, kwargs in (
        ("conferences:partner_invitations", {}),
        ("conferences:calendar_feeds", {}),
        ("authorities:partner_detail", {"slug": y.slug}),
    ):
        account.get(reverse(name, kwargs=kwargs), f"partner account: {name}")
    reader.texts.update(account.texts)
    reader.follow_secret_links()
    texts = {**reader.texts, **mail_texts(OutgoingMail.objects.filter(invitation__agency=y))}

    leaks = found(texts, a.private["X"] | a.private["Z"])
    assert not leaks, "Another agency's data reached agency Y:\n" + "\n".join(
        f"  {marker}: {', '.join(where)}" for marker, where in sorted(leaks.items())
    )
    assert found(texts, a.private["Y"] - set(a.secrets.values()))  # Y's own answer shows
    assert not found(texts, [*world.b.markers.values(), *world.b.secrets.values()])


def test_kpb_a_cannot_take_over_a_shared_agencys_address(world):
    """An agency shared with other KPBs is kept by the LZPD: KPB A cannot give its contact A's
    own address (its edit page is a 403 and nothing changes), so A receives neither the
    agency's overview (every KPB's invitations, answer links and the feed) nor B's next
    invitation mail."""
    a, b, shared = world.a, world.b, world.shared
    reader = Reader(client_for(a.user))
    contact = Contact.objects.get(agency=shared, email="leitung@bpold.example")
    takeover = reader.post(
        reverse("authorities:contact_update", args=[shared.slug, contact.pk]),
        {"name": contact.name, "function": contact.function, "email": a.user.email},
        "the shared agency's contact gets A's address",
    )
    assert takeover.status_code == 403
    contact.refresh_from_db()
    assert contact.email == "leitung@bpold.example"
    assert list(Contact.objects.filter(email=a.user.email)) == []
    reader.post(
        reverse("conferences:partner_overview_request"),
        {"email": a.user.email},
        "ask for the overview link",
    )
    later = make_conference(b.user, days_ahead=45, title=b.markers["upcoming-title"] + " II")
    services.add_invitations(later, agencies=[shared], by=b.user)
    services.send_invitations(later, by=b.user)
    reader.texts.update(mail_texts(OutgoingMail.objects.filter(to=a.user.email)))
    reader.follow_secret_links()

    assert not OutgoingMail.objects.filter(to=a.user.email, kind=MailKind.PARTNER_OVERVIEW)
    later_to = OutgoingMail.objects.filter(invitation__conference=later).values_list("to")
    assert sorted(set(later_to)) == [("leitung@bpold.example",)]
    assert_no_leak(reader.texts, b)


def test_kpb_a_cannot_enter_a_conference_for_kpb_b(world):
    """Konferenz nachtragen: the host is always the user's own authority, and B's local agency
    is no choice for A; B's entered conference stays hidden (404)."""
    a, b = world.a, world.b
    reader = Reader(client_for(a.user))
    start = (timezone.localtime() - timedelta(days=60)).strftime("%Y-%m-%dT10:00")
    before = Conference.objects.count()
    response = reader.post(
        reverse("conferences:conference_record"),
        {
            "kind": "siko",
            "title": "Eingetragen für Borken",
            "start": start,
            "end": start.replace("T10", "T12"),
            "place": "Borken",
            "invited": [b.local.pk],
            "present": [b.local.pk],
        },
        "enter a conference with B's local agency",
    )
    assert response.status_code == 200  # the form refuses the foreign choice
    assert Conference.objects.count() == before
    assert not Conference.objects.filter(entered_afterwards=True, host=a.authority).exclude(
        pk=a.entered.pk
    )
    hidden = reader.get(b.entered.get_absolute_url(), "B's entered conference")
    assert hidden.status_code == 404
    assert_no_leak(reader.texts, b)
