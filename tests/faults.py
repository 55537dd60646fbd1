"""Faults the chaos tests cause without touching what other suites share.

PrivatePostgres: a PostgreSQL cluster of the test's own (Debian's binaries, run as the
`postgres` user, a temporary data directory, a free port, trust on loopback) that the test
may stop and start at will; the machine's PostgreSQL on 5432 is never touched.

TcpProxy: a TCP proxy in front of the broker for the processes given its address; `cut()`
drops every connection through it and refuses new ones until `mend()`.
"""
from __future__ import annotations

import glob
import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlsplit, urlunsplit

POSTGRES_BINARIES = "/usr/lib/postgresql/*/bin"
POSTGRES_MISSING = (
    "PostgreSQL's server binaries (initdb, pg_ctl) are not in /usr/lib/postgresql/*/bin: "
    "run `deploy/ensure-postgres.sh` as root (installs Debian's postgresql), or "
    "`apt-get install -y postgresql`."
)


def free_port() -> int:
    """A port nothing listens on now, below the kernel's ephemeral range."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


def _postgres_bin() -> str:
    found = sorted(glob.glob(os.path.join(POSTGRES_BINARIES, "pg_ctl")),
                   key=lambda path: int(path.split("/")[-3]) if path.split("/")[-3].isdigit() else 0)
    if not found:
        raise RuntimeError(POSTGRES_MISSING)
    return os.path.dirname(found[-1])


class PrivatePostgres:
    """A PostgreSQL cluster of one test's own. As root the server runs as `postgres` (it refuses root)."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.as_postgres = ("runuser", "-u", "postgres", "--") if os.geteuid() == 0 else ()
        self._stop_abandoned()
        # The test process's id in the name: a run killed before it could stop its cluster is found by it.
        self.dir = tempfile.mkdtemp(prefix=f"peernet-pg-{os.getpid()}-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            # Its own socket directory and port: nothing of the machine's cluster is shared.
            # fsync off: a stop, even an immediate one, is a crash of the server, not of the machine.
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\nmax_connections = 200\n")

    def _stop_abandoned(self) -> None:
        """Stop and remove the clusters of test runs that were killed before they could (their process is gone)."""
        for path in glob.glob(os.path.join(tempfile.gettempdir(), "peernet-pg-*-*")):
            owner = os.path.basename(path).split("-")[2]
            if owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
                subprocess.run((*self.as_postgres, os.path.join(self.bin, "pg_ctl"), "-D", os.path.join(path, "data"),
                                "-m", "immediate", "-w", "stop"), capture_output=True, timeout=60)
                shutil.rmtree(path, ignore_errors=True)

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        result = subprocess.run((*self.as_postgres, os.path.join(self.bin, tool), *args),
                                capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result

    def start(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "server.log"), "-w", "-t", "120", "start")

    def stop(self, mode: str = "fast") -> None:
        """fast: clients are disconnected and the server shuts down cleanly; immediate: as a crash."""
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "120", "stop")

    def running(self) -> bool:
        return subprocess.run((*self.as_postgres, os.path.join(self.bin, "pg_ctl"), "-D", self.data, "status"),
                              capture_output=True).returncode == 0

    def env(self) -> dict:
        return {"POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": str(self.port), "POSTGRES_USER": "postgres",
                "POSTGRES_PASSWORD": "", "POSTGRES_DBNAME": "peernet"}

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(os.path.join(self.dir, "server.log")) as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "PrivatePostgres":
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target. cut(): every connection dropped, new ones refused."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None
        self.connections = 0  # accepted and forwarded, in all
        self.dropped = 0      # open when cut
        self._closed = False

    @classmethod
    def for_amqp(cls, uri: str) -> "TcpProxy":
        parts = urlsplit(uri)
        return cls(parts.hostname or "localhost", parts.port or 5672)

    def amqp_uri(self, uri: str) -> str:
        """The same URI (user, vhost) through this proxy."""
        parts = urlsplit(uri)
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{self.port}" if credentials else f"127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name="tcp-proxy-accept", daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: cut or closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    continue
                self._pairs.add(pair)
                self.connections += 1
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, pair), daemon=True,
                                 name="tcp-proxy-pump").start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        self._drop(pair)

    def _drop(self, pair) -> None:
        with self._lock:
            self._pairs.discard(pair)
        for sock in pair:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def cut(self) -> int:
        """Refuse new connections (nothing listens) and drop the open ones; how many were dropped."""
        with self._lock:
            listener, self._listener = self._listener, None
            pairs = list(self._pairs)
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
            except OSError:
                pass
            listener.close()
        for pair in pairs:
            self._drop(pair)
        self.dropped += len(pairs)
        return len(pairs)

    def mend(self) -> None:
        """Listen again on the same port."""
        deadline = time.monotonic() + 30
        while True:
            try:
                self.start()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def close(self) -> None:
        self.cut()

    def __enter__(self) -> "TcpProxy":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
