"""Synthetic people and payloads for intake's tests (no real person anywhere)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from shared.identity import Caller

ALL_FOR_MATCHING = ["region", "languages", "modalities", "agencies", "experiences"]


def a_person() -> Caller:
    """A person as a caller: their user id is their own person id."""
    return Caller(user_id=str(uuid.uuid4()), role="person")


def admin_of(organization_id: str = "org-harbor") -> Caller:
    return Caller(user_id=f"admin-of-{organization_id}", role="agency_admin", organization_id=organization_id)


def later(days: float = 90) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def consent(matching=None, expires_at=None, **audiences) -> dict:
    may_see = {"matching": list(ALL_FOR_MATCHING if matching is None else matching), **audiences}
    return {"purpose": "peer_support", "may_see": may_see, "expires_at": expires_at}


def enrollment(person: Caller, **overrides) -> dict:
    payload = {
        "person_id": person.user_id,
        "display_name": "Jordan Sample",
        "contact": "jordan.sample@example.org",
        "region": "Hampden County",
        "languages": ["en", "es"],
        "modalities": ["phone", "video"],
        "agencies": ["org-harbor"],
        "consent": consent(),
    }
    payload.update(overrides)
    return payload


def item(person: Caller, experience: str, visibility: str | None = None) -> dict:
    payload = {"person_id": person.user_id, "experience": experience}
    if visibility is not None:
        payload["visibility"] = visibility
    return payload


class MovableClock:
    """A clock a test moves on (`clock.move(days=2)`): give it to intake's setup."""

    def __init__(self):
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def move(self, **delta) -> None:
        self.offset += timedelta(**delta)
