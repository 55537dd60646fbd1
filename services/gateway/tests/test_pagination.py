"""Cursor pagination: walking the pages yields every item once, in order, filters included."""
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st

from services.gateway.tests.conftest import bearer
from services.intake.setup import setup as intake_setup
from services.intake.tests.people_fixtures import a_person, enrollment
from shared import config
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401


def events_log(types):
    log = [{"source": "intake", "position": index + 1, "type": kind, "version": 1,
            "occurred_at": "2026-01-05T00:00:00+00:00",
            "actor": {"user_id": "u", "role": "peer", "organization_id": None, "correlation_id": "c"},
            "subject_id": None, "body": {}} for index, kind in enumerate(types)]
    return lambda after, limit: [event for event in log if event["position"] > after][:limit]


def walk(client, url, headers):
    items, cursor, sizes = [], None, []
    while True:
        page = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers).get_json()
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(types=st.lists(st.sampled_from(["PeerWorkerProfiled", "PeerWorkerExperienceShared"]), max_size=40),
       limit=st.integers(1, 7), only=st.sampled_from([None, "PeerWorkerProfiled"]))
def test_walking_integration_events_yields_each_once_in_order(client, backend, types, limit, only):
    backend.answers[("intake", "integration_events")] = events_log(types)
    url = f"/services/intake/integration-events?limit={limit}" + (f"&type={only}" if only else "")
    items, sizes = walk(client, url, bearer("state_auditor"))
    expected = [index + 1 for index, kind in enumerate(types) if only in (None, kind)]
    assert [item["position"] for item in items] == expected
    assert max(sizes) <= limit and len(sizes) <= len(expected) // limit + 2


def test_services_are_listed_page_by_page(client):
    items, sizes = walk(client, "/services?limit=2", bearer("peer"))
    assert [item["name"] for item in items] == list(config.SERVICES)
    assert len(sizes) == -(-len(config.SERVICES) // 2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.booleans(), max_size=30), limit=st.integers(1, 7))
def test_walking_a_persons_disclosures_read_by_intake_yields_each_line_once_oldest_first(client, backend, app_factory,
                                                                                         lines, limit):
    """Through the gateway to intake's own query (in memory): each line a disclosure, or (False) another event
    of the person's between them."""
    intake = app_factory(intake_setup)
    me = a_person()
    intake.perform("enroll", me, enrollment(me))
    for n, disclosed in enumerate(lines):
        if disclosed:
            person = intake.person(uuid.UUID(me.user_id))
            person.record_disclosure({"user_id": f"reader-{n}", "role": "peer", "organization_id": None},
                                     "connected_peer", ["contact"], Caller.system("intake").as_actor())
            intake.save(person)
        else:
            intake.perform("change_details", me, {"person_id": me.user_id, "region": f"County {n}"})
    backend.answers[("intake", "disclosures")] = lambda *args: intake.perform("disclosures", me, *args)
    items, sizes = walk(client, f"/people/{me.user_id}/disclosures?limit={limit}", bearer("person", me.user_id))
    assert [item["to"]["user_id"] for item in items] == [f"reader-{n}" for n, disclosed in enumerate(lines) if disclosed]
    assert max(sizes) <= limit and len(sizes) == max(1, -(-sum(lines) // limit))
