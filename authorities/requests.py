"""The request of a logged-in SiKo user, for views behind a permission (siko.views_base)."""

from django.http import HttpRequest

from authorities.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """What a view with `permission_required` receives: the permission mixin let only logged-in
    users of an organisation through, so `request.user` is a User, never AnonymousUser."""

    user: User
