"""Digests and the hash chain: pure functions, no I/O.

An event's digest is sha256 over its canonical JSON, as received; the ledger
keeps only the digest, never the body. Each ledger entry's hash covers the
previous entry's hash and every stored column of the entry, so changing,
removing or reordering any entry breaks every hash after it.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from shared import contracts
from shared.contracts import IntegrationEvent

GENESIS = "0" * 64
# The stored columns an entry's hash covers, in this order.
HASHED = ("seq", "source", "position", "type", "version", "occurred_at", "recorded_at", "user_id",
          "role", "actor_organization_id", "organization_id", "correlation_id", "subject_id", "digest")


def canonical(event: IntegrationEvent) -> bytes:
    """The event as its source published it: the body dumped by its own contract."""
    message = event.as_message()
    message["body"] = contracts.body_schema(event.source, event.type, event.version).dump(event.body)
    return json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def digest(event: IntegrationEvent) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def entry_hash(previous: str, entry) -> str:
    """entry: a mapping or a row holding HASHED in order."""
    values = [entry[name] for name in HASHED] if isinstance(entry, dict) else entry
    return link(previous, "\x1f".join("" if value is None else str(value) for value in values))


def link(previous: str, text: str) -> str:
    """The hash of an entry whose columns, as text, are joined by \x1f (the ledger can join them itself)."""
    return hashlib.sha256(f"{previous}\x1e{text}".encode()).hexdigest()


def utc(timestamp: str) -> str:
    """One fixed form for times, so that text order is time order."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_from(event: IntegrationEvent, recorded_at: str) -> dict:
    """A ledger entry (without seq): who did what to which pseudonymous subject, and a digest."""
    actor = event.actor
    organization = event.body.get("organization_id") if isinstance(event.body, dict) else None
    return {
        "source": event.source, "position": event.position, "type": event.type,
        "version": event.version, "occurred_at": utc(event.occurred_at), "recorded_at": recorded_at,
        "user_id": actor.get("user_id"), "role": actor.get("role"),
        "actor_organization_id": actor.get("organization_id"),
        # The organization the event concerns: the body's when it names one, else the actor's.
        "organization_id": str(organization) if organization else actor.get("organization_id"),
        "correlation_id": actor.get("correlation_id"),
        "subject_id": event.subject_id, "digest": digest(event),
    }
