"""Mandated topics carry the years they apply to (issue 12): the decree's topics and every topic
already entered apply from 2019 (the decree is of 6 December 2018); a retired topic (active
False) applied until the year before this migration."""

from django.db import migrations, models
from django.utils import timezone

import conferences.models


def years_from_active(apps, schema_editor):
    MandatedTopic = apps.get_model("conferences", "MandatedTopic")
    MandatedTopic.objects.update(valid_from_year=2019)
    MandatedTopic.objects.filter(active=False).update(
        valid_until_year=timezone.localdate().year - 1
    )


def active_from_years(apps, schema_editor):
    MandatedTopic = apps.get_model("conferences", "MandatedTopic")
    MandatedTopic.objects.filter(valid_until_year__isnull=False).update(active=False)


class Migration(migrations.Migration):
    dependencies = [("conferences", "0006_conference_entered_afterwards")]

    operations = [
        migrations.AddField(
            model_name="mandatedtopic",
            name="valid_from_year",
            field=models.PositiveSmallIntegerField(
                default=conferences.models._this_year, verbose_name="gilt ab dem Jahr"
            ),
        ),
        migrations.AddField(
            model_name="mandatedtopic",
            name="valid_until_year",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="gilt bis einschließlich Jahr"
            ),
        ),
        migrations.RunPython(years_from_active, active_from_years),
        migrations.RemoveField(model_name="mandatedtopic", name="active"),
    ]
