"""The data version behind the compliance cache: triggers on the tables the yearly rule reads
and on those of the dashboards' cached parts (reports.page_cache).

See reports.models.DataVersion. Triggers rather than model signals: bulk_create,
QuerySet.update() and raw SQL change figures as well, and send no signal.
"""

from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

Model = tuple[str, str, str]

#: (app label, model, many-to-many field or "") of every table compute_compliance reads, as
#: migration 0002 put triggers on them. Frozen: a migration installs the triggers of its own list.
RULE_MODELS: list[Model] = [
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
#: Migration 0005: what the KPB start page's cached cards and the state view's groups read
#: besides the rule (the open actions, the comparison groups' names).
PAGE_MODELS: list[Model] = [
    ("followup", "Action", ""),
    ("authorities", "ComparisonGroup", ""),
]
#: Every tracked table: a write to any of them replaces the token.
TRACKED_MODELS: list[Model] = RULE_MODELS + PAGE_MODELS
TABLE = "reports_dataversion"
_FUNCTION = "reports_bump_data_version"
_OPERATIONS = ("INSERT", "UPDATE", "DELETE")
#: SQLite: no INSERT OR REPLACE. A statement's conflict clause overrides those of the triggers it
#: fires, so the INSERT OR IGNORE of a many-to-many add (a co-host) would drop the bump.
_SQLITE_BUMP = (
    f"UPDATE {TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1; "
    f"INSERT INTO {TABLE} (id, token) SELECT 1, lower(hex(randomblob(16))) "
    f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1);"
)


def _tables(apps: Apps, models: list[Model]) -> list[str]:
    tables = []
    for app_label, model_name, m2m in models:
        model: Any = apps.get_model(app_label, model_name)
        if m2m:
            model = model._meta.get_field(m2m).remote_field.through
        tables.append(model._meta.db_table)
    return tables


def _trigger(table: str, operation: str) -> str:
    return f"reports_dv_{table}_{operation.lower()}"


def install_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0002: the triggers on the rule's tables (RULE_MODELS)."""
    _install(apps, schema_editor, RULE_MODELS)


def remove_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _remove(apps, schema_editor, RULE_MODELS, drop_function=True)


def install_page_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0005: the triggers on the tables of the pages' cached parts (PAGE_MODELS)."""
    _install(apps, schema_editor, PAGE_MODELS)


def remove_page_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _remove(apps, schema_editor, PAGE_MODELS, drop_function=False)


def reinstall_sqlite_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0006: SQLite's triggers anew with the bump that a many-to-many add keeps."""
    if schema_editor.connection.vendor == "postgresql":
        return
    _remove(apps, schema_editor, TRACKED_MODELS, drop_function=False)
    _install(apps, schema_editor, TRACKED_MODELS)


def _install(apps: Apps, schema_editor: BaseDatabaseSchemaEditor, models: list[Model]) -> None:
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
        for table in _tables(apps, models):
            execute(
                f"CREATE TRIGGER {_trigger(table, 'statement')} AFTER INSERT OR UPDATE OR DELETE "
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()'
            )
        return
    for table in _tables(apps, models):
        for operation in _OPERATIONS:
            execute(
                f'CREATE TRIGGER {_trigger(table, operation)} AFTER {operation} ON "{table}" '
                f"BEGIN {_SQLITE_BUMP} END"
            )


def _remove(
    apps: Apps, schema_editor: BaseDatabaseSchemaEditor, models: list[Model], *, drop_function: bool
) -> None:
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in _tables(apps, models):
            execute(f'DROP TRIGGER IF EXISTS {_trigger(table, "statement")} ON "{table}"')
        if drop_function:
            execute(f"DROP FUNCTION IF EXISTS {_FUNCTION}()")
        return
    for table in _tables(apps, models):
        for operation in _OPERATIONS:
            execute(f"DROP TRIGGER IF EXISTS {_trigger(table, operation)}")


def current_token() -> str:
    """The token of the data as this connection sees it now; "" before the first tracked write
    (an empty database)."""
    from reports.models import DataVersion

    return DataVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
