"""The front door: one command through HTTP with real tokens, on the whole network as `make run` starts
it, beside the same command over the calls path (shared.calls, as the gateway calls intake) and a
trivial authenticated GET through HTTP, in the same run; with the CPU each process of the network spent
per command (utime + stime from /proc, before and after each part, until the consumers have settled).

CLIENTS processes, each toggling its own peer workers' items (share, then withdraw, an experience), one
command at a time; the calls path and HTTP run twice each, alternated, and each keeps its faster run. Development tokens are minted as `make token` mints them (the network's own secret,
in the temporary var/). The broker is the machine's: its CPU counts whatever else uses it meanwhile.
`python -m bench.front_door` runs this part alone, on a private vhost and a temporary var/.
"""
from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import statistics
import time
import uuid
from pathlib import Path

from tqdm import tqdm

from bench.clients import CLIENTS, COMMANDS, TOGGLED, private_bench, toggle_own_items
from bench.raw import broker_rates
from shared import config
from shared.network import GATEWAY, PROCESSES, Network
from tests.support import free_port_base, wait_until

PEER_WORKERS = 200
TARGET_RATIO = 0.8       # HTTP commands/s at least this share of the calls path's
TARGET_PER_SECOND = 500  # commands/s through HTTP at this machine's fast hour
ROUNDS = 2  # runs of the calls path and of HTTP, alternated
_TICK = os.sysconf("SC_CLK_TCK")


# -- clients (spawned processes: module level) ---------------------------------------------------
def http_toggles(args) -> dict:
    """One client process over one kept-alive HTTP connection: its peer workers' commands in turn."""
    port, tokens = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    quota, done, latencies = COMMANDS // CLIENTS, 0, []
    cpu = time.process_time()
    peers = list(tokens)
    for round_ in range(quota // len(peers) + 1):
        for peer in peers:
            if done >= quota:
                return {"done": done, "latencies": latencies, "cpu": time.process_time() - cpu}
            item = TOGGLED[(round_ // 2) % len(TOGGLED)]
            if round_ % 2 == 0:
                path, body = "shared-experiences", {"experience": item, "visibility": "matching"}
            else:
                path, body = "experience-withdrawals", {"experience": item}
            started = time.perf_counter()
            connection.request("POST", f"/peer-workers/{peer}/{path}", body=json.dumps(body),
                               headers={"Authorization": f"Bearer {tokens[peer]}",
                                        "Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                raise RuntimeError(f"{path} answered {answer.status}")
            latencies.append(time.perf_counter() - started)
            done += 1
    return {"done": done, "latencies": latencies, "cpu": time.process_time() - cpu}


def http_reads(args) -> dict:
    """GET /me: a token verified and an answer made, no service called."""
    port, token, count = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies = []
    cpu = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", "/me", headers={"Authorization": f"Bearer {token}"})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"/me answered {answer.status}")
        latencies.append(time.perf_counter() - started)
    return {"done": count, "latencies": latencies, "cpu": time.process_time() - cpu}


def calls_toggles(args) -> dict:
    cpu = time.process_time()
    done = toggle_own_items(args)
    return {"done": done, "latencies": [], "cpu": time.process_time() - cpu}


# -- CPU per process ------------------------------------------------------------------------------
def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _all_processes() -> dict[int, tuple[int, float, str]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                try:
                    name = (entry / "comm").read_text().strip()
                except OSError:
                    continue
                found[int(entry.name)] = (*stat, name)
    return found


def cpu_by_process(network: Network) -> dict:
    """CPU seconds so far of each process of the network (with its children: gunicorn's workers), and of
    each broker process by pid (every beam.smp on the machine: rabbitmqctl's come and go)."""
    table = _all_processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        return (table[pid][1] if pid in table else 0.0) + sum(tree(child) for child in children.get(pid, ()))

    used = {name: tree(process.pid) for name, process in network.processes.items()}
    used["broker"] = {pid: cpu for pid, (_, cpu, name) in table.items() if name == "beam.smp"}
    return used


def _spent(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds between two readings; the broker's over the processes alive at both."""
    spent = {name: after[name] - before.get(name, 0.0) for name in after if name != "broker"}
    spent["broker"] = sum(cpu - before["broker"][pid] for pid, cpu in after["broker"].items()
                          if pid in before["broker"])
    return spent


# -- the section ----------------------------------------------------------------------------------
def _settled(network: Network, token: str) -> None:
    """Every consumer has applied its upstreams' last events: a part's CPU includes what it caused."""
    port = network.specs[GATEWAY].port

    def caught_up() -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        positions = {}
        for service in config.SERVICES:
            connection.request("GET", f"/services/{service}/positions",
                               headers={"Authorization": f"Bearer {token}"})
            positions[service] = json.loads(connection.getresponse().read())
        connection.close()
        return all(positions[service]["upstream"][source] >= positions[source]["log"]
                   for service, sources in config.FOLLOWS.items() for source in sources)

    wait_until(lambda: caught_up() and caught_up(), timeout=180, interval=0.2,
               message="every consumer caught up with its upstreams")


def _part(pool, network: Network, auditor: str, work, args: list) -> dict:
    before = cpu_by_process(network)
    started = time.perf_counter()
    results = pool.map(work, args)
    elapsed = time.perf_counter() - started
    _settled(network, auditor)
    after = cpu_by_process(network)
    done = sum(result["done"] for result in results)
    latencies = sorted(latency for result in results for latency in result["latencies"])
    cpu = {name: spent / done * 1000 for name, spent in _spent(before, after).items()}
    cpu["bench clients"] = sum(result["cpu"] for result in results) / done * 1000
    return {"count": done, "per_s": done / elapsed, "cpu_ms_per_command": cpu,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else None}


def run(uri: str) -> dict:
    from shared.dev_tokens import mint_development_token

    raw_publish = broker_rates(uri, 20000)["publish_persistent"]
    network = Network(env={"PEERNET_WEB_SECURE_COOKIES": "0"}, services=PROCESSES, port_base=free_port_base(),
                      log_dir=config.var_dir() / "logs")
    network.start(timeout=120)
    try:
        port = network.specs[GATEWAY].port
        peers = [str(uuid.uuid4()) for _ in range(PEER_WORKERS)]
        tokens = {peer: mint_development_token("peer", peer) for peer in peers}  # as `make token` mints them
        auditor = mint_development_token("state_auditor", "bench-auditor")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for peer in tqdm(peers, desc="front door: profiles", leave=False):
            connection.request("POST", "/peer-workers", body=json.dumps(
                {"peer_worker_id": peer, "display_name": "Bench Peer", "organization_id": "org-bench"}),
                headers={"Authorization": f"Bearer {tokens[peer]}", "Content-Type": "application/json"})
            answer = connection.getresponse()
            if answer.status != 201:
                raise RuntimeError(f"POST /peer-workers answered {answer.status}: {answer.read()[:300]!r}")
            answer.read()
        _settled(network, auditor)
        shares = [peers[i::CLIENTS] for i in range(CLIENTS)]
        http_args = [(port, {peer: tokens[peer] for peer in share}) for share in shares]
        calls_args = [(uri, share) for share in shares]
        reader = mint_development_token("peer", peers[0])
        with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
            pool.map(http_reads, [(port, reader, 20)] * CLIENTS)  # clients and connections warmed up
            runs: dict[str, list] = {"calls": [], "http": []}
            for _ in range(ROUNDS):  # alternated, each part's faster run kept: a slow spell decides neither
                runs["calls"].append(_part(pool, network, auditor, calls_toggles, calls_args))
                runs["http"].append(_part(pool, network, auditor, http_toggles, http_args))
            calls, through_http = (max(runs[part], key=lambda run: run["per_s"]) for part in ("calls", "http"))
            reads = _part(pool, network, auditor, http_reads, [(port, reader, COMMANDS // CLIENTS)] * CLIENTS)
    finally:
        network.stop()
    return {"clients": CLIENTS, "raw_publish_persistent": raw_publish, "calls": calls, "http": through_http,
            "get": reads, "runs_per_s": {part: [run["per_s"] for run in done] for part, done in runs.items()}}


def print_rows(result: dict) -> None:
    calls, through_http, reads = result["calls"], result["http"], result["get"]
    print(f"  {'part (' + str(result['clients']) + ' clients)':<52} {'per s':>9} {'p50':>8} {'p99':>8}")
    for name, part in (("calls path: share/withdraw an experience", calls),
                       ("HTTP: the same command, signed tokens", through_http),
                       ("HTTP: GET /me (token verified, no call)", reads)):
        latency = (f"{part['p50_ms']:>5.1f} ms {part['p99_ms']:>5.1f} ms" if part["p50_ms"] is not None
                   else f"{'':>8} {'':>8}")
        print(f"  {name:<52} {part['per_s']:>9,.1f} {latency}")
    names = [name for name in through_http["cpu_ms_per_command"]]
    print(f"\n  CPU ms per command, by process  {'calls':>8} {'HTTP':>8} {'GET':>8}")
    for name in sorted(names, key=lambda n: -through_http["cpu_ms_per_command"][n]):
        row = [part["cpu_ms_per_command"].get(name, 0.0) for part in (calls, through_http, reads)]
        if max(row) >= 0.005:
            print(f"  {name:<32} {row[0]:>8.2f} {row[1]:>8.2f} {row[2]:>8.2f}")
    print(f"  {'(all)':<32} " + " ".join(f"{sum(part['cpu_ms_per_command'].values()):>8.2f}"
                                         for part in (calls, through_http, reads)))
    gateway = through_http["cpu_ms_per_command"].get(GATEWAY, 0.0)
    intake = through_http["cpu_ms_per_command"].get("intake", 0.0)
    ratio = through_http["per_s"] / calls["per_s"]
    print("\n  runs, alternated (the faster of each kept): " + "; ".join(
        f"{part} " + ", ".join(f"{per_s:,.0f}/s" for per_s in result["runs_per_s"][part]) for part in ("calls", "http")))
    print(f"\n  HTTP / calls path: {ratio:.2f}x (target >= {TARGET_RATIO}x)"
          f"{'' if ratio >= TARGET_RATIO else '  NOT MET'}")
    print(f"  gateway CPU per command / intake's: {gateway:.2f} / {intake:.2f} ms = {gateway / max(intake, 1e-9):.2f}x"
          f" (target <= 1x){'' if gateway <= intake else '  NOT MET'}")
    print(f"  through HTTP: {through_http['per_s']:,.0f} commands/s (target >= {TARGET_PER_SECOND}/s at the fast hour)"
          f" beside raw persistent publish {result['raw_publish_persistent']:,.0f} msg/s in the same run")


def main() -> None:
    """`python -m bench.front_door`: this part of `make bench` alone, on a private vhost and a temporary var/."""
    with private_bench() as (_, vhost_uri):
        result = run(vhost_uri)
    print(time.strftime("front door, %Y-%m-%d %H:%M UTC", time.gmtime()))
    print_rows(result)
    Path("var").mkdir(exist_ok=True)
    Path("var/bench-front-door.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
