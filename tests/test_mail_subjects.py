"""E-mail subjects are plain text: a title with quotes, ampersand and angle brackets arrives as
typed, never as HTML entities; the HTML body still escapes it.

Every subject template on disk is rendered, so a new mail kind is covered without a new test.
"""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape

from authorities.models import Authority, Contact, PartnerAgency
from conferences import mails, services
from notifications.models import OutgoingMail
from tests.factories.conferences import make_conference

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
HOSTILE = 'SiKo "Innenstadt & Hbf" <Nord>'
ENTITY = re.compile(r"&(?:#\w+|quot|amp|lt|gt|apos);")
#: Subjects that name no text a user typed (a fixed line, a year, a date).
WITHOUT_USER_TEXT = {
    "authorities/email/account_setup",
    "conferences/email/action_reminder",
    "registration/email/password_reset",
    "reports/email/annual_report_reminder",
    "reports/email/outline_notice",
    "reports/email/outline_reminder",
}


def subject_templates() -> list[str]:
    """<folder>/<name> of every *_subject.txt in an email folder of our own template dirs."""
    base = Path(settings.BASE_DIR).resolve()
    names = set()
    for engine in engines.all():
        for directory in map(Path, engine.template_dirs):
            if base not in directory.resolve().parents:
                continue  # Django's own and third-party templates
            for path in directory.glob("**/email/*_subject.txt"):
                names.add(str(path.relative_to(directory))[: -len("_subject.txt")])
    return sorted(names)


def test_subject_templates_are_found():
    assert {
        "conferences/email/invitation",
        "reports/email/compliance_reminder",
        "conferences/partner/email/overview",
    } <= set(subject_templates())


@pytest.fixture
def context(kpb_a_user) -> dict:
    """Every variable a mail template reads, with the hostile text wherever a user types."""
    start = datetime(timezone.now().year + 1, 7, 1, 10, 0, tzinfo=BERLIN)
    Authority.objects.filter(slug="pp-dortmund").update(official_name=HOSTILE, short_name=HOSTILE)
    conference = make_conference(
        kpb_a_user, title=HOSTILE, start=start, end=start + timedelta(hours=3), place=HOSTILE
    )
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    agency.name = HOSTILE
    agency.save()
    Contact.objects.create(
        agency=agency, name=HOSTILE, function="LOStA", email="leitung@sta.example"
    )
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    invitation = conference.invitations.get()
    return {
        **mails._context(invitation, changes=mails.describe_changes([("place", "Saal", HOSTILE)])),
        "host_name": HOSTILE,
        "co_host_name": HOSTILE,
        "co_host": HOSTILE,
        "left_by": HOSTILE,
        "authority_name": HOSTILE,
        "decision": HOSTILE,
        "name": HOSTILE,
        "review": {"comment": HOSTILE},
        "kind": "reviewed",
        "overdue": False,
        "due": "01.09.2027",
        "deadline": "15.09.2027, 12:00",
        "days": 14,
        "valid_days": 7,
        "year": 2027,
        "period_year": 2026,
        "version": 1,
        "deadline_short": "31.03.",
        "draft_due_short": "01.03.",
        "uid": "MQ",
        "token": "abc-123",
        "protocol": "https",
        "domain": "siko.example",
    }


@pytest.mark.parametrize("name", subject_templates())
def test_subject_is_plain_text_and_html_body_escapes(name, context):
    with translation.override("de"):
        rendered = render_to_string(f"{name}_subject.txt", context)
        html = render_to_string(f"{name}.html", context)
    subject = " ".join(rendered.split())  # what conferences.mails and Django's reset mail send

    assert ENTITY.findall(subject) == []
    if name not in WITHOUT_USER_TEXT:
        assert HOSTILE in subject
        assert escape(HOSTILE) in html
    assert HOSTILE not in html


def test_invitation_arrives_with_the_title_as_typed(
    kpb_a_user, smtp_server, django_capture_on_commit_callbacks
):
    start = datetime(timezone.now().year + 1, 7, 1, 10, 0, tzinfo=BERLIN)
    title = f"{HOSTILE}\nzweite Zeile"
    conference = make_conference(
        kpb_a_user, title=title, start=start, end=start + timedelta(hours=3)
    )
    agency = PartnerAgency.objects.get(slug="sta-dortmund")
    Contact.objects.create(
        agency=agency, name="Erika Beispiel", function="LOStA", email="erika@sta.example"
    )
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)

    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitations(conference, by=kpb_a_user)

    received = smtp_server.wait_for(1)[0]
    expected = f"Einladung: {HOSTILE} zweite Zeile am 01.07.{start.year}"
    assert received.message["Subject"] == expected
    assert OutgoingMail.objects.get(conference=conference).subject == expected
    assert escape(HOSTILE) in received.parts()["text/html"].get_content()
