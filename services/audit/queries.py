"""Audit's queries: the history and its export, the checks, the checkpoints and the figures.

Each handler gets the query already admitted by audit's access table
(shared/contracts/commands/audit.py: state auditors, and the services' own
calls) and, by keyword, what it needs: `store` (the AuditApplication: the
ledger, its checks and its verification jobs) and `projection` (what the
figures count beyond the ledger).
"""
from __future__ import annotations

from services.audit import export as exported
from services.audit import figures as shown
from services.audit.application import AuditApplication
from services.audit.projections import EXPIRING, FiguresProjection
from shared.clock import Clock
from shared.identity import Caller


def _next(entries: list[dict], limit: int) -> int | None:
    return entries[-1]["seq"] if len(entries) == limit else None


def history(query: dict, caller: Caller, *, store: AuditApplication) -> dict:
    entries = store.entries(query)
    return {"entries": entries, "next_cursor": _next(entries, query["limit"])}


def export(query: dict, caller: Caller, *, store: AuditApplication) -> dict:
    entries = store.entries(query)
    return {"format": query["format"], "count": len(entries),
            "data": exported.render(entries, query["format"], header=query["cursor"] == 0),
            "next_cursor": _next(entries, query["limit"])}


def verify(query: dict, caller: Caller, *, store: AuditApplication) -> dict:
    """The whole verification, waited for (the CLI's and the tools'; the gateway starts a job)."""
    return store.verify(sources=query["sources"], checkpoints=query.get("checkpoints"))


def verification(query: dict, caller: Caller, *, store: AuditApplication) -> dict:
    return store.jobs.view(str(query["verification_id"]))


def checkpoints(query: dict, caller: Caller, *, store: AuditApplication) -> dict:
    """A page of the signed checkpoints and the public key, for the state to keep elsewhere. The first page
    signs the head now, so a walk begun then ends at the chain's head as it was."""
    if query["after"] is None:
        store.checkpoint()
    found = store.ledger.checkpoints(query["after"] or 0, query["limit"] + 1)  # one more: is there a next page
    items = found[:query["limit"]]
    return {"public_key": store.signer.public_key, "items": items,
            "next_after": items[-1]["seq"] if len(found) > len(items) else None}


EXPIRING_COLUMNS = ("expired", *(name for name, _ in EXPIRING))


def figures(query: dict, caller: Caller, *, store: AuditApplication, projection: FiguresProjection,
            clock: Clock) -> dict:
    ledger = store.ledger
    by_month = {(month, source): n for month, source, n in ledger.count_by("substr(occurred_at, 1, 7)", "source")}
    profiled = {(organization or "none", "peer workers"): n for organization, n in
                ledger.count_by("organization_id", where={"type": "PeerWorkerProfiled"})}
    hours = projection.subcontract_hours(ledger)
    return {"suppressed_as": shown.SUPPRESSED,
            # Started and ended apart, months by regions: one table of both would show exact monthly
            # totals beside suppressed regions. No by-month table either, for the same reason.
            "connections_started_by_month_and_region": shown.table(
                projection.connections_by_month_and_region(ledger, "began")),
            "connections_ended_by_month_and_region": shown.table(
                projection.connections_by_month_and_region(ledger, "ended")),
            "days_from_request_to_connection_by_month": shown.waits(projection.days_to_connection(ledger)),
            "peer_workers_short_of_supervision_by_organization_and_month": shown.table(
                projection.short_of_supervision(ledger)),
            "peer_workers_with_credentials_expiring_by_organization": shown.table(
                projection.credentials_expiring(ledger, clock().date()), EXPIRING_COLUMNS),
            "events_by_month_and_service": shown.table(by_month),
            "peer_workers_profiled_by_organization": shown.table(profiled),
            "networking_pool_by_region": shown.table(projection.pool_by_region(ledger)),
            "subcontract_hours_by_month_and_provider": [
                {**row, "agreements": shown.cell(row["agreements"])} for row in hours]}
