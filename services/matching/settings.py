"""Matching's settings: every variable it reads, read once at setup (shared.settings)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    offers: int = setting("PEERNET_OFFERS", 3, "offers made at once")
    answer_hours: float = setting("PEERNET_PEER_ANSWER_HOURS", 72.0, "hours a peer worker has to answer a choice")
    expiry_interval: float = setting("PEERNET_EXPIRY_INTERVAL", 60.0,
                                     "seconds between lapsing the choices nobody answered in time")
