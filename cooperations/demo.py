"""Demo data of the cooperation structures: a few per demo KPB, partners from its area, the
first discussed at its latest conference (only for `seed_demo`, i.e. demo installations).
Idempotent: a demo KPB that already has cooperations is left as it is."""

from datetime import date

from django.utils import timezone
from django_scopes import scopes_disabled

from authorities.models import PartnerAgency, User
from conferences.enums import ConferenceStatus
from conferences.models import Conference
from cooperations import services
from cooperations.enums import CooperationKind, CooperationStatus
from cooperations.models import Cooperation

#: (author's username, name, kind, since, status, partner categories, notes)
DEMO_COOPERATIONS: tuple[tuple[str, str, str, date, str, tuple[str, ...], str], ...] = (
    (
        "kpb-dortmund",
        "Ordnungspartnerschaft Innenstadt",
        CooperationKind.ORDNUNGSPARTNERSCHAFT,
        date(2017, 4, 1),
        CooperationStatus.AKTIV,
        ("kommune", "bundespolizei"),
        "Gemeinsame Streifen mit dem Ordnungsamt; Lagebesprechung jeden ersten Montag im Monat.",
    ),
    (
        "kpb-dortmund",
        "Präventionsrat Nordstadt",
        CooperationKind.PRAEVENTIONSRAT,
        date(timezone.localdate().year - 1, 9, 15),
        CooperationStatus.AKTIV,
        ("kommune", "schulamt"),
        "",
    ),
    (
        "kpb-dortmund",
        "Sicherheitspartnerschaft Weihnachtsmarkt",
        CooperationKind.SICHERHEITSPARTNERSCHAFT,
        date(2019, 11, 1),
        CooperationStatus.RUHEND,
        ("kommune",),
        "Ruht außerhalb der Marktzeit.",
    ),
    (
        "kpb-borken",
        "Ordnungspartnerschaft sichere Schulwege",
        CooperationKind.ORDNUNGSPARTNERSCHAFT,
        date(2021, 3, 1),
        CooperationStatus.AKTIV,
        ("kommune", "schulamt"),
        "",
    ),
)


def seed_demo_cooperations() -> int:
    """Creates the demo cooperations of demo KPBs without any; returns how many were created."""
    created = 0
    with scopes_disabled():
        seeded = set(Cooperation.objects.values_list("authority_id", flat=True))
        for username, name, kind, since, status, categories, notes in DEMO_COOPERATIONS:
            author = User.objects.filter(username=username).select_related("authority").first()
            if author is None or author.authority is None or author.authority_id in seeded:
                continue
            authority = author.authority
            partners = [
                PartnerAgency.objects.filter(coverages__authority=authority, category=category)
                .order_by("pk")
                .first()
                for category in categories
            ]
            latest = (
                Conference.objects.filter(host=authority)
                .exclude(status=ConferenceStatus.CANCELLED)
                .order_by("-start")
                .first()
            )
            is_first = not Cooperation.objects.filter(authority=authority).exists()
            services.create_cooperation(
                authority,
                data={"name": name, "kind": kind, "since": since, "notes": notes},
                partners=[p for p in partners if p is not None],
                conferences=[latest] if latest is not None and is_first else [],
                status=status,
                by=author,
            )
            created += 1
    return created
