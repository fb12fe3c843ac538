"""Authority scoping in one place (django-scopes).

Every request runs inside exactly one scope: KPB staff see their own authority's rows, state
bodies and administrators see everything, partner accounts the areas their agency covers (their
permissions narrow that to their own agency), anonymous visitors no scoped row at all.
A scoped query outside any scope raises ScopeError instead of leaking data.
"""

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload

import django_scopes
from django import forms
from django.db import models
from django_scopes import scope, scopes_disabled

from siko.organisations import OrganisationMember

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

_M = TypeVar("_M", bound=models.Model, covariant=True)
_S = TypeVar("_S", bound="ScopedManager[Any]")

NO_AUTHORITY: list[int] = []


@contextmanager
def scope_for_user(user: "OrganisationMember | AnonymousUser") -> Iterator[None]:
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


class ScopedManager(models.Manager[_M]):
    """The type of the managers scoped_manager() returns.

    django_scopes.ScopedManager defines each manager class inside a function, where neither an
    import nor the django-stubs plugin (which looks a model's managers up by their class's
    `__module__` and `__qualname__`) can find it. scoped_manager() derives that class from this
    one as well and gives it this class's name. At run time the class adds nothing.
    """

    if TYPE_CHECKING:

        def with_scope(self, **scope: Any) -> Self: ...

        def with_scopes_disabled(self) -> Self: ...


@overload
def scoped_manager(
    base: type[models.Manager[Any]] = ..., /, **scopes: str
) -> ScopedManager[Any]: ...
@overload
def scoped_manager(base: type[models.Manager[Any]], typed_as: type[_S], /, **scopes: str) -> _S: ...
def scoped_manager(
    base: type[models.Manager[Any]] = models.Manager,
    typed_as: type[ScopedManager[Any]] = ScopedManager,
    /,
    **scopes: str,
) -> ScopedManager[Any]:
    """A manager of `base` that filters by the active scope; scopes maps a dimension to a lookup.

    A manager with its own queryset methods passes as `typed_as` a
    `ScopedManager.from_queryset()` class that is importable under its `__module__` and
    `__qualname__`, so that the type checker knows those methods too.
    """
    # Deriving from typed_as as well makes the manager an instance of the type it is given.
    manager_base = type(f"Scoped{base.__name__}", (typed_as, base), {})
    manager = django_scopes.ScopedManager(manager_base, **scopes)
    manager.__class__.__module__ = typed_as.__module__
    manager.__class__.__qualname__ = manager.__class__.__name__ = typed_as.__qualname__
    return manager


class ScopedUniqueMixin:
    """Uniqueness is global, so it is validated outside the request's scope."""

    def validate_unique(self, exclude: Collection[str] | None = None) -> None:
        with scopes_disabled():
            super().validate_unique(exclude)  # type: ignore[misc]

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        with scopes_disabled():
            super().validate_constraints(exclude)  # type: ignore[misc]


def scoped_formfield(field: "models.Field[Any, Any]", **kwargs: Any) -> forms.Field | None:
    """formfield_callback for ModelForms: relation choices start empty; the form sets them.

    Building a form class must not query a scoped model, and a choice list that the form forgot
    to restrict stays empty instead of offering every authority's rows.
    """
    with scopes_disabled():
        formfield = field.formfield(**kwargs)
    if formfield is not None and hasattr(formfield, "queryset"):
        formfield.queryset = formfield.queryset.none()
    return formfield
