"""Reads of the good-practice exchange: who sees which practice, the search, the proposals for
an agenda item.

Visibility (issue 16, part 2): published practices are visible state-wide (every KPB, LZPD,
LKA, IM); drafts, submitted and returned ones only to their own KPB and the LZPD (and
administrators). Partner accounts and anonymous visitors see none.

Search: PostgreSQL searches the title, summary and result in full text with German stemming
("Kontrollen" finds "Kontrolle"), backed by a GIN index on the same expression
(migration 0001); other databases (the embedded SQLite) fall back to a case-insensitive
substring match of each word.
"""

from collections import Counter
from datetime import datetime
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from conferences.models import MandatedTopic
from practices.enums import PracticeState
from practices.models import GoodPractice
from siko.collation import german
from siko.organisations import OrganisationKind, OrganisationMember

SEARCH_CONFIG = "german"
#: The fields searched, in this order: the GIN index of migration 0001 is built on exactly
#: this vector.
SEARCH_FIELDS = ("title", "summary", "result")
PROPOSALS_SHOWN = 5


def search_vector() -> SearchVector:
    return SearchVector(*SEARCH_FIELDS, config=SEARCH_CONFIG)


def visible_practices(user: OrganisationMember) -> QuerySet[GoodPractice]:
    """The practices `user` may read."""
    practices = GoodPractice.objects.select_related("authority", "topic")
    if not user.is_authenticated:
        return practices.none()
    if user.is_superuser or user.organisation_kind == OrganisationKind.LZPD:
        return practices
    published = Q(state=PracticeState.PUBLISHED)
    if user.organisation_kind == OrganisationKind.KPB:
        return practices.filter(published | Q(authority_id=user.authority_id))
    if user.organisation_kind in (OrganisationKind.LKA, OrganisationKind.IM):
        return practices.filter(published)
    return practices.none()


def search_practices(
    practices: QuerySet[GoodPractice],
    *,
    text: str = "",
    topic: MandatedTopic | None = None,
    category: str = "",
) -> QuerySet[GoodPractice]:
    """`practices` narrowed by topic, partner category and free text; with a text on
    PostgreSQL the best matches first."""
    if topic is not None:
        practices = practices.filter(topic=topic)
    if category:
        practices = practices.filter(categories__category=category)
    text = " ".join(text.split())
    if text:
        if connection.vendor == "postgresql":
            query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
            practices = (
                practices.annotate(search=search_vector())
                .filter(search=query)
                .annotate(rank=SearchRank(F("search"), query))
                .order_by("-rank", "-published_at", "-pk")
            )
        else:
            for word in text.split():
                practices = practices.filter(
                    Q(title__icontains=word)
                    | Q(summary__icontains=word)
                    | Q(result__icontains=word)
                )
    return practices.distinct() if category else practices


def practice_proposals(
    topics: list[MandatedTopic], *, exclude_authority_id: int | None = None
) -> list[tuple[MandatedTopic, list[GoodPractice]]]:
    """Per mandated topic, the newest published practices (at most PROPOSALS_SHOWN), for the
    agenda being planned; the planning KPB's own are left out (it knows them). One query."""
    if not topics:
        return []
    practices = GoodPractice.objects.filter(
        state=PracticeState.PUBLISHED, topic__in=[t.pk for t in topics]
    )
    if exclude_authority_id is not None:
        practices = practices.exclude(authority_id=exclude_authority_id)
    by_topic: dict[int, list[GoodPractice]] = {t.pk: [] for t in topics}
    for practice in practices.select_related("authority").order_by("-published_at", "-pk"):
        shown = by_topic[practice.topic_id or 0]
        if len(shown) < PROPOSALS_SHOWN:
            shown.append(practice)
    return [(topic, by_topic[topic.pk]) for topic in topics]


def partner_names(practice: GoodPractice) -> list[str]:
    """The partners involved, named for every reader: a published practice of another KPB
    names agencies outside the reader's own area (the directory is scoped)."""
    with scopes_disabled():
        return [agency.name for agency in practice.partners.order_by("name")]


def category_labels(practice: GoodPractice) -> list[str]:
    return [str(c.get_category_display()) for c in practice.categories.order_by("category")]


def published_in_year(year: int) -> dict[str, Any]:
    """The annual report's figures (plain data, stored with the report): practices published
    in `year` per authority (only those with one), the state total and the titles."""
    tz = timezone.get_default_timezone()
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    with scopes_disabled():
        practices = list(
            GoodPractice.objects.filter(
                state=PracticeState.PUBLISHED, published_at__gte=start, published_at__lt=end
            )
            .select_related("authority", "topic")
            .order_by(german("authority__short_name"), "published_at", "pk")
        )
    counts = Counter(p.authority.short_name for p in practices)
    return {
        "total": len(practices),
        "per_authority": [{"name": name, "count": n} for name, n in counts.items()],
        "titles": [
            {
                "title": p.title,
                "authority": p.authority.short_name,
                "kind": str(p.get_kind_display()),
                "topic": p.topic.title if p.topic else "",
            }
            for p in practices
        ],
    }
