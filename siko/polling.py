"""Progress fragments polled by htmx: the longer they wait, the less often they ask."""

from typing import Any

from django.http import HttpRequest

#: Seconds between two polls of a progress fragment: it slows down the longer it waits.
POLL_DELAYS = (1, 1, 2, 2, 3, 5, 5, 8)


def next_poll(request: HttpRequest) -> dict[str, Any]:
    """poll_step (for the next request's ?n=) and poll_delay from this request's ?n=."""
    try:
        step = max(0, int(request.GET.get("n", "0")))
    except ValueError:
        step = 0
    step = min(step + 1, len(POLL_DELAYS) - 1)
    return {"poll_step": step, "poll_delay": POLL_DELAYS[step]}
