"""Reads of cooperation structures. All of them run inside the request's authority scope."""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from authorities.models import Authority, PartnerAgency
from conferences.models import Conference
from cooperations.enums import COOPERATION_TOPIC_KEY, CooperationStatus
from cooperations.models import Cooperation
from siko.collation import german


def _with_partners_and_conferences(
    cooperations: QuerySet[Cooperation],
) -> QuerySet[Cooperation]:
    return cooperations.select_related("authority").prefetch_related(
        Prefetch("partners", queryset=PartnerAgency.objects.order_by(german("name"))),
        Prefetch("discussed_at", queryset=Conference.objects.order_by("-start")),
    )


def cooperation_list(
    *, authority: Authority | None = None, status: str = "", kind: str = ""
) -> QuerySet[Cooperation]:
    """Cooperations with their authority, partners and the conferences that discussed them:
    three queries whatever the number of rows."""
    cooperations = _with_partners_and_conferences(Cooperation.objects.all())
    if authority is not None:
        cooperations = cooperations.filter(authority=authority)
    if status:
        cooperations = cooperations.filter(status=status)
    if kind:
        cooperations = cooperations.filter(kind=kind)
    return cooperations.order_by(german("authority__short_name"), german("name"), "pk")


def plans_cooperation_topic(conference: Conference) -> bool:
    """The conference's agenda has an item with the mandated topic "Kooperationsstrukturen"."""
    return conference.agenda_items.filter(topic__key=COOPERATION_TOPIC_KEY).exists()


def offered_cooperations(conference: Conference) -> QuerySet[Cooperation]:
    """The host's active cooperations, each marked whether this conference discussed it."""
    through = Cooperation.discussed_at.through
    return (
        Cooperation.objects.filter(authority_id=conference.host_id, status=CooperationStatus.AKTIV)
        .annotate(
            discussed_here=Exists(
                through.objects.filter(cooperation_id=OuterRef("pk"), conference_id=conference.pk)
            )
        )
        .order_by(german("name"), "pk")
    )


@dataclass(frozen=True)
class CooperationFigures:
    active: int
    new: int


def cooperation_figures(year: int) -> dict[int, CooperationFigures]:
    """Per authority id: its active cooperations that existed by the end of `year`, and those
    that began in `year` (whatever their status since). One query. The status keeps no
    history, so "active" is the status as it is today."""
    rows = (
        Cooperation.objects.values("authority_id")
        .annotate(
            active=Count("pk", filter=Q(status=CooperationStatus.AKTIV, since__year__lte=year)),
            new=Count("pk", filter=Q(since__year=year)),
        )
        .order_by()
    )
    return {
        row["authority_id"]: CooperationFigures(active=row["active"], new=row["new"])
        for row in rows
    }
