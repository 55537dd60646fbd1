"""Settings, read one way: each service's `settings.py` declares a frozen dataclass
of `setting(...)` fields, and `Settings.from_env(env)` reads them once, when the
service is set up. A value given in `env` (tests, tools) wins over the process
environment, which wins over the default. Each field names its variable and
meaning, so a service's README table is written from the same place.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any

YES = ("yes", "true", "1")
NO = ("no", "false", "0")
KINDS = {int: "a whole number", float: "a number"}


def setting(variable: str, default: Any, meaning: str):
    return dataclasses.field(default=default, metadata={"variable": variable, "meaning": meaning})


def _cast(kind: type, variable: str, raw: str):
    if kind is bool:
        if raw.lower() not in YES + NO:
            raise ValueError(f"{variable} must be yes or no, not {raw!r}")
        return raw.lower() in YES
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{variable} must be {KINDS.get(kind, kind.__name__)}, not {raw!r}") from None


class ServiceSettings:
    """Base of each service's frozen settings dataclass."""

    @classmethod
    def from_env(cls, env: dict | None = None):
        env = env or {}
        values = {}
        for field in dataclasses.fields(cls):
            variable = field.metadata["variable"]
            raw = str(env.get(variable) or os.environ.get(variable, "")).strip()
            if raw:
                values[field.name] = _cast(type(field.default), variable, raw)
        return cls(**values)

    @classmethod
    def table(cls) -> list[tuple[str, Any, str]]:
        """(variable, default, meaning) of every setting, for the service's README."""
        return [(f.metadata["variable"], f.default, f.metadata["meaning"]) for f in dataclasses.fields(cls)]
