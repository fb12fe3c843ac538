"""Staff accounts: creation with a setup link, the link itself, leavers, second-factor reset.

The setup link is signed (salt ACCOUNT_SETUP_SALT) and carries the account, the moment it was
issued and a fingerprint of the account's password and last login. Setting the password changes
the fingerprint, so the link works once; after SETUP_LINK_HOURS it has expired.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from authorities.models import Authority, User
from notifications.compose import compose
from notifications.enums import MailKind
from notifications.queue import queue_mail
from siko.audit import log_action

ACCOUNT_SETUP_SALT = "authorities.account-setup"
SETUP_LINK_HOURS = 72


class AccountLinkError(Exception):
    """A setup link that cannot be used; `status` is the HTTP status of its page."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def _fingerprint(user: User) -> str:
    state = f"{user.pk}:{user.password}:{user.last_login}:{user.is_active}"
    return salted_hmac(ACCOUNT_SETUP_SALT, state).hexdigest()[:32]


def setup_token(user: User, *, now: datetime | None = None) -> str:
    issued = int((now or timezone.now()).timestamp())
    return signing.dumps(
        {"u": user.pk, "f": _fingerprint(user), "t": issued}, salt=ACCOUNT_SETUP_SALT
    )


def setup_url(user: User, *, now: datetime | None = None) -> str:
    token = setup_token(user, now=now)
    return settings.SITE_URL + reverse("authorities:account_setup", kwargs={"token": token})


def user_for_setup_token(token: str, *, now: datetime | None = None) -> User:
    """The account a setup link belongs to, or AccountLinkError (invalid 404, used/expired 410)."""
    try:
        payload = signing.loads(token, salt=ACCOUNT_SETUP_SALT)
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict) or not {"u", "f", "t"} <= payload.keys():
        raise AccountLinkError(
            _("Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig kopiert wurde."),
            status=404,
        )
    user = User.objects.filter(pk=payload["u"]).first()
    if user is None or not user.is_active:
        raise AccountLinkError(
            _("Dieses Konto gibt es nicht mehr oder es ist deaktiviert."), status=410
        )
    if payload["f"] != _fingerprint(user):
        raise AccountLinkError(
            _(
                "Dieser Link wurde bereits benutzt. Melden Sie sich mit Ihrem Passwort an oder "
                "nutzen Sie „Passwort vergessen“."
            ),
            status=410,
        )
    issued = datetime.fromtimestamp(payload["t"], tz=timezone.get_current_timezone())
    if (now or timezone.now()) - issued > timedelta(hours=SETUP_LINK_HOURS):
        raise AccountLinkError(
            _(
                "Dieser Link ist abgelaufen (er gilt %(hours)s Stunden). Bitte wenden Sie sich "
                "an die Administration, die Ihnen einen neuen Link schickt."
            )
            % {"hours": SETUP_LINK_HOURS},
            status=410,
        )
    return user


def send_setup_mail(user: User, *, now: datetime | None = None) -> None:
    """The mail with a setup link issued `now`, once per account and moment (outbox, on
    commit): the import sends it once; the administration's "erneut senden" sends a new one."""
    issued = now or timezone.now()
    context = {"user": user, "url": setup_url(user, now=issued), "hours": SETUP_LINK_HOURS}
    queue_mail(
        kind=MailKind.NOTICE,
        dedup_key=f"account-setup:{user.pk}:{_fingerprint(user)}:{int(issued.timestamp())}",
        composed=compose("account_setup", context, folder="authorities/email"),
        to=user.email,
    )


def create_staff_account(
    *,
    name: str,
    email: str,
    organisation_kind: str,
    authority: Authority | None,
    is_admin: bool,
    by: User,
) -> User:
    """A new account without a usable password; its owner sets one through the mailed link."""
    first_name, _space, last_name = name.rpartition(" ")
    with transaction.atomic():
        user = User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name or name,
            organisation_kind=organisation_kind,
            authority=authority,
            is_superuser=is_admin,
            is_staff=is_admin,
        )
        user.set_unusable_password()
        user.save()
        log_action("account.created", user, actor=by, authority=authority)
        send_setup_mail(user)
    return user


def resend_setup_mail(user: User, *, by: User) -> bool:
    """A new setup link for an account whose password was never set (the first one expired or
    got lost); False for an account that has a password ("Passwort vergessen" is its way)."""
    if user.has_usable_password() or not user.is_active:
        return False
    with transaction.atomic():
        log_action("account.setup_link_sent", user, actor=by, authority=user.authority)
        send_setup_mail(user)
    return True


def deactivate_user(user: User, *, by: User) -> bool:
    """A leaver's account stays (with its audit entries) but can no longer log in or use a
    token; returns False when it was already inactive."""
    if not user.is_active:
        return False
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        log_action("account.deactivated", user, actor=by, authority=user.authority)
    return True


def reset_second_factor(user: User, *, by: User) -> int:
    """Removes every second factor (app, recovery codes, passkeys); the next login sets one up
    again. Returns how many devices were removed."""
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        log_action(
            "account.second_factor_reset",
            user,
            actor=by,
            authority=user.authority,
            data={"devices": len(devices)},
        )
    return len(devices)
