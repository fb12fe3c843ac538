"""Minutes and actions moved to the followup app, the outbox and reminders to notifications.

The tables keep their names (conferences_minutes, conferences_action, conferences_outgoingmail,
…), so nothing changes in the database: only Django's state moves, and the content types follow
the models so that permissions and admin history stay attached.
"""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "followup": ["minutes", "minutesentry", "minutescomment", "action", "actionchange"],
    "notifications": ["outgoingmail", "reminder"],
}


def move_content_types(apps, schema_editor, *, forward=True):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models_ in MOVED.items():
        old, new = ("conferences", app_label) if forward else (app_label, "conferences")
        ContentType.objects.filter(app_label=old, model__in=models_).update(app_label=new)


def move_back(apps, schema_editor):
    move_content_types(apps, schema_editor, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("conferences", "0004_minutes"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("followup", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="agendaitem",
                    name="source_action",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="agenda_items",
                        to="followup.action",
                        verbose_name="aus der Beschlusskontrolle",
                    ),
                ),
                migrations.DeleteModel(name="MinutesEntry"),
                migrations.DeleteModel(name="MinutesComment"),
                migrations.DeleteModel(name="Minutes"),
                migrations.DeleteModel(name="ActionChange"),
                migrations.DeleteModel(name="Action"),
                migrations.DeleteModel(name="Reminder"),
                migrations.DeleteModel(name="OutgoingMail"),
            ],
        ),
        migrations.RunPython(move_content_types, move_back),
    ]
