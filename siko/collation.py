"""German collation of names (DIN 5007-1), the same on PostgreSQL and SQLite.

Lists of authorities, partner agencies, contacts and comparison groups are sorted as a German
reader expects: Köln before Krefeld, Ärztekammer among the A, Übach-Palenberg before Unna,
ß as ss – not by code points, which put Ä, Ö and Ü after Z.

One collation name, `GERMAN`, serves both databases: on PostgreSQL it is the ICU collation
"de-x-icu" that initdb creates on every ICU-enabled server (Debian's, the official image's); on
SQLite `register_sqlite_collation` installs a Python function of that name on each new
connection, which compares by `german_key`. Querysets order with `german("name")`; Python code
that sorts names in memory uses `german_key`.
"""

import unicodedata
from functools import lru_cache
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, OrderBy
from django.db.models.functions import Collate

#: The collation's name in SQL (PostgreSQL: built-in ICU collation; SQLite: registered below).
GERMAN = "de-x-icu"


@lru_cache(maxsize=8192)
def german_key(text: str) -> tuple[str, str, tuple[tuple[bool, str], ...]]:
    """The sort key of `text` by DIN 5007-1: letters without their diacritics (ä = a, ö = o,
    ü = u), ß = ss, case ignored; equal keys are told apart by the accents, then by the case
    (lower case first, as ICU does)."""
    folded = text.casefold()
    base = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return base, folded, tuple((not c.islower(), c) for c in text)


def german(field: str) -> OrderBy:
    """The field (a lookup path such as "agency__name" too) in ascending German order, for
    order_by() and Meta.ordering."""
    return Collate(F(field), GERMAN).asc()


def _compare(left: str, right: str) -> int:
    a, b = german_key(left), german_key(right)
    return (a > b) - (a < b)


def register_sqlite_collation(
    sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs: Any
) -> None:
    """connection_created receiver: teaches a new SQLite connection the collation `GERMAN`."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(GERMAN, _compare)
