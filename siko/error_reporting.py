"""Optional error reporting to Sentry (or a compatible service such as GlitchTip), set up from
SENTRY_DSN in siko/settings.py and only then.

No personal data leaves SiKo: sentry-sdk's own switch for it is off (no user names, addresses,
cookies or bodies), local variables of stack frames are not sent (they hold addresses and
names), and `scrub` removes what is left before an event is sent: the user except the id, the
request's cookies, headers, query and body, and the tokens of signed links in the URL, the
messages and the breadcrumbs (siko/log_masking.py). Each event carries the request id, so the
report and the log line of the same request can be found together.
"""

from typing import TYPE_CHECKING, Any, cast

from siko.log_masking import mask_secrets
from siko.request_log import REQUEST_ID_HEADER, request_id

if TYPE_CHECKING:
    from sentry_sdk.types import Event as SentryEvent
    from sentry_sdk.types import Hint

Event = dict[str, Any]


def _mask(value: Any) -> Any:
    return mask_secrets(value) if isinstance(value, str) else value


def scrub(event: Event, hint: dict[str, Any] | None = None) -> Event:
    """The event without personal data (sentry-sdk's before_send and before_send_transaction)."""
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if "id" in user else {}
    if request := event.get("request"):
        headers = request.get("headers") or {}
        event["request"] = {
            "method": request.get("method"),
            "url": _mask(request.get("url")),
            "headers": {
                name: value for name, value in headers.items() if name == REQUEST_ID_HEADER
            },
        }
    for key in ("message", "transaction"):
        if key in event:
            event[key] = _mask(event[key])
    if isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        entry["message"] = _mask(entry.get("message"))
        entry["formatted"] = _mask(entry.get("formatted"))
        entry.pop("params", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = _mask(exception.get("value"))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    crumbs = event.get("breadcrumbs") or {}
    for crumb in crumbs.get("values", []) if isinstance(crumbs, dict) else crumbs:
        crumb["message"] = _mask(crumb.get("message"))
        crumb.pop("data", None)
    event.pop("extra", None)
    if current := request_id.get():
        event.setdefault("tags", {})["request_id"] = current
    return event


def _before_send(event: "SentryEvent", hint: "Hint") -> "SentryEvent":
    return cast("SentryEvent", scrub(cast(Event, event), hint))


def init_sentry(dsn: str, *, environment: str) -> None:
    import sentry_sdk

    from siko import __version__

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=f"siko@{__version__}",
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=_before_send,
        before_send_transaction=_before_send,
        traces_sample_rate=0.0,
    )
