"""Intake's settings: every variable it reads, read once at setup (shared.settings)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    expiry_interval: float = setting("PEERNET_EXPIRY_INTERVAL", 60.0,
                                     "seconds between checks for consents, support requests and invitations due "
                                     "to expire")
