"""The letter greets the named addressee (issue 15, Words)."""

import pytest

from authorities.models import Salutation, letter_greeting
from conferences.documents.letters import letter_context
from conferences.models import Invitation


@pytest.mark.parametrize(
    ("salutation", "name", "expected"),
    [
        (Salutation.FRAU, "Erika Muster", "Sehr geehrte Frau Muster"),
        (Salutation.HERR, "Max Muster", "Sehr geehrter Herr Muster"),
        (Salutation.FRAU, "Dr. Erika Muster", "Sehr geehrte Frau Dr. Muster"),
        (Salutation.HERR, "Prof. Dr. Max Muster", "Sehr geehrter Herr Prof. Dr. Muster"),
        ("", "Max Muster", "Sehr geehrte Damen und Herren"),
        (Salutation.HERR, "", "Sehr geehrte Damen und Herren"),
    ],
)
def test_greeting_names_the_addressee(salutation: str, name: str, expected: str) -> None:
    assert letter_greeting(salutation, name) == expected


@pytest.mark.django_db
def test_invitation_letter_greets_the_contact(kpb_a_user) -> None:  # type: ignore[no-untyped-def]
    from authorities.models import Contact
    from conferences import services
    from tests.factories.conferences import add_head, make_conference

    conference = make_conference(kpb_a_user)
    agency = add_head("hza-dortmund", "Max Muster", email="max@zoll.example")
    Contact.objects.filter(agency=agency).update(salutation=Salutation.HERR)
    services.add_invitations(conference, agencies=[agency], by=kpb_a_user)
    invitation = Invitation.objects.get(conference=conference)

    assert letter_context(invitation)["greeting"] == "Sehr geehrter Herr Muster"
