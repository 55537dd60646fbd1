"""A call's deadline, for the code it runs.

The gateway gives up on a call after its timeout and answers 504; a service that
ran the call afterwards (it was frozen, or busy, with the call already taken
from the queue) would store what the caller was told may not have happened.
The call carries an absolute deadline (shared.calls); the service refuses to
start a call past it and to store anything once it has passed: `check()` is
called before every save (shared.application). Outside a call (timers,
consumers, tests) there is no deadline.

Deadlines are wall-clock times: the gateway's and the services' clocks must
agree to well within a timeout (NTP does).
"""
from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager

from nameko.exceptions import deserialize_to_instance

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("call_deadline", default=None)


@deserialize_to_instance
class DeadlinePassed(Exception):
    """The caller has given up on this call: nothing of it is stored."""


@contextmanager
def until(deadline: float | None):
    """Run the body under a call's deadline (a Unix time), or none."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def passed(deadline: float | None) -> bool:
    return deadline is not None and time.time() > deadline


def check() -> None:
    """Raise DeadlinePassed when the call being run is past its deadline."""
    deadline = _DEADLINE.get()
    if passed(deadline):
        raise DeadlinePassed(f"past its deadline by {time.time() - deadline:.3f}s; nothing stored")
