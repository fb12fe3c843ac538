"""Demo data: one partner document on Dortmund's next demo conference, seeded once."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_scopes import scopes_disabled

from conferences.demo import DEMO_DOCUMENT_TITLE, seed_demo_conferences, seed_demo_documents
from conferences.enums import ConferenceStatus
from conferences.models import Conference, ConferenceDocument
from conferences.uploads import partner_documents
from siko.models import AuditEntry
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_next_dortmund_conference_gets_one_partner_pdf_once():
    # At New Year every conference of the running year is still ahead.
    new_year = datetime(timezone.now().year, 1, 1, tzinfo=BERLIN)
    seed_demo_conferences(today=new_year)
    with scopes_disabled():
        upcoming = (
            Conference.objects.filter(
                host__slug="pp-dortmund", status=ConferenceStatus.SCHEDULED, start__gt=new_year
            )
            .order_by("start")
            .first()
        )
        assert upcoming is not None

        first = seed_demo_documents(today=new_year)
        second = seed_demo_documents(today=new_year)

        assert (first, second) == (1, 0)
        [document] = ConferenceDocument.objects.all()
        assert list(partner_documents(upcoming)) == [document]
    assert (document.title, document.content_type) == (DEMO_DOCUMENT_TITLE, "application/pdf")
    with default_storage.open(document.file.name, "rb") as stored:
        content = stored.read()
    assert len(content) == document.size
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert "Lagebild Innenstadt" in pdf_text(content)
    assert AuditEntry.objects.filter(action="conference_document.uploaded").count() == 1


def test_without_a_conference_ahead_no_document_is_made():
    seed_demo_conferences()
    far_ahead = datetime(timezone.now().year + 5, 1, 1, tzinfo=BERLIN)

    assert seed_demo_documents(today=far_ahead) == 0
    with scopes_disabled():
        assert not ConferenceDocument.objects.exists()
