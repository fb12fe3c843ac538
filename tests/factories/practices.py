"""Plain factory functions for good practice: explicit, without surprises."""

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from authorities.models import User
from conferences.models import MandatedTopic
from practices import services
from practices.enums import PracticeKind
from practices.models import GoodPractice
from practices.services import PracticeData


def practice_data(**overrides: Any) -> PracticeData:
    values: dict[str, Any] = {
        "kind": PracticeKind.STRATEGY,
        "title": "Gemeinsame Kontrolle am Hauptbahnhof",
        "summary": "Polizei, Ordnungsamt und Bundespolizei kontrollieren gemeinsam.",
        "result": "Weniger Straftaten im Bahnhofsumfeld.",
        "contact_function": "Leitungsstab, Sachgebiet Einsatz",
    }
    values.update(overrides)
    return PracticeData(**values)


def make_practice(author: User, **overrides: Any) -> GoodPractice:
    """A draft of the author's authority."""
    assert author.authority is not None
    return services.create_practice(
        authority=author.authority, data=practice_data(**overrides), by=author
    )


def publish(practice: GoodPractice, *, author: User, lzpd: User) -> GoodPractice:
    services.submit_practice(practice, by=author)
    return services.decide_practice(practice, by=lzpd, publish=True)


def make_published(author: User, lzpd: User, **overrides: Any) -> GoodPractice:
    return publish(make_practice(author, **overrides), author=author, lzpd=lzpd)


def topic(key: str = "") -> MandatedTopic:
    topics = MandatedTopic.objects.order_by("order")
    return topics.get(key=key) if key else topics.first()  # type: ignore[return-value]


def pdf_bytes() -> bytes:
    """A valid one-page PDF."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_upload(name: str = "Konzept.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")
