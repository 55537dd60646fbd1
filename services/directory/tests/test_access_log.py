"""Reads of peer workers' personal data through directory are recorded (shared.access): names of fields only."""
from __future__ import annotations

import json

import pytest

from services.directory.setup import setup
from services.directory.tests.support import SYSTEM, Network, admin_of, cps, peer_caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401  (fixtures)


@pytest.fixture
def directory(app_factory):
    return app_factory(setup)


@pytest.fixture
def net(directory):
    return Network(directory)


def accesses(directory):
    return [e for e in directory.integration_events(0, limit=1000) if e.type == "AccessRecorded"]


def join(directory, net, worker, name):
    directory.perform("join_pool", peer_caller(worker), {"peer_worker_id": str(worker),
                                                         "organization_id": str(net.provider), "display_name": name,
                         "region": "Hampden", "languages": ["English"], "specialties": []})


def test_a_pool_search_records_each_other_peer_shown_on_the_page_once_an_hour(directory, net):
    for worker, name in zip(net.workers, ("Rowan Example", "Sky Example")):
        join(directory, net, worker, name)
    me = peer_caller(net.workers[0])
    found = directory.perform("search_pool", me, {})
    assert {m["display_name"] for m in found["items"]} == {"Rowan Example", "Sky Example"}
    [access] = accesses(directory)  # not their own entry
    assert (access.subject_id, access.actor["user_id"]) == (str(net.workers[1]), str(net.workers[0]))
    assert access.body["fields_read"] == ["display_name"] and access.body["via"] == "search_pool"
    assert "Sky" not in json.dumps(access.as_message())
    directory.perform("search_pool", me, {})
    assert len(accesses(directory)) == 1
    directory.perform("search_pool", peer_caller(net.workers[1]), {"limit": 1})  # sees only the first page: Rowan
    assert accesses(directory)[-1].subject_id == str(net.workers[0])


def test_an_agency_reading_a_workforce_record_with_credential_numbers_is_recorded(directory, net):
    worker = net.workers[0]
    directory.perform("record_credential", admin_of(net.provider), cps(worker, number="CPS-12345"))
    directory.perform("workforce_record", peer_caller(worker), worker)
    directory.perform("workforce_record", SYSTEM, worker)
    assert accesses(directory) == []
    directory.perform("workforce_record", admin_of(net.provider), worker)
    [access] = accesses(directory)
    assert access.body["fields_read"] == ["credentials.number", "employments"]
    assert access.actor["organization_id"] == str(net.provider)
    assert "CPS-12345" not in json.dumps(access.as_message())
