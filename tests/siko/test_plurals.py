"""Singular and plural through ngettext / blocktranslate count (issue 15, Words): "1 Konferenz",
"2 Konferenzen", in German and in English."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from conferences import services
from tests.conftest import client_for
from tests.factories.conferences import add_head, make_conference

LIST_COUNT = (
    "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} Konferenz"
    "{% plural %}{{ counter }} Konferenzen{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("de", 1, "1 Konferenz"),
        ("de", 2, "2 Konferenzen"),
        ("en", 1, "1 conference"),
        ("en", 2, "2 conferences"),
    ],
)
def test_conference_count_has_singular_and_plural(language: str, n: int, expected: str) -> None:
    with translation.override(language):
        assert Template(LIST_COUNT).render(Context({"n": n})) == expected


@pytest.mark.django_db
def test_conference_list_says_1_konferenz(kpb_a_user) -> None:
    make_conference(kpb_a_user)
    html = client_for(kpb_a_user).get("/konferenzen/").content.decode()
    assert "1 Konferenz<" in html or "1 Konferenz " in html
    assert "1 Konferenzen" not in html


@pytest.mark.django_db
def test_sending_one_invitation_says_einladung_in_the_singular(kpb_a_user) -> None:
    conference = make_conference(kpb_a_user)
    agency = add_head("sta-dortmund", "Erika Beispiel", email="erika@sta.example")
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    url = reverse("conferences:send", kwargs={"pk": conference.pk})

    page = client_for(kpb_a_user).post(url, follow=True).content.decode()

    assert "1 Einladung wird versendet." in page
