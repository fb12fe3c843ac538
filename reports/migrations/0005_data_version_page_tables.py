from django.db import migrations

from reports.data_version import install_page_triggers, remove_page_triggers


class Migration(migrations.Migration):
    """The data version also changes with the open actions and the comparison groups: the KPB
    start page caches its actions card and group link, the state view its groups."""

    dependencies = [
        ("reports", "0004_annual_report_content_sha256"),
        # The newly tracked tables (reports.data_version.PAGE_MODELS) as they are now.
        ("followup", "0002_minutes_entry_action"),
        ("authorities", "0006_contact_salutation"),
    ]

    operations = [migrations.RunPython(install_page_triggers, remove_page_triggers)]
