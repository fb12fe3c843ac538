"""Each organisation starts where its daily work is (issue 15: the state bodies on the Lagebild)."""

import pytest
from django.urls import reverse

from tests.conftest import client_for

# Declared here: the persona fixtures are requested by name inside the test, so pytest-django
# cannot see at collection that the test uses the database, and would order it after the
# transactional tests that flush the seeded authorities.
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "start"),
    [
        ("kpb_a_user", "reports:my_dashboard"),
        ("lzpd_user", "reports:state"),
        ("lka_user", "reports:state"),
        ("im_user", "reports:state"),
        ("admin_user", "reports:state"),
        ("partner_user", "conferences:partner_invitations"),
    ],
)
def test_start_page_after_login_by_organisation(request, persona, start):
    user = request.getfixturevalue(persona)

    response = client_for(user).get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse(start)


def test_navigation_marks_the_page_it_is_on(lzpd_user):
    html = client_for(lzpd_user).get(reverse("conferences:action_list")).content.decode()

    assert (
        f'<a class="nav-link active" href="{reverse("conferences:action_list")}" '
        'aria-current="page">Maßnahmen</a>'
    ) in html
    assert html.count('aria-current="page"') == 1
    assert "{#" not in html and "{%" not in html  # no template comment shown as text
