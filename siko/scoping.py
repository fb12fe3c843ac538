"""Authority scoping in one place (django-scopes).

Every request runs inside exactly one scope: KPB staff see their own authority's rows, state
bodies and administrators see everything, partner accounts the areas their agency covers (their
permissions narrow that to their own agency), anonymous visitors no scoped row at all.
A scoped query outside any scope raises ScopeError instead of leaking data.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django_scopes import scope, scopes_disabled

NO_AUTHORITY: list[int] = []


@contextmanager
def scope_for_user(user: Any) -> Iterator[None]:
    if user.is_authenticated and (user.is_superuser or user.is_state_body):
        with scopes_disabled():
            yield
    elif user.is_authenticated and user.is_kpb:
        with scope(authority=[user.authority_id]):
            yield
    elif user.is_authenticated and user.is_partner:
        # A partner account sees the areas its agency covers; permissions narrow it further.
        areas = user.covered_authority_ids()
        with scope(authority=areas or NO_AUTHORITY):
            yield
    else:
        with scope(authority=NO_AUTHORITY):
            yield


class ScopedUniqueMixin:
    """Uniqueness is global, so it is validated outside the request's scope."""

    def validate_unique(self, exclude: Any = None) -> None:
        with scopes_disabled():
            super().validate_unique(exclude)  # type: ignore[misc]

    def validate_constraints(self, exclude: Any = None) -> None:
        with scopes_disabled():
            super().validate_constraints(exclude)  # type: ignore[misc]


def scoped_formfield(field: Any, **kwargs: Any) -> Any:
    """formfield_callback for ModelForms: relation choices start empty; the form sets them.

    Building a form class must not query a scoped model, and a choice list that the form forgot
    to restrict stays empty instead of offering every authority's rows.
    """
    with scopes_disabled():
        formfield = field.formfield(**kwargs)
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.queryset = formfield.queryset.none()
    return formfield
