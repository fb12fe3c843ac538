"""Handing tasks to the broker without making its absence the user's problem.

Every task SiKo starts goes through `enqueue` (mostly through `enqueue_on_commit`): the work is a
row first (an outbox mail, a report generation), so a broker that is down at that moment loses
nothing. `enqueue` logs a warning and returns False instead of raising; the row waits for the
outbox sweeper (notifications.outbox.sweep_outbox) or is marked so that the user can ask again.

After one refusal the broker counts as down for BROKER_DOWN_FOR: the next tasks are not even
tried, so a fan-out of 200 invitations does not wait 200 times for the connection to fail.

A view that wants to tell the user wraps its service call in `watching()`; the outcome lists the
tasks the broker refused while the block ran (on_commit callbacks run at the service's commit,
inside the block).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import redis.exceptions
from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

#: What a publish raises when the broker cannot be reached (kombu wraps most socket and Redis
#: errors in OperationalError; the Redis ones are listed for paths that do not).
BROKER_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
#: After a refusal, tasks are not handed to the broker for this long (seconds).
BROKER_DOWN_FOR = 15.0

_lock = threading.Lock()
_down_until = 0.0


@dataclass
class EnqueueOutcome:
    """The tasks the broker refused while `watching()` ran."""

    refused: list[str] = field(default_factory=list)

    @property
    def broker_down(self) -> bool:
        return bool(self.refused)


_outcome: ContextVar[EnqueueOutcome | None] = ContextVar("siko_enqueue_outcome", default=None)


@contextmanager
def watching() -> Iterator[EnqueueOutcome]:
    """Records the tasks the broker refused within the block."""
    outcome = EnqueueOutcome()
    token = _outcome.set(outcome)
    try:
        yield outcome
    finally:
        _outcome.reset(token)


def _broker_known_down() -> bool:
    return time.monotonic() < _down_until


def _mark_broker_down() -> None:
    global _down_until
    with _lock:
        _down_until = time.monotonic() + BROKER_DOWN_FOR


def reset() -> None:
    """Forgets an earlier refusal (tests; the broker is known to be back)."""
    global _down_until
    with _lock:
        _down_until = 0.0


def _refused(task: Task, kwargs: dict[str, Any], reason: str) -> bool:
    logger.warning("broker unavailable, task %s %s not queued: %s", task.name, kwargs, reason)
    if (outcome := _outcome.get()) is not None:
        outcome.refused.append(task.name)
    return False


def enqueue(task: Task, **kwargs: Any) -> bool:
    """Hands the task to the broker; False (and a warning in the log) when the broker is down.

    In-process (eager) tasks run at once and their errors propagate as before: only the
    broker's absence is swallowed, never a task's own failure.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(kwargs=kwargs)
        return True
    if _broker_known_down():
        return _refused(task, kwargs, "refused shortly before")
    try:
        task.apply_async(kwargs=kwargs)
    except BROKER_ERRORS as error:
        _mark_broker_down()
        return _refused(task, kwargs, str(error))
    return True


def enqueue_on_commit(
    task: Task, *, on_refused: Callable[[], None] | None = None, **kwargs: Any
) -> None:
    """Enqueues the task once the current transaction has committed (its rows exist then).

    `on_refused` runs, after commit, when the broker refused the task: e.g. to mark the row so
    that the user can ask again.
    """

    def run() -> None:
        if not enqueue(task, **kwargs) and on_refused is not None:
            on_refused()

    transaction.on_commit(run)
