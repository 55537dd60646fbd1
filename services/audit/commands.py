"""Audit's commands: starting a verification, and break-glass (a reason recorded, then a person's fields read).

Each handler gets the command already admitted by audit's access table
(shared/contracts/commands/audit.py: only a state auditor opens break-glass or
reads under it) and, by keyword, what it needs: `store` (the AuditApplication),
`vault`, `settings`, `clock`. Whose access is open is a rule that needs stored
state: PersonalDataAccess keeps it (services/audit/domain.py).
"""
from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from services.audit.application import AuditApplication
from services.audit.domain import PersonalDataAccess
from services.audit.settings import Settings
from shared.clock import Clock
from shared.crypto import is_sealed, split_token
from shared.errors import NotAllowed, NotFound
from shared.identity import Caller


def start_verification(command: dict, caller: Caller, *, store: AuditApplication) -> dict:
    """A verification job: answered at once, followed with the verification query."""
    return store.jobs.start(caller, command.get("checkpoints"))


def open_break_glass(command: dict, caller: Caller, *, store: AuditApplication, settings: Settings,
                     clock: Clock) -> dict:
    expires_at = (clock() + timedelta(hours=command.get("hours") or settings.break_glass_hours)).isoformat()
    opening = dict(auditor_id=caller.user_id, reason=command["reason"], reference=command["reference"],
                   expires_at=expires_at, actor=caller.as_actor())
    try:
        access: PersonalDataAccess = store.repository.get(command["person_id"])
        access.open(**opening)
    except AggregateNotFoundError:
        access = PersonalDataAccess(person_id=command["person_id"], **opening)
    store.save(access)
    return {"person_id": str(command["person_id"]), "expires_at": expires_at}


def sealed_fields(body, subject_id: str, path: str = ""):
    """(field path, token) of every sealed value in a body that belongs to `subject_id`."""
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(body, list) else ()
    for key, value in items:
        name = f"{path}.{key}" if path else str(key)
        if is_sealed(value) and split_token(value)[0] == subject_id:
            yield name, value
        elif isinstance(value, (dict, list)):
            yield from sealed_fields(value, subject_id, name)


def personal_fields(command: dict, caller: Caller, *, store: AuditApplication, vault, clock: Clock) -> dict:
    """The person's fields in clear, from every event about them, only under an open break-glass."""
    person_id: UUID = command["person_id"]
    # An id no event is about is unknown (whose ids exist is in the history an auditor reads anyway): one entry
    # says so; the rest are read only once break-glass allows.
    if next(store.entries_about(str(person_id)), None) is None:
        raise NotFound("no event in the ledger is about this person")
    try:
        access: PersonalDataAccess = store.repository.get(person_id)
    except AggregateNotFoundError:
        access = None
    reference = access and access.open_reference(caller.user_id, clock())
    if not reference:
        raise NotAllowed("personal fields are shown only after recording a reason (open_break_glass), "
                         "for a limited time")
    entries = list(store.entries_about(str(person_id)))
    wanted: dict[str, list[int]] = {}
    for entry in entries:
        wanted.setdefault(entry["source"], []).append(entry["position"])
    messages = {(source, message["position"]): message
                for source, found in store.fetch_at(wanted).items() for message in found}
    found, tokens = [], []
    for entry in entries:
        message = messages.get((entry["source"], entry["position"]))
        if message is None:
            continue
        for field, token in sealed_fields(message.get("body", {}), str(person_id)):
            found.append({"source": entry["source"], "position": entry["position"],
                          "type": entry["type"], "field": field})
            tokens.append(token)
    for shown, value in zip(found, vault.open_all(tokens)):
        shown["value"] = value
    access.read(caller.user_id, sorted({f["field"] for f in found}), reference, caller.as_actor())
    store.save(access)
    return {"person_id": str(person_id), "fields": found}
