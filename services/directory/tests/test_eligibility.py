"""The one rule of who is an eligible peer supervisor: directory decides the day the
state's years in peer roles are met, keeps it in the event and publishes it."""
from __future__ import annotations

import uuid

from services.directory.setup import setup
from services.directory.domain import PeerWorker
from services.directory.settings import Settings
from services.directory.tests.support import SYSTEM
from services.directory.eligibility import is_eligible_supervisor, peer_years_met_on
from services.directory.translations import TRANSLATIONS
from shared.contracts import IntegrationEvent, latest
from shared.tests.conftest import app_factory, isolated_env, vault  # noqa: F401  (fixtures)

ACTOR = {"user_id": "admin-1", "role": "agency_admin", "organization_id": "org-a", "correlation_id": "c"}


def test_the_years_are_met_after_the_states_years_of_365_and_a_quarter_days(monkeypatch):
    monkeypatch.delenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", raising=False)
    years = Settings.from_env().min_peer_years
    assert peer_years_met_on("2019-01-01", years) == "2021-01-01"  # 731 days: 730.5 rounded up
    assert peer_years_met_on("2019-01-01", years=1) == "2020-01-02"  # 366 days
    assert peer_years_met_on(None, years) is None
    monkeypatch.setenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", "5")
    assert peer_years_met_on("2019-01-01", Settings.from_env().min_peer_years) == "2024-01-02"  # 1,827 days
    assert peer_years_met_on("2019-01-01", Settings.from_env(
        {"PEERNET_SUPERVISOR_MIN_PEER_YEARS": "3"}).min_peer_years) == "2022-01-01"  # 1,096 days: env given wins


def worker(since: str | None, met_on: str | None) -> PeerWorker:
    made = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since=since, actor=ACTOR, peer_years_met_on=met_on)
    made.record_credential("c1", "peer_supervisor", None, None, "2020-01-01", None, ACTOR)
    return made


def test_eligible_from_the_day_directory_decided_with_a_current_peer_supervisor_credential():
    decided = worker("2019-01-01", "2021-01-01")
    assert not is_eligible_supervisor(decided, "2020-12-31", 2)
    assert is_eligible_supervisor(decided, "2021-01-01", 2)
    assert is_eligible_supervisor(decided, "2021-01-01", 10)  # the day kept is directory's decision
    assert not is_eligible_supervisor(worker(None, None), "2030-01-01", 2)
    uncredentialed = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2010-01-01", actor=ACTOR,
                                peer_years_met_on="2012-01-01")
    assert not is_eligible_supervisor(uncredentialed, "2030-01-01", 2)


def test_a_start_stored_before_the_day_was_kept_is_decided_by_the_same_rule(monkeypatch):
    monkeypatch.delenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", raising=False)
    old = worker("2019-01-01", None)
    assert not is_eligible_supervisor(old, "2020-12-31", 2)
    assert is_eligible_supervisor(old, "2021-01-01", 2)


def publish(domain_event) -> IntegrationEvent:
    type_, body, *version = TRANSLATIONS[type(domain_event)](domain_event)
    return IntegrationEvent(source="directory", position=1, type=type_, version=version[0] if version else 1,
                            occurred_at="2026-01-01T00:00:00+00:00", actor=ACTOR, subject_id="s", body=body)


def test_the_day_is_published_as_version_2_and_a_start_stored_before_keeps_version_1():
    decided = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2019-01-01", actor=ACTOR,
                         peer_years_met_on="2021-01-01")
    decided.set_peer_role_since("2018-01-01", ACTOR, "2020-01-02")
    recorded, changed = [publish(e) for e in decided.collect_events()]
    assert (recorded.version, recorded.body["peer_years_met_on"]) == (2, "2021-01-01")
    assert (changed.version, changed.body["peer_years_met_on"]) == (2, "2020-01-02")
    before = publish(PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2019-01-01",
                                actor=ACTOR).collect_events()[0])
    assert before.version == 1 and "peer_years_met_on" not in before.body
    assert latest(before).body["peer_years_met_on"] is None  # until decide_peer_years publishes it


def test_starts_stored_before_the_day_was_kept_are_decided_once(app_factory, monkeypatch):
    monkeypatch.delenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", raising=False)
    directory = app_factory(setup)
    stored_before = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2019-01-01", actor=ACTOR)
    directory.save(stored_before, PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since=None, actor=ACTOR))
    assert directory.perform("decide_peer_years", SYSTEM) == 1
    assert directory.repository.get(stored_before.id).peer_years_met_on == "2021-01-01"
    assert directory.perform("decide_peer_years", SYSTEM) == 0


def test_a_changed_setting_decides_everyones_day_again(app_factory, monkeypatch):
    monkeypatch.delenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", raising=False)
    directory = app_factory(setup, store="sqlite")
    recorded = PeerWorker(peer_worker_id=uuid.uuid4(), peer_role_since="2019-01-01", actor=ACTOR,
                          peer_years_met_on=peer_years_met_on("2019-01-01"))
    directory.save(recorded)
    assert directory.perform("decide_peer_years", SYSTEM) == 0
    monkeypatch.setenv("PEERNET_SUPERVISOR_MIN_PEER_YEARS", "5")
    assert directory.perform("decide_peer_years", SYSTEM) == 0  # settings are read once, at setup
    directory = app_factory(setup, store="sqlite")  # the service started again with the state's new setting
    assert directory.perform("decide_peer_years", SYSTEM) == 1
    assert directory.repository.get(recorded.id).peer_years_met_on == "2024-01-02"
    assert directory.perform("decide_peer_years", SYSTEM) == 0
