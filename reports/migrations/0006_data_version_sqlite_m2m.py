from django.db import migrations

from reports.data_version import reinstall_sqlite_triggers


class Migration(migrations.Migration):
    """SQLite only: the triggers' INSERT OR REPLACE was ignored inside a many-to-many add (Django
    inserts those rows with INSERT OR IGNORE, whose conflict clause the triggers inherit), so a
    co-host added did not change the data version. PostgreSQL's triggers are unchanged."""

    dependencies = [("reports", "0005_data_version_page_tables")]

    operations = [migrations.RunPython(reinstall_sqlite_triggers, migrations.RunPython.noop)]
