"""Who reads the API: police and state bodies (partners get no token); scoping narrows it."""

from typing import Any

import rules
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from siko.permissions import police_or_state

rules.add_perm("api.read", police_or_state)


class HasDeclaredPermission(BasePermission):
    """The view's `permission_required` (a rules permission), checked for the token's account."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(view.permission_required))
