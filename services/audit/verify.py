"""Tamper evidence: the ledger's chain and signed checkpoints, and each source's stored events.

Every check stops at the first problem and says where it is: a broken link
(an entry missing or out of order), an altered entry (its hash no longer
covers its contents), a rewritten stretch (the chain no longer reaches a
signed checkpoint), an altered event at a source (its digest differs, it
no longer fits its contract, or the source can no longer read it: the store
is encrypted with AES-GCM, so a changed byte makes decryption fail), or a
changed digest among those kept of a source's stored events (their seal).
"""
from __future__ import annotations

import hashlib
import math
from typing import Callable

from marshmallow import ValidationError

from services.audit.chain import GENESIS, digest, link
from services.audit.ledger import SKIPPED, Ledger
from services.audit.signing import Signer, key_id, signature_valid
from shared import contracts


class SourceRefused(Exception):
    """The source answered with an error for this range (as opposed to not answering)."""


# (source, after, limit) -> the source's integration events as plain messages
FetchRange = Callable[[str, int, int], list]
# (source, after, limit) -> [(position, digest of the stored event)] (the stored_digests RPC)
FetchDigests = Callable[[str, int, int], list]
PROGRESS_EVERY = 20_000  # chain entries between progress reports
DIGEST_PAGE = 20_000  # entries compared per round trip to a source
MAX_DIGESTS = 50_000  # the stored_digests RPC's limit
FULL_PAGE = 1000  # events read in full per round trip (the integration_events RPC's limit)


def problem(kind: str, detail: str, **where) -> dict:
    return {"kind": kind, "detail": detail, **where}


def verify_chain(ledger: Ledger, public_key: str, checkpoints: list[dict] | None = None,
                 progress: Callable[[int], None] = lambda checked: None) -> dict:
    """Walk the whole ledger once beside its signed checkpoints, both in seq order; the checkpoints default to
    the ledger's own, read a page at a time (pass a copy kept elsewhere)."""
    if checkpoints is None:
        signed, count = ledger.every_checkpoint(), ledger.checkpoint_count()
    else:
        kept = {int(c["seq"]): c for c in checkpoints}
        signed, count = (kept[seq] for seq in sorted(kept)), len(kept)
    expected_key = key_id(public_key)
    previous, expected_seq = GENESIS, 1
    upcoming = next(signed, None)
    for seq, source, position, text, stored_hash in ledger.linked():
        if seq != expected_seq:
            return _chain(False, expected_seq - 1, count, problem(
                "broken_link", f"entry {expected_seq} is missing: the ledger goes from {expected_seq - 1} to {seq}",
                seq=expected_seq))
        computed = link(previous, text)
        if computed != stored_hash:
            return _chain(False, seq - 1, count, problem(
                "altered_entry", f"entry {seq} ({source} position {position}) does not match its hash", seq=seq))
        while upcoming is not None and int(upcoming["seq"]) < seq:  # a kept seq below 1 names no entry
            upcoming = next(signed, None)
        if upcoming is not None and int(upcoming["seq"]) == seq:
            failure = _checkpoint_failure(upcoming, computed, expected_key, public_key)
            if failure:
                return _chain(False, seq - 1, count, problem("bad_checkpoint", failure, seq=seq))
            upcoming = next(signed, None)
        previous, expected_seq = computed, seq + 1
        if seq % PROGRESS_EVERY == 0:
            progress(seq)
    last = expected_seq - 1
    while upcoming is not None and int(upcoming["seq"]) <= last:
        upcoming = next(signed, None)
    if upcoming is not None:
        return _chain(False, last, count, problem(
            "broken_link", f"a signed checkpoint names entry {int(upcoming['seq'])}, but the ledger ends at {last}",
            seq=last + 1))
    return _chain(True, last, count, None, head=previous)


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


def verify_source(ledger: Ledger, source: str, fetch_range: FetchRange, fetch_digests: FetchDigests,
                  signer: Signer, progress: Callable[[int], None] = lambda checked: None,
                  page: int = DIGEST_PAGE) -> dict:
    """Compare the source's events with the digests the ledger keeps.

    An event is read and decoded in full (its published form, digest recomputed) the first time,
    and again whenever the source's stored digest of it differs from the one kept then. The kept
    digests are sealed per source with our key, so one changed or removed is found too.
    """
    kind = f"seal:{source}"
    seal = ledger.seal(source)
    if seal and not signature_valid(signer.public_key, seal["position"], seal["hash"], seal["signature"], kind):
        return _source(source, False, 0, problem(
            "bad_source_digest", f"the digests kept of {source}'s events carry an invalid seal", source=source))
    upto = seal["position"] if seal else 0
    sealed, after, checked = hashlib.sha256(), 0, 0
    while entries := ledger.of_source_kept(source, after, page, upto):
        try:
            stored = dict(map(tuple, fetch_digests(source, after, min(entries[-1][0] - after, MAX_DIGESTS))))
        except Exception as error:  # the source did not answer (or refused the range): nothing can be said
            return _source(source, False, checked, problem("unreachable", f"{source} did not answer: {error}"))
        suspects, fresh, broken_seal = [], [], None
        for position, type_, digest_, kept in entries:
            if kept is not None:
                sealed.update(f"{position}:{kept}\n".encode())
            if position == upto and sealed.hexdigest() != seal["hash"]:
                broken_seal = problem("bad_source_digest", f"the digests kept of {source}'s events up to position "
                                      f"{upto} were changed: they no longer match their seal",
                                      source=source, position=upto)
                break
            now = stored.get(position)
            if kept is None or now != kept:
                suspects.append((position, type_, digest_))
            if position > upto and now is not None:
                fresh.append((position, now))
        found = _check_fully(source, suspects, fetch_range) or broken_seal
        if found:
            where = found.get("position", math.inf)
            return _source(source, False, checked + sum(1 for entry in entries if entry[0] < where), found)
        if fresh:
            for position, now in fresh:
                sealed.update(f"{position}:{now}\n".encode())
            upto = fresh[-1][0]
            ledger.keep(source, fresh, {"position": upto, "hash": sealed.hexdigest(),
                                        "signature": signer.sign(upto, sealed.hexdigest(), kind)})
        checked += len(entries)
        after = entries[-1][0]
        progress(checked)
    if upto > after:
        return _source(source, False, checked, problem(
            "bad_source_digest", f"the digests kept of {source}'s events are sealed up to position {upto}, "
            f"but the ledger's entries of {source} end at {after}", source=source, position=after + 1))
    return _source(source, True, checked, None)


def _check_fully(source: str, suspects: list[tuple], fetch_range: FetchRange) -> dict | None:
    """Read these entries' events from the source in runs of positions; the first problem, or None."""
    start = 0
    while start < len(suspects):
        first, end = suspects[start][0], start + 1
        while end < len(suspects) and end - start < FULL_PAGE and suspects[end][0] == first + end - start:
            end += 1
        run = suspects[start:end]
        try:
            try:
                messages = {m.get("position"): m for m in fetch_range(source, first - 1, len(run))}
            except SourceRefused:  # some event of this run cannot be read: find which one
                messages = None
            for position, type_, kept in run:
                found = (_compare_one(source, position, type_, kept, fetch_range) if messages is None
                         else _compare(source, position, type_, kept, messages.get(position)))
                if found:
                    return found
        except Exception as error:  # the source did not answer at all: nothing can be said
            return problem("unreachable", f"{source} did not answer: {error}")
        start = end
    return None


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
