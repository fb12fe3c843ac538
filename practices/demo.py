"""Demo data of the good-practice exchange: a few practices of the two demo KPBs, published by
the LZPD, and one draft (only for `seed_demo`, i.e. demo installations). Idempotent: a demo
KPB that already has practices is left as it is."""

from django_scopes import scopes_disabled

from authorities.models import User
from conferences.models import MandatedTopic
from practices import services
from practices.enums import PracticeKind
from practices.models import GoodPractice
from practices.services import PracticeData
from siko.organisations import OrganisationKind

#: (author's username, data, publish)
DEMO_PRACTICES: tuple[tuple[str, dict[str, object], bool], ...] = (
    (
        "kpb-dortmund",
        {
            "kind": PracticeKind.STRATEGY,
            "title": "Gemeinsame Kontrollen im Bahnhofsumfeld",
            "summary": (
                "Polizei, Ordnungsamt und Bundespolizei kontrollieren an festen Wochentagen "
                "gemeinsam; die Sicherheitskonferenz legt die Schwerpunkte jedes Quartal fest."
            ),
            "result": "Deutlich weniger Taschendiebstähle und Belästigungen im Bahnhofsumfeld.",
            "contact_function": "Leitungsstab, Sachgebiet Einsatz",
            "topic": "brennpunkte",
            "categories": ["kommune", "bundespolizei"],
        },
        True,
    ),
    (
        "kpb-dortmund",
        {
            "kind": PracticeKind.AGENDA_ITEM,
            "title": "Lagebild Clankriminalität mit Staatsanwaltschaft und Zoll",
            "summary": (
                "Ein gemeinsamer Tagesordnungspunkt: Polizei, Staatsanwaltschaft und Zoll "
                "stellen ihre Erkenntnisse nebeneinander und vereinbaren Ansprechstellen."
            ),
            "result": "Abgestimmte Kontrollen und ein fester Informationsaustausch.",
            "contact_function": "Direktion Kriminalität, Führungsstelle",
            "topic": "banden-intensivtaeter",
            "categories": ["staatsanwaltschaft", "zoll"],
        },
        True,
    ),
    (
        "kpb-borken",
        {
            "kind": PracticeKind.ORDNUNGSPARTNERSCHAFT,
            "title": "Ordnungspartnerschaft sichere Schulwege",
            "summary": (
                "Kreis, Gemeinden, Schulamt und Polizei prüfen jedes Frühjahr die Schulwege und "
                "vereinbaren Maßnahmen."
            ),
            "result": "Neue Querungshilfen an vier Grundschulen, weniger Unfälle auf Schulwegen.",
            "contact_function": "Direktion Verkehr, Verkehrsunfallprävention",
            "topic": "kooperationsstrukturen",
            "categories": ["kommune", "schulamt"],
        },
        True,
    ),
    (
        "kpb-borken",
        {
            "kind": PracticeKind.STRATEGY,
            "title": "Grenzüberschreitende Streifen mit der niederländischen Polizei",
            "summary": "Gemeinsame Streifen im Grenzgebiet an Wochenenden.",
            "result": "Wird noch ausgewertet.",
            "contact_function": "Leitungsstab",
            "topic": "strategien",
            "categories": ["bundespolizei"],
        },
        False,
    ),
)


def seed_demo_practices() -> int:
    """Creates the demo practices of demo KPBs without any; returns how many were created."""
    created = 0
    with scopes_disabled():
        lzpd = User.objects.filter(organisation_kind=OrganisationKind.LZPD, is_superuser=False)
        reviewer = lzpd.order_by("pk").first()
        topics = {t.key: t for t in MandatedTopic.objects.all()}
        seeded = set(GoodPractice.objects.values_list("authority_id", flat=True))
        for username, values, publish in DEMO_PRACTICES:
            author = User.objects.filter(username=username).select_related("authority").first()
            if author is None or author.authority is None or reviewer is None:
                continue
            if author.authority_id in seeded:
                continue  # seeded before: left as it is
            data = dict(values)
            topic = topics.get(str(data.pop("topic")))
            practice = services.create_practice(
                authority=author.authority,
                data=PracticeData(topic=topic, **data),  # type: ignore[arg-type]
                by=author,
            )
            if publish:
                services.submit_practice(practice, by=author)
                services.decide_practice(practice, by=reviewer, publish=True)
            created += 1
    return created
