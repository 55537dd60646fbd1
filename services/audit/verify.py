"""Tamper evidence: the ledger's chain and signed checkpoints, and each source's stored events.

Every check stops at the first problem and says where it is: a broken link
(an entry missing or out of order), an altered entry (its hash no longer
covers its contents), a rewritten stretch (the chain no longer reaches a
signed checkpoint), or an altered event at a source (its digest differs, it
no longer fits its contract, or the source can no longer read it: the store
is encrypted with AES-GCM, so a changed byte makes decryption fail).
"""
from __future__ import annotations

import math
from typing import Callable

from marshmallow import ValidationError

from services.audit.chain import GENESIS, digest, entry_hash
from services.audit.ledger import SKIPPED, Ledger
from services.audit.signing import key_id, signature_valid
from shared import contracts


class SourceRefused(Exception):
    """The source answered with an error for this range (as opposed to not answering)."""


# (source, after, limit) -> the source's integration events as plain messages
FetchRange = Callable[[str, int, int], list]


def problem(kind: str, detail: str, **where) -> dict:
    return {"kind": kind, "detail": detail, **where}


def verify_chain(ledger: Ledger, public_key: str, checkpoints: list[dict] | None = None) -> dict:
    """Walk the whole ledger once; checkpoints default to the ledger's own (pass a copy kept elsewhere)."""
    checkpoints = ledger.checkpoints() if checkpoints is None else checkpoints
    signed = {int(c["seq"]): c for c in checkpoints}
    expected_key = key_id(public_key)
    previous, expected_seq = GENESIS, 1
    for row in ledger.rows():
        seq, stored_hash = row[0], row[-1]
        if seq != expected_seq:
            return _chain(False, expected_seq - 1, len(signed), problem(
                "broken_link", f"entry {expected_seq} is missing: the ledger goes from {expected_seq - 1} to {seq}",
                seq=expected_seq))
        computed = entry_hash(previous, row[:-1])
        if computed != stored_hash:
            return _chain(False, seq - 1, len(signed), problem(
                "altered_entry", f"entry {seq} ({row[1]} position {row[2]}) does not match its hash", seq=seq))
        checkpoint = signed.get(seq)
        if checkpoint is not None:
            failure = _checkpoint_failure(checkpoint, computed, expected_key, public_key)
            if failure:
                return _chain(False, seq - 1, len(signed), problem("bad_checkpoint", failure, seq=seq))
        previous, expected_seq = computed, seq + 1
    last = expected_seq - 1
    beyond = [seq for seq in signed if seq > last]
    if beyond:
        return _chain(False, last, len(signed), problem(
            "broken_link", f"a signed checkpoint names entry {min(beyond)}, but the ledger ends at {last}",
            seq=last + 1))
    return _chain(True, last, len(signed), None, head=previous)


def _checkpoint_failure(checkpoint: dict, computed: str, expected_key: str, public_key: str) -> str | None:
    seq = checkpoint["seq"]
    if checkpoint["key_id"] != expected_key:
        return f"the checkpoint at entry {seq} was signed with another key ({checkpoint['key_id']})"
    if not signature_valid(public_key, int(seq), checkpoint["hash"], checkpoint["signature"]):
        return f"the checkpoint at entry {seq} has an invalid signature"
    if checkpoint["hash"] != computed:
        return f"the chain up to entry {seq} was rewritten: it no longer reaches the signed checkpoint"
    return None


def _chain(ok: bool, verified: int, checkpoints: int, found: dict | None, head: str | None = None) -> dict:
    return {"ok": ok, "entries_verified": verified, "checkpoints": checkpoints, "problem": found, "head": head}


def verify_source(ledger: Ledger, source: str, fetch_range: FetchRange, page: int = 500) -> dict:
    """Ask the source for its events again and compare each with the digest the ledger keeps."""
    after, checked = 0, 0
    while True:
        entries = ledger.of_source(source, after, page)
        if not entries:
            return _source(source, True, checked, None)
        try:
            messages = fetch_range(source, after, page)
        except SourceRefused:
            messages = None  # some event of this page cannot be read: find which one
        except Exception as error:  # the source did not answer at all: nothing can be said
            return _source(source, False, checked, problem("unreachable", f"{source} did not answer: {error}"))
        if messages is None:
            for position, type_, kept in entries:
                found = _compare_one(source, position, type_, kept, fetch_range)
                if found:
                    return _source(source, False, checked, found)
                checked += 1
            after = entries[-1][0]
            continue
        by_position = {message.get("position"): message for message in messages}
        last = messages[-1].get("position", math.inf) if len(messages) == page else math.inf
        for position, type_, kept in entries:
            if position > last:
                break
            found = _compare(source, position, type_, kept, by_position.get(position))
            if found:
                return _source(source, False, checked, found)
            checked += 1
            after = position
        else:
            continue
        after = max(after, last)


def _compare_one(source, position, type_, kept, fetch_range) -> dict | None:
    try:
        [message, *_] = fetch_range(source, position - 1, 1) or [None]
    except SourceRefused as refused:
        return problem("altered_event", f"{source} can no longer read its event at position {position} "
                       f"({type_}): the stored event was altered or damaged ({refused})",
                       source=source, position=position)
    return _compare(source, position, type_, kept, message)


def _compare(source, position, type_, kept, message) -> dict | None:
    if type_ == SKIPPED:
        return None  # dead-lettered when it was entered: there is no digest to compare
    if message is None or message.get("position") != position:
        return problem("missing_event", f"{source} no longer has its event at position {position} ({type_})",
                       source=source, position=position)
    try:
        event = contracts.parse(message)
    except ValidationError as error:
        return problem("altered_event", f"{source}'s event at position {position} no longer fits its "
                       f"contract: {error.normalized_messages()}", source=source, position=position)
    if digest(event) != kept:
        return problem("altered_event", f"{source}'s event at position {position} ({type_}) differs "
                       "from the digest the ledger took when it was published", source=source, position=position)
    return None


def _source(source: str, ok: bool, checked: int, found: dict | None) -> dict:
    return {"source": source, "ok": ok, "events_checked": checked, "problem": found}
