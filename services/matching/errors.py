"""Matching's own error: an offer that lapsed or was taken, an open choice already.

Registered with nameko like shared.errors, so an RPC caller gets the class back.
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class Conflict(Exception):
    """What the caller wanted is no longer possible; `next_offers` says what is, when known."""

    def __init__(self, message: str, next_offers: list | None = None):
        self.message = message
        self.next_offers = next_offers or []
        super().__init__(message, self.next_offers)

    def __str__(self) -> str:
        return self.message
