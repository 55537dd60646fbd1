"""shared.access: a read of someone else's personal data is one published event, at most once an hour."""
from __future__ import annotations

import uuid

import pytest

from shared.access import TRANSLATIONS, AccessLog
from shared.application import ServiceApplication
from shared.contracts import parse
from shared.identity import Caller
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401

PERSON = str(uuid.uuid4())
PEER = Caller(user_id=str(uuid.uuid4()), role="peer", organization_id="org-harbor")


def access_sample(source: str) -> dict:
    """The AccessRecorded sample each reading service's contract tests include."""
    return {(source, "AccessRecorded", 1): {"subject_id": uuid.UUID(PERSON), "subject_kind": "person",
                                            "via": "peer_requests", "fields_read": ["shared_items"]}}


class Reading(AccessLog, ServiceApplication):
    service = "matching"
    translations = TRANSLATIONS


@pytest.fixture
def reading(app_factory):
    return app_factory(Reading)


def test_a_read_of_someone_elses_data_is_published_about_them_with_field_names_only(reading):
    assert reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items", "languages"])])
    [event] = reading.integration_events(0)
    assert (event.type, event.subject_id) == ("AccessRecorded", PERSON)
    assert event.actor["user_id"] == PEER.user_id and event.actor["organization_id"] == "org-harbor"
    assert event.body == {"subject_id": PERSON, "subject_kind": "person", "via": "peer_requests",
                          "fields_read": ["languages", "shared_items"]}
    assert parse(event.as_message()).body["subject_id"] == uuid.UUID(PERSON)


def test_own_data_the_service_itself_and_empty_answers_are_not_recorded(reading):
    assert not reading.record_access(Caller(user_id=PERSON, role="person"), "my_offers", [(PERSON, "person", ["x"])])
    assert not reading.record_access(Caller.system("matching"), "peer_requests", [(PERSON, "person", ["x"])])
    assert not reading.record_access(PEER, "peer_requests", [(PERSON, "person", [])])
    assert reading.integration_events(0) == []


def test_the_same_read_again_within_the_hour_is_recorded_once_even_by_a_second_instance(app_factory, reading):
    for _ in range(100):
        reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items"])])
    reading._access_seen.clear()  # as a restarted process would: the store itself refuses the repeat
    assert not reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items"])])
    other_reader = Caller(user_id=str(uuid.uuid4()), role="peer")
    assert reading.record_access(other_reader, "peer_requests", [(PERSON, "person", ["shared_items"])])
    assert reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items", "languages"])])
    assert len(reading.integration_events(0)) == 3


def test_a_new_hour_records_again(reading, monkeypatch):
    from shared import access

    reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items"])])

    class Later(access.datetime):
        @classmethod
        def now(cls, tz=None):
            return access.datetime(2099, 1, 1, 5, tzinfo=tz)

    monkeypatch.setattr(access, "datetime", Later)
    assert reading.record_access(PEER, "peer_requests", [(PERSON, "person", ["shared_items"])])
    assert len(reading.integration_events(0)) == 2


def test_one_answer_about_many_is_one_transaction_and_a_repeat_among_them_does_not_lose_the_rest(reading):
    others = [str(uuid.uuid4()) for _ in range(3)]
    assert reading.record_access(PEER, "search_pool", [(o, "peer_worker", ["display_name"]) for o in others]) == 3
    reading._access_seen.clear()
    newcomer = str(uuid.uuid4())
    reads = [(o, "peer_worker", ["display_name"]) for o in [*others, newcomer]]
    assert reading.record_access(PEER, "search_pool", reads) == 1
    assert [e.subject_id for e in reading.integration_events(0)] == [*others, newcomer]
