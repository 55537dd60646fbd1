"""The state's supervision settings, from the environment, with documented defaults.

| variable                                   | default | meaning |
| ------------------------------------------ | ------- | ------- |
| PEERNET_SUPERVISOR_TRAINING_WITHIN_DAYS    | 182     | a new supervisor's deadline for a peer-supervisor credential or training |
| PEERNET_SUPERVISION_CAPACITY               | 7       | full-time supervisees per supervisor |
| PEERNET_SUPERVISION_FULL_TIME_HOURS        | 40      | weekly hours that count as one full-time supervisee |
| PEERNET_ADMIN_SUPERVISOR_MASTERS_REQUIRED  | no      | yes: administrative supervision needs a master's-level professional |
| PEERNET_SUPERVISION_PROVISIONAL_EVERY_DAYS | 7       | a professional-development session at least this often while not certified |
| PEERNET_SUPERVISION_CERTIFIED_EVERY_DAYS   | 30      | the same once certified |
| PEERNET_SUPERVISION_FIRST_PERIOD_DAYS      | 182     | the first period of employment ... |
| PEERNET_SUPERVISION_FIRST_PERIOD_HOURS     | 12      | ... and the supervised hours due within it |
"""
from __future__ import annotations

from dataclasses import dataclass

from shared import config


@dataclass(frozen=True)
class Settings:
    training_within_days: int = 182
    capacity: float = 7.0
    full_time_hours: float = 40.0
    admin_requires_masters: bool = False
    provisional_every_days: int = 7
    certified_every_days: int = 30
    first_period_days: int = 182
    first_period_hours: float = 12.0

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = env or {}

        def read(name: str, default: str) -> str:
            return str(env.get(name) or config.env(name, default))

        return cls(
            training_within_days=int(read("PEERNET_SUPERVISOR_TRAINING_WITHIN_DAYS", "182")),
            capacity=float(read("PEERNET_SUPERVISION_CAPACITY", "7")),
            full_time_hours=float(read("PEERNET_SUPERVISION_FULL_TIME_HOURS", "40")),
            admin_requires_masters=read("PEERNET_ADMIN_SUPERVISOR_MASTERS_REQUIRED", "no") == "yes",
            provisional_every_days=int(read("PEERNET_SUPERVISION_PROVISIONAL_EVERY_DAYS", "7")),
            certified_every_days=int(read("PEERNET_SUPERVISION_CERTIFIED_EVERY_DAYS", "30")),
            first_period_days=int(read("PEERNET_SUPERVISION_FIRST_PERIOD_DAYS", "182")),
            first_period_hours=float(read("PEERNET_SUPERVISION_FIRST_PERIOD_HOURS", "12")),
        )
