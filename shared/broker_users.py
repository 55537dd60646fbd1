"""A RabbitMQ user for each service, the gateway and the tools, each allowed only its own queues.

Who may do what on the broker (RabbitMQ's configure, write and read permissions, regular expressions
on exchange and queue names, and topic permissions on the routing keys of the events exchange):

- a service (its instances and its relay): publish its own events (routing keys `<service>.`) on the
  events exchange; declare, bind and read its own queues (`<exchange>.<service>`, `.calls`, nameko's
  `rpc-<service>`), its queue bound only to the events of the services it follows; send to its own dead
  letters; answer calls; ask other services over nameko RPC (catch-up reads);
- the gateway: call services (the calls exchange) and read its own reply queues;
- the tools: nameko RPC (audit's CLI, bench), the calls path, and empty the consumer queues (restore).

No one but the broker's administrator may write to the default exchange, which reaches every queue by
name: calls, replies and dead letters each go through an exchange of their own (shared.calls, shared.bus).
A service's user cannot read another service's queue, publish another service's events, or publish
where only the gateway calls. On nameko's RPC exchange a service calls only the services it follows and
answers reply queues (named with a random UUID); its calls carry a signed caller besides (shared.signing).

`make run` (shared.network) gives each process its own user when the broker is local (rabbitmqctl
answers): the users are imported in one `rabbitmqctl import_definitions`, their passwords generated into
var/ (`broker-<user>.password`). With a remote broker it cannot do that, and every process uses
AMQP_URI's user as it is; define the users there as the deploy files do (`python -m shared.broker_users
definitions`, deploy/README.md).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from shared import config

GATEWAY, TOOLS = "gateway", "tools"
PRINCIPALS = (*config.SERVICES, GATEWAY, TOOLS)
RPC_EXCHANGE = "nameko-rpc"
# nameko's standalone proxies (catch-up reads, tools) name their reply queues so, with a random UUID.
RPC_REPLIES = r"rpc\.reply-standalone_rpc_proxy-[0-9a-f-]{36}"
RPC_REPLY_KEY = r"[0-9a-f-]{36}"  # the routing key of such a reply queue: its UUID
CALL_REPLIES = r"replies-[0-9a-f]{32}"  # shared.calls' reply queues


def principal_of(process: str) -> str | None:
    """Whose user a process of shared.network connects as: a relay as its service; the web pages none."""
    name = process.removesuffix("-relay")
    return name if name in PRINCIPALS else None


def _any(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


def permissions(principal: str, exchange: str) -> dict[str, str]:
    """configure, write and read: RabbitMQ's regular expressions on resource names, anchored."""
    e = re.escape(exchange)
    rpc = (re.escape(RPC_EXCHANGE), RPC_REPLIES)
    if principal == GATEWAY:
        return {"configure": _any(f"{e}\\.replies", CALL_REPLIES), "write": _any(f"{e}\\.calls", CALL_REPLIES),
                "read": _any(f"{e}\\.replies", CALL_REPLIES)}
    if principal == TOOLS:
        consumer_queues = f"{e}\\.(" + "|".join(re.escape(s) for s in config.SERVICES) + ")"
        return {"configure": _any(f"{e}\\.replies", CALL_REPLIES, *rpc),
                "write": _any(f"{e}\\.calls", CALL_REPLIES, *rpc),
                "read": _any(f"{e}\\.replies", CALL_REPLIES, consumer_queues, *rpc)}
    if principal not in config.SERVICES:
        raise ValueError(f"no broker user for {principal!r}")
    s = re.escape(principal)
    own = (f"{e}\\.{s}", f"{e}\\.{s}\\.calls", f"{e}\\.{s}\\.dead-letters", f"rpc-{s}")
    exchanges = (e, f"{e}\\.calls", f"{e}\\.replies", f"{e}\\.dead-letters")
    return {
        # Its queues, the exchanges it binds them to (declared by whoever comes first), nameko's replies.
        "configure": _any(*exchanges, *own, *rpc),
        # Publish: events (its own routing keys only, below), answers, dead letters, nameko RPC; bind its queues.
        "write": _any(e, f"{e}\\.replies", f"{e}\\.dead-letters", *own, *rpc),
        # Consume its own queues (never its dead letters: those are for people); bind from the exchanges.
        "read": _any(e, f"{e}\\.calls", f"{e}\\.dead-letters", *own[:2], own[3], *rpc),
    }


def topic_permissions(principal: str, exchange: str) -> list[dict[str, str]]:
    """On the topic exchanges, the routing keys: a service publishes only its own events and dead letters,
    and binds its queue only to the events of the services it follows (config.FOLLOWS)."""
    if principal in config.SERVICES:
        s = re.escape(principal)
        sources = "(" + "|".join(re.escape(source) for source in config.FOLLOWS[principal]) + ")"
        follows_none = not config.FOLLOWS[principal]
        reads = "^$" if follows_none else f"^{sources}\\."
        # nameko RPC: ask only the services it follows (catch-up reads), answer any caller's reply queue; its
        # rpc-<service> queue takes only calls to it.
        rpc = "^$" if follows_none else f"^{sources}\\.[a-z_]+$"
        return [{"exchange": exchange, "write": f"^{s}\\.", "read": reads},
                {"exchange": RPC_EXCHANGE, "write": f"{rpc}|^{RPC_REPLY_KEY}$",
                 "read": f"^{s}\\.\\*$|^{RPC_REPLY_KEY}$"},
                {"exchange": f"{exchange}.dead-letters", "write": f"^{s}$", "read": f"^{s}$"},
                {"exchange": f"{exchange}.calls", "write": "^$", "read": f"^{s}$"}]
    return [{"exchange": exchange, "write": "^$", "read": "^$"},
            {"exchange": f"{exchange}.dead-letters", "write": "^$", "read": "^$"}]


def password_hash(password: str) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), a 4-byte salt."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


# nameko declares its RPC queues (`rpc-<service>`) itself, classic: on a cluster each lives on one
# node, and while that node is down its service cannot declare it again and cannot start. Mirrored on
# every node they survive it (RabbitMQ 3.13; classic mirroring is gone in 4.x, see deploy/README.md).
RPC_MIRRORING = {"name": "peernet-rpc-mirrored", "pattern": "^rpc-", "apply-to": "queues", "priority": 0,
                 "definition": {"ha-mode": "all", "ha-sync-mode": "automatic"}}


def definitions(users: dict[str, tuple[str, str]], vhost: str, exchange: str,
                administrator: tuple[str, str] | None = None, cluster: bool = False) -> dict:
    """RabbitMQ definitions (users, their permissions; a cluster's policies) for `users`: principal ->
    (user name, password)."""
    listed = [{"name": name, "password_hash": password_hash(password),
               "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""}
              for name, password in users.values()]
    if administrator is not None:  # the nodes' own user (RABBITMQ_DEFAULT_USER), kept when definitions load at boot
        listed.append({"name": administrator[0], "password_hash": password_hash(administrator[1]),
                       "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": "administrator"})
    granted = [{"user": name, "vhost": vhost, **permissions(principal, exchange)}
               for principal, (name, _) in users.items()]
    if administrator is not None:
        granted.append({"user": administrator[0], "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"})
    topics = [{"user": name, "vhost": vhost, **rule}
              for principal, (name, _) in users.items() for rule in topic_permissions(principal, exchange)]
    made = {"users": listed, "vhosts": [{"name": vhost}], "permissions": granted, "topic_permissions": topics}
    if cluster:
        made["policies"] = [{"vhost": vhost, **RPC_MIRRORING}]
    return made


def credentials(uri: str) -> tuple[str, str]:
    """The user and password of an AMQP URI (the first node's, when `;` lists several)."""
    parts = urlsplit(uri.split(";")[0].strip())
    return unquote(parts.username or ""), unquote(parts.password or "")


def vhost_of(uri: str) -> str:
    return unquote(urlsplit(uri.split(";")[0].strip()).path[1:]) or "/"


def with_user(uri: str, user: str, password: str) -> str:
    """The same broker (every node of a `;` list) and vhost, as another user."""
    def one(node: str) -> str:
        parts = urlsplit(node.strip())
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, f"{quote(user, safe='')}:{quote(password, safe='')}@{host}",
                           parts.path, parts.query, ""))
    return ";".join(one(node) for node in uri.split(";") if node.strip())


# -- a local broker: make run and the tests ---------------------------------------------
def rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(("rabbitmqctl", "-q", *args), capture_output=True, text=True, check=check, timeout=120)


def can_manage(uri: str) -> bool:
    """Whether this machine's rabbitmqctl manages the broker of `uri` (a local one)."""
    host = urlsplit(uri.split(";")[0].strip()).hostname or "localhost"
    return (host in ("localhost", "127.0.0.1", "::1") and shutil.which("rabbitmqctl") is not None
            and rabbitmqctl("status", check=False).returncode == 0)


def user_prefix(vhost: str) -> str:
    """Users are the broker's, not a vhost's: `peernet-` on the default vhost, the vhost's name on another."""
    return "peernet-" if vhost == "/" else f"{vhost}-"


def kept_password(folder: Path, user: str) -> str:
    """The user's password in `folder`, generated the first time; networks starting together on one var/
    read the same one (config.development_key)."""
    return config.development_key(f"broker-{user}.password", lambda: secrets.token_urlsafe(24), folder)


def ensure_local(uri: str, exchange: str, var: Path) -> dict[str, str]:
    """Make (or update) every principal's user on the local broker of `uri`; principal -> its AMQP URI.

    Passwords are generated into `var` once and kept, so a restarted network and the tools agree."""
    vhost = vhost_of(uri)
    users = {principal: (f"{user_prefix(vhost)}{principal}", kept_password(var, f"{user_prefix(vhost)}{principal}"))
             for principal in PRINCIPALS}
    # On standard input, so the broker's own system user need not read a file of ours; one call for all.
    subprocess.run(("rabbitmqctl", "-q", "import_definitions"), input=json.dumps(definitions(users, vhost, exchange)),
                   capture_output=True, text=True, check=True, timeout=120)
    uris = {principal: with_user(uri, name, password) for principal, (name, password) in users.items()}
    _wait_until_known(uris[PRINCIPALS[-1]])  # the broker says the import goes on after the command returns
    return uris


def _wait_until_known(uri: str, timeout: float = 30.0) -> None:
    from kombu import Connection

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Connection(uri, connect_timeout=3) as connection:
                connection.ensure_connection(max_retries=1)
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def remove_local(vhost: str) -> None:
    """Delete the users ensure_local made for `vhost` (a test's, when its vhost goes): one call."""
    names = [f"{user_prefix(vhost)}{principal}" for principal in PRINCIPALS]
    if not all(re.fullmatch(r"[\w.-]+", name) for name in names):
        raise ValueError(f"not a user name made here: {names}")
    listed = ", ".join(f'<<"{name}">>' for name in names)
    # rabbitmqctl delete_user starts a VM per user (a second each); missing users are passed over.
    rabbitmqctl("eval", f'[catch rabbit_auth_backend_internal:delete_user(U, <<"peernet">>) || U <- [{listed}]], ok.',
                check=False)


# -- the deploy files: definitions the RabbitMQ nodes load at boot -----------------------------
def read_uri(path: Path) -> str:
    """AMQP_URI from an env file (`AMQP_URI=...`, compose) or a mounted Secret key (the value alone, Kubernetes)."""
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line.removeprefix("AMQP_URI=")
    raise ValueError(f"{path} holds no AMQP_URI")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.broker_users", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("definitions", help="write RabbitMQ definitions for the users of the AMQP URIs given")
    made.add_argument("--users", type=Path, required=True,
                      help="a folder holding each principal's AMQP_URI, one file each: <principal> or "
                           "<principal>.env (" + ", ".join(PRINCIPALS) + ")")
    made.add_argument("--administrator", type=Path, help="the nodes' own AMQP_URI (amqp.env): kept as administrator")
    made.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    uris = {}
    for principal in PRINCIPALS:
        found = [path for path in (args.users / principal, args.users / f"{principal}.env") if path.is_file()]
        if not found:
            print(f"no AMQP_URI for {principal} in {args.users}", file=sys.stderr)
            return 2
        uris[principal] = read_uri(found[0])
    users = {principal: credentials(uri) for principal, uri in uris.items()}
    administrator = credentials(read_uri(args.administrator)) if args.administrator else None
    vhost = vhost_of(uris[GATEWAY])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The deploy files' brokers are three-node clusters.
    args.out.write_text(json.dumps(definitions(users, vhost, config.exchange_name(), administrator, cluster=True)))
    print(f"{args.out}: {len(users)} users, their permissions and the RPC queues' mirroring on {vhost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
