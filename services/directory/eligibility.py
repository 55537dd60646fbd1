"""Who is an eligible peer supervisor: directory's rule, the only one in peernet.

Directory owns it because it holds the facts it rests on: the start of someone's
years in peer roles and their credentials. When it records a start it decides
the day the state's years are met (`PEERNET_SUPERVISOR_MIN_PEER_YEARS`, read
only by directory's Settings and given here as `years`), keeps it in the event
and publishes it (`peer_years_met_on`, version 2 of PeerWorkerRecorded and
PeerRoleSinceSet); supervision compares
that day with its own and never reads the setting. Settings are read once, at
setup: when the state changes the setting, the service's start (its timer runs
at once) decides everyone's day again.
"""
from __future__ import annotations

from datetime import date, timedelta
from math import ceil

from services.directory.settings import Settings


def peer_years_met_on(peer_role_since: str | None, years: int = Settings.min_peer_years) -> str | None:
    """The first day with the state's years in peer roles (a year of 365.25 days), or None.

    Directory passes its setting; the default (the setting's) is for tests and tools that name none."""
    if peer_role_since is None:
        return None
    days = ceil(365.25 * years)
    return (date.fromisoformat(peer_role_since) + timedelta(days=days)).isoformat()


def is_eligible_supervisor(worker, as_of: str, years: int) -> bool:
    """A current peer-supervisor credential and the state's years in peer roles."""
    # A start recorded before the day was kept with it is decided now, by the same rule.
    met_on = worker.peer_years_met_on or peer_years_met_on(worker.peer_role_since, years)
    return met_on is not None and as_of >= met_on and worker.holds("peer_supervisor", as_of)
