"""Database triggers that replace a version token in the writing transaction.

Two tokens use them: the pages' (siko.page_version) and the compliance rule's
(reports.data_version). Each names its one-row table (id 1, token), its PostgreSQL function and
its trigger prefix; the tables are named by (app label, model, many-to-many field or "") so that
migrations pass their own frozen lists. PostgreSQL gets one statement-level trigger per table,
SQLite (no statement triggers) one row-level trigger per table and operation. Triggers rather
than model signals: bulk_create, QuerySet.update() and raw SQL send no signal.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

Model = tuple[str, str, str]
_OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def tracked_tables(apps: Apps, models: Sequence[Model]) -> list[str]:
    """The database tables of `models` in the state `apps` describes."""
    tables = []
    for app_label, model_name, m2m in models:
        model: Any = apps.get_model(app_label, model_name)
        if m2m:
            model = model._meta.get_field(m2m).remote_field.through
        tables.append(model._meta.db_table)
    return tables


@dataclass(frozen=True)
class VersionTriggers:
    table: str  # the token's one-row table
    function: str  # PostgreSQL: the trigger function's name
    prefix: str  # of every trigger's name

    def trigger(self, table: str, operation: str) -> str:
        return f"{self.prefix}_{table}_{operation.lower()}"

    def _sqlite_bump(self) -> str:
        # No INSERT OR REPLACE: a statement's conflict clause overrides those of the triggers
        # it fires, so the INSERT OR IGNORE of a many-to-many add would drop the bump.
        return (
            f"UPDATE {self.table} SET token = lower(hex(randomblob(16))) WHERE id = 1; "
            f"INSERT INTO {self.table} (id, token) SELECT 1, lower(hex(randomblob(16))) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.table} WHERE id = 1);"
        )

    def install(self, connection: BaseDatabaseWrapper, tables: Sequence[str]) -> None:
        """Idempotent: an existing trigger is replaced (PostgreSQL) or kept (SQLite)."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger "
                    f"LANGUAGE plpgsql AS $$ BEGIN INSERT INTO {self.table} (id, token) "
                    "VALUES (1, md5(random()::text || clock_timestamp()::text)) "
                    "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; RETURN NULL; END $$"
                )
                for table in tables:
                    cursor.execute(
                        f"CREATE OR REPLACE TRIGGER {self.trigger(table, 'statement')} "
                        f'AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {self.function}()"
                    )
                return
            for table in tables:
                for operation in _OPERATIONS:
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {self.trigger(table, operation)} "
                        f'AFTER {operation} ON "{table}" BEGIN {self._sqlite_bump()} END'
                    )

    def remove(
        self, connection: BaseDatabaseWrapper, tables: Sequence[str], *, drop_function: bool
    ) -> None:
        with connection.cursor() as cursor:
            postgresql = connection.vendor == "postgresql"
            for table in tables:
                if postgresql:
                    cursor.execute(
                        f'DROP TRIGGER IF EXISTS {self.trigger(table, "statement")} ON "{table}"'
                    )
                    continue
                for operation in _OPERATIONS:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {self.trigger(table, operation)}")
            if postgresql and drop_function:
                cursor.execute(f"DROP FUNCTION IF EXISTS {self.function}()")

    def installed(self, connection: BaseDatabaseWrapper) -> set[tuple[str, str]]:
        """(table, trigger name) of this token's triggers present in the database."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT c.relname, t.tgname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE %s",
                    [f"{self.prefix}_%"],
                )
            else:
                cursor.execute(
                    "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE %s",
                    [f"{self.prefix}_%"],
                )
            return {(table, name) for table, name in cursor.fetchall()}

    def expected(
        self, connection: BaseDatabaseWrapper, tables: Sequence[str]
    ) -> set[tuple[str, str]]:
        if connection.vendor == "postgresql":
            return {(table, self.trigger(table, "statement")) for table in tables}
        return {(table, self.trigger(table, op)) for table in tables for op in _OPERATIONS}

    def ensure(self, using: str, apps: Apps, models: Sequence[Model]) -> None:
        """After migrate: installs the triggers a table rebuild (SQLite) has dropped, once the
        token's table exists."""
        connection = connections[using]
        existing = connection.introspection.table_names()
        if self.table not in existing:
            return
        try:
            tables = [t for t in tracked_tables(apps, models) if t in existing]
        except LookupError:  # a migration state before a tracked model existed
            return
        if self.expected(connection, tables) - self.installed(connection):
            self.install(connection, tables)

    def read(self, using: str = "default") -> str:
        """The token as this connection sees it now; "" before the first tracked write. A plain
        SELECT: it runs on every cached page."""
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT token FROM {self.table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else ""
