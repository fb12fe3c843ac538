"""Demo data: fictional contacts (example.org) and one user per role. Never for production."""

from dataclasses import dataclass

from django.db import transaction
from django_scopes import scopes_disabled

from authorities.models import Authority, Contact, PartnerAgency, User
from siko.organisations import OrganisationKind

DEMO_PASSWORD = "SiKo-Demo-2026!"

FIRST_NAMES = [
    "Anna",
    "Bernd",
    "Claudia",
    "Deniz",
    "Elena",
    "Frank",
    "Gül",
    "Hannes",
    "Ines",
    "Jonas",
]
LAST_NAMES = ["Beispiel", "Muster", "Probe", "Exempel", "Testfeld", "Vorlage", "Schablone"]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    organisation_kind: str
    authority_slug: str = ""
    agency_slug: str = ""
    superuser: bool = False


DEMO_USERS = (
    DemoUser(
        "kpb-dortmund", "KPB (Polizeipräsidium Dortmund)", OrganisationKind.KPB, "pp-dortmund"
    ),
    DemoUser("kpb-borken", "KPB (Kreispolizeibehörde Borken)", OrganisationKind.KPB, "lr-borken"),
    DemoUser("lzpd", "LZPD", OrganisationKind.LZPD),
    DemoUser("lka", "LKA", OrganisationKind.LKA),
    DemoUser("im", "Ministerium des Innern", OrganisationKind.IM),
    DemoUser(
        "partner-sta-dortmund",
        "Partner (StA Dortmund)",
        OrganisationKind.PARTNER,
        agency_slug="sta-dortmund",
    ),
    DemoUser("admin", "Administration", OrganisationKind.LZPD, superuser=True),
)


def fictional_contact_name(index: int) -> str:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[index // len(FIRST_NAMES) % len(LAST_NAMES)]
    return f"{first} {last}"


@transaction.atomic
def seed_demo_directory() -> int:
    """One fictional leadership contact per agency that has none yet; returns how many it added."""
    added = 0
    with scopes_disabled():
        agencies = PartnerAgency.objects.filter(contacts__isnull=True).order_by("slug")
        for index, agency in enumerate(agencies):
            Contact.objects.create(
                agency=agency,
                name=fictional_contact_name(index),
                function="Behördenleitung",
                email=f"leitung.{agency.slug}@example.org",
            )
            added += 1
    return added


@transaction.atomic
def seed_demo_users() -> list[DemoUser]:
    """Creates or resets one account per role, all with DEMO_PASSWORD (demo mode only)."""
    with scopes_disabled():
        for demo in DEMO_USERS:
            user = User.objects.filter(username=demo.username).first() or User(
                username=demo.username
            )
            user.organisation_kind = demo.organisation_kind
            user.authority = (
                Authority.objects.get(slug=demo.authority_slug) if demo.authority_slug else None
            )
            user.partner_agency = (
                PartnerAgency.objects.get(slug=demo.agency_slug) if demo.agency_slug else None
            )
            user.email = f"{demo.username}@example.org"
            user.first_name, user.last_name = "Demo", demo.role
            user.is_superuser = user.is_staff = demo.superuser
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
    return list(DEMO_USERS)
