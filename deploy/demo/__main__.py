"""`python -m deploy.demo [--people 3000 --peer-workers 300 --counties 6] [--gateway URL]`

Loads a synthetic statewide network into a running network (`make run` in another terminal)
through its HTTP API. Running it again adds nothing.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import requests

from deploy.demo.census import census
from deploy.demo.gateway import Gateway, Refused, default_gateway_url
from deploy.demo.load import Loader
from deploy.demo.plan import plan


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default=os.environ.get("PEERNET_GATEWAY_URL") or default_gateway_url(),
                        help="the gateway's address (default: PEERNET_GATEWAY_URL, or where make run puts it)")
    parser.add_argument("--counties", type=int, default=6, help="counties, each with a peer-run organization "
                                                                "and two agencies buying from it")
    parser.add_argument("--peer-workers", type=int, default=300)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=8, help="concurrent callers")
    parser.add_argument("--seed", type=int, default=2026, help="another seed is another network")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    try:
        requests.get(args.gateway + "/health", timeout=3).raise_for_status()
    except requests.RequestException as error:
        print(f"No peernet gateway answers at {args.gateway} ({type(error).__name__}).\n"
              "Start the network first, in another terminal: make run", file=sys.stderr)
        return 1
    network = plan(args.counties, args.people, args.peer_workers, args.seed)
    gateway = Gateway(args.gateway)
    started = time.monotonic()
    print(f"Loading a synthetic network into {args.gateway}: {len(network.organizations)} organizations, "
          f"{len(network.peer_workers)} peer workers, {len(network.people)} people", flush=True)
    try:
        Loader(gateway, network, workers=args.workers, quiet=args.quiet).run()
    except Refused as refused:
        print(f"The gateway refused a step: {refused}", file=sys.stderr)
        if refused.status in (503, 504):
            print("A service is busy or down: run the demo again, it carries on where it stopped.", file=sys.stderr)
        return 1
    except TimeoutError as error:
        print(f"The network is not keeping up: {error}", file=sys.stderr)
        return 1
    print(f"\nDone in {time.monotonic() - started:.0f} s. The network now holds:")
    for label, count in census(gateway, network).items():
        print(f"  {label:<32}{count:>7}")
    print(f"\nHave a look: {args.gateway}/docs  (tokens: make token ROLE=state_auditor USER=me)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
