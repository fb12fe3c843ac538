from django.db import migrations

DECREE_TOPICS = [
    ("sicherheitslage", "Sicherheitslage (Einsatz-, Kriminalitäts- und Verkehrsunfalllage)"),
    ("brennpunkte", "Räumliche Brennpunkte"),
    ("banden-intensivtaeter", "Banden- und Intensivtäterstrukturen, Clankriminalität"),
    ("grossveranstaltungen", "Sicherheit von Großveranstaltungen"),
    ("strategien", "Gemeinsame Strategien und Aktionen"),
    ("kooperationsstrukturen", "Kooperationsstrukturen (z. B. Ordnungspartnerschaften)"),
]


def add_topics(apps, schema_editor):
    MandatedTopic = apps.get_model("conferences", "MandatedTopic")
    for order, (key, title) in enumerate(DECREE_TOPICS, start=1):
        MandatedTopic.objects.update_or_create(
            key=key, defaults={"title": title, "order": order * 10, "from_decree": True}
        )


def remove_topics(apps, schema_editor):
    apps.get_model("conferences", "MandatedTopic").objects.filter(from_decree=True).delete()


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]
    operations = [migrations.RunPython(add_topics, remove_topics)]
