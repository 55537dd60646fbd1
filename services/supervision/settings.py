"""Supervision's settings: every variable it reads, read once at setup (shared.settings).

Whether a supervisor has worked in peer roles for long enough is directory's decision
(directory/eligibility.py), published as `peer_years_met_on`: no setting of it is read here."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    training_within_days: int = setting(
        "PEERNET_SUPERVISOR_TRAINING_WITHIN_DAYS", 182,
        "a supervisor with no peer-supervisor credential or training has this long from the day they began "
        "supervising")
    capacity: float = setting("PEERNET_SUPERVISION_CAPACITY", 7.0,
                              "full-time supervisees per supervisor (open offers count)")
    full_time_hours: float = setting("PEERNET_SUPERVISION_FULL_TIME_HOURS", 40.0,
                                     "weekly hours of one full-time supervisee; part-timers count part")
    admin_requires_masters: bool = setting(
        "PEERNET_ADMIN_SUPERVISOR_MASTERS_REQUIRED", False,
        "yes: administrative supervision only from a master's-level professional (Medicaid states)")
    provisional_every_days: int = setting(
        "PEERNET_SUPERVISION_PROVISIONAL_EVERY_DAYS", 7,
        "a professional-development session at least this often while the peer worker holds no current peer "
        "credential")
    certified_every_days: int = setting(
        "PEERNET_SUPERVISION_CERTIFIED_EVERY_DAYS", 30,
        "the same once they hold one (Certified Peer Specialist or Recovery Coach)")
    first_period_days: int = setting("PEERNET_SUPERVISION_FIRST_PERIOD_DAYS", 182,
                                     "the first period of a peer worker's employment...")
    first_period_hours: float = setting("PEERNET_SUPERVISION_FIRST_PERIOD_HOURS", 12.0,
                                        "...and the supervised hours (any kind) due within it")
    due_interval: float = setting("PEERNET_SUPERVISION_DUE_INTERVAL_SECONDS", 3600.0,
                                  "seconds between the timer's checks of what is due")
