"""The version token of the data that cached pages show (siko.models.PageVersion).

Use it with siko.page_cache:

    token = page_token()          # first, before anything the page shows is read
    ...                           # fetch the object, check permissions
    html = cached_html("conference", parts, render, token=token)

Reading the token first matters: whatever the request reads afterwards is at least as new as
the token, so an entry is never older than the token it is kept under. The page's object
itself may be kept under the token (conferences.views.planning.ConferenceDetailView keeps the
conference row as the viewer's scope finds it) when the permission is checked on every request.

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
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from siko.version_triggers import Model, VersionTriggers
from siko.version_triggers import tracked_tables as _tables_of

#: (app label, model, many-to-many field or "") of every table a cached page shows.
TRACKED_MODELS: list[Model] = [
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
TRIGGERS = VersionTriggers(
    table="siko_pageversion", function="siko_bump_page_version", prefix="siko_pv"
)


def tracked_tables(apps: Apps, models: Sequence[Model] = ()) -> list[str]:
    """The database tables of `models` (default: TRACKED_MODELS)."""
    return _tables_of(apps, models or TRACKED_MODELS)


def install_triggers(
    apps: Apps, schema_editor: BaseDatabaseSchemaEditor, models: Sequence[Model] = ()
) -> None:
    """For a migration (RunPython): the triggers of `models` (default: TRACKED_MODELS).
    Idempotent: an existing trigger is replaced or kept."""
    TRIGGERS.install(schema_editor.connection, tracked_tables(apps, models))


def remove_triggers(
    apps: Apps, schema_editor: BaseDatabaseSchemaEditor, models: Sequence[Model] = ()
) -> None:
    TRIGGERS.remove(schema_editor.connection, tracked_tables(apps, models), drop_function=False)


def installed_triggers(connection: BaseDatabaseWrapper) -> set[tuple[str, str]]:
    """(table, trigger name) of the page version's triggers present in the database."""
    return TRIGGERS.installed(connection)


def expected_triggers(
    connection: BaseDatabaseWrapper, tables: Sequence[str]
) -> set[tuple[str, str]]:
    return TRIGGERS.expected(connection, tables)


def ensure_triggers(*, using: str = "default", apps: Apps | None = None, **kwargs: Any) -> None:
    """post_migrate receiver: installs the triggers a table rebuild (SQLite) has dropped, once
    the page version's table exists."""
    from django.apps import apps as global_apps

    TRIGGERS.ensure(using, apps or global_apps, TRACKED_MODELS)


def page_token() -> str:
    """The token as this connection sees it now; "" before the first tracked write (an empty
    database: callers then do not cache)."""
    return TRIGGERS.read()
