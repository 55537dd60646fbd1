"""Audit's settings: every variable it reads, read once at setup (shared.settings)."""
from __future__ import annotations

from dataclasses import dataclass

from shared.settings import ServiceSettings, setting


@dataclass(frozen=True)
class Settings(ServiceSettings):
    signing_key: str = setting("PEERNET_AUDIT_SIGNING_KEY", "",
                               "the Ed25519 key checkpoints are signed with, base64 (none: a development key "
                               "kept in var/)")
    checkpoint_every: int = setting("PEERNET_AUDIT_CHECKPOINT_EVERY", 1000, "entries between signed checkpoints")
    checkpoint_seconds: float = setting("PEERNET_AUDIT_CHECKPOINT_SECONDS", 300.0,
                                        "seconds between signing the head, so a quiet ledger's last entries "
                                        "are covered too")
    break_glass_hours: float = setting("PEERNET_AUDIT_BREAK_GLASS_HOURS", 3.0,
                                       "hours an auditor's break-glass access stays open")
    job_heartbeat_seconds: float = setting("PEERNET_AUDIT_JOB_HEARTBEAT_SECONDS", 5.0,
                                           "seconds between a running verification's heartbeats")
    job_stale_seconds: float = setting("PEERNET_AUDIT_JOB_STALE_SECONDS", 30.0,
                                       "seconds without a heartbeat after which a running verification "
                                       "is shown as interrupted")
