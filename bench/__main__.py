"""`make bench`: end-to-end commands per second, projection lag, relay throughput, the front
door (HTTP beside the calls path, CPU per command per process), each printed beside the raw broker
and raw store rates measured in the same run. BENCH_FRONT_DOOR=no, BENCH_WEB=no and
BENCH_SERVICES=no leave those parts out.

Runs on a private vhost and a temporary SQLite var/ folder; never part of `make test`.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import platform
import statistics
import time
import uuid
from pathlib import Path

from tqdm import tqdm

from bench.clients import CLIENTS, COMMANDS, nameko_trivial_calls, private_bench, toggle_own_items, trivial_calls
from bench import front_door, web
from bench.raw import broker_rates, store_rate
from shared import config
from shared.signing import SignedContext
from tests.support import caller, free_port_base, wait_until

RELAY_EVENTS = int(os.environ.get("BENCH_RELAY_EVENTS", "20000"))
PEER_WORKERS = 200


def relay_throughput(uri: str) -> dict:
    """Store RELAY_EVENTS events first, then time the relay publishing all of them, confirmed."""
    from kombu import Connection

    from services.intake.setup import setup as intake_setup
    from shared.bus import consumer_queue
    from shared.crypto import vault_from_env
    from shared.identity import Caller
    from shared.relay import ConfirmingPublisher, Relay

    intake = intake_setup(vault_from_env(), {"SQLITE_DBNAME": str(config.var_dir() / "relay-bench.sqlite")})
    actor = Caller("bench", "system")
    peers = [uuid.uuid4() for _ in range(PEER_WORKERS)]
    for peer in tqdm(peers, desc="relay: profiles", leave=False):
        intake.perform("record_peer_worker_profile", actor, {"peer_worker_id": str(peer), "display_name": "Bench Peer",
                                                             "organization_id": "org-bench"})
    with tqdm(total=RELAY_EVENTS, desc="relay: storing events", leave=False) as progress:
        while intake.max_position() < RELAY_EVENTS:
            for peer in peers:
                intake.perform("share_experience", actor, {"peer_worker_id": str(peer), "experience": "veteran",
                                                           "visibility": "matching"})
                intake.perform("withdraw_experience", actor, {"peer_worker_id": str(peer), "experience": "veteran"})
            progress.update(2 * len(peers))
    total = intake.max_position()
    with Connection(uri) as connection:  # a bound durable queue, so messages are really stored
        queue = consumer_queue("relay-bench", ("intake",))(connection.default_channel)
        queue.declare()
        relay = Relay(intake, ConfirmingPublisher(uri, config.exchange_name()), batch_size=500)
        started = time.perf_counter()
        while relay.relay_once():
            pass
        elapsed = time.perf_counter() - started
        queue.delete()
    relay.publisher.close()
    return {"events": total, "events_per_s": total / elapsed}


def end_to_end(uri: str) -> dict:
    from nameko.standalone.rpc import ClusterRpcProxy

    from shared.network import Network, application_for

    network = Network(env={"AMQP_URI": uri}, services=("intake", "matching"), port_base=free_port_base(),
                      log_dir=config.var_dir() / "logs")
    network.start()
    try:
        peers = [str(uuid.uuid4()) for _ in range(PEER_WORKERS)]
        with ClusterRpcProxy({"AMQP_URI": uri}, timeout=30, context_data=SignedContext(caller("system"))) as rpc:
            for peer in tqdm(peers, desc="end to end: profiles", leave=False):
                rpc.intake.record_peer_worker_profile({"peer_worker_id": peer, "display_name": "Bench Peer",
                                                       "organization_id": "org-bench"})
            wait_until(lambda: rpc.matching.positions()["upstream"]["intake"] == rpc.intake.positions()["log"],
                       timeout=60, message="matching caught up with the profiles")
            first_command = rpc.intake.positions()["log"] + 1
            shares = [(uri, peers[i::CLIENTS]) for i in range(CLIENTS)]
            with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
                pool.map(trivial_calls, [(uri, 10)] * CLIENTS)  # clients warmed up, as for the commands
                started = time.perf_counter()
                trivial = sum(pool.map(trivial_calls, [(uri, COMMANDS // CLIENTS)] * CLIENTS))
                raw_call = trivial / (time.perf_counter() - started)
                pool.map(nameko_trivial_calls, [(uri, 10)] * CLIENTS)
                started = time.perf_counter()
                trivial = sum(pool.map(nameko_trivial_calls, [(uri, COMMANDS // CLIENTS)] * CLIENTS))
                nameko_rpc = trivial / (time.perf_counter() - started)
                started = time.perf_counter()
                commands = sum(pool.map(toggle_own_items, shares))
                clients_done = time.perf_counter()
            last = rpc.intake.positions()["log"]
            wait_until(lambda: rpc.matching.positions()["upstream"]["intake"] >= last, timeout=120,
                       message="matching caught up with the commands")
            caught_up = time.perf_counter()
    finally:
        network.stop()

    intake, matching = application_for("intake"), application_for("matching")
    stored_at = {n.id: intake.mapper.to_domain_event(n).timestamp
                 for n in _notifications(intake) if n.id >= first_command}
    lags = []
    for notification in _notifications(matching):
        event = matching.mapper.to_domain_event(notification)
        position = getattr(event, "upstream_position", None)
        if position in stored_at:
            lags.append((event.timestamp - stored_at[position]).total_seconds() * 1000)
    lags.sort()
    return {
        "clients": CLIENTS, "commands": commands, "trivial_calls_per_s": raw_call, "nameko_rpc_per_s": nameko_rpc,
        "commands_per_s_end_to_end": commands / (caught_up - started),
        "commands_per_s_accepted": commands / (clients_done - started),
        "lag_ms_p50": statistics.median(lags), "lag_ms_p99": lags[int(len(lags) * 0.99) - 1],
        "lag_samples": len(lags),
    }


def _notifications(application, page: int = 1000):
    after = 0
    while True:
        batch = application.recorder.select_notifications(start=after, limit=page, inclusive_of_start=False)
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def main() -> None:
    with private_bench() as (uri, vhost_uri):
        print(f"peernet bench on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"SQLite stores, RabbitMQ at {uri}", flush=True)
        raw_broker = broker_rates(vhost_uri, 20000)
        raw_store = store_rate({**config.application_env("rawstore")}, 3000)
        relay = relay_throughput(vhost_uri)
        e2e = end_to_end(vhost_uri)
        door = front_door.run(vhost_uri) if os.environ.get("BENCH_FRONT_DOOR", "yes") != "no" else None
        pages = web.run() if os.environ.get("BENCH_WEB", "yes") != "no" else None

    rows = [
        ("raw broker: persistent publish", raw_broker["publish_persistent"], "msg/s", None),
        ("raw broker: publish, confirm each", raw_broker["publish_confirm_each"], "msg/s", None),
        ("raw broker: publish, confirms batched by 500", raw_broker["publish_confirm_batched_500"], "msg/s", None),
        ("raw broker: consume + ack", raw_broker["consume_ack"], "msg/s", None),
        ("raw store: save one new aggregate (SQLite, encrypted)", raw_store, "saves/s", None),
        ("relay: stored events published, confirmed", relay["events_per_s"], "events/s",
         f"{relay['events_per_s'] / raw_broker['publish_confirm_each']:.1f}x confirm-each, "
         f"{relay['events_per_s'] / raw_broker['publish_confirm_batched_500']:.2f}x batched"),
        (f"nameko RPC: a trivial read ({CLIENTS} clients)", e2e["nameko_rpc_per_s"], "calls/s", None),
        (f"calls (shared.calls): the same trivial read ({CLIENTS} clients)", e2e["trivial_calls_per_s"], "calls/s",
         f"{e2e['trivial_calls_per_s'] / e2e['nameko_rpc_per_s']:.1f}x nameko RPC"),
        (f"end to end: intake command -> matching projection ({CLIENTS} clients)",
         e2e["commands_per_s_end_to_end"], "commands/s",
         f"{e2e['commands_per_s_end_to_end'] / e2e['trivial_calls_per_s']:.2f}x trivial calls, "
         f"{e2e['commands_per_s_end_to_end'] / raw_store:.2f}x raw store, "
         f"{e2e['commands_per_s_end_to_end'] / raw_broker['publish_persistent']:.3f}x raw publish"),
        ("end to end: commands accepted by intake", e2e["commands_per_s_accepted"], "commands/s", None),
        ("end to end: projection lag p50", e2e["lag_ms_p50"], "ms", None),
        ("end to end: projection lag p99", e2e["lag_ms_p99"], "ms", None),
    ]
    print()
    for name, value, unit, ratio in rows:
        print(f"  {name:<66} {value:>10,.1f} {unit:<11} {ratio or ''}")
    results = {"machine": f"{os.cpu_count()} cores, Python {platform.python_version()}", "raw_broker": raw_broker,
               "raw_store_saves_per_s": raw_store, "relay": relay, "end_to_end": e2e}
    if door is not None:
        print(time.strftime("\nthe front door, the whole network (%H:%M UTC):", time.gmtime()))
        front_door.print_rows(door)
        results["front_door"] = door
    if pages is not None:
        print("\nweb pages with the demo network loaded (server time, from each page's Server-Timing):")
        web.print_rows(pages)
        results["web"] = pages
    if os.environ.get("BENCH_SERVICES", "yes") != "no":
        from bench import audit, matching, notifications, paging, paging_people, paging_records

        print("\nmatching at national scale:", flush=True)
        results["matching"] = matching.run()
        print("\naudit with a million ledger entries:", flush=True)
        results["audit"] = audit.run()
        print("\nnotifications to a real SMTP server:", flush=True)
        results["notifications"] = notifications.run()
        notifications.print_rows(results["notifications"])
        print(time.strftime("\nlists paged inside the services (%H:%M UTC):", time.gmtime()), flush=True)
        results["paging"] = {**paging.paging_figures(), **paging_people.paging_figures(),
                             **paging_records.paging_figures()}
        paging.print_rows(results["paging"])
    Path("var").mkdir(exist_ok=True)
    Path("var/bench.json").write_text(json.dumps(results, indent=2))
    print("\nfigures written to var/bench.json")


if __name__ == "__main__":
    main()
