"""Whether a calendar year is closed for entries afterwards, decided by a higher app.

A year covered by a final annual report must not change below it: a conference entered
afterwards for such a year would change figures the LZPD has signed. The annual report lives in
`reports`, which the conferences and followup apps may not import; reports registers its check
here in its AppConfig.ready() (the pattern of notifications.reminders.register_handler).
"""

from collections.abc import Callable

#: A check takes a calendar year and returns why it is closed (German), or "" when it is open.
ClosedYearCheck = Callable[[int], str]

_checks: dict[str, ClosedYearCheck] = {}


def register_closed_year_check(name: str, check: ClosedYearCheck) -> None:
    """Registers (or replaces, on a second ready()) the check named `name`."""
    _checks[name] = check


def closed_year_reason(year: int) -> str:
    """The first registered check's reason why `year` is closed, or "" when every check lets
    it through."""
    for check in _checks.values():
        reason = check(year)
        if reason:
            return reason
    return ""
