from django.db import migrations, models

from siko.page_version import install_triggers, remove_triggers

#: The tables of siko.page_version.TRACKED_MODELS as this migration installs them.
TRACKED_MODELS = [
    ("conferences", "Conference", ""),
    ("conferences", "Conference", "authorities"),
    ("conferences", "Invitation", ""),
    ("conferences", "AgendaItem", ""),
    ("conferences", "MandatedTopic", ""),
    ("conferences", "ConferenceDocument", ""),
    ("followup", "Minutes", ""),
    ("followup", "Action", ""),
    ("notifications", "OutgoingMail", ""),
    ("authorities", "Authority", ""),
    ("authorities", "PartnerAgency", ""),
    ("authorities", "Contact", ""),
]


def install(apps, schema_editor):
    install_triggers(apps, schema_editor, TRACKED_MODELS)


def remove(apps, schema_editor):
    remove_triggers(apps, schema_editor, TRACKED_MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("siko", "0002_document_check"),
        # The tracked tables as they are now.
        ("conferences", "0011_conference_documents"),
        ("authorities", "0006_contact_salutation"),
        ("followup", "0002_minutes_entry_action"),
        ("notifications", "0002_answer_confirmation_kind"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("token", models.CharField(max_length=32)),
            ],
            options={
                "verbose_name": "Stand der angezeigten Daten",
                "verbose_name_plural": "Stände der angezeigten Daten",
            },
        ),
        migrations.RunPython(install, remove),
    ]
