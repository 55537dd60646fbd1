"""`python -m services.matching.cli rebuild`: replay matching's store into its
projection, with a progress bar, and print what it holds and how fast it went."""
from __future__ import annotations

import argparse
import time

from tqdm import tqdm

from shared.network import application_for


def rebuild() -> dict:
    matching = application_for("matching")
    try:
        total = matching.max_position()
        started = time.perf_counter()
        with tqdm(total=total, desc="matching: replaying", unit="event") as bar:
            pool = matching.rebuild(progress=bar.update)
        elapsed = time.perf_counter() - started
        return {"events": total, "seconds": round(elapsed, 2),
                "events_per_s": round(total / elapsed) if elapsed else None,
                "peer_workers": sum(1 for p in pool.peers.values() if p.listed), "people": len(pool.people),
                "active_connections": sum(1 for c in pool.connections.values() if c["active"])}
    finally:
        matching.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.matching.cli")
    parser.add_argument("command", choices=["rebuild"])
    parser.parse_args(argv)
    for name, value in rebuild().items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
