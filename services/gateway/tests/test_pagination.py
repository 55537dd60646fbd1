"""Cursor pagination: walking the pages yields every item once, in order, filters included."""
from hypothesis import HealthCheck, given, settings, strategies as st

from services.gateway.tests.conftest import bearer
from shared import config


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
