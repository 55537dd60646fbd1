"""Directory's settings: every variable it reads, read once at setup (shared.settings)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    certify_within_days: int = setting("PEERNET_CERTIFY_WITHIN_DAYS", 182,
                                       "days a new hire without a current CPS has to certify")
    expired_blocks_offers: bool = setting("PEERNET_EXPIRED_CREDENTIAL_BLOCKS_OFFERS", False,
                                          "whether an expired credential keeps a peer worker from offers (yes/no)")
    min_peer_years: int = setting("PEERNET_SUPERVISOR_MIN_PEER_YEARS", 2,
                                  "years in peer roles an eligible peer supervisor needs (eligibility.py)")
    expiry_interval: float = setting("PEERNET_CREDENTIAL_EXPIRY_INTERVAL", 3600.0,
                                     "seconds between expiring credentials past their date and deciding "
                                     "everyone's day of peer years again")
