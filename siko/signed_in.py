"""The signed-in user, the second factor that verified them and the KPB's authority in one query.

Django's AuthenticationMiddleware reads the user, django_otp's OTPMiddleware the device, and the
page header the KPB's authority: three queries before any view. load_signed_in() reads the device
with its user and the user's authority joined (or the user with the authority, when the session
names no device), and siko.sessions adds the check that the session's row still exists to the
same query. siko.middleware.UserMiddleware and OTPMiddleware take the result and keep every check
of Django and django_otp: the backend, `is_active`, the session hash, the device belonging to the
user and being confirmed.
"""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, Model, QuerySet
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

#: The only backend that loads users from a session (axes and rules only check).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
#: Read with the user: the page header names a KPB's authority.
USER_RELATIONS = ("authority",)


@dataclass(frozen=True)
class SignedIn:
    """What one query found for a session's user and device ids (None: not found)."""

    user_pk: Any
    device_id: str | None
    user: AbstractBaseUser | None
    device: Device | None


def user_pk_from(session_data: Any) -> Any:
    """The user's primary key a session names, as django.contrib.auth reads it (KeyError without
    one, ValidationError for a malformed one)."""
    return get_user_model()._meta.pk.to_python(session_data[SESSION_KEY])


def _devices(persistent_id: str) -> "QuerySet[Model] | None":
    """The device a persistent id names, as django_otp's Device.from_persistent_id reads it."""
    persistent_id = OTPMiddleware._normalize_persistent_id(persistent_id)
    try:
        model_label, device_id = persistent_id.rsplit("/", 1)
        app_label, model_name = model_label.split(".")
        device_class = apps.get_model(app_label, model_name)
        pk = int(device_id)
    except (ValueError, LookupError):
        return None
    if not issubclass(device_class, Device):
        return None
    return device_class._default_manager.filter(pk=pk)


def load_signed_in(
    user_pk: Any, device_id: str | None, *, session_alive: Exists | None = None
) -> tuple[SignedIn, bool | None]:
    """The user and device of a session, in one query when the device belongs to the user.

    `session_alive` (an Exists of the session's row) is evaluated in the same query; the second
    value is its answer, None when it was not asked or no row came back (no such user).
    """
    annotations = {} if session_alive is None else {"session_alive": session_alive}
    devices = _devices(device_id) if device_id else None
    if devices is not None:
        related = ("user", *(f"user__{relation}" for relation in USER_RELATIONS))
        # A slice, not first(): the pk decides, and an ORDER BY costs compiling on every request.
        device = next(iter(devices.select_related(*related).annotate(**annotations)[:1]), None)
        if device is not None and device.user_id == user_pk:
            alive = device.session_alive if session_alive is not None else None
            return SignedIn(user_pk, device_id, device.user, device), alive
    # No device named, or it is gone or not this user's (django_otp then drops it).
    users = get_user_model()._default_manager.select_related(*USER_RELATIONS)
    user = next(iter(users.annotate(**annotations).filter(pk=user_pk)[:1]), None)
    if user is None:
        return SignedIn(user_pk, device_id, None, None), None
    alive = user.session_alive if session_alive is not None else None  # type: ignore[attr-defined]
    return SignedIn(user_pk, device_id, user, None), alive
