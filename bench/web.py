"""The web pages' server time with the demo network loaded, beside the gateway's time for the
calls each page makes (both from the page's Server-Timing header), measured in the same run.

The whole network starts as `make run` starts it (development sign-in), `make demo` loads a
synthetic network into it (BENCH_WEB_PEOPLE, BENCH_WEB_PEER_WORKERS), then synthetic people and
peer workers sign in and open their pages, one client after another.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys

import requests
from tqdm import tqdm

from deploy.demo.plan import plan
from shared import config
from shared.network import PROCESSES, ROOT, WEB, Network
from bench.clients import private_bench
from tests.support import free_port_base

PEOPLE = int(os.environ.get("BENCH_WEB_PEOPLE", "600"))
PEER_WORKERS = int(os.environ.get("BENCH_WEB_PEER_WORKERS", "60"))
USERS = 20           # signed in per role
ROUNDS = 5           # each page opened this many times per user
PAGES = {"person": ("/person", "/person/offers", "/person/experiences", "/person/data"),
         "peer": ("/peer", "/peer/requests", "/peer/connections", "/peer/experiences")}
TIMING = re.compile(r"(\w+);dur=([\d.]+)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(web: str, role: str, user_id: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(web + "signin").text).group(1)
    answer = session.post(web + "signin/development", data={"csrf_token": token, "role": role, "user_id": user_id})
    answer.raise_for_status()
    return session


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)]


def run() -> dict:
    # requests keeps Secure cookies for https only: the bench's client is not a browser on localhost
    network = Network(env={"PEERNET_WEB_SECURE_COOKIES": "0"}, services=PROCESSES, port_base=free_port_base(),
                      log_dir=config.var_dir() / "logs")
    network.start(timeout=120)
    web = network.specs[WEB].url
    gateway = web.rstrip("/").rsplit(":", 1)[0] + f":{network.specs['gateway'].port}"
    try:
        subprocess.run([sys.executable, "-m", "deploy.demo", "--gateway", gateway, "--quiet", "--counties", "6",
                        "--people", str(PEOPLE), "--peer-workers", str(PEER_WORKERS)], cwd=ROOT, check=True,
                       env=os.environ, stdout=subprocess.DEVNULL)
        demo = plan(people=PEOPLE, peer_workers=PEER_WORKERS)
        users = {"person": [p.person_id for p in demo.people[:USERS]],
                 "peer": [w.peer_worker_id for w in demo.peer_workers[:USERS]]}
        timings: dict[str, dict[str, list[float]]] = {}
        for role, ids in users.items():
            for user_id in tqdm(ids, desc=f"web: {role} pages", leave=False):
                session = signed_in(web, role, user_id)
                for _ in range(ROUNDS):
                    for page in PAGES[role]:
                        answer = session.get(web + page.lstrip("/"), allow_redirects=False)
                        times = dict(TIMING.findall(answer.headers.get("Server-Timing", "")))
                        kept = timings.setdefault(page, {"app": [], "gateway": []})
                        kept["app"].append(float(times.get("app", 0)))
                        kept["gateway"].append(float(times.get("gateway", 0)))
    finally:
        network.stop()
    result = {}
    for page, kept in timings.items():
        result[page] = {"samples": len(kept["app"]), "app_ms_p50": statistics.median(kept["app"]),
                        "app_ms_p95": percentile(kept["app"], 0.95),
                        "gateway_ms_p50": statistics.median(kept["gateway"]),
                        "gateway_ms_p95": percentile(kept["gateway"], 0.95)}
    return result


def print_rows(result: dict) -> None:
    print(f"  {'page':<22} {'server p50':>11} {'server p95':>11} {'gateway p95':>12}  page beyond its gateway calls")
    for page, row in result.items():
        own = row["app_ms_p95"] - row["gateway_ms_p95"]
        print(f"  {page:<22} {row['app_ms_p50']:>8.1f} ms {row['app_ms_p95']:>8.1f} ms {row['gateway_ms_p95']:>9.1f} ms"
              f"  {own:+.1f} ms ({row['app_ms_p95'] / max(row['gateway_ms_p95'], 0.1):.2f}x)  goal: p95 <= 200 ms")


def main() -> None:
    """`python -m bench.web`: this part of `make bench` alone, on a private vhost and a temporary var/."""
    with private_bench():
        result = run()
    print_rows(result)


if __name__ == "__main__":
    main()
