"""Who is an eligible peer supervisor: directory's rule, the only one in peernet.

Directory owns it because it holds the facts it rests on: the start of someone's
years in peer roles and their credentials. When it records a start it decides
the day the state's years are met (`PEERNET_SUPERVISOR_MIN_PEER_YEARS`, read
only here), keeps it in the event and publishes it (`peer_years_met_on`,
version 2 of PeerWorkerRecorded and PeerRoleSinceSet); supervision compares
that day with its own and never reads the setting. When the state changes the
setting, directory's hourly timer (and its start) decides everyone's day again.
"""
from __future__ import annotations

from datetime import date, timedelta
from math import ceil

from shared import config


def min_peer_years() -> int:
    return int(config.env("PEERNET_SUPERVISOR_MIN_PEER_YEARS", "2"))


def peer_years_met_on(peer_role_since: str | None, years: int | None = None) -> str | None:
    """The first day with the state's years in peer roles (a year of 365.25 days), or None."""
    if peer_role_since is None:
        return None
    days = ceil(365.25 * (min_peer_years() if years is None else years))
    return (date.fromisoformat(peer_role_since) + timedelta(days=days)).isoformat()


def is_eligible_supervisor(worker, as_of: str) -> bool:
    """A current peer-supervisor credential and the state's years in peer roles."""
    # A start recorded before the day was kept with it is decided now, by the same rule.
    met_on = worker.peer_years_met_on or peer_years_met_on(worker.peer_role_since)
    return met_on is not None and as_of >= met_on and worker.holds("peer_supervisor", as_of)
