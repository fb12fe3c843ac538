"""The signed-in user, the second factor that verified them and the KPB's authority in one query.

Django's AuthenticationMiddleware reads the user, django_otp's OTPMiddleware the device, and the
page header the KPB's authority: three queries before any view. load_signed_in() reads the device
with its user and the user's authority joined (or the user with the authority, when the session
names no device), and siko.sessions adds the check that the session's row still exists to the
same query. siko.middleware.UserMiddleware and OTPMiddleware take the result and keep every check
of Django and django_otp: the backend, `is_active`, the session hash, the device belonging to the
user and being confirmed.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.apps import apps
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, router
from django.db.models import DateTimeField, Exists, Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.utils import timezone
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


def _device_class(persistent_id: str) -> tuple[type[Device], int] | None:
    """The device model and pk a persistent id names, as django_otp's Device.from_persistent_id
    reads it."""
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
    return device_class, pk


@dataclass(frozen=True)
class CachedSession:
    """The session row that must still exist: its key and the expiry its cached copy carries."""

    key: str
    expire_date: datetime


def _session_alive(values: dict[str, Any]) -> Exists:
    from django.contrib.sessions.models import Session as SessionRow

    return Exists(
        SessionRow.objects.filter(
            session_key=values["session_key"],
            expire_date=values["expire_date"],
            expire_date__gt=values["now"],
        )
    )


def _device_query(device_class: type[Device], alive: bool, values: dict[str, Any]) -> QuerySet[Any]:
    related = ("user", *(f"user__{relation}" for relation in USER_RELATIONS))
    devices = device_class._default_manager.filter(pk=values["device_pk"]).select_related(*related)
    if alive:
        devices = devices.annotate(session_alive=_session_alive(values))
    # A slice, not first(): the pk decides, and an ORDER BY costs compiling.
    return devices[:1]


def _user_query(alive: bool, values: dict[str, Any]) -> QuerySet[Any]:
    users = get_user_model()._default_manager.filter(pk=values["user_pk"])
    users = users.select_related(*USER_RELATIONS)
    if alive:
        users = users.annotate(session_alive=_session_alive(values))
    return users[:1]


#: Stand-ins for the parameters, to find each one's place in the compiled statement.
_PLACEHOLDERS: dict[str, Any] = {
    "session_key": "siko-placeholder-session-key",
    "expire_date": datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
    "now": datetime(2002, 3, 4, 5, 6, 7, 8, tzinfo=UTC),
    "device_pk": 2_000_000_011,
    "user_pk": 2_000_000_013,
}


SESSION_PARAMETERS = ("session_key", "expire_date", "now")
_DATETIME: "DateTimeField[datetime, datetime]" = DateTimeField()


def _prepared(value: Any, connection: Any) -> Any:
    """A parameter as the lookups pass it to the database (SQLite: datetimes as text)."""
    if isinstance(value, datetime):
        return _DATETIME.get_db_prep_value(value, connection)
    return value


class _Statement:
    """One of the queries above, compiled by Django once per process: its SQL, where each
    parameter goes, and how the row becomes objects (as Django's ModelIterable does). Compiling
    cost more than running the query; only the parameters differ from request to request."""

    def __init__(self, queryset: QuerySet[Any], required: set[str]) -> None:
        self.db = queryset.db
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        connection = connections[self.db]
        prepared = {_prepared(value, connection): name for name, value in _PLACEHOLDERS.items()}
        # A parameter that is none of the stand-ins is the query's own constant (SELECT 1).
        self.parameters = [(prepared.get(param), param) for param in params]
        if {name for name, _constant in self.parameters} - {None} != required:
            raise KeyError(required)  # not as expected: the ORM compiles each time
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model = klass_info["model"]
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = dict(compiler.annotation_col_map)
        self.converters = compiler.get_converters(
            [column[0] for column in select[0 : compiler.col_count]]
        )

    def fetch(self, values: dict[str, Any]) -> Any:
        connection = connections[self.db]
        params = [
            constant if name is None else _prepared(values[name], connection)
            for name, constant in self.parameters
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, obj)
        for name, position in self.annotations.items():
            setattr(obj, name, row[position])
        return obj


_statements: dict[tuple[Any, ...], "_Statement | None"] = {}


def _first(
    model: type[Model],
    key: tuple[Any, ...],
    build: Callable[[dict[str, Any]], QuerySet[Any]],
    values: dict[str, Any],
    required: set[str],
) -> Any:
    """The first row of build(values), through its statement compiled once (the ORM, should a
    statement not compile to the expected parameters)."""
    db = router.db_for_read(model)
    key = (db, connections[db].vendor, model._meta.label, *key)
    if key not in _statements:
        try:
            _statements[key] = _Statement(build(_PLACEHOLDERS), required)
        except KeyError:
            _statements[key] = None
    statement = _statements[key]
    if statement is None:
        return next(iter(build(values)), None)
    return statement.fetch(values)


def load_signed_in(
    user_pk: Any, device_id: str | None, *, session: CachedSession | None = None
) -> tuple[SignedIn, bool | None]:
    """The user and device of a session, in one query when the device belongs to the user.

    With `session`, the same query asks whether that session's row still exists with that
    expiry; the second value is its answer, None when it was not asked or no row came back
    (no such user).
    """
    alive = session is not None
    values: dict[str, Any] = {"user_pk": user_pk}
    if session is not None:
        values |= {
            "session_key": session.key,
            "expire_date": session.expire_date,
            "now": timezone.now(),
        }
    found = _device_class(device_id) if device_id else None
    if found is not None:
        device_class, values["device_pk"] = found
        device = _first(
            device_class,
            ("device", alive),
            lambda v: _device_query(device_class, alive, v),
            values,
            {"device_pk", *SESSION_PARAMETERS} if alive else {"device_pk"},
        )
        if device is not None and device.user_id == user_pk:
            return SignedIn(user_pk, device_id, device.user, device), (
                bool(device.session_alive) if alive else None
            )
    # No device named, or it is gone or not this user's (django_otp then drops it).
    user = _first(
        get_user_model(),
        ("user", alive),
        lambda v: _user_query(alive, v),
        values,
        {"user_pk", *SESSION_PARAMETERS} if alive else {"user_pk"},
    )
    if user is None:
        return SignedIn(user_pk, device_id, None, None), None
    return SignedIn(user_pk, device_id, user, None), bool(user.session_alive) if alive else None
