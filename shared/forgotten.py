"""The list of forgotten subjects: every id whose key the vault destroyed, kept apart from the stores.

A backup holds the vault as it was: restoring it would give back the keys of everyone forgotten
since. So each forgetting is also appended here (one line, `<id>\t<UTC time>`, written and synced
before the key goes) and `python -m shared.backup restore` destroys those keys again after every
restore. It holds pseudonymous ids only. Keep it apart from the stores and the backups
(`PEERNET_FORGOTTEN_LIST`, default `var/forgotten-ids.list`): a file on a volume of its own,
replicated, or a `postgresql://` address of a database that is not the stores' (a table
`forgotten_ids` there), which every instance of a service reaches.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from shared import config


def forgotten_list() -> "ForgottenList | PostgresForgottenList":
    configured = os.environ.get("PEERNET_FORGOTTEN_LIST", "").strip()
    if configured.startswith(("postgresql://", "postgres://")):
        return PostgresForgottenList(configured)
    return ForgottenList(Path(configured).resolve() if configured else config.var_dir() / "forgotten-ids.list")


class ForgottenList:
    def __init__(self, path: Path):
        self.path = path
        self.where = str(path)

    def exists(self) -> bool:
        return self.path.exists()

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


class PostgresForgottenList:
    """The same list as a table, appended to by every instance of every service that forgets."""

    def __init__(self, url: str):
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        self.url = url
        self.where = make_conninfo(**{k: v for k, v in conninfo_to_dict(url).items() if k != "password"})
        self._made = False

    def _connect(self):
        import psycopg

        db = psycopg.connect(self.url, autocommit=True)
        if not self._made:
            try:
                db.execute("CREATE TABLE IF NOT EXISTS forgotten_ids "
                           "(subject_id TEXT NOT NULL, forgotten_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
                pass  # made by another process at the same moment
            self._made = True
        return db

    def exists(self) -> bool:
        return True  # reachable, or _connect has raised

    def add(self, subject_id: str) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO forgotten_ids (subject_id) VALUES (%s)", (subject_id,))

    def ids(self) -> list[str]:
        with self._connect() as db:
            return [row[0] for row in db.execute(
                "SELECT subject_id FROM forgotten_ids GROUP BY subject_id ORDER BY min(forgotten_at), subject_id")]
