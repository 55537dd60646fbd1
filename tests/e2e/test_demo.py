"""`make demo` at a tiny size, twice, against the whole network: it loads what it was asked
for, over HTTP only, and the second run adds nothing."""
import os
import subprocess
import sys

import pytest

from deploy.demo.census import census, event_types
from deploy.demo.gateway import Gateway
from deploy.demo.plan import plan
from shared.network import ROOT
from tests.e2e.conftest import SECRET

pytestmark = pytest.mark.integration
SIZE = {"counties": 3, "peer_workers": 12, "people": 30}


def run_demo(url: str) -> str:
    arguments = [f"--{name.replace('_', '-')}={value}" for name, value in SIZE.items()]
    done = subprocess.run([sys.executable, "-m", "deploy.demo", "--gateway", url, "--quiet", *arguments],
                          cwd=ROOT, env={**os.environ, "PEERNET_JWT_SECRET": SECRET}, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def changes(api: Gateway) -> dict:
    """Every service's events by type, less the access log: reading someone's record is recorded, rightly."""
    return {service: {kind: count for kind, count in event_types(api, service).items() if kind != "AccessRecorded"}
            for service in ("intake", "directory", "matching", "supervision")}


def test_the_demo_loads_what_was_asked_and_a_second_run_adds_nothing(gateway):
    api, network = Gateway(gateway.base_url, secret=SECRET), plan(**SIZE)
    output = run_demo(gateway.base_url)
    assert "people enrolled" in output and "(synthetic)" not in output
    first, events = census(api, network), changes(api)
    workers, people = network.peer_workers, network.people
    assert first["organizations"] == 3 * SIZE["counties"]
    assert first["subcontracts"] == len(network.subcontracts) == 2 * SIZE["counties"]
    assert first["active supervision agreements"] == len(network.supervision) == 1
    assert first["peer workers profiled"] == first["employments"] == SIZE["peer_workers"]
    assert first["credentials"] == sum(w.certified + w.supervisor for w in workers)
    assert first["pool members"] == sum(w.in_pool for w in workers)
    assert first["people enrolled"] == SIZE["people"]
    assert first["items people shared"] == sum(len(p.shared) for p in people)
    assert first["support requests"] == sum(p.request_id is not None for p in people)
    assert 0 < first["connections"] == first["choices"] <= sum(p.chooses for p in people)
    assert first["supervisions accepted"] >= sum(len(named) for _, _, named in network.supervision)

    run_demo(gateway.base_url)
    assert census(api, network) == first
    assert changes(api) == events  # not one change more in any service
