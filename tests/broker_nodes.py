"""Private RabbitMQ nodes for the fault tests: started by the test, on ports and
under names of their own, so that stopping one or raising its disk alarm never
touches the machine's shared broker (rabbit@localhost on 5672) or anyone else's.

Each node gets its own directory (data, logs, pid file, an empty plugin list, a
config file of its own instead of /etc/rabbitmq's) and they all share one Erlang
cookie, passed on the command line, so that they can cluster and our rabbitmqctl
can reach them without reading or writing anyone's ~/.erlang.cookie.

    with private_nodes(3) as nodes:   # started in parallel, then clustered
        nodes[0].stop(); nodes[0].start(); nodes[0].wait()

The node's name carries the pid of the test process that started it: a node left
behind by a run that was killed is stopped by the next run (`stop_abandoned`).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

NAME_PREFIX = "pn-fault"
LETTERS = "abcdefghij"
HELP = ("The fault tests start RabbitMQ nodes of their own and need rabbitmq-server and rabbitmqctl "
        "(Debian: `sudo apt-get install rabbitmq-server`, which `make test` installs when run as root; "
        "elsewhere see https://www.rabbitmq.com/docs/download). Not found: {missing}.")


def _tool(name: str) -> str:
    # Debian's /usr/sbin/<tool> switches to the rabbitmq user; the scripts beneath it run as whoever calls them.
    direct = Path("/usr/lib/rabbitmq/bin") / name
    found = str(direct) if direct.exists() else shutil.which(name)
    if found is None:
        raise RuntimeError(HELP.format(missing=name))
    return found


def require_rabbitmq() -> tuple[str, str]:
    return _tool("rabbitmq-server"), _tool("rabbitmqctl")


def _free_port_pair(taken: set) -> int:
    """A port p such that p (AMQP) and p + 10000 (Erlang distribution) are free now, below the ephemeral range."""
    for _ in range(200):
        port = 12000 + secrets.randbelow(10000)
        if port not in taken and all(_free(candidate) for candidate in (port, port + 10000)):
            taken.add(port)
            return port
    raise RuntimeError("no free ports for a private RabbitMQ node")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class BrokerNode:
    name: str           # pn-fault-<pid>-a@localhost
    port: int           # AMQP
    dist_port: int      # Erlang distribution (clustering, rabbitmqctl)
    home: Path
    cookie: str

    @property
    def uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def environment(self) -> dict:
        config = self.home / "rabbitmq.conf"
        if not config.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            config.write_text(
                f"listeners.tcp.1 = 127.0.0.1:{self.port}\n"
                # A node cut off from the other two pauses rather than serve a split cluster alone.
                "cluster_partition_handling = pause_minority\n"
                "disk_free_limit.absolute = 50MB\n"
                "log.console = false\nlog.file.level = info\n")
            (self.home / "enabled_plugins").write_text("[].\n")
            (self.home / "rabbitmq-env.conf").write_text("")
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))},
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.home / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.home / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.home / "log"),
            "RABBITMQ_PID_FILE": str(self.home / "rabbitmq.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS":
                f"-setcookie {self.cookie} -kernel inet_dist_use_interface {{127,0,0,1}}",
        }

    def ctl(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        _, rabbitmqctl = require_rabbitmq()
        result = subprocess.run((rabbitmqctl, "-q", "-n", self.name, "--erlang-cookie", self.cookie, *args),
                                capture_output=True, text=True, env=self.environment(), timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl -n {self.name} {' '.join(args)} failed ({result.returncode}): "
                               f"{(result.stderr or result.stdout).strip()[-600:]}; logs in {self.home / 'log'}")
        return result

    def start(self) -> None:
        """Starts the node in the background (`rabbitmq-server -detached`); `wait` until it runs."""
        server, _ = require_rabbitmq()
        (self.home / "rabbitmq.pid").unlink(missing_ok=True)
        subprocess.run((server, "-detached"), env=self.environment(), check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait(self, timeout: float = 120) -> None:
        """Until the node's RabbitMQ application runs (it may be waiting for its cluster's peers)."""
        self.ctl("wait", str(self.home / "rabbitmq.pid"), "--timeout", str(int(timeout)), timeout=timeout + 30)

    def stop(self) -> None:
        """The whole node, as an operator would take it away; start() brings it back.

        With the pid file rabbitmqctl returns once the Erlang VM has exited, so the name is free to start again."""
        self.ctl("stop", str(self.home / "rabbitmq.pid"), timeout=120)

    def pid(self) -> int | None:
        try:
            return int((self.home / "rabbitmq.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def connections(self) -> int:
        """Client connections on this node now."""
        listed = self.ctl("list_connections", "--no-table-headers", "pid", timeout=60).stdout
        return len([line for line in listed.splitlines() if line.strip()])


def stop_abandoned() -> None:
    """Nodes of a run that was killed before it could stop them (their test process is gone): ended, removed."""
    epmd = shutil.which("epmd") or next(iter(sorted(Path("/usr/lib/erlang").glob("erts-*/bin/epmd"))), None)
    if epmd is None:
        return
    names = subprocess.run((str(epmd), "-names"), capture_output=True, text=True, timeout=10).stdout
    for pid in set(re.findall(rf"name {NAME_PREFIX}-(\d+)-[0-9a-f]+-[a-z] at port", names)):
        if not os.path.exists(f"/proc/{pid}"):
            for base in Path(tempfile.gettempdir()).glob(f"{NAME_PREFIX}-{pid}-*"):
                for pid_file in base.glob("*/rabbitmq.pid"):
                    _end(pid_file)
                shutil.rmtree(base, ignore_errors=True)


def _end(pid_file: Path) -> None:
    """SIGTERM (Erlang shuts down cleanly) to the node whose pid file this is, if it is still a node."""
    try:
        pid = int(pid_file.read_text().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            if b"beam" not in cmdline.read():
                return
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        pass


@contextmanager
def private_nodes(count: int, cluster: bool = True):
    """`count` nodes of our own, started in parallel (and joined into one cluster), stopped and removed at the end."""
    require_rabbitmq()
    stop_abandoned()
    run = f"{NAME_PREFIX}-{os.getpid()}-{secrets.token_hex(2)}"
    base = Path(tempfile.mkdtemp(prefix=f"{NAME_PREFIX}-{os.getpid()}-"))
    cookie = secrets.token_hex(16).upper()
    nodes, taken = [], set()
    for letter in LETTERS[:count]:
        port = _free_port_pair(taken)
        nodes.append(BrokerNode(f"{run}-{letter}@localhost", port, port + 10000, base / letter, cookie))
    try:
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda node: (node.start(), node.wait()), nodes))
        if cluster and count > 1:
            with ThreadPoolExecutor(count) as pool:
                list(pool.map(lambda node: node.ctl("stop_app"), nodes[1:]))
            for node in nodes[1:]:  # one at a time: each join changes the cluster's schema
                node.ctl("join_cluster", nodes[0].name)
            with ThreadPoolExecutor(count) as pool:
                list(pool.map(lambda node: node.ctl("start_app"), nodes[1:]))
        yield nodes
    finally:
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(_stop_quietly, nodes))
        shutil.rmtree(base, ignore_errors=True)


def _stop_quietly(node: BrokerNode) -> None:
    try:
        node.ctl("stop", str(node.home / "rabbitmq.pid"), check=False, timeout=60)
    except subprocess.TimeoutExpired:
        pass
    deadline = time.monotonic() + 30
    pid = node.pid()
    while pid and os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid and os.path.exists(f"/proc/{pid}"):
        _end(node.home / "rabbitmq.pid")
