"""The list of forgotten subjects: every id whose key the vault destroyed, kept apart from the stores.

A backup holds the vault as it was: restoring it would give back the keys of everyone forgotten
since. So each forgetting is also appended here (one line, `<id>\t<UTC time>`, written and synced
before the key goes) and `python -m shared.backup restore` destroys those keys again after every
restore. It holds pseudonymous ids only. Keep it apart from the stores and the backups
(`PEERNET_FORGOTTEN_LIST`, default `var/forgotten-ids.list`): on a volume of its own, replicated.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from shared import config


def list_path() -> Path:
    configured = os.environ.get("PEERNET_FORGOTTEN_LIST", "").strip()
    return Path(configured).resolve() if configured else config.var_dir() / "forgotten-ids.list"


class ForgottenList:
    def __init__(self, path: Path | None = None):
        self.path = path or list_path()

    def add(self, subject_id: str) -> None:
        if "\n" in subject_id or "\t" in subject_id:
            raise ValueError("a subject id holds no tab or newline")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{subject_id}\t{datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}\n".encode()
        # O_APPEND: one write of one short line lands whole, whichever process appends at once.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def ids(self) -> list[str]:
        """Every id once, in the order first forgotten; [] when there is no list yet."""
        if not self.path.exists():
            return []
        seen: dict[str, None] = {}
        for line in self.path.read_text().splitlines():
            subject_id = line.split("\t", 1)[0]
            if subject_id:
                seen.setdefault(subject_id)
        return list(seen)
