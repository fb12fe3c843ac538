"""Plain factory functions for conferences: explicit, without surprises."""

import itertools
from datetime import timedelta
from typing import Any

from django.utils import timezone

from authorities.models import Authority, Contact, Coverage, PartnerAgency
from conferences import services
from conferences.models import Conference


def make_conference(
    organiser: Any, *, days_ahead: int = 30, host: Authority | None = None, **data: Any
) -> Conference:
    start = (timezone.now() + timedelta(days=days_ahead)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    values = {
        "title": "Sicherheitskonferenz 2027",
        "start": start,
        "end": start + timedelta(hours=3),
        "place": "Polizeipräsidium, Saal 1",
        "kind": "siko",
    }
    values.update(data)
    return services.create_conference(host=host or organiser.authority, data=values, by=organiser)


def invite_all_proposed(conference: Conference, organiser: Any) -> None:
    agencies = (
        PartnerAgency.objects.filter(
            coverages__authority__in=conference.authorities.all(), active=True
        )
        .exclude(category="bezirksregierung")
        .distinct()
    )
    services.add_invitations(conference, agencies=agencies, by=organiser)


_serial = itertools.count()


def invite_new_agencies(conference: Conference, organiser: Any, count: int) -> None:
    """Invites `count` new agencies in Dortmund, each with a contact (query-count tests grow a
    conference's invitation list with it)."""
    dortmund = Authority.objects.get(slug="pp-dortmund")
    agencies = []
    for _ in range(count):
        i = next(_serial)
        agency = PartnerAgency.objects.create(
            slug=f"extra-{i}", name=f"Extra {i}", category="sonstige"
        )
        Coverage.objects.create(agency=agency, authority=dortmund)
        Contact.objects.create(
            agency=agency, name=f"Person {i}", function="Leitung", email=f"p{i}@example.org"
        )
        agencies.append(agency)
    services.add_invitations(conference, agencies=agencies, by=organiser)


def make_recorded_conference(
    host_slug: str,
    start: Any,
    *,
    organiser: Any = None,
    status: str = "held",
    kind: str = "siko",
    co_hosts: tuple[str, ...] | list[str] = (),
    categories: tuple[str, ...] | list[str] = (),
    topics: tuple[str, ...] | list[str] = (),
) -> Conference:
    """A conference as the records show it (any date, any status), bypassing the planning rules:
    accepted invitations of one agency per category and the given mandated topics."""
    from conferences.enums import InvitationState
    from conferences.models import AgendaItem, Invitation, MandatedTopic

    host = Authority.objects.get(slug=host_slug)
    conference = Conference.objects.create(
        host=host,
        organiser=organiser,
        kind=kind,
        status=status,
        start=start,
        end=start + timedelta(hours=2),
        place="Saal",
        title=f"SiKo {host_slug} {start:%Y-%m-%d}",
    )
    conference.authorities.set([host, *Authority.objects.filter(slug__in=co_hosts)])
    for category in categories:
        agency = PartnerAgency.objects.filter(category=category, coverages__authority=host).first()
        Invitation.objects.create(
            conference=conference,
            agency=agency,
            state=InvitationState.ACCEPTED,
            sent_at=start - timedelta(days=30),
        )
    for number, key in enumerate(topics, start=1):
        AgendaItem.objects.create(
            conference=conference, order=number, title=key, topic=MandatedTopic.objects.get(key=key)
        )
    return conference


def add_head(slug: str, name: str, *, function: str = "Leitung", email: str) -> PartnerAgency:
    """The agency `slug` of the seeded directory, with a head of office `name` as its contact."""
    agency = PartnerAgency.objects.get(slug=slug)
    Contact.objects.create(agency=agency, name=name, function=function, email=email)
    return agency


def agencies_with_heads(slugs: tuple[str, ...] | list[str]) -> list[PartnerAgency]:
    """The agencies `slugs`, each with a head "Leitung <n>" at leitung<n>@<slug>.example."""
    return [
        add_head(slug, f"Leitung {number}", email=f"leitung{number}@{slug}.example")
        for number, slug in enumerate(slugs)
    ]


def invite_schulaemter(
    conference: Conference, organiser: Any, count: int = 1
) -> list[PartnerAgency]:
    """Invites `count` Schulämter of Dortmund's area (R2: through their Bezirksregierung, whose
    school department "Dezernat 48" at dez48@example.org is its contact); returns them."""
    schulaemter = list(
        PartnerAgency.objects.filter(category="schulamt", coverages__authority__slug="pp-dortmund")
        .select_related("routed_via")
        .order_by("slug")[:count]
    )
    for bezirksregierung in {s.routed_via for s in schulaemter if s.routed_via}:
        Contact.objects.create(
            agency=bezirksregierung,
            name="Dezernat 48",
            function="Schulaufsicht",
            email="dez48@example.org",
        )
    services.add_invitations(conference, agencies=schulaemter, by=organiser)
    return schulaemter
