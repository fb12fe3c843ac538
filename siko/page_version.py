"""The version token of the data that cached pages show (siko.models.PageVersion).

Use it with siko.page_cache:

    token = page_token()          # first, before anything the page shows is read
    ...                           # fetch the object, check permissions
    html = cached_html("conference", parts, render, token=token)

Reading the token first matters: whatever the request reads afterwards is at least as new as
the token, so an entry is never older than the token it is kept under. Or, one query less, read
it with the page's object in one statement: `Conference.objects.annotate(
page_token=page_token_subquery())` (conferences.views.planning.ConferenceDetailView).

The token changes in the writing transaction through database triggers on the tables of
TRACKED_MODELS (statement-level on PostgreSQL, row-level on SQLite). A page that starts to show
a table not listed must add it here and install its triggers in a new siko migration
(`install_triggers(apps, schema_editor, models=[...])`). siko knows no domain app, so the
tables are named by (app label, model, many-to-many field or "") strings.

SQLite rebuilds a table for many ALTER operations and drops its triggers with it; the
post_migrate receiver `ensure_triggers` (connected in siko.apps) installs missing ones again
after every migrate, and tests/siko/test_page_version.py checks that every table has them.
"""

from collections.abc import Sequence
from typing import Any

from django.apps.registry import Apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Subquery

#: (app label, model, many-to-many field or "") of every table a cached page shows.
TRACKED_MODELS: list[tuple[str, str, str]] = [
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
TABLE = "siko_pageversion"
_FUNCTION = "siko_bump_page_version"
_OPERATIONS = ("INSERT", "UPDATE", "DELETE")
#: No INSERT OR REPLACE: a statement's conflict clause overrides those inside the triggers it
#: fires, so the INSERT OR IGNORE of a many-to-many add would ignore the bump.
_SQLITE_BUMP = (
    f"UPDATE {TABLE} SET token = lower(hex(randomblob(16))) WHERE id = 1; "
    f"INSERT INTO {TABLE} (id, token) SELECT 1, lower(hex(randomblob(16))) "
    f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1);"
)


def tracked_tables(apps: Apps, models: Sequence[tuple[str, str, str]] = ()) -> list[str]:
    """The database tables of `models` (default: TRACKED_MODELS)."""
    tables = []
    for app_label, model_name, m2m in models or TRACKED_MODELS:
        model: Any = apps.get_model(app_label, model_name)
        if m2m:
            model = model._meta.get_field(m2m).remote_field.through
        tables.append(model._meta.db_table)
    return tables


def _trigger(table: str, operation: str) -> str:
    return f"siko_pv_{table}_{operation.lower()}"


def _install(connection: BaseDatabaseWrapper, tables: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN INSERT INTO {TABLE} (id, token) "
                "VALUES (1, md5(random()::text || clock_timestamp()::text)) "
                "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; RETURN NULL; END $$"
            )
            for table in tables:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {_trigger(table, 'statement')} "
                    f'AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
                )
            return
        for table in tables:
            for operation in _OPERATIONS:
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {_trigger(table, operation)} AFTER {operation} "
                    f'ON "{table}" BEGIN {_SQLITE_BUMP} END'
                )


def install_triggers(
    apps: Apps,
    schema_editor: BaseDatabaseSchemaEditor,
    models: Sequence[tuple[str, str, str]] = (),
) -> None:
    """For a migration (RunPython): the triggers of `models` (default: TRACKED_MODELS).
    Idempotent: an existing trigger is replaced or kept."""
    _install(schema_editor.connection, tracked_tables(apps, models))


def remove_triggers(
    apps: Apps,
    schema_editor: BaseDatabaseSchemaEditor,
    models: Sequence[tuple[str, str, str]] = (),
) -> None:
    with schema_editor.connection.cursor() as cursor:
        postgresql = schema_editor.connection.vendor == "postgresql"
        for table in tracked_tables(apps, models):
            if postgresql:
                cursor.execute(
                    f'DROP TRIGGER IF EXISTS {_trigger(table, "statement")} ON "{table}"'
                )
                continue
            for operation in _OPERATIONS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, operation)}")


def installed_triggers(connection: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    """(table, trigger name) of the page version's triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'siko_pv_%%'"
            )
        else:
            cursor.execute(
                "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'siko_pv_%'"
            )
        return {(table, name) for table, name in cursor.fetchall()}


def expected_triggers(
    connection: BaseDatabaseWrapper, tables: Sequence[str]
) -> set[tuple[str, str]]:
    if connection.vendor == "postgresql":
        return {(table, _trigger(table, "statement")) for table in tables}
    return {(table, _trigger(table, op)) for table in tables for op in _OPERATIONS}


def ensure_triggers(*, using: str = "default", apps: Apps | None = None, **kwargs: Any) -> None:
    """post_migrate receiver: installs the triggers a table rebuild (SQLite) has dropped, once
    the page version's table exists."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    connection = connections[using]
    if TABLE not in connection.introspection.table_names():
        return
    try:
        tables = tracked_tables(apps)
    except LookupError:  # a migration state before a tracked model existed
        return
    existing = connection.introspection.table_names()
    tables = [t for t in tables if t in existing]
    if expected_triggers(connection, tables) - installed_triggers(connection):
        _install(connection, tables)


def page_token_subquery() -> Subquery:
    """The token as an annotation of the object a page shows: `.annotate(page_token=...)`
    reads both in one statement, so the object is exactly as new as the token (one query less
    than page_token() before it)."""
    from siko.models import PageVersion

    return Subquery(PageVersion.objects.filter(pk=1).values("token")[:1])


def page_token() -> str:
    """The token as this connection sees it now; "" before the first tracked write (an empty
    database: callers then do not cache)."""
    from siko.models import PageVersion

    return PageVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""
