"""The data version behind the compliance cache: triggers on the tables the yearly rule reads.

See reports.models.DataVersion. Triggers rather than model signals: bulk_create,
QuerySet.update() and raw SQL change figures as well, and send no signal.
"""

from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

#: (app label, model, many-to-many field or "") of every table compute_compliance reads.
TRACKED_MODELS = [
    ("conferences", "Conference", ""),
    ("conferences", "Conference", "authorities"),
    ("conferences", "Invitation", ""),
    ("conferences", "AgendaItem", ""),
    ("conferences", "MandatedTopic", ""),
    ("authorities", "Authority", ""),
    ("authorities", "PartnerAgency", ""),
    ("authorities", "Exercise", ""),
    ("authorities", "Hospitation", ""),
    ("authorities", "AutobahnpolizeiDutyPeriod", ""),
    ("authorities", "PartnerCategoryPeriod", ""),
]
TABLE = "reports_dataversion"
_FUNCTION = "reports_bump_data_version"
_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _tables(apps: Apps) -> list[str]:
    tables = []
    for app_label, model_name, m2m in TRACKED_MODELS:
        model: Any = apps.get_model(app_label, model_name)
        if m2m:
            model = model._meta.get_field(m2m).remote_field.through
        tables.append(model._meta.db_table)
    return tables


def _trigger(table: str, operation: str) -> str:
    return f"reports_dv_{table}_{operation.lower()}"


def install_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """PostgreSQL: one statement-level trigger per table; SQLite (no statement triggers): one
    row-level trigger per table and operation. Both replace the token in the same transaction."""
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(
            f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN INSERT INTO {TABLE} (id, token) "
            "VALUES (1, md5(random()::text || clock_timestamp()::text)) "
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; RETURN NULL; END $$"
        )
        for table in _tables(apps):
            execute(
                f"CREATE TRIGGER {_trigger(table, 'statement')} AFTER INSERT OR UPDATE OR DELETE "
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()'
            )
        return
    for table in _tables(apps):
        for operation in _OPERATIONS:
            execute(
                f'CREATE TRIGGER {_trigger(table, operation)} AFTER {operation} ON "{table}" '
                f"BEGIN INSERT OR REPLACE INTO {TABLE} (id, token) "
                "VALUES (1, lower(hex(randomblob(16)))); END"
            )


def remove_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in _tables(apps):
            execute(f'DROP TRIGGER IF EXISTS {_trigger(table, "statement")} ON "{table}"')
        execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
        return
    for table in _tables(apps):
        for operation in _OPERATIONS:
            execute(f"DROP TRIGGER IF EXISTS {_trigger(table, operation)}")


def current_token() -> str:
    """The token of the data as this connection sees it now; "" before the first tracked write
    (an empty database)."""
    from reports.models import DataVersion

    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
