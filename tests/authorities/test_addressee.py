"""The head of an agency is its addressee, not the deputy, on every database.

PostgreSQL sorts NULL last and SQLite first, so ordering by deputy_of alone picked the deputy on
PostgreSQL. CI runs this file on PostgreSQL.
"""

import pytest

from authorities.models import Contact, PartnerAgency
from conferences.models import Invitation
from conferences.services import add_invitations
from tests.factories.conferences import make_conference


def head_and_deputy(agency_slug: str) -> tuple[Contact, Contact]:
    agency = PartnerAgency.objects.get(slug=agency_slug)
    agency.contacts.all().delete()
    head = Contact.objects.create(
        agency=agency, name="Zora Leitung", function="Leitung", email="leitung@example.org"
    )
    # Alphabetically first, so a name order alone would also pick the deputy.
    deputy = Contact.objects.create(
        agency=agency,
        name="Anna Vertretung",
        function="Ständige Vertretung",
        email="vertretung@example.org",
        deputy_of=head,
    )
    return head, deputy


@pytest.mark.parametrize("agency_slug", ["sta-dortmund", "br-arnsberg"])
def test_contacts_list_the_head_before_the_deputy(db, agency_slug):
    head, deputy = head_and_deputy(agency_slug)

    names = list(
        PartnerAgency.objects.get(slug=agency_slug).contacts.values_list("name", flat=True)
    )

    assert names == [head.name, deputy.name]


def test_prosecutors_invitation_goes_to_the_head(db, kpb_a_user):
    head, _deputy = head_and_deputy("sta-dortmund")
    conference = make_conference(kpb_a_user)

    add_invitations(
        conference, agencies=[PartnerAgency.objects.get(slug="sta-dortmund")], by=kpb_a_user
    )

    invitation = Invitation.objects.get(conference=conference, agency__slug="sta-dortmund")
    assert invitation.contact == head
    assert invitation.recipient_email == "leitung@example.org"


def test_schulamt_invitation_goes_to_the_head_of_the_bezirksregierung(db, kpb_a_user):
    head_and_deputy("br-arnsberg")
    conference = make_conference(kpb_a_user)

    add_invitations(
        conference, agencies=[PartnerAgency.objects.get(slug="sa-stadt-dortmund")], by=kpb_a_user
    )

    invitation = (
        Invitation.objects.prefetch_related("routed_via__contacts")
        .select_related("contact")
        .get(conference=conference, agency__slug="sa-stadt-dortmund")
    )
    assert invitation.routed_via.slug == "br-arnsberg"
    assert invitation.recipient_email == "leitung@example.org"
