"""The mandated topics of the decree (R6). The data migration 0002 loads them; this function
restores them where a database was emptied (a flushed test database, a hand-made database)."""

from conferences.models import DECREE_FIRST_YEAR, MandatedTopic

DECREE_TOPICS = [
    ("sicherheitslage", "Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)"),
    ("brennpunkte", "Räumliche Brennpunkte"),
    ("banden-intensivtaeter", "Banden- und Intensivtäterstrukturen, Clankriminalität"),
    ("grossveranstaltungen", "Sicherheit von Großveranstaltungen"),
    ("strategien", "Gemeinsame Strategien und Aktionen"),
    ("kooperationsstrukturen", "Kooperationsstrukturen (z. B. Ordnungspartnerschaften)"),
]


def ensure_decree_topics() -> int:
    """Adds missing decree topics (never changes topics the LZPD edited); returns how many."""
    added = 0
    for order, (key, title) in enumerate(DECREE_TOPICS, start=1):
        _, created = MandatedTopic.objects.get_or_create(
            key=key,
            defaults={
                "title": title,
                "order": order * 10,
                "from_decree": True,
                "valid_from_year": DECREE_FIRST_YEAR,
            },
        )
        added += created
    return added
