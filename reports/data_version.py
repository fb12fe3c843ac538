"""The data version behind the compliance cache: triggers on the tables the yearly rule reads
and on those of the dashboards' cached parts (reports.page_cache).

See reports.models.DataVersion. Triggers rather than model signals: bulk_create,
QuerySet.update() and raw SQL change figures as well, and send no signal.
"""

from typing import Any

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from siko.version_triggers import Model, VersionTriggers, tracked_tables

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
TRIGGERS = VersionTriggers(
    table="reports_dataversion", function="reports_bump_data_version", prefix="reports_dv"
)


def install_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0002: the triggers on the rule's tables (RULE_MODELS)."""
    TRIGGERS.install(schema_editor.connection, tracked_tables(apps, RULE_MODELS))


def remove_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    TRIGGERS.remove(schema_editor.connection, tracked_tables(apps, RULE_MODELS), drop_function=True)


def install_page_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0005: the triggers on the tables of the pages' cached parts (PAGE_MODELS)."""
    TRIGGERS.install(schema_editor.connection, tracked_tables(apps, PAGE_MODELS))


def remove_page_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    TRIGGERS.remove(
        schema_editor.connection, tracked_tables(apps, PAGE_MODELS), drop_function=False
    )


def reinstall_sqlite_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Migration 0006: SQLite's triggers anew with the bump that a many-to-many add keeps."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        return
    tables = tracked_tables(apps, TRACKED_MODELS)
    TRIGGERS.remove(connection, tables, drop_function=False)
    TRIGGERS.install(connection, tables)


def ensure_triggers(*, using: str = "default", apps: Apps | None = None, **kwargs: Any) -> None:
    """post_migrate receiver (reports.apps): installs the triggers a table rebuild (SQLite) has
    dropped, once the data version's table exists."""
    from django.apps import apps as global_apps

    TRIGGERS.ensure(using, apps or global_apps, TRACKED_MODELS)


def current_token() -> str:
    """The token of the data as this connection sees it now; "" before the first tracked write
    (an empty database)."""
    return TRIGGERS.read()
