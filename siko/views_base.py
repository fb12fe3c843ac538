"""Every view declares who may use it.

`SikoPermissionMixin` fails loudly when a view declares no policy: either
`permission_required` (a rules permission, checked against the view's object when it has one)
or `public = True` with a `public_reason`. Anonymous visitors of a protected view go to the
login before any object is looked up; a logged-in user without the permission gets 403; an
object outside the user's authority scope is a 404 (the scoped query does not find it).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse

_View = TypeVar("_View", bound=Callable[..., Any])


class SikoPermissionMixin:
    permission_required: str = ""
    public: bool = False
    public_reason: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.public:
            if not self.public_reason:
                raise ImproperlyConfigured(f"{type(self).__name__}: public needs a public_reason.")
        else:
            if not self.permission_required:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} declares no permission_required."
                )
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(self.permission_required, self.get_permission_object()):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_permission_object(self) -> models.Model | None:
        """The object the permission is checked against; None for list and create views."""
        return None


def declare_policy(*, public_reason: str = "", permission: str = "") -> Callable[[_View], _View]:
    """Mark a function view with its policy so the role × URL test can read it."""

    def decorator(view: _View) -> _View:
        # setattr: a function takes any attribute, but its type declares none.
        setattr(view, "siko_policy", permission or f"public: {public_reason}")  # noqa: B010
        return view

    return decorator
