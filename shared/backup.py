"""Backup and restore of every event store, the vault and the ledger: `python -m shared.backup`.

    python -m shared.backup backup [--to DIR]          # make backup [TO=DIR]
    python -m shared.backup restore --from DIR [--force] # make restore FROM=DIR [FORCE=1]
    python -m shared.backup check --from DIR             # the manifest and every checksum, nothing restored

**One moment for every store.** Each consumer's tracked position of an upstream lives in its own
store; if a downstream store were copied later than its upstream, it could hold a position the
restored upstream never reached, and the upstream's next events would be skipped there as already
applied. So the copies are taken at one moment: every SQLite store's write lock is held at once
(writers wait a few milliseconds), PostgreSQL's snapshot is exported then (`pg_export_snapshot`, so
`pg_dump` of each schema sees the same one), a read transaction is opened on every SQLite store,
and the locks are let go; the copies are read from those transactions (SQLite's online backup API)
while the services go on writing. Every consumer's position is then at most its upstream's head,
which the manifest records and both backup and restore check.

**Encrypted.** Each file is sealed in 1 MiB chunks with AES-256-GCM (a random nonce per chunk,
the file's name, the chunk's number and whether it is the last bound in), under
`PEERNET_BACKUP_KEY` (32 bytes, urlsafe base64) or a development key generated into
`var/backup.key`. The manifest (`manifest.json`) names each file with the SHA-256 of its sealed and
its clear bytes, the positions of every service (log head, relay, each upstream) and of the ledger,
and fingerprints of the keys the stores need; it is authenticated with an HMAC under the same key.
Development keys in var/ (cipher, vault, audit signing, tokens) go into the backup too: without
them the stores cannot be read.

**Restore** refuses while the network runs (consumers on its queues), and a target that holds a
store (a file in var/, a schema with tables) unless --force, which replaces it. Then it destroys
again the key of every id in the forgotten list (shared.forgotten), so a person forgotten after the
backup stays forgotten, and purges the consumers' queues on the broker: messages of the lost
timeline would otherwise be applied at positions the restored logs give to other events. Relays
publish again what follows their restored position (consumers skip what they hold) and consumers
catch up from the logs at start.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tqdm import tqdm

from shared import config
from shared.forgotten import forgotten_list

FORMAT = 1
CHUNK = 1 << 20
MAGIC = b"peernet-backup-1\n"
RELAY = "outbox-relay"  # shared.relay.POSITION_NAME, without importing the relay's broker client
VAULT = "vault"
LEDGER = "ledger"
# Development keys the stores need to be read (cipher, vault, ledger signatures) and the ones that
# keep tokens and sessions valid; only those that exist in var/ (production sets them in the environment).
KEY_FILES = ("cipher.key", "vault.key", "audit_signing.key", "jwt.secret", "web.secret")
FINGERPRINTED = {"cipher": ("PEERNET_CIPHER_KEY", "cipher.key"), "vault": ("PEERNET_VAULT_KEY", "vault.key"),
                 "audit_signing": ("PEERNET_AUDIT_SIGNING_KEY", "audit_signing.key")}


class BackupError(Exception):
    pass


# -- the key and the sealed files ---------------------------------------------
def backup_key() -> bytes:
    text = os.environ.get("PEERNET_BACKUP_KEY", "").strip() or config.development_key(
        "backup.key", lambda: base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode())
    key = base64.urlsafe_b64decode(text)
    if len(key) != 32:
        raise BackupError("PEERNET_BACKUP_KEY must be 32 bytes, urlsafe base64")
    return key


def _aad(name: str, index: int, last: bool) -> bytes:
    return f"{name}\n{index}\n{int(last)}".encode()


def seal_file(source: Path, target: Path, name: str, key: bytes, progress=None) -> tuple[str, str, int]:
    """Seal `source` into `target`: (sha256 of the clear bytes, sha256 of the sealed file, clear size)."""
    aes, clear, sealed, size = AESGCM(key), hashlib.sha256(), hashlib.sha256(), 0
    with open(source, "rb") as reading, open(target, "wb") as writing:
        def put(data: bytes):
            sealed.update(data)
            writing.write(data)

        put(MAGIC)
        index, chunk = 0, reading.read(CHUNK)
        while True:
            following = reading.read(CHUNK) if chunk else b""
            last = not following
            nonce = os.urandom(12)
            box = aes.encrypt(nonce, chunk, _aad(name, index, last))
            put(len(box).to_bytes(4, "big") + nonce + box)
            clear.update(chunk)
            size += len(chunk)
            if progress:
                progress(len(chunk))
            if last:
                break
            index, chunk = index + 1, following
        writing.flush()
        os.fsync(writing.fileno())
    return clear.hexdigest(), sealed.hexdigest(), size


def open_file(source: Path, target: Path, name: str, key: bytes, progress=None) -> str:
    """Open a sealed file into `target`; the sha256 of the clear bytes. Refuses anything altered,
    reordered, cut short or sealed under another key or name."""
    aes, clear = AESGCM(key), hashlib.sha256()
    with open(source, "rb") as reading, open(target, "wb") as writing:
        if reading.read(len(MAGIC)) != MAGIC:
            raise BackupError(f"{name}: not a peernet backup file")
        index = 0
        while True:
            head = reading.read(16)
            if len(head) < 16:
                raise BackupError(f"{name}: cut short")
            box = reading.read(int.from_bytes(head[:4], "big"))
            last = reading.peek(1)[:1] == b""
            try:
                chunk = aes.decrypt(head[4:], box, _aad(name, index, last))
            except InvalidTag:
                raise BackupError(f"{name}: chunk {index} does not open (altered, or another key)") from None
            writing.write(chunk)
            clear.update(chunk)
            if progress:
                progress(len(chunk))
            if last:
                break
            index += 1
        writing.flush()
        os.fsync(writing.fileno())
    return clear.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as reading:
        for block in iter(lambda: reading.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_mac(manifest: dict, key: bytes) -> str:
    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True).encode()
    return hmac.new(hashlib.sha256(b"peernet-backup-manifest\n" + key).digest(), body, "sha256").hexdigest()


def key_fingerprints(var: Path) -> dict[str, str | None]:
    """Which keys the stores were written under, without revealing them (None: no key yet)."""
    found = {}
    for name, (variable, filename) in FINGERPRINTED.items():
        value = os.environ.get(variable, "").strip()
        if not value and (var / filename).exists():
            value = (var / filename).read_text().strip()
        found[name] = hashlib.sha256(f"peernet-key\n{value}".encode()).hexdigest()[:16] if value else None
    return found


# -- what there is to copy ------------------------------------------------------
@dataclass(frozen=True)
class Store:
    name: str     # intake, ..., audit, ledger, vault
    kind: str     # sqlite or postgres
    where: str    # the SQLite file's name in var/, or the PostgreSQL schema

    @property
    def file(self) -> str:
        return f"{self.name}.{'sqlite' if self.kind == 'sqlite' else 'pgdump'}"


def stores() -> list[Store]:
    """Every store of the network as the environment configures it. A PostgreSQL schema appears
    once though the audit schema holds both audit's events and its ledger."""
    found = [Store(service, kind, f"{service}.sqlite" if kind == "sqlite" else service)
             for service in config.SERVICES if (kind := config.store_kind(service)) != "memory"]
    if config.store_kind("audit") == "sqlite":
        found.append(Store(LEDGER, "sqlite", "audit_ledger.sqlite"))
    vault_kind = config.env("PEERNET_STORE", "sqlite")
    if vault_kind != "memory":
        found.append(Store(VAULT, vault_kind, "person_keys.sqlite" if vault_kind == "sqlite" else "vault"))
    return found


# -- positions, read inside each copy's own snapshot --------------------------
def _sqlite_positions(db: sqlite3.Connection, store: Store) -> dict:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if store.name == LEDGER:
        return {"head": db.execute("SELECT coalesce(max(seq), 0) FROM ledger_entries").fetchone()[0]
                if "ledger_entries" in tables else 0,
                "upstream": dict(db.execute("SELECT source, position FROM ledger_tracking").fetchall())
                if "ledger_tracking" in tables else {}}
    if store.name == VAULT:
        return {}
    log = db.execute("SELECT coalesce(max(rowid), 0) FROM stored_events").fetchone()[0] \
        if "stored_events" in tables else 0
    tracked = dict(db.execute("SELECT application_name, max(notification_id) FROM tracking "
                              "GROUP BY application_name").fetchall()) if "tracking" in tables else {}
    return _held(log, tracked)


def _held(log: int, tracked: dict) -> dict:
    # The tracking table also holds the relay's position and eventsourcing's own (__migration__).
    return {"log": log, "relay": tracked.get(RELAY, 0),
            "upstream": {name: position for name, position in tracked.items() if name in config.SERVICES}}


def _postgres_positions(db, store: Store) -> dict:
    def table(name: str) -> bool:
        return db.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{store.where}".{name}',)).fetchone()[0]

    if store.name == VAULT:
        return {}
    service = store.name
    log = db.execute(f'SELECT coalesce(max(notification_id), 0) FROM "{store.where}".{service}_events'
                     ).fetchone()[0] if table(f"{service}_events") else 0
    tracked = dict(db.execute(f'SELECT application_name, max(notification_id) FROM "{store.where}".{service}_tracking '
                              "GROUP BY application_name").fetchall()) if table(f"{service}_tracking") else {}
    found = _held(log, tracked)
    if service == "audit":  # the ledger lives in audit's schema
        found[LEDGER] = {
            "head": db.execute(f'SELECT coalesce(max(seq), 0) FROM "{store.where}".ledger_entries').fetchone()[0]
            if table("ledger_entries") else 0,
            "upstream": dict(db.execute(f'SELECT source, position FROM "{store.where}".ledger_tracking').fetchall())
            if table("ledger_tracking") else {}}
    return found


def positions_problems(positions: dict) -> list[str]:
    """Each consumer's position of an upstream that the upstream's copy does not reach."""
    problems = []
    for store, held in positions.items():
        for source, position in held.get("upstream", {}).items():
            head = positions.get(source, {}).get("log")
            if head is not None and position > head:
                problems.append(f"{store} has applied {source} up to #{position}, but {source}'s copy ends at #{head}")
    return problems


def _flatten(positions: dict) -> dict:
    """The ledger's positions as a store of their own, wherever they were read."""
    flat = dict(positions)
    if LEDGER in flat.get("audit", {}):
        flat["audit"] = dict(flat["audit"])
        flat[LEDGER] = flat["audit"].pop(LEDGER)
    return flat


# -- PostgreSQL ---------------------------------------------------------------
def _pg_env(pg: config.Postgres) -> dict:
    return {**os.environ, "PGHOST": pg.host, "PGPORT": pg.port, "PGUSER": pg.user,
            "PGPASSWORD": pg.password, "PGDATABASE": pg.dbname}


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is missing: sudo apt-get install postgresql-client")
    return found


# -- backup ---------------------------------------------------------------------
def _lock_all(sqlite_stores: list[Store], var: Path, wait: float, attempts: int) -> list[sqlite3.Connection]:
    """Every SQLite store's write lock, held at once. A store whose lock does not come within `wait`
    makes us let go of the others and try again: writers wait for us for `wait` at most, never
    for a long transaction elsewhere."""
    for attempt in range(attempts):
        locks = []
        try:
            for store in sqlite_stores:
                locks.append(sqlite3.connect(var / store.where, timeout=wait, isolation_level=None))
                locks[-1].execute("BEGIN IMMEDIATE")
            return locks
        except sqlite3.OperationalError:
            _release(locks)
            time.sleep(0.1 * (attempt + 1))
    raise BackupError(f"could not hold every store's write lock at once in {attempts} attempts")


def _release(locks: list[sqlite3.Connection]) -> None:
    for lock in locks:
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()


@contextmanager
def one_moment(sqlite_stores: list[Store], var: Path, pg: config.Postgres | None, wait: float = 2.0,
               attempts: int = 10):
    """Read transactions on every SQLite store and a PostgreSQL snapshot, all of one moment.

    Yields ({store name: sqlite connection}, PostgreSQL connection or None, snapshot id or None)."""
    with ExitStack() as stack:
        readers = {}
        # Every write lock at once: no store commits while the others' snapshots are taken.
        locks = _lock_all(sqlite_stores, var, wait, attempts)
        try:
            pg_db = snapshot = None
            if pg is not None:
                import psycopg

                pg_db = stack.enter_context(psycopg.connect(pg.conninfo()))
                pg_db.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                pg_db.read_only = True
                snapshot = pg_db.execute("SELECT pg_export_snapshot()").fetchone()[0]
            for store in sqlite_stores:
                reader = sqlite3.connect(var / store.where, timeout=wait, isolation_level=None)
                stack.callback(reader.close)
                reader.execute("BEGIN")
                reader.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
                readers[store.name] = reader
        finally:
            _release(locks)
        yield readers, pg_db, snapshot


def backup(target: Path | None = None, quiet: bool = False) -> dict:
    """Write a backup of every store into `target` (a new directory); returns its manifest."""
    started = time.perf_counter()
    var, key = config.var_dir(), backup_key()
    when = datetime.now(timezone.utc)
    target = Path(target or Path("backups") / when.strftime("%Y%m%dT%H%M%SZ")).resolve()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    every = stores()
    sqlite_stores = [s for s in every if s.kind == "sqlite" and (var / s.where).exists()]
    pg_stores = [s for s in every if s.kind == "postgres"]
    pg = config.Postgres.from_env() if pg_stores else None
    files, positions = [], {}
    # The clear copies next to the sealed ones (room for both), removed as soon as they are sealed.
    with tempfile.TemporaryDirectory(prefix=".clear-", dir=target) as scratch:
        clear_copies: list[tuple[str, Path]] = []
        with one_moment(sqlite_stores, var, pg) as (readers, pg_db, snapshot), \
                tqdm(total=len(sqlite_stores) + len(pg_stores), desc="snapshot", unit="store",
                     disable=quiet) as bar:
            for store in sqlite_stores:
                positions[store.name] = _sqlite_positions(readers[store.name], store)
                copy = Path(scratch) / store.file
                with closing(sqlite3.connect(copy)) as out:
                    readers[store.name].backup(out)
                clear_copies.append((store.file, copy))
                bar.update()
            if pg_stores:  # a service that never started has no schema yet: nothing of it to keep
                there = {name for (name,) in pg_db.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
                                                           ([s.where for s in pg_stores],)).fetchall()}
                pg_stores = [s for s in pg_stores if s.where in there]
                bar.total = len(sqlite_stores) + len(pg_stores)
            for store in pg_stores:
                positions[store.name] = _postgres_positions(pg_db, store)
                copy = Path(scratch) / store.file
                dumped = subprocess.run(
                    [_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--schema={store.where}",
                     "--no-owner", "--no-privileges", f"--file={copy}"],
                    env=_pg_env(pg), capture_output=True, text=True)
                if dumped.returncode != 0:
                    raise BackupError(f"pg_dump of {store.where}: {dumped.stderr.strip()}")
                clear_copies.append((store.file, copy))
                bar.update()
        for filename in KEY_FILES:
            if (var / filename).exists():
                clear_copies.append((filename, var / filename))
        positions = _flatten(positions)
        problems = positions_problems(positions)
        if problems:  # one moment for every store makes this impossible: a bug, never a backup
            raise BackupError("the copies disagree: " + "; ".join(problems))
        total = sum(path.stat().st_size for _, path in clear_copies)
        with tqdm(total=total, desc="encrypt", unit="B", unit_scale=True, disable=quiet) as bar:
            for name, path in clear_copies:
                clear, sealed, size = seal_file(path, target / f"{name}.enc", name, key, bar.update)
                files.append({"name": name, "bytes": size, "sha256": clear, "sealed_sha256": sealed})
    manifest = {
        "format": FORMAT, "created_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stores": [{"name": s.name, "kind": s.kind, "where": s.where, "file": s.file}
                   for s in sqlite_stores + pg_stores],
        "files": files, "positions": positions, "keys": key_fingerprints(var),
        "seconds": round(time.perf_counter() - started, 2),
    }
    manifest["mac"] = _manifest_mac(manifest, key)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return {**manifest, "path": str(target)}


# -- check and restore ----------------------------------------------------------
def read_manifest(source: Path, key: bytes) -> dict:
    path = Path(source) / "manifest.json"
    if not path.exists():
        raise BackupError(f"{source} holds no manifest.json")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r}, this peernet reads {FORMAT}")
    if not hmac.compare_digest(manifest.get("mac", ""), _manifest_mac(manifest, key)):
        raise BackupError("the manifest does not match its MAC: altered, or another PEERNET_BACKUP_KEY")
    return manifest


def check(source: Path) -> dict:
    """The manifest's MAC, every sealed file's checksum and that the positions agree; nothing restored."""
    manifest = read_manifest(source, backup_key())
    for entry in manifest["files"]:
        path = Path(source) / f"{entry['name']}.enc"
        if not path.exists():
            raise BackupError(f"{entry['name']}: missing from the backup")
        if sha256_of(path) != entry["sealed_sha256"]:
            raise BackupError(f"{entry['name']}: its checksum differs from the manifest's")
    problems = positions_problems(manifest["positions"])
    if problems:
        raise BackupError("the manifest's positions disagree: " + "; ".join(problems))
    return manifest


def _occupied(stores_: list[dict], var: Path, pg: config.Postgres | None) -> list[str]:
    taken = [s["where"] for s in stores_ if s["kind"] == "sqlite" and (var / s["where"]).exists()
             and (var / s["where"]).stat().st_size > 0]
    schemas = [s["where"] for s in stores_ if s["kind"] == "postgres"]
    if schemas:
        import psycopg

        from shared.postgres import ensure_postgres_database

        ensure_postgres_database(pg)
        with psycopg.connect(pg.conninfo()) as db:
            taken += [f"schema {name}" for (name,) in db.execute(
                "SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_schema = ANY(%s)",
                (schemas,)).fetchall()]
    return taken


def restore(source: Path, force: bool = False, quiet: bool = False, purge: bool = True) -> dict:
    """Bring a backup back into this environment's var/ and database; see the module's docstring."""
    started = time.perf_counter()
    source = Path(source).resolve()
    key = backup_key()
    manifest = check(source)
    if purge:  # a running service would write over the restore, and its queue be purged under it
        queues = consumer_queues()
        running = [name for name, consumers in queues.items() if consumers] if isinstance(queues, dict) else []
        if running:
            raise BackupError(f"the network is running (consumers on {', '.join(running)}): stop it first")
    var = config.var_dir()
    for store in manifest["stores"]:
        wanted = config.env("PEERNET_STORE", "sqlite") if store["name"] == VAULT else \
            config.store_kind("audit" if store["name"] == LEDGER else store["name"])
        if wanted != store["kind"]:
            raise BackupError(f"the backup's {store['name']} is on {store['kind']}, this environment's on {wanted}")
    pg = config.Postgres.from_env() if any(s["kind"] == "postgres" for s in manifest["stores"]) else None
    taken = _occupied(manifest["stores"], var, pg)
    if taken and not force:
        raise BackupError(f"the target is not empty ({', '.join(taken)}): restore into an empty var/ and "
                          "database, or pass --force to replace what is there")
    by_name = {entry["name"]: entry for entry in manifest["files"]}
    with tempfile.TemporaryDirectory(prefix="peernet-restore-", dir=var) as scratch, \
            tqdm(total=sum(e["bytes"] for e in manifest["files"]), desc="decrypt and load", unit="B",
                 unit_scale=True, disable=quiet) as bar:
        for name in (n for n in KEY_FILES if n in by_name):
            clear = Path(scratch) / name
            _open_checked(source, by_name[name], clear, key, bar.update)
            present = var / name
            if present.exists() and present.read_bytes() != clear.read_bytes() and not force:
                raise BackupError(f"var/{name} differs from the backup's: the restored stores need the backup's "
                                  "(pass --force to replace it)")
            os.replace(clear, present)
            present.chmod(0o600)
        mismatched = [name for name, fingerprint in key_fingerprints(var).items()
                      if manifest["keys"].get(name) and fingerprint != manifest["keys"][name]]
        if mismatched:
            raise BackupError(f"the environment's {', '.join(mismatched)} key differs from the one the backup's "
                              "stores were written under")
        for store in manifest["stores"]:
            clear = Path(scratch) / store["file"]
            _open_checked(source, by_name[store["file"]], clear, key, bar.update)
            if store["kind"] == "sqlite":
                for leftover in ("", "-wal", "-shm"):
                    (var / f"{store['where']}{leftover}").unlink(missing_ok=True)
                os.replace(clear, var / store["where"])
            else:
                _pg_load(pg, store["where"], clear)
    forgotten = forgotten_list()
    destroyed = forget_again(forgotten.ids(), var, pg)
    purged = consumer_queues(purge=True) if purge else {}
    restored = _read_positions(manifest["stores"], var, pg)
    if restored != manifest["positions"]:
        raise BackupError(f"the restored stores' positions differ from the manifest's: {restored}")
    return {"manifest": manifest, "forgotten_list": forgotten.where,
            "forgotten_list_exists": forgotten.exists(),
            "keys_destroyed_again": destroyed, "queues_purged": purged,
            "seconds": round(time.perf_counter() - started, 2)}


def _open_checked(source: Path, entry: dict, clear: Path, key: bytes, progress) -> None:
    if open_file(source / f"{entry['name']}.enc", clear, entry["name"], key, progress) != entry["sha256"]:
        raise BackupError(f"{entry['name']}: its clear checksum differs from the manifest's")


def _pg_load(pg: config.Postgres, schema: str, dump: Path) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(pg.conninfo(), autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    loaded = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                             f"--dbname={pg.dbname}", str(dump)], env=_pg_env(pg), capture_output=True, text=True)
    if loaded.returncode != 0:
        raise BackupError(f"pg_restore of {schema}: {loaded.stderr.strip()}")


def _read_positions(stores_: list[dict], var: Path, pg: config.Postgres | None) -> dict:
    found = {}
    for entry in stores_:
        store = Store(entry["name"], entry["kind"], entry["where"])
        if store.kind == "sqlite":
            with closing(sqlite3.connect(var / store.where)) as db:
                found[store.name] = _sqlite_positions(db, store)
        else:
            import psycopg

            with psycopg.connect(pg.conninfo()) as db:
                found[store.name] = _postgres_positions(db, store)
    return _flatten(found)


def forget_again(subject_ids: list[str], var: Path, pg: config.Postgres | None) -> int:
    """Destroy, in the restored vault, the key of every subject in the forgotten list; how many were there.

    Straight in the vault's table, not through PersonKeyVault.forget: the ids are listed already."""
    kind = config.env("PEERNET_STORE", "sqlite")
    if kind == "memory" or not subject_ids:
        return 0
    if kind == "postgres":
        import psycopg

        with psycopg.connect(pg.conninfo(), autocommit=True) as db:
            if not db.execute("SELECT to_regclass('vault.person_keys') IS NOT NULL").fetchone()[0]:
                return 0  # no vault in the backup: no key to destroy
            return db.execute("DELETE FROM vault.person_keys WHERE subject_id = ANY(%s)", (subject_ids,)).rowcount
    if not (var / "person_keys.sqlite").exists():
        return 0
    with closing(sqlite3.connect(var / "person_keys.sqlite", isolation_level=None)) as db:
        return sum(db.execute("DELETE FROM person_keys WHERE subject_id = ?", (subject_id,)).rowcount
                   for subject_id in subject_ids)


def consumer_queues(purge: bool = False) -> dict[str, int] | str:
    """Each service's consumer queue on the broker, with how many consumers it has (emptied first if
    `purge`); or why the broker could not be asked."""
    from kombu import Connection
    from kombu.exceptions import OperationalError

    found = {}
    try:
        with Connection(config.amqp_uri(), connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)
            for service in config.SERVICES:
                name = f"{config.exchange_name()}.{service}"
                channel = connection.channel()
                try:
                    _, _, consumers = channel.queue_declare(queue=name, passive=True)
                    if purge:
                        channel.queue_purge(name)
                    found[name] = consumers
                except Exception:  # no such queue yet (the broker closes the channel): nothing waits there
                    pass
                finally:
                    try:
                        channel.close()
                    except Exception:  # already closed by the broker's refusal
                        pass
    except (OSError, OperationalError) as error:
        return f"no broker answered at {config.amqp_uri()} ({error}): purge the consumer queues before starting"
    return found


# -- the command line -----------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("backup", help="write a backup of every store, the vault and the ledger")
    made.add_argument("--to", type=Path, help="a new directory (default backups/<UTC time>)")
    back = commands.add_parser("restore", help="bring a backup back into an empty var/ and database")
    back.add_argument("--from", dest="source", type=Path, required=True)
    back.add_argument("--force", action="store_true", help="replace stores that are there")
    checked = commands.add_parser("check", help="check a backup's manifest and checksums")
    checked.add_argument("--from", dest="source", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            manifest = backup(args.to)
            print(f"backup written to {manifest['path']} in {manifest['seconds']} s "
                  f"({sum(f['bytes'] for f in manifest['files']):,} bytes, {len(manifest['files'])} files)")
            for store, held in manifest["positions"].items():
                print(f"  {store:12} {json.dumps(held, sort_keys=True)}")
            if not os.environ.get("PEERNET_BACKUP_KEY", "").strip():
                print(f"the backup key is {config.var_dir() / 'backup.key'}: keep a copy apart from var/ "
                      "(or set PEERNET_BACKUP_KEY), or the backup cannot be opened", file=sys.stderr)
        elif args.command == "check":
            manifest = check(args.source)
            print(f"{args.source}: manifest and {len(manifest['files'])} checksums agree, positions consistent")
        else:
            done = restore(args.source, force=args.force)
            print(f"restored {args.source} in {done['seconds']} s; positions as in the manifest")
            if not done["forgotten_list_exists"]:
                print(f"no forgotten list at {done['forgotten_list']}: if it was lost, people forgotten after the "
                      "backup are readable again (PEERNET_FORGOTTEN_LIST)", file=sys.stderr)
            print(f"forgotten again: {done['keys_destroyed_again']} keys (list {done['forgotten_list']})")
            purged = done["queues_purged"]
            print(purged if isinstance(purged, str) else f"consumer queues purged: {', '.join(purged) or 'none there'}")
    except BackupError as error:
        print(f"{args.command} failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
