"""Helpers the directory's command modules share: scope, dates, refusals."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone

from services.directory.domain import RuleBroken
from shared.errors import InvalidInput, NotAllowed
from shared.identity import Caller
from shared.peer_role_chart import check_duties, load_chart, refusal_document


def today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(value) -> str:
    return f"{value:.2f}"


def check_scope(caller: Caller, *organization_ids) -> None:
    """An agency admin acts only for their own organization; other roles are checked at the entrypoint."""
    if caller.role == "agency_admin" and caller.organization_id not in {str(o) for o in organization_ids}:
        raise NotAllowed("an agency admin may act only for their own organization")


def is_self(caller: Caller, peer_worker_id) -> bool:
    return caller.role == "peer" and caller.user_id == str(peer_worker_id)


def refuse_chart_duties(field: str, duties: list[str]) -> None:
    """Refuse duties the handbook's chart says are not a peer role, with its reasons and alternative.

    Each field message is in English; `extra["refused_duties"]` gives the same refusals as data,
    every chart text in English and Spanish, for pages in either language.
    """
    chart = load_chart()
    errors: dict[int, list[str]] = {}
    refused = []
    for index, text in enumerate(duties):
        for duty in check_duties([text]):
            reasons = ", ".join(chart.reason_names[reason] for reason in duty.reasons)
            message = f"{text!r} is not part of a peer role ({duty.duty}; {reasons}). {duty.why}"
            if duty.alternative:
                message += f" Consistent with a peer role: {duty.alternative}"
            errors.setdefault(index, []).append(message)
            refused.append(refusal_document(field, index, duty))
    if errors:
        raise InvalidInput({field: errors}, extra={"refused_duties": refused})


@contextmanager
def rules():
    """A domain rule that refuses becomes a field error; nothing is saved."""
    try:
        yield
    except RuleBroken as broken:
        raise InvalidInput({broken.field: [str(broken)]}) from None
