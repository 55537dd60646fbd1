"""Errors a caller can act on, each naming the fields at fault.

Registered with nameko so that an RPC client gets the same class back, with
the field errors intact, instead of a generic RemoteError.
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class InvalidInput(Exception):
    """Bad input: nothing was stored. `field_errors` maps each field to its messages.

    `extra` carries the same refusal as data where a service has more to say than a message
    (directory's `refused_duties`: the peer-role chart's texts in English and Spanish); the
    gateway answers 422 with it as extension members of the problem document.
    """

    def __init__(self, field_errors: dict, message: str | None = None, extra: dict | None = None):
        self.field_errors = field_errors
        self.message = message or self.describe(field_errors)
        self.extra = extra or {}
        # All in args: nameko rebuilds the exception from them on the caller's side.
        super().__init__(field_errors, self.message, *([self.extra] if self.extra else []))

    def __str__(self) -> str:
        return self.message

    @staticmethod
    def describe(field_errors: dict) -> str:
        parts = []
        for name, messages in sorted(field_errors.items()):
            if isinstance(messages, dict):
                messages = [f"{key}: {value}" for key, value in messages.items()]
            elif isinstance(messages, str):
                messages = [messages]
            parts.append(f"{name}: {' '.join(str(m) for m in messages)}")
        return "invalid input: " + "; ".join(parts)


@deserialize_to_instance
class Conflict(Exception):
    """What the caller wanted no longer fits what is recorded (a stale edit, a place taken).

    `extra` carries what the caller can do instead (matching's `next_offers`); the
    gateway answers 409 with it as extension members of the problem document.
    """

    def __init__(self, message: str, extra: dict | None = None):
        self.message = message
        self.extra = extra or {}
        super().__init__(message, self.extra)

    def __str__(self) -> str:
        return self.message


@deserialize_to_instance
class NotFound(Exception):
    """The thing asked for does not exist, or the caller may not know it does."""


@deserialize_to_instance
class NotAllowed(Exception):
    """The caller's role or organization may not do this."""
